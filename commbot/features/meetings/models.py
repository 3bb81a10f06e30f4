"""Meetings with a family: what, when (a fixed time or slots to choose from), where, who,
what to read first; each guardian's answers; every contact attempt; reminders due."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...models.base import Base, enum_column, utcnow


class Purpose(StrEnum):
    ANNUAL_REVIEW = "annual_review"
    INITIAL_ELIGIBILITY = "initial_eligibility"
    REEVALUATION = "reevaluation"
    TRANSITION_PLANNING = "transition_planning"
    FAMILY_REQUESTED = "family_requested"
    OTHER = "other"


class MeetingState(StrEnum):
    PROPOSED = "proposed"  # slots offered, no time settled
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class AttendeeRole(StrEnum):
    """Who comes, in the words of IDEA's team (34 CFR 300.321), each explained to families
    in plain words from the catalog (`messages.ROLE_EXPLAINED`)."""

    SPECIAL_EDUCATION_TEACHER = "special_education_teacher"
    GENERAL_EDUCATION_TEACHER = "general_education_teacher"
    DISTRICT_REPRESENTATIVE = "district_representative"
    SCHOOL_PSYCHOLOGIST = "school_psychologist"
    SPEECH_THERAPIST = "speech_therapist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    PHYSICAL_THERAPIST = "physical_therapist"
    SOCIAL_WORKER = "social_worker"
    COUNSELOR = "counselor"
    NURSE = "nurse"
    COORDINATOR = "coordinator"
    PRINCIPAL = "principal"
    INTERPRETER = "interpreter"
    TRANSITION_SPECIALIST = "transition_specialist"
    STUDENT = "student"
    OTHER = "other"


class Need(StrEnum):
    """What a family may ask for to take part."""

    INTERPRETER = "interpreter"
    TRANSPORT = "transport"
    CHILDCARE = "childcare"
    PHONE = "phone"  # to join by phone


class Awaiting(StrEnum):
    """What the family's next words answer, after a choice that asks for more."""

    AVAILABILITY = "availability"  # after "none of these times work"
    BRINGING = "bringing"  # after "I will bring someone"
    FEEDBACK = "feedback"  # after a rating: what would help next time


class ContactKind(StrEnum):
    PREVIEW = "preview"
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    RECEIVED = "received"  # telling the family their choice was received
    NOTES = "notes"  # the notes and action plan after the meeting
    ITEM_REMINDER = "item_reminder"  # an action item is due soon
    ITEM_DONE = "item_done"  # an action item was done, as promised
    ITEM_DELAYED = "item_delayed"  # an action item needs more time, and until when
    OVERDUE = "overdue"  # to the organizer: items past their due date
    FEEDBACK = "feedback"  # asking how the meeting worked for them


class InputKind(StrEnum):
    CONCERN = "concern"  # what they would like the team to know
    AVAILABILITY = "availability"
    BRINGING = "bringing"


class Meeting(Base):
    """One meeting about one student, organised by one staff member.

    Times are stored in UTC; `timezone` is the school's zone the organizer wrote them in.
    Free text (`place`, `strengths`, `agenda`, document titles) is in `language`, the
    organizer's, and is machine-translated for each family as people's words are.
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    organizer_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose, "meeting_purpose"))
    purpose_note: Mapped[str] = mapped_column(Text, default="")  # for "other", say
    state: Mapped[MeetingState] = mapped_column(
        enum_column(MeetingState, "meeting_state"), default=MeetingState.PROPOSED
    )
    starts_at: Mapped[dt.datetime | None]  # the fixed or chosen time
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(Text, default="")  # a room or an address
    video_link: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")  # a number to dial in
    strengths: Mapped[str] = mapped_column(Text, default="")  # what is going well
    agenda: Mapped[list[Any]] = mapped_column(default=list)  # [str, ...] in order
    documents: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "link"}, ...]
    language: Mapped[str] = mapped_column(String(16), default="en")
    # The first family choice settles the time, without the organizer confirming.
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_minutes: Mapped[list[Any]] = mapped_column(default=list)  # before the start
    # The calendar invite: one UID for the meeting's life, SEQUENCE raised on each change.
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        """Families may still answer: not cancelled or held."""
        return self.state in (MeetingState.PROPOSED, MeetingState.SCHEDULED)


class MeetingSlot(Base):
    """A proposed time, numbered from 1 as families see it."""

    __tablename__ = "meeting_slots"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime]


class MeetingAttendee(Base):
    """Someone from school who will be there; a staff member gets confirmations and
    reminders on Telegram."""

    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[AttendeeRole] = mapped_column(enum_column(AttendeeRole, "attendee_role"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class MeetingInvitee(Base):
    """One guardian asked to the meeting, and what they have answered so far."""

    __tablename__ = "meeting_invitees"
    __table_args__ = (UniqueConstraint("meeting_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    chosen_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_slots.id", ondelete="SET NULL")
    )
    none_work: Mapped[bool] = mapped_column(Boolean, default=False)
    needs: Mapped[list[Any]] = mapped_column(default=list)  # Need values, in the order asked
    awaiting: Mapped[str | None] = mapped_column(String(20))  # an Awaiting value
    responded_at: Mapped[dt.datetime | None]
    # The key to their calendar link (/calendar/<token>): 192 random bits, never guessed.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)


class MeetingInput(Base):
    """The family's own words about the meeting: concerns, times that suit, who comes."""

    __tablename__ = "meeting_inputs"
    __table_args__ = (Index("ix_meeting_inputs_meeting", "meeting_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    kind: Mapped[InputKind] = mapped_column(enum_column(InputKind, "meeting_input_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MeetingContact(Base):
    """Every message the school sent about the meeting, to whom, and its delivery: the
    record of the school's attempts to reach the family (34 CFR 300.322(d))."""

    __tablename__ = "meeting_contacts"
    __table_args__ = (Index("ix_meeting_contacts_meeting", "meeting_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind, "meeting_contact_kind"))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MeetingReminder(Base):
    """A reminder due before the meeting, for one person: claimed once through the
    database by whichever worker comes first (`reminders.send_due`)."""

    __tablename__ = "meeting_reminders"
    # One reminder per person, offset and start time: a second one cannot be written.
    __table_args__ = (
        UniqueConstraint("meeting_id", "recipient", "minutes_before", "starts_at"),
        Index("ix_meeting_reminders_due", "done_at", "due_at"),  # open ones, soonest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(40))  # "guardian:12" or "staff:3"
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    minutes_before: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime]  # the meeting time it reminds of: a moved meeting is stale
    due_at: Mapped[dt.datetime]
    # Set once: sent (a delivery was queued), or dropped (cancelled, moved, too late).
    done_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))


# The tables after the meeting live beside these, loaded with them.
from .after_models import (  # noqa: E402
    ActionFollowup,
    ActionItem,
    FollowupKind,
    ItemState,
    MeetingConcern,
    MeetingFeedback,
    MeetingNotes,
)

__all__ = [
    "ActionFollowup",
    "ActionItem",
    "AttendeeRole",
    "Awaiting",
    "ContactKind",
    "FollowupKind",
    "InputKind",
    "ItemState",
    "Meeting",
    "MeetingAttendee",
    "MeetingConcern",
    "MeetingContact",
    "MeetingFeedback",
    "MeetingInput",
    "MeetingInvitee",
    "MeetingNotes",
    "MeetingReminder",
    "MeetingSlot",
    "MeetingState",
    "Need",
    "Purpose",
]
