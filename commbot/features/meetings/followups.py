"""Follow-ups after the meeting, as rows with due times claimed through the database:
reminders to each item's owner (staff: 2 days before and the morning of, on Telegram with
Done / Need more time; families: 2 days before, outside quiet hours, moved earlier), the
overdue report to the organizer the morning after, and each guardian's feedback request
(days after the meeting, set per meeting). Sent once, closed when the item is done or the
meeting cancelled. Claimed like meeting reminders (`FOR UPDATE SKIP LOCKED`).

INTERFACE (the foundation commit): bodies to be written; signatures are the contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .after_models import ActionItem, MeetingNotes
from .models import Meeting

STAFF_DAYS_BEFORE = (2, 0)
FAMILY_DAYS_BEFORE = (2,)
STAFF_HOUR = dt.time(8, 0)  # in the school's time zone: "the morning of"
FAMILY_HOUR = dt.time(17, 0)  # in the family's time zone, then out of quiet hours
OVERDUE_HOUR = dt.time(8, 0)  # the morning after the due date, school time
FEEDBACK_HOUR = dt.time(17, 0)
GRACE = dt.timedelta(hours=12)


@dataclass
class SendReport:
    sent: int = 0
    dropped: int = 0


def schedule_item(
    session: Session, meeting: Meeting, item: ActionItem, now: dt.datetime, default_timezone: str
) -> int:
    """Write the item's reminders and its overdue report for its current due date."""
    raise NotImplementedError


def schedule_feedback(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    now: dt.datetime,
    default_timezone: str,
) -> int:
    """One feedback request per guardian, `notes.feedback_days` after the meeting."""
    raise NotImplementedError


def close_item(session: Session, item: ActionItem, now: dt.datetime, outcome: str) -> int:
    raise NotImplementedError


def close_meeting(session: Session, meeting: Meeting, now: dt.datetime, outcome: str) -> int:
    raise NotImplementedError


def send_due(
    engine: Engine,
    now: dt.datetime,
    *,
    default_timezone: str,
    grace: dt.timedelta = GRACE,
    batch: int = 200,
) -> SendReport:
    raise NotImplementedError
