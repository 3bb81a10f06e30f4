"""A teacher's photo post, from the first photo to Send: every entry point calls these.

A post starts when a teacher sends a photo (or an album: its parts join one post by
`media_group_id`), is tagged with who is in it and which class it is for, and is then sent
now, at a chosen time, or in the class's end-of-day digest, or cancelled. Only its maker
may change it; only children they serve may be tagged, and only their classes chosen.

OWNER: builder B1 (posts, fanout, summaries, jobs). Signatures are the contract the
Telegram handlers (builder C) and the digest (builder E) code against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ...models import SchoolClass, Staff, Student
from .consent import Audience
from .models import PhotoPost

# A scheduled post goes within this far ahead.
MAX_AHEAD = dt.timedelta(days=30)


class PostError(Exception):
    """A change that cannot be made; `message` is a catalog text (see `messages`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def classes_for_photos(session: Session, staff: Staff) -> list[SchoolClass]:
    """The classes this staff member may share photos with (`policy.served_classes`)."""
    raise NotImplementedError


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
    raise NotImplementedError


def post_for(session: Session, staff: Staff, post_id: int) -> PhotoPost | None:
    """The staff member's own post by id, or None (another's, or gone)."""
    raise NotImplementedError


def taggable_students(session: Session, staff: Staff, post: PhotoPost) -> list[Student]:
    """The children the buttons offer: the post's class's, those this staff member serves."""
    raise NotImplementedError


def tagged_students(session: Session, post: PhotoPost) -> list[Student]:
    raise NotImplementedError


def toggle_tag(
    session: Session, staff: Staff, post: PhotoPost, student_id: int, now: dt.datetime
) -> bool:
    """Tag the child (or untag, if tagged); True if now tagged. PostError if not taggable."""
    raise NotImplementedError


def choose_class(
    session: Session, staff: Staff, post: PhotoPost, class_id: int, now: dt.datetime
) -> None:
    raise NotImplementedError


def finish_tagging(
    session: Session, staff: Staff, post: PhotoPost, now: dt.datetime, *, no_children: bool = False
) -> Audience:
    """Done tagging (or "No children in it"): the post is READY and its audience, read now,
    is returned for the preview. PostError if nobody is tagged and not `no_children`."""
    raise NotImplementedError


def schedule_post(
    session: Session, staff: Staff, post: PhotoPost, at: dt.datetime, now: dt.datetime
) -> None:
    """Send at `at` (UTC): later than now, at most MAX_AHEAD ahead (PostError otherwise)."""
    raise NotImplementedError


def add_to_digest(session: Session, staff: Staff, post: PhotoPost, now: dt.datetime) -> dt.datetime:
    """Hold the post for its class's digest; returns when that goes (PostError if the class
    has no digest on)."""
    raise NotImplementedError


def cancel_post(session: Session, staff: Staff, post: PhotoPost, now: dt.datetime) -> None:
    """Cancel a post not yet sent (PostError if it was)."""
    raise NotImplementedError


def waiting_posts(session: Session, staff: Staff) -> list[PhotoPost]:
    """This staff member's posts that wait (scheduled or in a digest), soonest first."""
    raise NotImplementedError
