"""Stories from home: which family messages are stories, the teacher's thank-you, and a
child's timeline. Every entry point calls these.

A story is a family's message, relayed to staff, that carries a photo or a video, or that
answers the "share a story" check-in (a run of a plan with the "story" template that asked
this family about this child in the last week).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ...actions.relay import still_theirs
from ...i18n import gettext
from ...models import (
    AuthorKind,
    Guardian,
    Message,
    MessageKind,
    Staff,
    Student,
    enrollments,
)
from ...outbox import to_guardian, usable_points
from ...policy import serves
from ...threads import thread_for
from ..checkins.models import CheckinPlan, CheckinRun
from . import messages as m
from .models import Story
from .timeline import TimelineEntry, timeline_entries

__all__ = [
    "STORY_TEMPLATE",
    "ThankResult",
    "TimelineEntry",
    "is_story_media",
    "record_story",
    "thank_family",
    "timeline",
]

STORY_TEMPLATE = "story"  # the check-in template whose answers are stories
ANSWER_WINDOW = dt.timedelta(days=7)


def is_story_media(media: dict[str, object]) -> bool:
    """A photo or a video (also one sent as a file): what a family shares as a story.
    Voice notes, PDFs and contacts are messages, not stories."""
    kind = str(media.get("kind", "photo"))
    if kind in ("photo", "video", "video_note", "animation"):
        return True
    content_type = str(media.get("content_type", "")).lower()
    return kind == "document" and content_type.startswith(("image/", "video/"))


def answers_story_checkin(
    session: Session, guardian: Guardian, student: Student, now: dt.datetime
) -> bool:
    """True if a "story" check-in asked this family about this child in the last week."""
    classes = select(enrollments.c.class_id).where(enrollments.c.student_id == student.id)
    runs = session.scalars(
        select(CheckinRun.recipients)
        .join(CheckinPlan, CheckinPlan.id == CheckinRun.plan_id)
        .where(
            CheckinPlan.template == STORY_TEMPLATE,
            CheckinRun.fired_at >= now - ANSWER_WINDOW,
            CheckinRun.fired_at <= now,
            or_(CheckinPlan.student_id == student.id, CheckinPlan.class_id.in_(classes)),
        )
    )
    asked = [guardian.id, student.id]
    return any(asked in [list(pair) for pair in recipients] for recipients in runs)


def record_story(
    session: Session, guardian: Guardian, message: Message, student: Student, now: dt.datetime
) -> Story | None:
    """Mark the relayed family message as a story if it is one (a photo or video, or an
    answer to the "share a story" check-in); None if it is not."""
    if message.author_guardian_id != guardian.id:
        return None
    if message.id is not None:
        existing = session.scalar(select(Story).where(Story.message_id == message.id))
        if existing is not None:
            return existing
    shared = any(is_story_media(item) for item in message.media or [])
    if not shared and not answers_story_checkin(session, guardian, student, now):
        return None
    if message.id is None:
        session.add(message)
        session.flush()
    story = Story(
        message_id=message.id, student_id=student.id, guardian_id=guardian.id, created_at=now
    )
    session.add(story)
    session.flush()
    return story


@dataclass(frozen=True)
class ThankResult:
    story: Story
    guardian: Guardian
    already: bool  # thanked before: nothing sent again
    reached: bool = True  # False: the family has no usable channel; nothing was sent


def thank_family(
    session: Session, staff: Staff, story_id: int, *, now: dt.datetime, default_timezone: str
) -> ThankResult | None:
    """Send the family the catalog's warm thank-you, once; None if the story is gone or
    the staff member does not serve the child."""
    story = session.get(Story, story_id)
    if story is None:
        return None
    student = session.get(Student, story.student_id)
    guardian = session.get(Guardian, story.guardian_id)
    # The teacher must serve the child, and the family still be the child's (off the
    # roster, nothing may go to them now).
    if student is None or guardian is None or not guardian.active:
        return None
    if not still_theirs(session, guardian, student, staff):
        return None
    points = usable_points(session, guardian)
    if not points:  # every channel opted out: nothing sent, and a later press may try again
        return ThankResult(story, guardian, already=story.thanked_at is not None, reached=False)
    # One UPDATE decides who thanks: two presses at once (two teachers, two workers) send
    # one thank-you, never two.
    claimed = session.execute(
        update(Story)
        .where(Story.id == story.id, Story.thanked_at.is_(None))
        .values(thanked_at=now, thanked_by_id=staff.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(story)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return ThankResult(story, guardian, already=True)
    text = gettext(guardian.language, m.THANK_YOU, student=student.name, staff=staff.name)
    message = Message(
        kind=MessageKind.CONVERSATION,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=student.id,
        text=text,
        language=guardian.language,
        created_at=now,
    )
    thread = thread_for(session, student, guardian, staff, now)
    thread.last_staff_message_at = now  # the family's answer comes back to this teacher
    thread.last_message_at = now
    message.thread_id = thread.id
    to_guardian(
        session,
        guardian=guardian,
        point=points[0],
        now=now,
        default_timezone=default_timezone,
        message=message,
        header=text,
    )
    return ThankResult(story, guardian, already=False)


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
    if not serves(session, staff, student):
        return None
    return timeline_entries(session, student, since=now - dt.timedelta(days=days), limit=limit)
