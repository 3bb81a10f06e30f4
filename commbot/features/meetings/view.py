"""The organizer's view of a meeting: its facts, and for each guardian how the preview went
out, the time they picked, what they asked for, their words, and what is still unanswered;
after the meeting, its notes: the summary, each concern and what answers it, the plan's
items (owner, due date, state, delays), and each guardian's feedback. One shape for
`commbot meeting show` (table and JSON) and `/meetings` on Telegram. Never a phone number.

One query per kind of row (contacts, words, concerns, items, feedback), never one per
guardian or item: `/meetings` shows a whole school's meetings at once."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Delivery, Guardian, Message, Staff, Student, utcnow
from .actions import attendees_of, slots_of
from .after_models import ActionItem, ItemState, MeetingConcern, MeetingFeedback, MeetingNotes
from .models import (
    ContactKind,
    InputKind,
    Meeting,
    MeetingContact,
    MeetingInput,
    MeetingInvitee,
    MeetingReminder,
)
from .withdraw import last_copy


@dataclass
class FamilyWords:
    kind: str  # concern, availability, bringing
    text: str
    language: str
    at: str
    number: int | None = None  # a concern's number, as the notes answer it ("raised: 1")


@dataclass
class FeedbackView:
    """How the meeting worked for one guardian (1 to 5) and what would help next time."""

    asked_at: str | None
    rating: int | None
    rated_at: str | None
    words: str  # their words, as they wrote them
    words_language: str
    answered_at: str | None


@dataclass
class ConcernView:
    number: int  # as the family reads the notes
    raised: int | None  # the family's concern it answers; None: raised during the meeting
    guardian: str | None  # who wrote it
    concern: str  # their words (original), or the organizer's summary
    response: str
    answered: bool  # False: the response says why not yet


@dataclass
class ItemView:
    id: int  # for `commbot meeting done ITEM`
    number: int  # as the family reads the plan ("DONE 2")
    what: str
    owner: str
    owner_kind: str  # staff or guardian
    due_on: str
    first_due_on: str
    state: str  # open, done, cancelled
    overdue: bool
    delays: int
    delay_reason: str
    done_at: str | None
    done_by: str | None  # a name


@dataclass
class NotesView:
    summary: str
    decisions: list[str]
    ideas: list[str]
    language: str
    feedback_days: int
    recorded_at: str | None
    recorded_by: str | None  # None: the command line
    concerns: list[ConcernView]
    items: list[ItemView]


@dataclass
class FamilyView:
    guardian_id: int
    name: str
    language: str
    channel: str | None  # of the latest preview; None when they have no usable channel
    preview_status: str  # the least advanced of the preview's parts: pending, sent, delivered, ...
    chosen_slot: int | None
    none_work: bool
    needs: list[str]
    words: list[FamilyWords] = field(default_factory=list)
    responded_at: str | None = None
    unanswered: bool = True
    contacts: int = 0  # every message sent them about the meeting
    feedback: FeedbackView | None = None  # asked after the meeting


@dataclass
class MeetingView:
    id: int
    student: str
    organizer: str
    purpose: str
    state: str
    starts_at: str | None
    duration_minutes: int
    timezone: str
    place: str
    video_link: str
    phone: str
    slots: list[dict[str, Any]]
    attendees: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    agenda: list[str]
    strengths: str
    families: list[FamilyView]
    reminders_pending: int
    sequence: int
    notes: NotesView | None = None  # once recorded

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


STATUS_ORDER = (
    "failed",
    "undelivered",
    "cancelled",
    "held",
    "pending",
    "sending",
    "sent",
    "delivered",
    "read",
)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat(timespec="minutes") if when else None


def meeting_view(session: Session, meeting: Meeting, now: dt.datetime | None = None) -> MeetingView:
    student = session.get_one(Student, meeting.student_id)
    organizer = session.get_one(Staff, meeting.organizer_id)
    slots = slots_of(session, meeting)
    positions = {s.id: s.position for s in slots}
    families: list[FamilyView] = []
    invitees = session.execute(
        select(MeetingInvitee, Guardian)
        .join(Guardian, Guardian.id == MeetingInvitee.guardian_id)
        .where(MeetingInvitee.meeting_id == meeting.id)
        .order_by(Guardian.name)
    )
    # One query each for every guardian's contacts and words, not one per guardian:
    # `/meetings` shows every open meeting of a coordinator's school at once.
    contacts_of: dict[int, list[tuple[MeetingContact, Delivery | None]]] = defaultdict(list)
    for contact, delivery in session.execute(
        select(MeetingContact, Delivery)
        .outerjoin(Delivery, Delivery.id == MeetingContact.delivery_id)
        .where(MeetingContact.meeting_id == meeting.id, MeetingContact.guardian_id.is_not(None))
        .order_by(MeetingContact.at, MeetingContact.id)
    ):
        contacts_of[contact.guardian_id or 0].append((contact, delivery))
    words_of: dict[int, list[FamilyWords]] = defaultdict(list)
    # Concerns numbered from 1 in the order written, as `notes.raised_concerns` numbers
    # them: the notes answer each by that number.
    raised: dict[int, FamilyWords] = {}
    for i, text, language in session.execute(
        select(MeetingInput, Message.text, Message.language)
        .outerjoin(Message, Message.id == MeetingInput.message_id)
        .where(MeetingInput.meeting_id == meeting.id)
        .order_by(MeetingInput.created_at, MeetingInput.id)
    ):
        said = FamilyWords(i.kind.value, text or "", language or "", _iso(i.created_at) or "")
        if i.kind is InputKind.CONCERN:
            said.number = len(raised) + 1
            raised[i.id] = said
        words_of[i.guardian_id].append(said)
    feedback_of = _feedback(session, meeting)
    for invitee, guardian in invitees:
        contacts = contacts_of[guardian.id]
        previews = [(c, d) for c, d in contacts if c.kind is ContactKind.PREVIEW]
        latest_at = max((c.at for c, _ in previews), default=None)
        latest = [last_copy(session, d) for c, d in previews if c.at == latest_at and d]
        status = "no channel" if previews and not latest else "not sent"
        if latest:
            status = min((d.status.value for d in latest), key=STATUS_ORDER.index)
        words = [
            FamilyWords(w.kind, w.text, w.language or guardian.language, w.at, w.number)
            for w in words_of[guardian.id]
        ]
        answered = bool(invitee.chosen_slot_id or invitee.none_work or invitee.needs or words)
        families.append(
            FamilyView(
                guardian_id=guardian.id,
                name=guardian.name,
                language=guardian.language,
                channel=latest[0].channel.value if latest else None,
                preview_status=status,
                chosen_slot=positions.get(invitee.chosen_slot_id or -1),
                none_work=invitee.none_work,
                needs=list(invitee.needs),
                words=words,
                responded_at=_iso(invitee.responded_at),
                unanswered=not answered,
                contacts=len(contacts),
                feedback=feedback_of.get(guardian.id),
            )
        )
    pending = session.scalars(
        select(MeetingReminder.id).where(
            MeetingReminder.meeting_id == meeting.id, MeetingReminder.done_at.is_(None)
        )
    ).all()
    return MeetingView(
        id=meeting.id,
        student=student.name,
        organizer=organizer.name,
        purpose=meeting.purpose.value,
        state=meeting.state.value,
        starts_at=_iso(meeting.starts_at),
        duration_minutes=meeting.duration_minutes,
        timezone=meeting.timezone,
        place=meeting.place,
        video_link=meeting.video_link,
        phone=meeting.phone,
        slots=[{"number": s.position, "starts_at": _iso(s.starts_at)} for s in slots],
        attendees=[
            {"name": a.name, "role": a.role.value, "staff": a.staff_id is not None}
            for a in attendees_of(session, meeting)
        ],
        documents=list(meeting.documents),
        agenda=list(meeting.agenda),
        strengths=meeting.strengths,
        families=families,
        reminders_pending=len(pending),
        sequence=meeting.sequence,
        notes=_notes(session, meeting, raised, now or utcnow()),
    )


def _feedback(session: Session, meeting: Meeting) -> dict[int, FeedbackView]:
    found = {}
    for row, text, language in session.execute(
        select(MeetingFeedback, Message.text, Message.language)
        .outerjoin(Message, Message.id == MeetingFeedback.message_id)
        .where(MeetingFeedback.meeting_id == meeting.id)
    ):
        found[row.guardian_id] = FeedbackView(
            asked_at=_iso(row.asked_at),
            rating=row.rating,
            rated_at=_iso(row.rated_at),
            words=text or "",
            words_language=language or "",
            answered_at=_iso(row.answered_at),
        )
    return found


def _notes(
    session: Session, meeting: Meeting, raised: dict[int, FamilyWords], now: dt.datetime
) -> NotesView | None:
    notes = session.scalar(select(MeetingNotes).where(MeetingNotes.meeting_id == meeting.id))
    if notes is None:
        return None
    recorded_by = session.get(Staff, notes.recorded_by_id) if notes.recorded_by_id else None
    concerns = []
    for concern, name in session.execute(
        select(MeetingConcern, Guardian.name)
        .outerjoin(Guardian, Guardian.id == MeetingConcern.guardian_id)
        .where(MeetingConcern.meeting_id == meeting.id)
        .order_by(MeetingConcern.position)
    ):
        theirs = raised.get(concern.input_id or -1)
        concerns.append(
            ConcernView(
                number=concern.position,
                raised=theirs.number if theirs else None,
                guardian=name,
                concern=theirs.text if theirs else concern.concern,
                response=concern.response,
                answered=concern.answered,
            )
        )
    plan = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.meeting_id == meeting.id)
            .order_by(ActionItem.position)
        )
    )
    today = now.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()
    names = _done_by_names(session, plan)
    return NotesView(
        summary=notes.summary,
        decisions=[str(d) for d in notes.decisions],
        ideas=[str(i) for i in notes.ideas],
        language=notes.language,
        feedback_days=notes.feedback_days,
        recorded_at=_iso(notes.recorded_at),
        recorded_by=recorded_by.name if recorded_by else None,
        concerns=concerns,
        items=[
            ItemView(
                id=item.id,
                number=item.position,
                what=item.what,
                owner=item.owner_name,
                owner_kind="staff" if item.owner_guardian_id is None else "guardian",
                due_on=item.due_on.isoformat(),
                first_due_on=item.first_due_on.isoformat(),
                state=item.state.value,
                overdue=item.state is ItemState.OPEN and item.due_on < today,
                delays=item.delays,
                delay_reason=item.delay_reason,
                done_at=_iso(item.done_at),
                done_by=names.get(item.done_by or ""),
            )
            for item in plan
        ],
    )


def _done_by_names(session: Session, plan: list[ActionItem]) -> dict[str, str]:
    """ "staff:3" -> "Emily Carter": one query for staff and one for guardians, if any."""
    ids: dict[str, set[int]] = {"staff": set(), "guardian": set()}
    for item in plan:
        kind, _, number = (item.done_by or "").partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names: dict[str, str] = {}
    for kind, model in (("staff", Staff), ("guardian", Guardian)):
        if ids[kind]:
            for person_id, name in session.execute(
                select(model.id, model.name).where(model.id.in_(ids[kind]))
            ):
                names[f"{kind}:{person_id}"] = name
    return names


__all__ = [
    "ConcernView",
    "FamilyView",
    "FamilyWords",
    "FeedbackView",
    "InputKind",
    "ItemView",
    "MeetingView",
    "NotesView",
    "meeting_view",
]
