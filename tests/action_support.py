"""Shared set-up for the action-plan tests: a meeting held through the real actions, then
its notes and plan written as `notes.record_notes` writes them (rows, then
`followups.schedule_item`), so these tests stand on their own."""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.features.meetings import followups
from commbot.features.meetings.actions import AttendeeSpec, MeetingDraft, create_meeting
from commbot.features.meetings.after_models import ActionFollowup, ActionItem, MeetingNotes
from commbot.features.meetings.models import AttendeeRole, Meeting, MeetingState, Purpose
from commbot.i18n import gettext
from commbot.jobs import run_due
from commbot.models import Guardian, Staff, Student

from .support import PUBLIC, System

NY = "America/New_York"
BOSTON = zoneinfo.ZoneInfo(NY)
ROSA = "+16175550134"  # Alfredo's mother: Spanish, SMS, asleep 08:00-15:00 and from 22:00
LAN = "+16175550142"  # Minh's mother (Carter's class): Vietnamese, SMS
KARIM = "+16175550177"  # Andrew's father: Arabic, WhatsApp
AMINA = 8001  # Andrew's mother: English, Telegram
CARTER, KIM = 7001, 7002
CARTER_EMAIL, KIM_EMAIL = "ecarter@lincoln.example.org", "dkim@lincoln.example.org"
SPEECH = "Send the speech therapy schedule"
READING = "Read with Alfredo for 15 minutes each night"
REASON = "The therapist is away this week"
WORDS_NEVER_LOGGED = (SPEECH, READING, REASON)
PHONE_DIGITS = re.compile(r"555\D?01\d\d|617\D{0,2}555")


def local(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BOSTON)


def utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC)


def one(session: Any, model: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(**where)).one()


def es(message: str, **values: Any) -> str:
    return gettext("es", message, **values)


@dataclass(frozen=True)
class Owned:
    what: str
    due_on: dt.date
    staff: str | None = None  # an email
    guardian: str | None = None  # a name


@dataclass(frozen=True)
class Plan:
    meeting_id: int
    item_ids: list[int]


def held_meeting(
    system: System,
    items: Sequence[Owned],
    *,
    student: str = "Alfredo Pérez",
    organizer: str = CARTER_EMAIL,
    starts: dt.datetime | None = None,
    attendees: Sequence[tuple[str, AttendeeRole, str | None]] | None = None,
) -> Plan:
    """A meeting set through `create_meeting`, held (its start passed: the clock moves to
    an hour after it), with notes and a plan whose follow-ups are scheduled."""
    starts = starts or local(1, 16)
    later = system.clock()
    if later >= utc(starts):  # another meeting was held first: set this one up before it
        system.clock.now = utc(starts) - dt.timedelta(days=1)
    with transaction(system.engine) as session:
        organizer_row = one(session, Staff, email=organizer)
        people = (
            attendees
            if attendees is not None
            else [("Emily Carter", AttendeeRole.SPECIAL_EDUCATION_TEACHER, CARTER_EMAIL)]
        )
        draft = MeetingDraft(
            student_id=one(session, Student, name=student).id,
            purpose=Purpose.ANNUAL_REVIEW,
            fixed_time=starts,
            duration_minutes=45,
            place="Room 12",
            attendees=[
                AttendeeSpec(name, role, one(session, Staff, email=email).id if email else None)
                for name, role, email in people
            ],
        )
        meeting = create_meeting(
            session,
            organizer_row,
            draft,
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        ).meeting
        meeting_id = meeting.id
    system.clock.now = max(later, utc(starts) + dt.timedelta(hours=1))
    now = system.clock()
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        session.add(
            MeetingNotes(
                meeting_id=meeting.id,
                summary="We talked about reading.",
                language="en",
                feedback_days=0,
                recorded_by_id=meeting.organizer_id,
                recorded_at=now,
            )
        )
        rows = []
        for position, spec in enumerate(items, 1):
            staff = one(session, Staff, email=spec.staff) if spec.staff else None
            guardian = one(session, Guardian, name=spec.guardian) if spec.guardian else None
            owner = staff or guardian
            assert owner is not None
            rows.append(
                ActionItem(
                    meeting_id=meeting.id,
                    position=position,
                    what=spec.what,
                    owner_staff_id=staff.id if staff else None,
                    owner_guardian_id=guardian.id if guardian else None,
                    owner_name=owner.name,
                    due_on=spec.due_on,
                    first_due_on=spec.due_on,
                    created_at=now,
                )
            )
        session.add_all(rows)
        meeting.state = MeetingState.HELD
        session.flush()
        for row in rows:
            followups.schedule_item(session, meeting, row, now, NY)
        return Plan(meeting_id, [row.id for row in rows])


def alfredo_plan(system: System) -> Plan:
    """Carter sends the speech schedule by Thursday 10 December; Rosa reads with Alfredo
    by Friday 11 December."""
    return held_meeting(
        system,
        [
            Owned(SPEECH, dt.date(2026, 12, 10), staff=CARTER_EMAIL),
            Owned(READING, dt.date(2026, 12, 11), guardian="Rosa Pérez"),
        ],
    )


def followup_rows(system: System, meeting_id: int | None = None) -> list[ActionFollowup]:
    with transaction(system.engine) as session:
        query = select(ActionFollowup).order_by(ActionFollowup.due_at, ActionFollowup.id)
        if meeting_id is not None:
            query = query.where(ActionFollowup.meeting_id == meeting_id)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def item_row(system: System, item_id: int) -> ActionItem:
    with transaction(system.engine) as session:
        item = session.get_one(ActionItem, item_id)
        session.expunge(item)
        return item


async def tick(system: System, when: dt.datetime) -> None:
    """The worker at `when`: every clock job, then the dispatcher."""
    system.clock.now = utc(when)
    run_due(system.engine, system.clock(), NY)
    await system.drain()


def buttons_of(system: System, chat: int) -> list[tuple[str, str]]:
    markup = system.telegram.sent_messages(chat)[-1].params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def no_numbers_or_words_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="commbot")
    yield
    for record in caplog.records:
        text = record.getMessage()
        assert not PHONE_DIGITS.search(text), f"a phone number in the logs: {text!r}"
        for words in WORDS_NEVER_LOGGED:
            assert words not in text, f"an item's words in the logs: {text!r}"
