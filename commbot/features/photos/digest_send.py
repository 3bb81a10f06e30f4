"""Sending one class's digest: each post judged on its own tags, then one delivery per
family holding every photo of the day that family may see.

Consent is read here, when the digest goes (`consent.audience` for each post), never when a
post was added to it. Each post gets one `PhotoRecipient` row per family (queued, skipped or
unreachable) and becomes `SENT`; its teacher is told once for the whole digest
(DIGEST_SENT), so the per-post summary is marked as given.

A delivery has one source language for all its words: captions are translated from the first
captioned post's language (in practice a class's teachers write in one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import (
    AuthorKind,
    ContactPoint,
    Delivery,
    Guardian,
    Lane,
    Message,
    MessageKind,
    SchoolClass,
    Staff,
)
from ...outbox import TEXT, WORDS, Piece, to_guardian, to_staff, usable_points
from .consent import audience, candidate_students, own_children
from .messages import DIGEST_CAPTION, DIGEST_HEADER, DIGEST_SENT
from .models import PhotoDigest, PhotoPost, PhotoRecipient, PostState, RecipientOutcome
from .sharing import may_still_share

# What one message carries: a Telegram album and an MMS both take ten. A longer day goes
# as several messages, each with whole posts; only the first has the header.
MAX_PHOTOS = 10


@dataclass
class _Family:
    guardian: Guardian
    children: str  # their children in the class, for the header
    point: ContactPoint | None  # their first usable channel; None: unreachable
    posts: list[PhotoPost] = field(default_factory=list)


def send_digest(
    session: Session,
    digest: PhotoDigest,
    posts: Sequence[PhotoPost],
    *,
    now: dt.datetime,
    default_timezone: str,
) -> int:
    """Queue the digest of `posts` (its class's held posts, in order); returns how many
    families a message was queued for. A post whose maker no longer serves the class is
    cancelled, not sent."""
    kept = []
    for post in posts:
        if may_still_share(session, session.get_one(Staff, post.staff_id), post):
            kept.append(post)
        else:
            post.state, post.updated_at = PostState.CANCELLED, now
    posts = kept
    if not posts:
        return 0
    families: dict[int, _Family] = {}
    outcomes: dict[tuple[int, int], RecipientOutcome] = {}
    for post in posts:
        judged = audience(session, post)
        for family in judged.skipped:
            outcomes[(post.id, family.guardian.id)] = RecipientOutcome.SKIPPED
        for family in judged.receive:
            entry = families.setdefault(
                family.guardian.id,
                _Family(
                    family.guardian,
                    ", ".join(child.name for child in family.children),
                    family.point,
                ),
            )
            entry.posts.append(post)
    message = _message(session, digest, posts, now)
    authors = {post.staff_id: session.get_one(Staff, post.staff_id) for post in posts}
    carried: dict[tuple[int, int], Delivery] = {}
    for entry in sorted(families.values(), key=lambda f: (f.guardian.name, f.guardian.id)):
        if entry.point is not None:
            carried |= _queue(session, entry, authors, message, now, default_timezone)
        for post in entry.posts:
            key = (post.id, entry.guardian.id)
            outcomes[key] = (
                RecipientOutcome.QUEUED if key in carried else RecipientOutcome.UNREACHABLE
            )
    session.flush()  # the deliveries' ids
    for (post_id, guardian_id), outcome in outcomes.items():
        delivery = carried.get((post_id, guardian_id))
        session.add(
            PhotoRecipient(
                post_id=post_id,
                guardian_id=guardian_id,
                outcome=outcome,
                delivery_id=delivery.id if delivery is not None else None,
                created_at=now,
            )
        )
    for post in posts:
        post.state = PostState.SENT
        post.sent_at = now
        post.updated_at = now
        post.message_id = message.id
        post.summary_sent_at = now  # the teacher hears once, below, for the whole digest
    reached = len({guardian_id for _, guardian_id in carried})
    _tell_staff(session, digest, posts, authors, reached, now)
    return reached


def requeue(
    session: Session,
    guardian: Guardian,
    posts: Sequence[PhotoPost],
    message: Message,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> dict[tuple[int, int], Delivery]:
    """Queue `posts` of a sent digest to one family again (what a withdrawal stopped with
    a photo they may no longer see): a digest of their own, as `send_digest` makes it."""
    own = own_children(session, [guardian.id]).get(guardian.id, set())
    in_class = [s for s in candidate_students(session, posts[0]) if s.id in own]
    points = usable_points(session, guardian)
    family = _Family(
        guardian, ", ".join(s.name for s in in_class), points[0] if points else None, list(posts)
    )
    authors = {post.staff_id: session.get_one(Staff, post.staff_id) for post in posts}
    return _queue(session, family, authors, message, now, default_timezone)


def _message(
    session: Session, digest: PhotoDigest, posts: Sequence[PhotoPost], now: dt.datetime
) -> Message:
    """The digest as said once: its photos, by the teacher who set it (or the first post's)."""
    captioned = next((p for p in posts if p.caption.strip()), posts[0])
    message = Message(
        kind=MessageKind.PHOTO,
        author_kind=AuthorKind.STAFF,
        author_staff_id=digest.staff_id or posts[0].staff_id,
        student_id=None,
        # Each family's delivery holds only the photos and captions it may see: the
        # message itself holds none, so no family's export shows another's.
        text="",
        language=captioned.caption_language,
        media=[],
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _queue(
    session: Session,
    family: _Family,
    authors: dict[int, Staff],
    message: Message,
    now: dt.datetime,
    default_timezone: str,
) -> dict[tuple[int, int], Delivery]:
    """One family's digest, usually one delivery; the delivery carrying each of its posts."""
    guardian = family.guardian
    if family.point is None:
        return {}  # no channel left: the family is unreachable for the whole day
    language = guardian.language
    captioned = next((p for p in family.posts if p.caption.strip()), family.posts[0])
    carried: dict[tuple[int, int], Delivery] = {}
    number = 0
    for index, chunk in enumerate(_chunks(family.posts)):
        pieces: list[Piece] = []
        media: list[dict[str, Any]] = []
        for post in chunk:
            number += 1
            media += post.media
            if post.caption.strip():
                line = gettext(language, DIGEST_CAPTION, number=number, staff=_name(authors, post))
                pieces += [(TEXT, ("\n" if pieces else "") + line + " "), (WORDS, post.caption)]
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=now,
            default_timezone=default_timezone,
            message=message,
            header=gettext(language, DIGEST_HEADER, student=family.children) if not index else "",
            pieces=pieces,
            body_language=captioned.caption_language,
            media=media,
            lane=Lane.BROADCAST,
            point=family.point,
            protect_content=True,
        )
        assert delivery is not None  # given a point, one is always queued
        carried |= {(post.id, guardian.id): delivery for post in chunk}
    return carried


def _chunks(posts: Sequence[PhotoPost]) -> list[list[PhotoPost]]:
    """Whole posts, in order, at most MAX_PHOTOS photos to a message."""
    chunks: list[list[PhotoPost]] = [[]]
    count = 0
    for post in posts:
        size = len(post.media)
        if chunks[-1] and count + size > MAX_PHOTOS:
            chunks.append([])
            count = 0
        chunks[-1].append(post)
        count += size
    return chunks


def _name(authors: dict[int, Staff], post: PhotoPost) -> str:
    return authors[post.staff_id].name


def _tell_staff(
    session: Session,
    digest: PhotoDigest,
    posts: Sequence[PhotoPost],
    authors: dict[int, Staff],
    reached: int,
    now: dt.datetime,
) -> None:
    """Each teacher with a post in it hears once that the digest went, and to how many."""
    school_class = session.get_one(SchoolClass, digest.class_id)
    photos = sum(len(post.media) for post in posts)
    for staff in authors.values():
        text = gettext(
            staff.language, DIGEST_SENT, class_name=school_class.name, photos=photos, sent=reached
        )
        to_staff(session, staff=staff, now=now, header=text)
