"""The organizer's view of a meeting: its facts, and for each guardian how the preview went
out, the time they picked, what they asked for, their words, and what is still unanswered.
One shape for `commbot meeting show` (table and JSON) and `/meetings` on Telegram. Never a
phone number."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Delivery, Guardian, Message, Staff, Student
from .actions import attendees_of, slots_of
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


def meeting_view(session: Session, meeting: Meeting) -> MeetingView:
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
    for i, text, language in session.execute(
        select(MeetingInput, Message.text, Message.language)
        .outerjoin(Message, Message.id == MeetingInput.message_id)
        .where(MeetingInput.meeting_id == meeting.id)
        .order_by(MeetingInput.created_at, MeetingInput.id)
    ):
        words_of[i.guardian_id].append(
            FamilyWords(i.kind.value, text or "", language or "", _iso(i.created_at) or "")
        )
    for invitee, guardian in invitees:
        contacts = contacts_of[guardian.id]
        previews = [(c, d) for c, d in contacts if c.kind is ContactKind.PREVIEW]
        latest_at = max((c.at for c, _ in previews), default=None)
        latest = [last_copy(session, d) for c, d in previews if c.at == latest_at and d]
        status = "no channel" if previews and not latest else "not sent"
        if latest:
            status = min((d.status.value for d in latest), key=STATUS_ORDER.index)
        words = [
            FamilyWords(w.kind, w.text, w.language or guardian.language, w.at)
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
    )


__all__ = ["FamilyView", "FamilyWords", "InputKind", "MeetingView", "meeting_view"]
