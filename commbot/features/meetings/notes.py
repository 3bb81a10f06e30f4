"""Recording what a meeting decided: the notes, what answers each concern the family
raised, the action plan, ideas for home. Every entry point (`commbot meeting notes`, the
`/notes` dialog) calls `record_notes`; the meeting becomes held, the family is sent the
notes in its language, and the follow-ups that keep the plan's promises are scheduled.

Everything is checked before anything is written (`check_notes` names every problem at
once), so the organizer fixes the file or the dialog in one go and a refusal leaves no
half-recorded plan. Owners are checked against who may read about the child now: a staff
member who serves the student, or one of the student's guardians.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import Delivery, Guardian, Message, Staff, Student
from ...outbox import WORDS
from ...policy import serves
from . import after_messages as am
from . import followups, reminders
from .actions import MAX_TEXT, MeetingError, may_manage
from .after_models import ActionItem, MeetingConcern, MeetingNotes
from .audience import answers_go_to, invitees
from .models import ContactKind, InputKind, Meeting, MeetingInput, MeetingState
from .notify import meeting_message, send_family, send_staff
from .times import MAX_AHEAD

log = logging.getLogger(__name__)

DEFAULT_FEEDBACK_DAYS = 2
MAX_ITEMS = 20
MAX_CONCERNS = 30
MAX_FEEDBACK_DAYS = 30


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
    rows = session.execute(
        select(MeetingInput, Guardian.name, Message.text)
        .join(Guardian, Guardian.id == MeetingInput.guardian_id)
        .outerjoin(Message, Message.id == MeetingInput.message_id)
        .where(MeetingInput.meeting_id == meeting.id, MeetingInput.kind == InputKind.CONCERN)
        .order_by(MeetingInput.created_at, MeetingInput.id)
    ).all()
    return [
        RaisedConcern(n, row.id, row.guardian_id, name, text or "", row.created_at)
        for n, (row, name, text) in enumerate(rows, 1)
    ]


def possible_owners(session: Session, meeting: Meeting) -> tuple[list[Staff], list[Guardian]]:
    """Who may own an item: staff who serve the student, and the student's guardians who
    get the notes."""
    student = session.get_one(Student, meeting.student_id)
    staff = [
        member
        for member in session.scalars(
            select(Staff).where(Staff.active).order_by(Staff.name, Staff.id)
        )
        if serves(session, member, student)
    ]
    return staff, _owners_in_family(session, meeting)


def _owners_in_family(session: Session, meeting: Meeting) -> list[Guardian]:
    """The guardians who may own an item: those the notes go to (asked to the meeting and
    getting messages), so every family owner reads the plan and can answer its reminders."""
    return [guardian for _, guardian in invitees(session, meeting)]


def last_due_day(meeting: Meeting, now: dt.datetime) -> dt.date:
    """The latest due date a plan may give: two years from the day it is written (the same
    bound as a meeting's time, `times.MAX_AHEAD`, for the file, the dialog and more time)."""
    return school_day(meeting, now) + MAX_AHEAD


def school_day(meeting: Meeting, when: dt.datetime) -> dt.date:
    """The calendar day of `when` at the school (the meeting's time zone)."""
    return when.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()


def check_notes(
    session: Session, actor: Staff | None, meeting: Meeting, spec: NotesSpec, now: dt.datetime
) -> None:
    """Raise `MeetingError` naming every problem (not the actor's meeting, not yet held,
    notes already recorded, a raised concern left unanswered, an owner who is not staff
    serving the child nor a guardian of the child, a due date in the past, text wider
    than its column), so that nothing is written unless all is right."""
    student = session.get_one(Student, meeting.student_id)
    if not may_manage(session, actor, student):
        raise MeetingError(f"no meeting {meeting.id} among yours")
    if meeting.state is MeetingState.CANCELLED:
        raise MeetingError(f"meeting {meeting.id} is cancelled")
    if meeting.state is MeetingState.HELD or notes_of(session, meeting) is not None:
        raise MeetingError(f"notes for meeting {meeting.id} were already recorded")
    if meeting.state is not MeetingState.SCHEDULED or meeting.starts_at is None:
        raise MeetingError(f"meeting {meeting.id} has not happened yet: no time is set")
    if meeting.starts_at > now:
        starts = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone))
        raise MeetingError(
            f"meeting {meeting.id} has not happened yet: it starts"
            f" {starts.isoformat(timespec='minutes')}"
        )
    problems = _text_problems(spec) + _concern_problems(session, meeting, spec)
    problems += _item_problems(session, meeting, student, spec, now)
    if problems:
        raise MeetingError("; ".join(problems))


def _text_problems(spec: NotesSpec) -> list[str]:
    problems = []
    if not spec.summary.strip():
        problems.append("the summary is empty")
    texts = [(spec.summary, "the summary")]
    texts += [(d, f"decision {n}") for n, d in enumerate(spec.decisions, 1)]
    texts += [(i, f"idea {n}") for n, i in enumerate(spec.ideas, 1)]
    texts += [(c.response, f"the response to concern {n}") for n, c in enumerate(spec.concerns, 1)]
    texts += [(c.concern, f"concern {n}") for n, c in enumerate(spec.concerns, 1)]
    texts += [(i.what, f"item {n}") for n, i in enumerate(spec.items, 1)]
    for text, name in texts:
        if len(text) > MAX_TEXT:
            problems.append(f"{name} is longer than {MAX_TEXT} characters")
    for things, name, most in (
        (spec.decisions, "decisions", MAX_ITEMS),
        (spec.ideas, "ideas", MAX_ITEMS),
        (spec.items, "action items", MAX_ITEMS),
        (spec.concerns, "concerns", MAX_CONCERNS),
    ):
        if len(things) > most:
            problems.append(f"{len(things)} {name}: at most {most}")
    if not 0 <= spec.feedback_days <= MAX_FEEDBACK_DAYS:
        problems.append(
            f"feedback is asked 0 to {MAX_FEEDBACK_DAYS} days after, not {spec.feedback_days}"
        )
    width = getattr(MeetingNotes.__table__.c.language.type, "length", None) or 16
    if spec.language is not None and not 0 < len(spec.language.strip()) <= width:
        problems.append(f"the notes' language is not a language code of {width} letters or less")
    return problems


def _concern_problems(session: Session, meeting: Meeting, spec: NotesSpec) -> list[str]:
    problems = []
    raised = raised_concerns(session, meeting)
    answered: set[int] = set()
    for n, concern in enumerate(spec.concerns, 1):
        if not concern.response.strip():
            problems.append(f"concern {n} has no response (say what answers it, or why not yet)")
        if concern.raised is None:
            if not concern.concern.strip():
                problems.append(f"concern {n} says neither which concern it answers nor what it is")
            continue
        if not 1 <= concern.raised <= len(raised):
            problems.append(
                f"concern {n} answers raised concern {concern.raised}, but the family raised"
                f" {len(raised)}"
            )
        elif concern.raised in answered:
            problems.append(f"raised concern {concern.raised} is answered twice")
        answered.add(concern.raised)
    missing = [str(r.number) for r in raised if r.number not in answered]
    if missing:
        problems.append(
            "the family's concerns " + ", ".join(missing) + " are not answered: say what"
            " answers each, or why not yet"
        )
    return problems


def _item_problems(
    session: Session, meeting: Meeting, student: Student, spec: NotesSpec, now: dt.datetime
) -> list[str]:
    problems = []
    assert meeting.starts_at is not None
    first_day = school_day(meeting, meeting.starts_at)
    last_day = last_due_day(meeting, now)
    guardians = {g.id for g in _owners_in_family(session, meeting)}
    for n, item in enumerate(spec.items, 1):
        if not item.what.strip():
            problems.append(f"item {n} does not say what is to be done")
        owner = item.owner
        if (owner.staff_id is None) == (owner.guardian_id is None):
            problems.append(f"item {n} needs one owner: a staff member or a guardian")
        elif owner.staff_id is not None:
            member = session.get(Staff, owner.staff_id)
            if member is None or not member.active or not serves(session, member, student):
                problems.append(f"the owner of item {n} does not serve {student.name}")
        elif owner.guardian_id not in guardians:
            problems.append(
                f"the owner of item {n} is not a guardian of {student.name} who gets the notes"
            )
        if item.due_on < first_day:
            problems.append(
                f"item {n} is due {item.due_on.isoformat()}, before the meeting's day"
                f" {first_day.isoformat()}"
            )
        elif item.due_on > last_day:
            problems.append(f"item {n} is due {item.due_on.isoformat()}, more than 2 years ahead")
    return problems


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
    from .changes import close_menu

    # Held until this commits: notes recorded twice at once (the dialog and the command
    # line) find the first one's and are refused.
    session.refresh(meeting, with_for_update=True)
    check_notes(session, actor, meeting, spec, now)
    notes = MeetingNotes(
        meeting_id=meeting.id,
        summary=spec.summary.strip(),
        decisions=[d.strip() for d in spec.decisions if d.strip()],
        ideas=[i.strip() for i in spec.ideas if i.strip()],
        language=(spec.language or meeting.language).strip(),
        feedback_days=spec.feedback_days,
        recorded_by_id=actor.id if actor is not None else None,
        recorded_at=now,
    )
    session.add(notes)
    raised = {r.number: r for r in raised_concerns(session, meeting)}
    concerns = [
        MeetingConcern(
            meeting_id=meeting.id,
            position=n,
            input_id=raised[c.raised].input_id if c.raised is not None else None,
            guardian_id=raised[c.raised].guardian_id if c.raised is not None else None,
            concern=c.concern.strip() if c.raised is None else "",
            response=c.response.strip(),
            answered=c.answered,
        )
        for n, c in enumerate(spec.concerns, 1)
    ]
    items = [
        ActionItem(
            meeting_id=meeting.id,
            position=n,
            what=item.what.strip(),
            owner_staff_id=item.owner.staff_id,
            owner_guardian_id=item.owner.guardian_id,
            owner_name=_owner_name(session, item.owner),
            due_on=item.due_on,
            first_due_on=item.due_on,
            created_at=now,
        )
        for n, item in enumerate(spec.items, 1)
    ]
    session.add_all([*concerns, *items])
    meeting.state = MeetingState.HELD
    meeting.updated_at = now
    reminders.close_open(session, meeting, now, "held")
    session.flush()
    recorded = RecordedNotes(notes, concerns, items)
    for _invitee, guardian in invitees(session, meeting):
        close_menu(session, guardian, meeting)  # its menu takes no more answers
        deliveries = send_notes(
            session, meeting, notes, concerns, items, guardian, now, default_timezone
        )
        recorded.families.append((guardian, deliveries))
    _tell_staff_owners(session, meeting, notes, items, now)
    if actor is not None:
        _tell_organizer(session, meeting, now)
    for item in items:
        followups.schedule_item(session, meeting, item, now, default_timezone)
    if notes.feedback_days:
        followups.schedule_feedback(session, meeting, notes, now, default_timezone)
    log.info(
        "meeting %s notes recorded: %d concerns, %d items, %d families",
        meeting.id,
        len(concerns),
        len(items),
        len(recorded.families),
    )
    return recorded


def send_notes(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    concerns: list[MeetingConcern],
    items: list[ActionItem],
    guardian: Guardian,
    now: dt.datetime,
    default_timezone: str,
) -> list[Delivery]:
    """The notes to one guardian on their first usable channel (recorded as a NOTES
    contact even when they have none)."""
    from ...models import Channel
    from ...outbox import usable_points
    from .notes_message import build_notes

    points = usable_points(session, guardian)
    channel = points[0].channel if points else Channel.SMS
    built = build_notes(session, meeting, notes, concerns, items, guardian, channel)
    message = meeting_message(session, meeting, now)
    message.language = notes.language
    deliveries = send_family(
        session,
        meeting,
        guardian,
        ContactKind.NOTES,
        built.parts,
        now=now,
        default_timezone=default_timezone,
        message=message,
        buttons=built.buttons or None,
        words_language=notes.language,
    )
    return deliveries


def _owner_name(session: Session, owner: Owner) -> str:
    person = (
        session.get(Staff, owner.staff_id)
        if owner.staff_id is not None
        else session.get(Guardian, owner.guardian_id)
    )
    assert person is not None  # check_notes found them
    width = getattr(ActionItem.__table__.c.owner_name.type, "length", None) or 200
    return person.name[:width]


def _tell_staff_owners(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    items: list[ActionItem],
    now: dt.datetime,
) -> None:
    """Each staff owner hears of each of their items, with Done / Need more time."""
    from .item_notices import staff_buttons

    student = session.get_one(Student, meeting.student_id)
    for item in items:
        if item.owner_staff_id is None:
            continue
        staff = session.get(Staff, item.owner_staff_id)
        if staff is None:
            continue
        language = staff.language
        header = gettext(
            language,
            am.STAFF_YOUR_ITEM,
            student=student.name,
            date=am.due_text(item.due_on, language),
        )
        send_staff(
            session,
            meeting,
            staff,
            ContactKind.NOTES,
            header,
            now=now,
            pieces=[(WORDS, item.what)],
            buttons=staff_buttons(item, language),
            words_language=notes.language,
        )


def _tell_organizer(session: Session, meeting: Meeting, now: dt.datetime) -> None:
    organizer = answers_go_to(session, meeting)
    if organizer is None:
        return
    student = session.get_one(Student, meeting.student_id)
    header = gettext(organizer.language, am.STAFF_NOTES_SENT, student=student.name)
    send_staff(session, meeting, organizer, ContactKind.NOTES, header, now=now)


def notes_of(session: Session, meeting: Meeting) -> MeetingNotes | None:
    return session.scalar(select(MeetingNotes).where(MeetingNotes.meeting_id == meeting.id))


def items_of(session: Session, meeting: Meeting) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.meeting_id == meeting.id)
            .order_by(ActionItem.position)
        )
    )


def concerns_of(session: Session, meeting: Meeting) -> list[MeetingConcern]:
    return list(
        session.scalars(
            select(MeetingConcern)
            .where(MeetingConcern.meeting_id == meeting.id)
            .order_by(MeetingConcern.position)
        )
    )
