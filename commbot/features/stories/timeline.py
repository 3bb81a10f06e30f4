"""A child's timeline: the recent messages about this child, both ways, and the class
photos the child is tagged in.

Only what is about this child is read: a family message counts when it was relayed about
this child (its `student_id`) and its author is one of this child's guardians, so the words
a parent wrote about a sibling, or another family's words, never appear here. Who may read
it (staff who serve the child) is decided in `actions.timeline`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import AuthorKind, Guardian, Guardianship, Message, MessageKind, Staff, Student
from ..checkins.messages import TEMPLATES, template_text
from ..photos.models import PhotoPost, PhotoTag, PostState

# What staff write to a family about a child: conversations, check-ins for this child, and
# photos sent to this child's family (`/msg <student>` with a photo). Meeting notices and
# reminders are the meeting's own record.
STAFF_KINDS = (MessageKind.CONVERSATION, MessageKind.CHECKIN, MessageKind.PHOTO)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    from_family: bool
    author: str  # the guardian's or the staff member's name
    text: str  # as written, in `language`
    language: str
    media_count: int
    class_photo: bool = False


def timeline_entries(
    session: Session, student: Student, *, since: dt.datetime, limit: int
) -> list[TimelineEntry]:
    """The newest `limit` entries about `student` since `since`, newest first."""
    family = select(Guardianship.guardian_id).where(Guardianship.student_id == student.id)
    from_family = session.execute(
        select(Message, Guardian.name)
        .join(Guardian, Guardian.id == Message.author_guardian_id)
        .where(
            Message.student_id == student.id,
            Message.author_kind == AuthorKind.GUARDIAN,
            Message.author_guardian_id.in_(family),
            Message.thread_id.is_not(None),  # relayed; not words still held for a choice
            Message.created_at >= since,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    from_school = session.execute(
        select(Message, Staff.name)
        .join(Staff, Staff.id == Message.author_staff_id)
        .where(
            Message.student_id == student.id,
            Message.author_kind == AuthorKind.STAFF,
            Message.kind.in_(STAFF_KINDS),
            Message.created_at >= since,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    class_photos = session.execute(
        select(PhotoPost, Staff.name)
        .join(Staff, Staff.id == PhotoPost.staff_id)
        .join(PhotoTag, PhotoTag.post_id == PhotoPost.id)
        .where(
            PhotoTag.student_id == student.id,
            PhotoPost.student_id.is_(None),  # a post for one child is one of its messages
            PhotoPost.state == PostState.SENT,
            PhotoPost.sent_at >= since,
        )
        .order_by(PhotoPost.sent_at.desc(), PhotoPost.id.desc())
        .limit(limit)
    ).all()
    # Newest first; at the same moment, the later message (a reply written in the same
    # minute as what it answers) first.
    ranked = [
        (message.created_at, message.id, _message_entry(message, name, True, student))
        for message, name in from_family
    ]
    ranked += [
        (message.created_at, message.id, _message_entry(message, name, False, student))
        for message, name in from_school
    ]
    ranked += [
        (
            post.sent_at or post.created_at,
            post.message_id or 0,
            TimelineEntry(
                at=post.sent_at or post.created_at,
                from_family=False,
                author=name,
                text=post.caption,
                language=post.caption_language,
                media_count=len(post.media or []),
                class_photo=True,
            ),
        )
        for post, name in class_photos
    ]
    ranked.sort(key=lambda row: (row[0], row[1]), reverse=True)
    entries = [entry for _, _, entry in ranked]
    return entries[:limit]


def _message_entry(
    message: Message, author: str, from_family: bool, student: Student
) -> TimelineEntry:
    text = message.text
    if message.kind is MessageKind.CHECKIN and text in TEMPLATES:
        # A catalog check-in keeps its template's key: the question as the family read it.
        text = template_text(text, message.language, student.name)
    return TimelineEntry(
        at=message.created_at,
        from_family=from_family,
        author=author,
        text=text,
        language=message.language,
        media_count=len(message.media or []),
    )
