"""A teacher's photo post, from the first photo to Send: every entry point calls these.

A post starts when a teacher sends a photo (or an album: its parts join one post by
`media_group_id`), is tagged with who is in it and which class it is for, and is then sent
now, at a chosen time, or in the class's end-of-day digest, or cancelled. Only its maker
may change it; only children they serve may be tagged, and only their classes chosen.

Every change locks the post's row first (FOR UPDATE; SQLite's one writer does the same),
so a press racing the clock job that sends it sees what the job did and refuses, never
undoes a send.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...db import find_or_create, insert_if_absent
from ...models import Staff, Student, enrollments
from ...policy import served_students_query, serves
from . import digest, messages
from .consent import Audience, audience
from .models import PhotoPost, PhotoTag, PostState
from .sharing import classes_for_photos

# A scheduled post goes within this far ahead.
MAX_AHEAD = dt.timedelta(days=30)
# Still being prepared: tags and class may change.
PREPARING = (PostState.TAGGING, PostState.READY)
# Waiting for the clock (or the digest).
WAITING = (PostState.SCHEDULED, PostState.DIGEST)
OPEN = PREPARING + WAITING


class PostError(Exception):
    """A change that cannot be made; `message` is a catalog text (see `messages`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL in text; Telegram never sends one, a fuzzer might.
    return text.replace("\x00", "").strip()


def start_post(
    session: Session,
    staff: Staff,
    *,
    media: Sequence[dict[str, Any]],
    caption: str,
    now: dt.datetime,
    media_group_id: str | None = None,
    student: Student | None = None,
) -> tuple[PhotoPost, bool]:
    """A new post, or the album part joining the post of the same `media_group_id`.
    Returns the post and whether it is new (only a new one asks who is in it). With
    `student` (`/msg <student>` with a photo) it is for that family only and the student is
    tagged already. A teacher with one class has it chosen."""
    if student is not None and not serves(session, staff, student):
        raise PostError(messages.POST_GONE)
    caption = _clean(caption)
    values: dict[str, Any] = {
        "state": PostState.TAGGING,
        "caption": caption,
        "caption_language": staff.language,
        "media": list(media),
        "student_id": student.id if student is not None else None,
        "class_id": _first_class(session, staff, student),
        "created_at": now,
        "updated_at": now,
    }
    if media_group_id is None:
        post = PhotoPost(staff_id=staff.id, **values)
        session.add(post)
        session.flush()
        created = True
    else:
        # The album's parts arrive as separate webhooks, perhaps at once: the first makes
        # the post, the others wait on its row (locked) and add their photos to it.
        post, created = find_or_create(
            session,
            PhotoPost,
            {"staff_id": staff.id, "media_group_id": media_group_id[:64]},
            values,
            lock=True,
        )
        if not created:
            if post.state not in OPEN:
                return post, False  # a late part of an album already sent or cancelled
            post.media = [*post.media, *media]
            if caption and not post.caption:
                post.caption = caption
            post.updated_at = now
            return post, False
    if student is not None:
        insert_if_absent(
            session, PhotoTag.__table__, {"post_id": post.id, "student_id": student.id}
        )
    return post, created


def _first_class(session: Session, staff: Staff, student: Student | None) -> int | None:
    """The class chosen for a new post: the only one, or the student's among several."""
    classes = classes_for_photos(session, staff)
    if student is None:
        return classes[0].id if len(classes) == 1 else None
    own = set(
        session.scalars(
            select(enrollments.c.class_id).where(enrollments.c.student_id == student.id)
        )
    )
    return next((c.id for c in classes if c.id in own), None)


def post_for(session: Session, staff: Staff, post_id: int) -> PhotoPost | None:
    """The staff member's own post by id, or None (another's, or gone)."""
    post = session.get(PhotoPost, post_id)
    if post is None or post.staff_id != staff.id or post.state not in OPEN:
        return None
    return post


def _lock(session: Session, post: PhotoPost, allowed: Sequence[PostState]) -> None:
    """Lock the post's row and re-read it; PostError unless it is in one of `allowed`."""
    session.flush()  # a change the caller made (the control message's id) is kept
    session.refresh(post, with_for_update=True)
    if post.state not in allowed:
        raise PostError(messages.POST_GONE)


def taggable_students(session: Session, staff: Staff, post: PhotoPost) -> list[Student]:
    """The children the buttons offer: the post's class's, those this staff member serves."""
    query = served_students_query(staff)
    if post.class_id is not None:
        in_class = select(enrollments.c.student_id).where(enrollments.c.class_id == post.class_id)
        query = query.where(Student.id.in_(in_class))
    elif post.student_id is not None:
        query = query.where(Student.id == post.student_id)
    else:
        return []
    return list(session.scalars(query.order_by(Student.name, Student.id)))


def tagged_students(session: Session, post: PhotoPost) -> list[Student]:
    return list(
        session.scalars(
            select(Student)
            .join(PhotoTag, PhotoTag.student_id == Student.id)
            .where(PhotoTag.post_id == post.id)
            .order_by(Student.name, Student.id)
        )
    )


def toggle_tag(
    session: Session, staff: Staff, post: PhotoPost, student_id: int, now: dt.datetime
) -> bool:
    """Tag the child (or untag, if tagged); True if now tagged. PostError if not taggable.
    A change after Done takes the post back to tagging: its preview is no longer true."""
    _own(post, staff)
    _lock(session, post, PREPARING)
    if student_id not in {s.id for s in taggable_students(session, staff, post)}:
        raise PostError(messages.POST_GONE)
    post.state = PostState.TAGGING
    post.updated_at = now
    if student_id == post.student_id:
        return True  # a post for one family always shows their child: its consent holds
    removed = session.scalars(
        delete(PhotoTag)
        .where(PhotoTag.post_id == post.id, PhotoTag.student_id == student_id)
        .returning(PhotoTag.id)
    ).first()
    if removed is not None:
        return False
    insert_if_absent(session, PhotoTag.__table__, {"post_id": post.id, "student_id": student_id})
    post.no_children = False
    return True


def choose_class(
    session: Session, staff: Staff, post: PhotoPost, class_id: int, now: dt.datetime
) -> None:
    """The class the post is for; tags of children not in it are dropped."""
    _own(post, staff)
    _lock(session, post, PREPARING)
    if class_id not in {c.id for c in classes_for_photos(session, staff)}:
        raise PostError(messages.POST_GONE)
    post.class_id = class_id
    post.state = PostState.TAGGING
    post.updated_at = now
    keep = {s.id for s in taggable_students(session, staff, post)}
    if post.student_id is not None:
        keep.add(post.student_id)
    session.execute(
        delete(PhotoTag).where(PhotoTag.post_id == post.id, PhotoTag.student_id.not_in(keep))
    )


def finish_tagging(
    session: Session, staff: Staff, post: PhotoPost, now: dt.datetime, *, no_children: bool = False
) -> Audience:
    """Done tagging (or "No children in it"): the post is READY and its audience, read now,
    is returned for the preview. PostError if nobody is tagged and not `no_children`."""
    _own(post, staff)
    _lock(session, post, PREPARING)
    if post.class_id is None and post.student_id is None:
        raise PostError(messages.WHICH_CLASS)
    if no_children:
        # A post for one family keeps their child tagged: the rule for that child holds.
        session.execute(
            delete(PhotoTag).where(
                PhotoTag.post_id == post.id,
                PhotoTag.student_id != (post.student_id or 0),
            )
        )
        post.no_children = True
    elif not tagged_students(session, post):
        raise PostError(messages.TAP_SOMEONE_FIRST)
    post.state = PostState.READY
    post.updated_at = now
    session.flush()
    return audience(session, post)


def schedule_post(
    session: Session, staff: Staff, post: PhotoPost, at: dt.datetime, now: dt.datetime
) -> None:
    """Send at `at` (UTC): later than now, at most MAX_AHEAD ahead (PostError otherwise)."""
    _own(post, staff)
    _lock(session, post, (PostState.READY, *WAITING))
    if at <= now:
        raise PostError(messages.TIME_PASSED)
    if at > now + MAX_AHEAD:
        raise PostError(messages.TIME_TOO_FAR)
    post.state = PostState.SCHEDULED
    post.send_at = at
    post.updated_at = now


def add_to_digest(session: Session, staff: Staff, post: PhotoPost, now: dt.datetime) -> dt.datetime:
    """Hold the post for its class's digest; returns when that goes (PostError if the class
    has no digest on, or if the post is for one family: the digest is the class's)."""
    _own(post, staff)
    _lock(session, post, (PostState.READY, *WAITING))
    held = None
    if post.class_id is not None and post.student_id is None:
        held = digest.digest_for(session, post.class_id)
    if held is None:
        raise PostError(messages.DIGEST_HELP)
    at = digest.next_digest_time(session, held, now)
    post.state = PostState.DIGEST
    post.send_at = at
    post.updated_at = now
    return at


def cancel_post(session: Session, staff: Staff, post: PhotoPost, now: dt.datetime) -> None:
    """Cancel a post not yet sent (PostError if it was)."""
    _own(post, staff)
    _lock(session, post, OPEN)
    post.state = PostState.CANCELLED
    post.updated_at = now


def waiting_posts(session: Session, staff: Staff) -> list[PhotoPost]:
    """This staff member's posts that wait (scheduled or in a digest), soonest first."""
    return list(
        session.scalars(
            select(PhotoPost)
            .where(PhotoPost.staff_id == staff.id, PhotoPost.state.in_(WAITING))
            .order_by(PhotoPost.send_at, PhotoPost.id)
        )
    )


def _own(post: PhotoPost, staff: Staff) -> None:
    if post.staff_id != staff.id:
        raise PostError(messages.POST_GONE)
