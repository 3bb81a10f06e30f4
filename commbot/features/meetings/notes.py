"""Recording what a meeting decided: the notes, what answers each concern the family
raised, the action plan, ideas for home. Every entry point (`commbot meeting notes`, the
`/notes` dialog) calls `record_notes`; the meeting becomes held, the family is sent the
notes in its language, and the follow-ups that keep the plan's promises are scheduled.

INTERFACE (the foundation commit): bodies to be written; signatures are the contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ...models import Delivery, Guardian, Staff
from .after_models import ActionItem, MeetingConcern, MeetingNotes
from .models import Meeting

DEFAULT_FEEDBACK_DAYS = 2
MAX_ITEMS = 20
MAX_CONCERNS = 30


@dataclass(frozen=True)
class Owner:
    """Who does an item: exactly one of a staff member or a guardian of the child."""

    staff_id: int | None = None
    guardian_id: int | None = None


@dataclass(frozen=True)
class ItemSpec:
    what: str  # in the organizer's words
    owner: Owner
    due_on: dt.date  # a day in the school's calendar (the meeting's time zone)


@dataclass(frozen=True)
class ConcernSpec:
    """What answers one concern: one the family wrote before the meeting (`raised`, its
    number in `raised_concerns`), or one raised during it (`concern`, the organizer's
    summary). `answered` False means `response` says why not yet."""

    response: str
    answered: bool = True
    raised: int | None = None
    concern: str = ""


@dataclass(frozen=True)
class NotesSpec:
    summary: str
    decisions: tuple[str, ...] = ()
    concerns: tuple[ConcernSpec, ...] = ()
    items: tuple[ItemSpec, ...] = ()
    ideas: tuple[str, ...] = ()
    feedback_days: int = DEFAULT_FEEDBACK_DAYS  # 0: do not ask
    language: str | None = None  # the notes' language; the meeting's by default


@dataclass(frozen=True)
class RaisedConcern:
    """A concern the family wrote before or while the meeting took answers, numbered from
    1 in the order written (as `meeting show` and the dialog list them)."""

    number: int
    input_id: int
    guardian_id: int
    guardian_name: str
    text: str  # their words, in their language
    at: dt.datetime


@dataclass
class RecordedNotes:
    notes: MeetingNotes
    concerns: list[MeetingConcern]
    items: list[ActionItem]
    # Each guardian told, with the deliveries queued (none: no way to reach them).
    families: list[tuple[Guardian, list[Delivery]]] = field(default_factory=list)


def raised_concerns(session: Session, meeting: Meeting) -> list[RaisedConcern]:
    raise NotImplementedError


def possible_owners(session: Session, meeting: Meeting) -> tuple[list[Staff], list[Guardian]]:
    """Who may own an item: staff who serve the student, and the student's guardians."""
    raise NotImplementedError


def check_notes(
    session: Session, actor: Staff | None, meeting: Meeting, spec: NotesSpec, now: dt.datetime
) -> None:
    """Raise `MeetingError` naming every problem (not the actor's meeting, not yet held,
    notes already recorded, a raised concern left unanswered, an owner who is not staff
    serving the child nor a guardian of the child, a due date in the past, text wider
    than its column), so that nothing is written unless all is right."""
    raise NotImplementedError


def record_notes(
    session: Session,
    actor: Staff | None,
    meeting: Meeting,
    spec: NotesSpec,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> RecordedNotes:
    """Check, write, mark the meeting held, send the family its notes, tell staff owners
    their items, and schedule the follow-ups and feedback requests."""
    raise NotImplementedError


def notes_of(session: Session, meeting: Meeting) -> MeetingNotes | None:
    raise NotImplementedError


def items_of(session: Session, meeting: Meeting) -> list[ActionItem]:
    raise NotImplementedError


def concerns_of(session: Session, meeting: Meeting) -> list[MeetingConcern]:
    raise NotImplementedError
