"""Follow-ups after the meeting, as rows with due times claimed through the database:
reminders to each item's owner (staff: 2 days before and the morning of, on Telegram with
Done / Need more time; families: 2 days before, outside quiet hours, moved earlier), the
overdue report to the organizer the morning after, and each guardian's feedback request
(days after the meeting, set per meeting). Sent once, closed when the item is done or the
meeting cancelled. Claimed like meeting reminders (`FOR UPDATE SKIP LOCKED`).

Each row's `key` names what it is for, so planning twice makes no twins; a row whose moment
has passed when planned is not made (the person is being told right now). A family's
reminder due in their quiet hours is moved earlier (`quiet_hours.earlier_allowed`, half an
hour before they begin, as meeting reminders are); the outbox's `not_before` still keeps
anything sent after downtime out of them. What each follow-up says is `item_notices`'.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from ... import quiet_hours
from ...db import insert_missing, transaction
from ...models import ChoiceKind, Guardian, PendingChoice, Staff, Student
from .after_models import ActionFollowup, ActionItem, FollowupKind, ItemState, MeetingNotes
from .audience import answers_go_to, invitees
from .models import Meeting, MeetingState
from .reminders import BEFORE_QUIET, claim_due

log = logging.getLogger(__name__)
FOLLOWUPS = ActionFollowup.__table__
OUTCOME_LENGTH = 40  # the outcome column's width

STAFF_DAYS_BEFORE = (2, 0)
FAMILY_DAYS_BEFORE = (2,)
STAFF_HOUR = dt.time(8, 0)  # in the school's time zone: "the morning of"
FAMILY_HOUR = dt.time(17, 0)  # in the family's time zone, then out of quiet hours
OVERDUE_HOUR = dt.time(8, 0)  # the morning after the due date, school time
FEEDBACK_HOUR = dt.time(17, 0)
GRACE = dt.timedelta(hours=12)
# Two numbered questions to one family at least this far apart (see `_waits_for_another_question`).
QUESTION_APART = dt.timedelta(days=1)


@dataclass
class SendReport:
    sent: int = 0
    dropped: int = 0
    postponed: int = 0  # waiting a day behind another numbered question


def at(day: dt.date, clock: dt.time, zone: str) -> dt.datetime:
    """A wall-clock moment on `day` in `zone`, in UTC."""
    return dt.datetime.combine(day, clock, zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def school_today(meeting: Meeting, now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()


def plan_item(
    session: Session, meeting: Meeting, item: ActionItem, now: dt.datetime, default_timezone: str
) -> list[dict[str, Any]]:
    """The follow-up rows an open item should have for its current due date, from now on."""
    if not item.is_open or meeting.state is MeetingState.CANCELLED:
        return []
    due_on = item.due_on
    rows: list[dict[str, Any]] = []

    def add(key: str, kind: FollowupKind, due_at: dt.datetime, **who: int | None) -> None:
        if due_at > now:
            rows.append(
                {
                    "key": key,
                    "meeting_id": meeting.id,
                    "item_id": item.id,
                    "kind": kind,
                    "guardian_id": who.get("guardian_id"),
                    "staff_id": who.get("staff_id"),
                    "due_on": due_on,
                    "due_at": due_at,
                }
            )

    if item.owner_staff_id is not None:
        for days in STAFF_DAYS_BEFORE:
            add(
                f"item:{item.id}:staff:{item.owner_staff_id}:{due_on.isoformat()}:{days}d",
                FollowupKind.STAFF_REMINDER,
                at(due_on - dt.timedelta(days=days), STAFF_HOUR, meeting.timezone),
                staff_id=item.owner_staff_id,
            )
    if item.owner_guardian_id is not None:
        guardian = session.get(Guardian, item.owner_guardian_id)
        if guardian is not None:
            zone = guardian.timezone or default_timezone
            ranges = quiet_hours.parse(guardian.quiet_hours)
            for days in FAMILY_DAYS_BEFORE:
                due = at(due_on - dt.timedelta(days=days), FAMILY_HOUR, zone)
                add(
                    f"item:{item.id}:guardian:{guardian.id}:{due_on.isoformat()}:{days}d",
                    FollowupKind.FAMILY_REMINDER,
                    quiet_hours.earlier_allowed(ranges, zone, due, BEFORE_QUIET),
                    guardian_id=guardian.id,
                )
    add(
        f"item:{item.id}:overdue:{due_on.isoformat()}",
        FollowupKind.OVERDUE,
        at(due_on + dt.timedelta(days=1), OVERDUE_HOUR, meeting.timezone),
    )
    return rows


def schedule_item(
    session: Session, meeting: Meeting, item: ActionItem, now: dt.datetime, default_timezone: str
) -> int:
    """Write the item's reminders and its overdue report for its current due date.

    An item moved away and back again finds its first rows closed ("moved"): those never
    sent are made afresh; one already sent for this very date is not sent again."""
    session.flush()  # the item's id and current date
    session.execute(
        delete(ActionFollowup).where(
            ActionFollowup.item_id == item.id,
            ActionFollowup.due_on == item.due_on,
            ActionFollowup.done_at.is_not(None),
            ActionFollowup.outcome != "sent",
        )
    )
    rows = plan_item(session, meeting, item, now, default_timezone)
    insert_missing(session, FOLLOWUPS, rows, ["key"])
    return len(rows)


def schedule_feedback(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    now: dt.datetime,
    default_timezone: str,
) -> int:
    """One feedback request per guardian, `notes.feedback_days` after the meeting; notes
    recorded later than that still ask, at the next such hour (they are asked once, late
    rather than never)."""
    if not notes.feedback_days or meeting.starts_at is None:
        return 0
    day = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()
    day += dt.timedelta(days=notes.feedback_days)
    rows = []
    for _, guardian in invitees(session, meeting):
        zone = guardian.timezone or default_timezone
        ranges = quiet_hours.parse(guardian.quiet_hours)
        their_day = max(day, now.astimezone(zoneinfo.ZoneInfo(zone)).date())
        for _ in range(2):  # today's hour, or tomorrow's when today's has passed
            due = quiet_hours.earlier_allowed(
                ranges, zone, at(their_day, FEEDBACK_HOUR, zone), BEFORE_QUIET
            )
            if due > now:
                break
            their_day += dt.timedelta(days=1)
        if due > now:
            rows.append(
                {
                    "key": f"feedback:{meeting.id}:guardian:{guardian.id}",
                    "meeting_id": meeting.id,
                    "item_id": None,
                    "kind": FollowupKind.FEEDBACK,
                    "guardian_id": guardian.id,
                    "staff_id": None,
                    "due_on": None,
                    "due_at": due,
                }
            )
    insert_missing(session, FOLLOWUPS, rows, ["key"])
    return len(rows)


def close_item(session: Session, item: ActionItem, now: dt.datetime, outcome: str) -> int:
    """Close the item's open follow-ups (done, moved, cancelled). Run before the item's own
    change: it waits for a worker sending one right now, so that one is not sent after."""
    return _close(session, ActionFollowup.item_id == item.id, now, outcome)


def close_meeting(session: Session, meeting: Meeting, now: dt.datetime, outcome: str) -> int:
    """Close every open follow-up of the meeting, feedback requests too."""
    return _close(session, ActionFollowup.meeting_id == meeting.id, now, outcome)


def _close(session: Session, where: Any, now: dt.datetime, outcome: str) -> int:
    result = session.execute(
        update(ActionFollowup)
        .where(where, ActionFollowup.done_at.is_(None))
        .values(done_at=now, outcome=outcome[:OUTCOME_LENGTH])
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def send_due(
    engine: Engine,
    now: dt.datetime,
    *,
    default_timezone: str,
    grace: dt.timedelta = GRACE,
    batch: int = 200,
) -> SendReport:
    """Queue every follow-up due at `now`, `batch` per transaction, each exactly once.

    Rows are claimed `FOR UPDATE SKIP LOCKED` and marked done in the transaction that
    queues their delivery. A reminder or overdue report whose item is no longer open (or
    has moved), or whose meeting is cancelled, is dropped; so is one past `grace` after
    downtime. The batch's overdue reports go to each organizer as one message."""
    from . import item_notices  # builds and queues every message about items

    report = SendReport()
    while True:
        with transaction(engine) as session:
            rows, meetings = claim_due(session, ActionFollowup, now, batch)
            if not rows:
                return report
            item_ids = {r.item_id for r in rows if r.item_id is not None}
            items = {
                i.id: i
                for i in session.scalars(select(ActionItem).where(ActionItem.id.in_(item_ids)))
            }
            overdue: dict[int, list[tuple[Meeting, ActionItem]]] = defaultdict(list)
            cache = _Batch(session)
            for row in rows:
                meeting = meetings[row.meeting_id]
                item = items.get(row.item_id) if row.item_id is not None else None
                why = _stale(cache, meeting, row, item, now, grace)
                if why is None and _waits_for_another_question(session, row, item, now):
                    row.due_at += QUESTION_APART  # tomorrow, at the same hour
                    report.postponed += 1
                    continue
                row.done_at = now
                if why is not None:
                    row.outcome = ("dropped: " + why)[:OUTCOME_LENGTH]
                    report.dropped += 1
                    log.info(
                        "meeting %s follow-up %s (%s) dropped: %s",
                        meeting.id,
                        row.id,
                        row.kind.value,
                        why,
                    )
                    continue
                row.outcome = "sent"
                if row.kind is FollowupKind.OVERDUE:
                    assert item is not None
                    reader = cache.reader(meeting)
                    if reader is None:
                        row.outcome = "dropped: nobody to tell"
                        report.dropped += 1
                        continue
                    overdue[reader.id].append((meeting, item))
                elif row.kind is FollowupKind.FEEDBACK:
                    if not item_notices.ask_feedback(
                        session, meeting, row, now=now, default_timezone=default_timezone
                    ):
                        row.outcome = "dropped: asked before"
                        report.dropped += 1
                        continue
                else:
                    assert item is not None
                    item_notices.remind(
                        session, meeting, item, row, now=now, default_timezone=default_timezone
                    )
                report.sent += 1
            for reader_id, about in overdue.items():
                item_notices.report_overdue(session, session.get_one(Staff, reader_id), about, now)


def _waits_for_another_question(
    session: Session, row: ActionFollowup, item: ActionItem | None, now: dt.datetime
) -> bool:
    """A family's bare number answers their most recent numbered question: a reminder or a
    feedback request asked right after another one (about another item, or the feedback
    beside a reminder) would take the "1" meant for the first. Such a one waits a day,
    unless waiting would carry a reminder past its item's due date."""
    if row.kind not in (FollowupKind.FAMILY_REMINDER, FollowupKind.FEEDBACK):
        return False
    if row.guardian_id is None:
        return False
    asked = session.scalars(
        select(PendingChoice).where(
            PendingChoice.guardian_id == row.guardian_id,
            PendingChoice.kind.in_([ChoiceKind.ACTION_ITEM, ChoiceKind.FEEDBACK]),
            PendingChoice.created_at > now - QUESTION_APART,
        )
    ).all()
    others = [q for q in asked if _question_about(q) != _row_about(row)]
    if not others:
        return False
    if item is not None and row.kind is FollowupKind.FAMILY_REMINDER:
        later = row.due_at + QUESTION_APART
        return later.astimezone(zoneinfo.ZoneInfo(_zone_of(session, row))).date() < item.due_on
    return True


def _question_about(question: PendingChoice) -> tuple[str, int | None]:
    first = question.options[0] if question.options else [None]
    about = int(first[0]) if first and isinstance(first[0], int) else None
    return (question.kind.value, about)


def _row_about(row: ActionFollowup) -> tuple[str, int | None]:
    if row.kind is FollowupKind.FEEDBACK:
        return (ChoiceKind.FEEDBACK.value, row.meeting_id)
    return (ChoiceKind.ACTION_ITEM.value, row.item_id)


def _zone_of(session: Session, row: ActionFollowup) -> str:
    meeting = session.get_one(Meeting, row.meeting_id)
    return meeting.timezone


class _Batch:
    """What a batch asks about the same meeting or student many times, asked once: the
    roster cannot change under a batch's transaction in a way that matters here."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._invited: dict[int, set[int]] = {}
        self._receiving: dict[int, set[int]] = {}
        self._serves: dict[tuple[int, int], bool] = {}
        self._readers: dict[int, Staff | None] = {}

    def invited(self, meeting: Meeting) -> set[int]:
        if meeting.id not in self._invited:
            self._invited[meeting.id] = {g.id for _, g in invitees(self.session, meeting)}
        return self._invited[meeting.id]

    def receiving(self, student_id: int) -> set[int]:
        from ...policy import receiving_guardians

        if student_id not in self._receiving:
            student = self.session.get_one(Student, student_id)
            self._receiving[student_id] = {g.id for g in receiving_guardians(self.session, student)}
        return self._receiving[student_id]

    def serves(self, staff_id: int | None, student_id: int) -> bool:
        from ...policy import serves

        if staff_id is None:
            return False
        key = (staff_id, student_id)
        if key not in self._serves:
            staff = self.session.get(Staff, staff_id)
            student = self.session.get_one(Student, student_id)
            self._serves[key] = (
                staff is not None and staff.active and serves(self.session, staff, student)
            )
        return self._serves[key]

    def reader(self, meeting: Meeting) -> Staff | None:
        if meeting.id not in self._readers:
            self._readers[meeting.id] = answers_go_to(self.session, meeting)
        return self._readers[meeting.id]


def _stale(
    cache: _Batch,
    meeting: Meeting,
    row: ActionFollowup,
    item: ActionItem | None,
    now: dt.datetime,
    grace: dt.timedelta,
) -> str | None:
    """Why this follow-up must not go out, if it must not."""
    if meeting.state is MeetingState.CANCELLED:
        return "the meeting is cancelled"
    if now - row.due_at > grace:
        return "past the grace window"
    if row.kind is FollowupKind.FEEDBACK:
        if row.guardian_id not in cache.invited(meeting):
            return "no longer gets its messages"
        return None
    if item is None:
        return "no such item"
    if item.state is not ItemState.OPEN:
        return f"the item is {item.state.value}"
    if item.due_on != row.due_on:
        return "the item moved"
    if row.kind is FollowupKind.STAFF_REMINDER and not cache.serves(
        row.staff_id, meeting.student_id
    ):
        return "the owner no longer serves the student"
    if row.kind is FollowupKind.FAMILY_REMINDER and row.guardian_id not in cache.receiving(
        meeting.student_id
    ):
        return "no longer gets its messages"
    return None
