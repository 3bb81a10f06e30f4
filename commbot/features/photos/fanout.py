"""One post to every family the consent rule allows, each on their channel, in their
language, after their quiet hours, protected on Telegram.

Consent is read here, when the post goes, never when it was tagged: a family that changed
its choice while the post waited is obeyed. One `Message` (kind PHOTO) holds the post's
words and photos; each family gets its own delivery of it, and a `PhotoRecipient` row says
what happened to them, which the summary (`summary`) and consent withdrawals read.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import (
    AuthorKind,
    Delivery,
    Guardian,
    Lane,
    Message,
    MessageKind,
    SchoolClass,
    Staff,
    Student,
)
from ...outbox import to_guardian, to_staff
from ...threads import thread_for
from . import messages
from .consent import Family, audience
from .models import PhotoPost, PhotoRecipient, PostState, RecipientOutcome
from .posts import OPEN, PostError
from .sharing import may_still_share

log = logging.getLogger(__name__)

# Claimed per transaction by the clock job; a teacher schedules a few posts a day.
BATCH = 20


@dataclass
class FanOut:
    """What sending a post did: deliveries queued (of which `held_quiet` wait for quiet
    hours), families skipped for consent, families with no way to reach them."""

    queued: int = 0
    skipped: int = 0
    unreachable: int = 0
    held_quiet: int = 0
    blocking: list[Student] = field(default_factory=list)
    message: Message | None = None


def fan_out(
    session: Session, post: PhotoPost, *, now: dt.datetime, default_timezone: str
) -> FanOut:
    """Send the post now: consent read now, one delivery per allowed guardian, a
    `PhotoRecipient` row for each family (queued, skipped or unreachable); the post is SENT.

    PostError (POST_GONE) if it went already or was cancelled (a second Send press, or the
    clock job first), or if its maker may no longer share it with that class or family.
    """
    session.flush()
    session.refresh(post, with_for_update=True)  # one sender at a time; the loser refuses
    if post.state not in OPEN:
        raise PostError(messages.POST_GONE)
    if post.state is PostState.TAGGING:
        raise PostError(messages.TAP_SOMEONE_FIRST)
    staff = session.get_one(Staff, post.staff_id)
    if not may_still_share(session, staff, post):
        raise PostError(messages.POST_GONE)
    who = audience(session, post)
    message = Message(
        kind=MessageKind.PHOTO,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=post.student_id,
        text=post.caption,
        language=post.caption_language,
        media=list(post.media),
        created_at=now,
    )
    session.add(message)
    session.flush()
    result = FanOut(blocking=who.blocking, message=message)
    outcomes: list[tuple[Guardian, RecipientOutcome, Delivery | None]] = []
    for family in who.receive:
        delivery = _send(session, post, staff, message, family, now, default_timezone)
        if delivery is None:
            result.unreachable += 1
            outcomes.append((family.guardian, RecipientOutcome.UNREACHABLE, None))
            continue
        result.queued += 1
        if delivery.not_before > now:
            result.held_quiet += 1
        outcomes.append((family.guardian, RecipientOutcome.QUEUED, delivery))
    for family in who.skipped:
        result.skipped += 1
        outcomes.append((family.guardian, RecipientOutcome.SKIPPED, None))
    session.flush()  # the deliveries' ids
    session.add_all(
        PhotoRecipient(
            post_id=post.id,
            guardian_id=guardian.id,
            outcome=outcome,
            delivery_id=delivery.id if delivery is not None else None,
            created_at=now,
        )
        for guardian, outcome, delivery in outcomes
    )
    post.state = PostState.SENT
    post.sent_at = now
    post.updated_at = now
    post.message_id = message.id
    log.info(
        "photo post %d: %d queued (%d after quiet hours), %d skipped for consent, %d unreachable",
        post.id,
        result.queued,
        result.held_quiet,
        result.skipped,
        result.unreachable,
    )
    return result


def _send(
    session: Session,
    post: PhotoPost,
    staff: Staff,
    message: Message,
    family: Family,
    now: dt.datetime,
    default_timezone: str,
) -> Delivery | None:
    """Queue the post to one guardian, protected, after their quiet hours; None if they
    have no usable channel left. Their thread with the teacher is touched, so a reply to
    the photo reaches its sender."""
    guardian = family.guardian
    names = ", ".join(s.name for s in family.children)
    if post.student_id is not None:
        header = gettext(
            guardian.language, messages.ONE_FAMILY_PHOTO, student=names, staff=staff.name
        )
    else:
        header = messages.photos_header(guardian.language, len(post.media), names, staff.name)
    delivery = to_guardian(
        session,
        guardian=guardian,
        now=now,
        default_timezone=default_timezone,
        message=message,
        header=header,
        body=post.caption,
        body_language=post.caption_language,
        media=post.media,
        # One family's photo is a conversation; a class's goes behind conversations.
        lane=Lane.CONVERSATION if post.student_id is not None else Lane.REMINDER,
        explain_terms=bool(post.caption),
        protect_content=True,
        point=family.point,
    )
    if delivery is not None and family.children:
        thread = thread_for(session, family.children[0], guardian, staff, now)
        thread.last_staff_message_at = thread.last_message_at = now
        if post.student_id is not None:
            message.thread_id = message.thread_id or thread.id
    return delivery


def send_due_posts(session: Session, now: dt.datetime, default_timezone: str) -> int:
    """Scheduled posts whose time has come, each fanned out once (claimed with SKIP LOCKED)."""
    due = session.scalars(
        select(PhotoPost)
        .where(PhotoPost.state == PostState.SCHEDULED, PhotoPost.send_at <= now)
        .order_by(PhotoPost.send_at, PhotoPost.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for post in due:
        try:
            # Each post on its own: one that fails is retried alone, not the whole batch.
            with session.begin_nested():
                fan_out(session, post, now=now, default_timezone=default_timezone)
        except PostError:
            # Its maker no longer serves that class or family: it must not go, and they
            # hear so rather than believe it went.
            post.state = PostState.CANCELLED
            post.updated_at = now
            _tell_not_sent(session, post, now)
            log.info(
                "photo post %d cancelled at its time: its sender may no longer share it", post.id
            )
            continue
        except Exception as exc:  # a bug in one post must not hold back the others
            log.error("photo post %d could not be sent: %s", post.id, type(exc).__name__)
            continue
        sent += 1
    return sent


def _tell_not_sent(session: Session, post: PhotoPost, now: dt.datetime) -> None:
    staff = session.get_one(Staff, post.staff_id)
    if not staff.active:
        return
    if post.student_id is not None:
        target = session.get_one(Student, post.student_id).name
    else:
        school_class = session.get(SchoolClass, post.class_id) if post.class_id else None
        target = school_class.name if school_class is not None else ""
    text = gettext(staff.language, messages.NOT_SENT_AT_ITS_TIME, target=target)
    to_staff(session, staff=staff, now=now, header=text)
