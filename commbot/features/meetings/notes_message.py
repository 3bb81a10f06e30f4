"""What one guardian reads after the meeting, in their language: the thank-you and
summary, decisions, their concerns and what we will do, the numbered plan (each owner in
plain words, each date in their calendar), ideas for home. Telegram gets one message with a
Done button per item of theirs; SMS and WhatsApp get parts that each stand alone.

INTERFACE (the foundation commit): bodies to be written; signatures are the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ...models import Channel, Guardian
from ...outbox import Keyboard, Piece
from .after_models import ActionItem, MeetingConcern, MeetingNotes
from .models import Meeting


@dataclass
class NotesMessage:
    parts: list[list[Piece]]
    buttons: Keyboard = field(default_factory=list)

    def as_text(self) -> str:
        return "\n\n".join("".join(text for _, text in part) for part in self.parts)


def build_notes(
    session: Session,
    meeting: Meeting,
    notes: MeetingNotes,
    concerns: list[MeetingConcern],
    items: list[ActionItem],
    guardian: Guardian,
    channel: Channel,
) -> NotesMessage:
    raise NotImplementedError


def owner_words(session: Session, meeting: Meeting, item: ActionItem, reader: Guardian) -> str:
    """The item's owner as this guardian reads it: "You", or "Emily Carter, teacher"."""
    raise NotImplementedError
