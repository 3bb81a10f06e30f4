"""Stories from home: which family messages are stories, the teacher's thank-you, and a
child's timeline. Every entry point calls these.

OWNER: builder D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Guardian, Message, Staff, Student
from .models import Story


def record_story(
    session: Session, guardian: Guardian, message: Message, student: Student, now: dt.datetime
) -> Story | None:
    """Mark the relayed family message as a story if it is one (a photo or video, or an
    answer to the "share a story" check-in); None if it is not."""
    raise NotImplementedError


@dataclass(frozen=True)
class ThankResult:
    story: Story
    guardian: Guardian
    already: bool  # thanked before: nothing sent again


def thank_family(
    session: Session, staff: Staff, story_id: int, *, now: dt.datetime, default_timezone: str
) -> ThankResult | None:
    """Send the family the catalog's warm thank-you, once; None if the story is gone or
    the staff member does not serve the child."""
    raise NotImplementedError


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    from_family: bool
    author: str  # the guardian's or the staff member's name
    text: str  # as written, in `language`
    language: str
    media_count: int
    class_photo: bool = False


def timeline(
    session: Session,
    staff: Staff,
    student: Student,
    *,
    now: dt.datetime,
    days: int = 30,
    limit: int = 20,
) -> list[TimelineEntry] | None:
    """The child's recent messages both ways, newest first: the family's words and
    photos, staff's messages, and class photos the child is tagged in; never another
    child's family's words. None if the staff member does not serve the child."""
    raise NotImplementedError
