"""After the meeting: the organizer's notes, what answers each concern the family raised,
the action plan (who does what, by when), the follow-ups that keep those promises, and
each guardian's feedback.

Free text (summary, decisions, responses, ideas, each item's "what") is in the notes'
`language`, the organizer's, and is machine-translated for each family at send time.
Due dates are calendar days in the school's time zone (the meeting's `timezone`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...models.base import Base, enum_column, utcnow


class ItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"  # the meeting was cancelled, or the organizer dropped it


class FollowupKind(StrEnum):
    STAFF_REMINDER = "staff_reminder"  # Telegram, with Done / Need more time
    FAMILY_REMINDER = "family_reminder"  # a gentle one, outside quiet hours
    OVERDUE = "overdue"  # to the organizer, the morning after the due date
    FEEDBACK = "feedback"  # how well did the meeting work for you, 1 to 5


class MeetingNotes(Base):
    """What was said and decided, recorded once by the organizer; the meeting is then held."""

    __tablename__ = "meeting_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text)
    decisions: Mapped[list[Any]] = mapped_column(default=list)  # [str, ...] in order
    ideas: Mapped[list[Any]] = mapped_column(default=list)  # ideas for helping at home
    language: Mapped[str] = mapped_column(String(16), default="en")
    # Days after the meeting each guardian is asked for feedback (0: not asked).
    feedback_days: Mapped[int] = mapped_column(Integer, default=2)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MeetingConcern(Base):
    """One concern the family raised and what answers it (or why not yet).

    A concern written before the meeting points at its `MeetingInput` (the family's own
    words, kept in their language); one raised during the meeting is the organizer's
    summary of it, in `concern`."""

    __tablename__ = "meeting_concerns"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... as the family reads them
    input_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_inputs.id", ondelete="SET NULL")
    )
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    concern: Mapped[str] = mapped_column(Text, default="")  # raised during the meeting
    response: Mapped[str] = mapped_column(Text)  # what answers it, or why not yet
    answered: Mapped[bool] = mapped_column(Boolean, default=True)  # False: not yet


class ActionItem(Base):
    """One promise in the action plan: what, who (a staff member or a guardian), by when.
    Numbered from 1 per meeting as the family reads the plan ("DONE 2")."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        Index("ix_action_items_open", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    owner_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    owner_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    # The owner's name when the plan was made, so the plan still reads after a roster change.
    owner_name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    first_due_on: Mapped[dt.date] = mapped_column(Date)  # before any "need more time"
    state: Mapped[ItemState] = mapped_column(
        enum_column(ItemState, "action_item_state"), default=ItemState.OPEN
    )
    delays: Mapped[int] = mapped_column(Integer, default=0)
    delay_reason: Mapped[str] = mapped_column(Text, default="")  # the latest, in `language`
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(40))  # "staff:3" or "guardian:12"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_open(self) -> bool:
        return self.state is ItemState.OPEN


class ActionFollowup(Base):
    """A follow-up due at a moment: a reminder to an item's owner, an overdue report to the
    organizer, or a feedback request to a guardian. Claimed once through the database by
    whichever worker comes first, like meeting reminders.

    `key` names what it is for ("item:5:staff:3:2026-12-10:2d"), so writing the plan twice
    (after a retry, or "need more time" back to an earlier date) cannot make twins."""

    __tablename__ = "action_followups"
    __table_args__ = (Index("ix_action_followups_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FollowupKind] = mapped_column(enum_column(FollowupKind, "followup_kind"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # the item's due date it is about
    due_at: Mapped[dt.datetime]
    # Set once: sent (a delivery was queued), or closed (done, moved, cancelled, too late).
    done_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))


class MeetingFeedback(Base):
    """One guardian's word on how the meeting worked for them: asked once, kept whenever
    it comes (a reply after a week still counts)."""

    __tablename__ = "meeting_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 (not well) to 5 (very well)
    rated_at: Mapped[dt.datetime | None]
    # What would help next time, in their words (the message keeps their language).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime | None]
