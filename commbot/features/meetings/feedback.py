"""Asking each guardian, once, how well the meeting worked for them (1 to 5) and what
would help next time; keeping what they answer whenever it comes, and telling the
organizer.

INTERFACE (the foundation commit): bodies to be written; signatures are the contract.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ...models import Guardian, Message
from .after_models import MeetingFeedback
from .models import Meeting


def ask(
    session: Session,
    meeting: Meeting,
    guardian: Guardian,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """Ask once (False if asked before): the question, numbered 1 to 5 (buttons on
    Telegram), opened as the guardian's most recent question (ChoiceKind.FEEDBACK)."""
    raise NotImplementedError


def record_rating(
    session: Session, guardian: Guardian, meeting_id: int, rating: int, *, now: dt.datetime
) -> str:
    """Keep the rating (the latest counts), tell the organizer, and return the reply in
    the guardian's language (it asks what would help next time)."""
    raise NotImplementedError


def record_words(
    session: Session, guardian: Guardian, meeting_id: int, message: Message, *, now: dt.datetime
) -> str:
    """Keep what would help next time, relay it to the organizer translated, and return
    the thank-you in the guardian's language."""
    raise NotImplementedError


def feedback_of(session: Session, meeting: Meeting) -> list[MeetingFeedback]:
    raise NotImplementedError
