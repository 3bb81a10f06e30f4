"""What one guardian reads after the meeting, in their language: the thank-you and
summary, decisions, their concerns and what we will do, the numbered plan (each owner in
plain words, each date in their calendar), ideas for home. Telegram gets one message with a
Done button per item of theirs; SMS and WhatsApp get parts that each stand alone.

By SMS and WhatsApp: the thank-you and summary (and decisions); the family's concerns
and what answers each; the plan (split into more parts when long); the ideas for home.
Every part after the first opens with "After Alfredo's meeting:", since phones may show
parts out of order, and each is kept to about `PART_BUDGET` characters of fixed text and
organizer's words, so that it stays inside one concatenated SMS once translated.

A guardian reads the concerns they wrote themselves (their own words, as they wrote them)
and those raised during the meeting; a co-guardian's own words are not forwarded to them
(parents in two households write to the school, not to each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import Channel, Guardian, Message, Staff, Student
from ...outbox import TEXT, WORDS, Keyboard, Piece
from . import after_messages as am
from . import messages as m
from .after_models import ActionItem, MeetingConcern, MeetingNotes
from .models import AttendeeRole, Meeting, MeetingAttendee, MeetingInput
from .team import attendee_role

# About a third of the 1,600 characters Twilio puts in one concatenated SMS: translation
# may make words longer, and a language outside GSM-7 halves the room.
PART_BUDGET = 600


@dataclass
class NotesMessage:
    parts: list[list[Piece]]
    buttons: Keyboard = field(default_factory=list)

    def as_text(self) -> str:
        return "\n\n".join("".join(text for _, text in part) for part in self.parts)


class _Part:
    """Pieces of one part, line by line, and roughly how long it reads."""

    def __init__(self, head: str = "") -> None:
        self.pieces: list[Piece] = []
        if head:
            self.line(head)

    def line(self, text: str) -> None:
        self._break()
        self.pieces.append((TEXT, text))

    def words(self, words: str, prefix: str = "") -> None:
        self._break()
        if prefix:
            self.pieces.append((TEXT, prefix))
        self.pieces.append((WORDS, words))

    def _break(self) -> None:
        if self.pieces:
            self.pieces.append((TEXT, "\n"))

    def __len__(self) -> int:
        return sum(len(text) for _, text in self.pieces)


def build_notes(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    concerns: list[MeetingConcern],
    items: list[ActionItem],
    guardian: Guardian,
    channel: Channel,
) -> NotesMessage:
    from .after_buttons import FAMILY_DONE

    language = guardian.language
    student = session.get_one(Student, meeting.student_id)
    name = student.name.split()[0] if student.name else ""

    def t(message: str, **values: object) -> str:
        return gettext(language, message, **values)

    about = t(am.NOTES_ABOUT, student=name)
    parts: list[_Part] = []

    split = channel is not Channel.TELEGRAM

    def section(heading: str, entries: list[_Part], first: _Part | None = None) -> _Part:
        """A heading and its entries, carried on into a new part (headed again, so that it
        stands alone) whenever the next entry would take a part past `PART_BUDGET`."""
        part = first if first is not None else _Part(about)
        part.line(heading)
        bare = len(part.pieces)
        for entry in entries:
            if split and len(part) + len(entry) > PART_BUDGET and len(part.pieces) > bare:
                parts.append(part)
                part = _Part(about)
                part.line(heading)
                bare = len(part.pieces)
            part.pieces += [(TEXT, "\n"), *entry.pieces]
        return part

    first = _Part(t(am.NOTES_THANKS, student=name))
    first.line(t(am.NOTES_SUMMARY))
    first.words(notes.summary)
    if notes.decisions:
        first = section(
            t(am.NOTES_DECISIONS), [_entry(str(d), "- ") for d in notes.decisions], first
        )
    parts.append(first)

    theirs = _concerns_for(session, concerns, guardian)
    if theirs:
        entries = []
        for concern, own_words in theirs:
            entry = _Part()
            if concern.input_id is not None or concern.guardian_id is not None:
                if own_words:
                    entry.line(t(am.CONCERN_YOU_SAID) + " " + own_words)
            else:
                entry.words(concern.concern, t(am.CONCERN_YOU_SAID) + " ")
            label = am.CONCERN_ANSWER if concern.answered else am.CONCERN_NOT_YET
            entry.words(concern.response, t(label) + " ")
            entries.append(entry)
        parts.append(section(t(am.CONCERNS), entries))

    mine = [item for item in items if item.owner_guardian_id == guardian.id]
    if items:
        entries = []
        for item in items:
            entry = _Part()
            owner = owner_words(session, meeting, item, guardian)
            date = am.due_text(item.due_on, language)
            entry.line(t(am.PLAN_ITEM, number=item.position, owner=owner, date=date))
            entry.words(item.what)
            entries.append(entry)
        part = section(t(am.PLAN), entries)
        if mine:
            if channel is Channel.TELEGRAM:
                part.line(t(am.PLAN_TAP_DONE))
            else:
                part.line(t(am.PLAN_REPLY_DONE, number=mine[0].position))
        parts.append(part)

    if notes.ideas:
        ideas = [_entry(str(idea), "- ") for idea in notes.ideas]
        parts.append(section(t(am.IDEAS, student=name), ideas))
    parts[-1].line(t(am.QUESTIONS_WELCOME))

    if channel is Channel.TELEGRAM:
        # One message: the later parts need no "After ..." line of their own.
        whole = list(parts[0].pieces)
        for part in parts[1:]:
            whole += [(TEXT, "\n\n"), *part.pieces[2:]]
        buttons: Keyboard = [
            [
                {
                    "text": t(am.DONE_BUTTON, number=item.position),
                    "callback_data": FAMILY_DONE.encode(item=item.id),
                }
            ]
            for item in mine
            if item.is_open and item.id is not None
        ]
        return NotesMessage([whole], buttons)
    return NotesMessage([part.pieces for part in parts])


def _entry(words: str, prefix: str) -> _Part:
    entry = _Part()
    entry.words(words, prefix)
    return entry


def _concerns_for(
    session: Session, concerns: list[MeetingConcern], guardian: Guardian
) -> list[tuple[MeetingConcern, str]]:
    """The concerns this guardian reads, each with their own words if they wrote it."""
    input_ids = [c.input_id for c in concerns if c.input_id is not None]
    words: dict[int, str] = {}
    if input_ids:
        words = {
            input_id: text or ""
            for input_id, text in session.execute(
                select(MeetingInput.id, Message.text)
                .outerjoin(Message, Message.id == MeetingInput.message_id)
                .where(MeetingInput.id.in_(input_ids))
            )
        }
    found = []
    for concern in concerns:
        if concern.guardian_id is None and concern.input_id is None:
            found.append((concern, ""))  # raised during the meeting: the family's
        elif concern.guardian_id == guardian.id:
            found.append((concern, words.get(concern.input_id or -1, "").strip()))
    return found


def owner_words(session: Session, meeting: Meeting, item: ActionItem, reader: Guardian) -> str:
    """The item's owner as this guardian reads it in the plan: "You", a co-guardian by
    name, or "Emily Carter, special education teacher" (their role at the meeting if they
    came, else what their place in commbot makes them on the team)."""
    if item.owner_staff_id is None:
        return owner_named(item, reader)
    role = session.scalar(
        select(MeetingAttendee.role)
        .where(
            MeetingAttendee.meeting_id == meeting.id,
            MeetingAttendee.staff_id == item.owner_staff_id,
        )
        .order_by(MeetingAttendee.position, MeetingAttendee.id)
        .limit(1)
    )
    if role is None:
        staff = session.get(Staff, item.owner_staff_id)
        role = attendee_role(staff.role) if staff is not None else AttendeeRole.OTHER
    role_words = gettext(reader.language, m.ROLE_NAMES[role])
    return gettext(reader.language, am.OWNER_STAFF, name=item.owner_name, role=role_words)


def owner_named(item: ActionItem, reader: Guardian) -> str:
    """The owner inside a sentence ("Emily Carter did number 2"): "You", or their name."""
    if item.owner_guardian_id is not None and item.owner_guardian_id == reader.id:
        return gettext(reader.language, am.OWNER_YOU)
    return item.owner_name
