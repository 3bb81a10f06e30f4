"""Reminders before a meeting: rows with due times, claimed through the database.

Each guardian and each staff attendee gets one per offset (7 days, 1 day and 2 hours by
default). A family's reminder due in their quiet hours is moved earlier, to half an hour
before those hours begin: a reminder may come early, never late. One that would be due
before now when the meeting is set (a meeting two days away has no 7-day reminder) is not
made; one that cannot go out before the meeting starts is dropped and logged.

Rows are claimed like check-ins (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and marked done
in the same transaction that queues the delivery, so any number of workers send each
reminder once. After downtime a reminder is still sent if its due time is within `GRACE`
and the meeting has not begun. Rescheduling or cancelling closes every open reminder; each
row also carries the start time it reminds of, so a reminder for an old time is never sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from ... import quiet_hours
from ...db import insert_missing, transaction
from ...models import Guardian
from ...outbox import family_quiet_until
from .after_models import ActionFollowup
from .audience import invitees, staff_recipients
from .models import Meeting, MeetingReminder, MeetingState

log = logging.getLogger(__name__)

DEFAULT_MINUTES = (7 * 24 * 60, 24 * 60, 120)
BEFORE_QUIET = dt.timedelta(minutes=30)  # how long before quiet hours a moved one goes
GRACE = dt.timedelta(hours=6)
# Two reminders moved onto nearly the same moment (3 and 2 hours before a morning meeting,
# both moved to the evening before) would arrive as twins: the later one is not made.
MIN_APART = dt.timedelta(minutes=30)
REMINDERS = MeetingReminder.__table__
# The outcome column's width: a longer one fails the whole batch's transaction on PostgreSQL.
OUTCOME_LENGTH = 40


@dataclass(frozen=True)
class Planned:
    recipient: str
    guardian_id: int | None
    staff_id: int | None
    minutes_before: int
    due_at: dt.datetime


def plan(
    session: Session, meeting: Meeting, now: dt.datetime, default_timezone: str
) -> list[Planned]:
    """The reminders a scheduled meeting should have, from now on."""
    if meeting.state is not MeetingState.SCHEDULED or meeting.starts_at is None:
        return []
    start = meeting.starts_at
    offsets = sorted({int(x) for x in (meeting.reminder_minutes or DEFAULT_MINUTES)}, reverse=True)
    planned: list[Planned] = []
    for _, guardian in invitees(session, meeting):
        ranges = quiet_hours.parse(guardian.quiet_hours)
        zone = guardian.timezone or default_timezone
        last: dt.datetime | None = None
        for minutes in offsets:
            due = start - dt.timedelta(minutes=minutes)
            due = quiet_hours.earlier_allowed(ranges, zone, due, BEFORE_QUIET)
            if due <= now:
                # Its moment has passed: the family is being told the time right now (a
                # preview, a confirmation, a change), so a reminder beside it adds nothing.
                continue
            if last is not None and due - last < MIN_APART:
                continue  # moved out of quiet hours onto the one before: one is enough
            last = due
            planned.append(Planned(f"guardian:{guardian.id}", guardian.id, None, minutes, due))
    for staff in staff_recipients(session, meeting):
        for minutes in offsets:
            due = start - dt.timedelta(minutes=minutes)
            if due > now:
                planned.append(Planned(f"staff:{staff.id}", None, staff.id, minutes, due))
    return planned


def schedule(session: Session, meeting: Meeting, now: dt.datetime, default_timezone: str) -> int:
    """Write the meeting's reminders (again after a change: existing ones stay as they are).

    A meeting moved away and back again finds its first reminders closed ("moved"): those
    never sent are made afresh; one already sent for this very time is not sent again."""
    assert meeting.starts_at is not None or meeting.state is not MeetingState.SCHEDULED
    session.execute(
        delete(MeetingReminder).where(
            MeetingReminder.meeting_id == meeting.id,
            MeetingReminder.starts_at == meeting.starts_at,
            MeetingReminder.done_at.is_not(None),
            MeetingReminder.outcome != "sent",
        )
    )
    rows = [
        {
            "meeting_id": meeting.id,
            "recipient": p.recipient,
            "guardian_id": p.guardian_id,
            "staff_id": p.staff_id,
            "minutes_before": p.minutes_before,
            "starts_at": meeting.starts_at,
            "due_at": p.due_at,
        }
        for p in plan(session, meeting, now, default_timezone)
    ]
    insert_missing(
        session, REMINDERS, rows, ["meeting_id", "recipient", "minutes_before", "starts_at"]
    )
    return len(rows)


def close_open(session: Session, meeting: Meeting, now: dt.datetime, outcome: str) -> int:
    """Close every reminder not yet sent (the meeting moved or was cancelled)."""
    result = session.execute(
        update(MeetingReminder)
        .where(MeetingReminder.meeting_id == meeting.id, MeetingReminder.done_at.is_(None))
        .values(done_at=now, outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# A meeting's rows due at a moment: its reminders, and its follow-ups after it is held.
Due = TypeVar("Due", MeetingReminder, ActionFollowup)


def claim_due(
    session: Session, model: type[Due], now: dt.datetime, batch: int
) -> tuple[Sequence[Due], dict[int, Meeting]]:
    """Claim up to `batch` open rows due by `now`, soonest first, `FOR UPDATE SKIP LOCKED`
    (each worker takes different ones; SQLite has one writer anyway), with their meetings."""
    rows = session.scalars(
        select(model)
        .where(model.done_at.is_(None), model.due_at <= now)
        .order_by(model.due_at, model.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    meeting_ids = {row.meeting_id for row in rows}
    meetings = (
        {m.id: m for m in session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids)))}
        if meeting_ids
        else {}
    )
    return rows, meetings


@dataclass
class SendReport:
    sent: int = 0
    dropped: int = 0


def send_due(
    engine: Engine,
    now: dt.datetime,
    *,
    default_timezone: str,
    grace: dt.timedelta = GRACE,
    batch: int = 200,
) -> SendReport:
    """Queue every reminder due at `now`, `batch` per transaction, each exactly once."""
    from .notify import remind  # the notices module builds and queues the message

    report = SendReport()
    while True:
        with transaction(engine) as session:
            rows, meetings = claim_due(session, MeetingReminder, now, batch)
            if not rows:
                return report
            quiet_cache: dict[tuple[str, str], dt.datetime] = {}
            audiences: dict[int, set[str]] = {}
            for row in rows:
                meeting = meetings[row.meeting_id]
                why = _stale(meeting, row, now, grace)
                if why is None:
                    if meeting.id not in audiences:
                        audiences[meeting.id] = _audience(session, meeting)
                    if row.recipient not in audiences[meeting.id]:
                        why = "no longer gets its messages"
                if why is None and row.guardian_id is not None:
                    guardian = session.get_one(Guardian, row.guardian_id)
                    zone = guardian.timezone or default_timezone
                    reaches = family_quiet_until(guardian.quiet_hours, zone, now, quiet_cache)
                    assert meeting.starts_at is not None
                    if reaches >= meeting.starts_at:
                        why = "quiet until the meeting"
                row.done_at = now
                if why is not None:
                    row.outcome = ("dropped: " + why)[:OUTCOME_LENGTH]
                    report.dropped += 1
                    log.warning(
                        "meeting %s reminder %s (%d min before) dropped: %s",
                        meeting.id,
                        row.id,
                        row.minutes_before,
                        why,
                    )
                    continue
                row.outcome = "sent"
                remind(session, meeting, row, now=now)
                report.sent += 1


def _audience(session: Session, meeting: Meeting) -> set[str]:
    """Who may still be reminded, as reminder recipients: the roster may have changed."""
    return {f"guardian:{g.id}" for _, g in invitees(session, meeting)} | {
        f"staff:{s.id}" for s in staff_recipients(session, meeting)
    }


def _stale(
    meeting: Meeting, row: MeetingReminder, now: dt.datetime, grace: dt.timedelta
) -> str | None:
    """Why this reminder must not go out, if it must not."""
    if meeting.state is not MeetingState.SCHEDULED:
        return f"the meeting is {meeting.state.value}"
    if meeting.starts_at is None or meeting.starts_at != row.starts_at:
        return "the meeting moved"
    if now >= meeting.starts_at:
        return "the meeting has begun"
    if now - row.due_at > grace:
        return "past the grace window"
    return None
