"""What one guardian reads about a meeting, in their language, as pieces of catalog text and
the organizer's own words (translated at send time, like every person's words).

On Telegram the preview is one message with buttons. By SMS or WhatsApp it is three
messages, each of which makes sense alone (each names the child and the meeting), since
phones may show them out of order: when, where and why; who comes and what happens; what
the family may ask for, and the numbered menu. Three parts cost fewer segments than one
message per section, and each stays well inside one concatenated SMS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...i18n import gettext
from ...models import Channel, Guardian, Staff, Student
from ...outbox import TEXT, WORDS, Keyboard, Piece
from . import messages as m
from .choices import MenuChoice, menu_choices
from .models import Meeting, MeetingAttendee, MeetingSlot, MeetingState, Purpose


@dataclass
class Preview:
    """The messages to send, and the numbered menu they end with."""

    parts: list[list[Piece]]
    choices: list[MenuChoice]
    buttons: Keyboard = field(default_factory=list)

    def as_text(self) -> str:
        """For the organizer's look before sending: their own words stand untranslated."""
        return "\n\n".join("".join(text for _, text in part) for part in self.parts)


class _Writer:
    """Pieces for one part, line by line."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def line(self, text: str) -> None:
        self._break()
        self.pieces.append((TEXT, text))

    def words(self, label: str, words: str, same_line: bool = True) -> None:
        """A catalog label and the organizer's words after it."""
        self._break()
        self.pieces.append((TEXT, label + (" " if same_line else "\n")))
        self.pieces.append((WORDS, words))

    def _break(self) -> None:
        if self.pieces:
            self.pieces.append((TEXT, "\n"))


def build_preview(
    meeting: Meeting,
    *,
    student: Student,
    guardian: Guardian,
    organizer: Staff,
    slots: Sequence[MeetingSlot],
    attendees: Sequence[MeetingAttendee],
    channel: Channel,
    default_timezone: str,
) -> Preview:
    language = guardian.language
    zone = guardian.timezone or default_timezone
    name = student.name.split()[0] if student.name else ""

    def t(message: str, **values: object) -> str:
        return gettext(language, message, **values)

    first = _Writer()
    first.line(t(m.GREETING, guardian=guardian.name, student=name))
    first.line(t(m.PURPOSE_EXPLAINED[meeting.purpose], student=name))
    if meeting.purpose is Purpose.OTHER and meeting.purpose_note:
        first.pieces += [(TEXT, " "), (WORDS, meeting.purpose_note)]
    if meeting.strengths:
        first.words(t(m.STRENGTHS), meeting.strengths)
    choices = menu_choices(meeting, slots)
    if meeting.starts_at is not None and meeting.state is MeetingState.SCHEDULED:
        first.line(t(m.WHEN, when=m.when_text(meeting.starts_at, zone, language)))
    else:
        first.line(t(m.ONE_OF_THESE))
        for slot in slots:
            first.line(f"{slot.position}. {m.when_text(slot.starts_at, zone, language)}")
    first.line(t(m.HOW_LONG, minutes=meeting.duration_minutes))
    if meeting.place:
        first.words(t(m.WHERE), meeting.place)
    if meeting.video_link:
        first.line(t(m.BY_VIDEO, link=meeting.video_link))
    if meeting.phone:
        first.line(t(m.BY_PHONE, phone=meeting.phone))

    second = _Writer()
    second.line(t(m.ABOUT, student=name))
    second.line(t(m.WHO))
    for attendee in attendees:
        second.line(m.role_line(attendee.role, attendee.name, language))
    second.line(t(m.STEPS))
    if meeting.agenda:
        second.pieces.append((TEXT, "\n"))
        second.pieces.append(
            (WORDS, "\n".join(f"{n}. {item}" for n, item in enumerate(meeting.agenda, 1)))
        )
    else:
        for n, step in enumerate(m.DEFAULT_STEPS, 1):
            second.line(f"{n}. {t(step)}")
    if meeting.documents:
        second.line(t(m.DOCUMENTS))
        for document in meeting.documents:
            second.pieces.append((TEXT, "\n"))
            second.pieces.append((WORDS, str(document.get("title", ""))))
            if document.get("link"):
                second.pieces.append((TEXT, f": {document['link']}"))

    third = _Writer()
    third.line(t(m.ABOUT, student=name))
    third.line(t(m.BRING, student=name))
    third.line(t(m.SUPPORT))
    third.line(t(m.ASK))
    telegram = channel is Channel.TELEGRAM
    third.line(t(m.TAP_OR_REPLY if telegram else m.REPLY_NUMBER))
    for n, choice in enumerate(choices, 1):
        third.line(f"{n}. {choice.label(language, zone)}")

    if telegram:
        # One message: the second and third parts need no "About ..." line of their own.
        whole = [*first.pieces, (TEXT, "\n\n"), *second.pieces[2:]]
        whole += [(TEXT, "\n\n"), *third.pieces[2:]]
        parts = [whole]
    else:
        parts = [first.pieces, second.pieces, third.pieces]
    # Buttons carry the meeting's id: an unsaved meeting (a look before sending) has none,
    # and its reader sees the same choices numbered in the text.
    buttons = (
        [[choice.button(meeting.id, n, language, zone)] for n, choice in enumerate(choices, 1)]
        if telegram and meeting.id is not None
        else []
    )
    return Preview(parts, choices, buttons)
