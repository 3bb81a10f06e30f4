"""A guardian (or staff, the roster, the operator) changes a child's photo consent: the
change is recorded with when and who, and anything still queued that the new value
forbids is stopped, its links expired at once.

Posts still waiting (scheduled, or held for the digest) need nothing here: consent is read
when they go. What was already fanned out is a `PhotoRecipient` row per family with the
delivery queued for it; a delivery not yet sent (held for quiet hours, or for WhatsApp's
window, or its copy on the family's next channel) is cancelled by a conditional UPDATE, so
one a worker has claimed meanwhile is left to go, never overwritten. The stored copies of a
post's photos (the /media links sent to numbers without MMS) are deleted as soon as any
family it went to may no longer see it, so a link already sent answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...config import get_settings
from ...dispatch import history
from ...media import remove_made_from
from ...models import (
    Delivery,
    DeliveryEventKind,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Message,
    PhotoConsent,
    Staff,
    Student,
)
from .consent import effective_consent, may_see, own_children
from .digest_send import requeue
from .models import (
    ConsentChange,
    ConsentSource,
    PhotoPost,
    PhotoRecipient,
    PhotoTag,
    PostState,
    RecipientOutcome,
)

# Not gone yet: waiting for its time (quiet hours) or for WhatsApp's reply window.
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.HELD)
DETAIL = "photo permission changed"
# A family has a few channels: a longer chain of fallback copies would be a bug.
MAX_COPIES = 10
BATCH = 500


@dataclass(frozen=True)
class ConsentResult:
    student: Student
    chosen: PhotoConsent  # what this guardian chose
    effective: PhotoConsent  # what holds for the child (the strictest of its guardians)
    withdrawn: int  # queued deliveries stopped because of it


def set_photo_consent(
    session: Session,
    guardian: Guardian,
    student: Student,
    value: PhotoConsent,
    *,
    source: ConsentSource,
    now: dt.datetime,
    by_staff: Staff | None = None,
) -> ConsentResult:
    """Set this guardian's consent for their child (ValueError if not their child)."""
    link = session.scalar(
        select(Guardianship).where(
            Guardianship.guardian_id == guardian.id,
            Guardianship.student_id == student.id,
            Guardianship.active,
        )
    )
    if link is None or not student.active:
        raise ValueError("not this guardian's child")
    withdrawn = 0
    if link.photo_consent is not value:
        record_change(
            session,
            link,
            value,
            source=source,
            now=now,
            by_guardian=guardian if source is ConsentSource.GUARDIAN else None,
            by_staff=by_staff,
        )
        link.photo_consent = value
        session.flush()
        withdrawn = withdraw_forbidden(session, [student.id], now)
    effective = effective_consent(session, [student.id])[student.id]
    return ConsentResult(student, value, effective, withdrawn)


def family_chosen_links(session: Session) -> set[tuple[int, int]]:
    """(guardian id, student id) of every link whose latest consent change the family
    made itself."""
    latest: dict[tuple[int, int], ConsentSource] = {}
    for guardian_id, student_id, source in session.execute(
        select(ConsentChange.guardian_id, ConsentChange.student_id, ConsentChange.source).order_by(
            ConsentChange.id
        )
    ):
        latest[(guardian_id, student_id)] = source
    return {key for key, source in latest.items() if source is ConsentSource.GUARDIAN}


def record_change(
    session: Session,
    link: Guardianship,
    new: PhotoConsent,
    *,
    source: ConsentSource,
    now: dt.datetime,
    by_guardian: Guardian | None = None,
    by_staff: Staff | None = None,
) -> ConsentChange:
    """The change's row, before `link.photo_consent` takes the new value."""
    change = ConsentChange(
        guardian_id=link.guardian_id,
        student_id=link.student_id,
        old=link.photo_consent,
        new=new,
        source=source,
        by_guardian_id=by_guardian.id if by_guardian is not None else None,
        by_staff_id=by_staff.id if by_staff is not None else None,
        changed_at=now,
    )
    session.add(change)
    return change


def withdraw_forbidden(session: Session, student_ids: list[int], now: dt.datetime) -> int:
    """Stop what is queued (not yet sent) that the current consent of these children
    forbids, and expire the links and stored copies of those photos; returns how many
    deliveries were stopped."""
    if not student_ids:
        return 0
    session.flush()
    posts = _sent_posts_of(session, sorted(set(student_ids)))
    return sum(_withdraw(session, posts[i : i + BATCH], now) for i in range(0, len(posts), BATCH))


def _withdraw(session: Session, posts: list[PhotoPost], now: dt.datetime) -> int:
    """`withdraw_forbidden` for a batch of posts, each judged on its own tags."""
    tags = _tags(session, [p.id for p in posts])
    recipients = _queued(session, [p.id for p in posts])
    consent = effective_consent(session, {s for ids in tags.values() for s in ids})
    own = own_children(session, {r.guardian_id for rs in recipients.values() for r in rs})
    stopped = 0
    for post in posts:
        forbidden = [
            r
            for r in recipients.get(post.id, [])
            if not may_see(own.get(r.guardian_id, set()), tags[post.id], consent)
        ]
        if not forbidden:
            continue
        chains = {r.id: _copies(session, r.delivery_id) for r in forbidden}
        cancelled = _cancel(session, [d for chain in chains.values() for d in chain], now)
        stopped += len(cancelled)
        for recipient in forbidden:
            if cancelled & set(chains[recipient.id]):
                recipient.outcome = RecipientOutcome.WITHDRAWN
        _requeue_sharing(session, cancelled, now)
        _expire_copies(session, post)
    return stopped


def _sent_posts_of(session: Session, student_ids: list[int]) -> list[PhotoPost]:
    """Sent posts any of these children is tagged in (a roster import names thousands:
    asked in batches, under every database's limit of bound values)."""
    found: dict[int, PhotoPost] = {}
    for start in range(0, len(student_ids), BATCH):
        tagged = select(PhotoTag.post_id).where(
            PhotoTag.student_id.in_(student_ids[start : start + BATCH])
        )
        for post in session.scalars(
            select(PhotoPost).where(PhotoPost.state == PostState.SENT, PhotoPost.id.in_(tagged))
        ):
            found[post.id] = post
    return [found[i] for i in sorted(found)]


def _tags(session: Session, post_ids: list[int]) -> dict[int, set[int]]:
    tags: dict[int, set[int]] = defaultdict(set)
    for post_id, student_id in session.execute(
        select(PhotoTag.post_id, PhotoTag.student_id).where(PhotoTag.post_id.in_(post_ids))
    ):
        tags[post_id].add(student_id)
    return tags


def _queued(session: Session, post_ids: list[int]) -> dict[int, list[PhotoRecipient]]:
    """Each post's families that were sent (or are still to be sent) the photo."""
    found: dict[int, list[PhotoRecipient]] = defaultdict(list)
    for recipient in session.scalars(
        select(PhotoRecipient)
        .where(
            PhotoRecipient.post_id.in_(post_ids),
            PhotoRecipient.outcome == RecipientOutcome.QUEUED,
        )
        .order_by(PhotoRecipient.id)
    ):
        found[recipient.post_id].append(recipient)
    return found


def _copies(session: Session, delivery_id: int | None) -> list[int]:
    """A delivery and the copies the dispatcher queued on the family's next channels."""
    if delivery_id is None:
        return []
    chain = [delivery_id]
    frontier = [delivery_id]
    for _ in range(MAX_COPIES):
        frontier = [
            i
            for i in session.scalars(
                select(Delivery.id).where(Delivery.fallback_of_id.in_(frontier))
            )
            if i not in chain
        ]
        if not frontier:
            break
        chain.extend(frontier)
    return chain


def _cancel(session: Session, delivery_ids: list[int], now: dt.datetime) -> set[int]:
    """Cancel those still waiting to go; a delivery being sent now is left to go."""
    if not delivery_ids:
        return set()
    cancelled = set(
        session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status.in_(UNSENT))
            .values(status=DeliveryStatus.CANCELLED, error_message=DETAIL, updated_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session="fetch")
        )
    )
    for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(cancelled))):
        history.record(session, delivery, DeliveryEventKind.CANCELLED, now, detail=DETAIL)
    return cancelled


def _requeue_sharing(session: Session, cancelled: Collection[int], now: dt.datetime) -> None:
    """A digest's one delivery carries several posts: stopping it for one stops the others
    too. Those the family may still see are queued again, in a digest of their own; the
    rest are withdrawn."""
    if not cancelled:
        return
    sharing: dict[int, list[PhotoRecipient]] = defaultdict(list)
    for recipient in session.scalars(
        select(PhotoRecipient)
        .where(
            PhotoRecipient.delivery_id.in_(list(cancelled)),
            PhotoRecipient.outcome == RecipientOutcome.QUEUED,
        )
        .order_by(PhotoRecipient.id)
    ):
        sharing[recipient.delivery_id or 0].append(recipient)
    for delivery_id, recipients in sharing.items():
        delivery = session.get_one(Delivery, delivery_id)
        guardian = session.get_one(Guardian, recipients[0].guardian_id)
        posts = {
            p.id: p
            for p in session.scalars(
                select(PhotoPost).where(PhotoPost.id.in_([r.post_id for r in recipients]))
            )
        }
        tags = _tags(session, list(posts))
        consent = effective_consent(session, {s for ids in tags.values() for s in ids})
        own = own_children(session, [guardian.id]).get(guardian.id, set())
        allowed = [r for r in recipients if may_see(own, tags[r.post_id], consent)]
        for recipient in recipients:
            if recipient not in allowed:
                recipient.outcome = RecipientOutcome.WITHDRAWN
        message = session.get(Message, delivery.message_id) if delivery.message_id else None
        if not allowed or message is None:
            continue
        again = requeue(
            session,
            guardian,
            [posts[r.post_id] for r in allowed],
            message,
            now=now,
            default_timezone=get_settings().default_timezone,
        )
        for recipient in allowed:
            queued = again.get((recipient.post_id, guardian.id))
            recipient.delivery_id = queued.id if queued is not None else None
            if queued is None:
                recipient.outcome = RecipientOutcome.UNREACHABLE


def _expire_copies(session: Session, post: PhotoPost) -> int:
    """Delete the stored copies of the post's photos: every link to them answers 404
    (the other photos of a digest it went in keep theirs)."""
    references: list[dict[str, Any]] = [m for m in post.media if isinstance(m, dict)]
    return remove_made_from(session, references)
