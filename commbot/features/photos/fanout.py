"""One post to every family the consent rule allows, each on their channel, in their
language, after their quiet hours, protected on Telegram; and the teacher's summary.

OWNER: builder B1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ...models import Message, Student
from .models import PhotoPost


@dataclass
class FanOut:
    """What sending a post did: deliveries queued (of which `held_quiet` wait for quiet
    hours), families skipped for consent, families with no way to reach them."""

    queued: int = 0
    skipped: int = 0
    unreachable: int = 0
    held_quiet: int = 0
    blocking: list[Student] = field(default_factory=list)
    message: Message | None = None


def fan_out(
    session: Session, post: PhotoPost, *, now: dt.datetime, default_timezone: str
) -> FanOut:
    """Send the post now: consent read now, one delivery per allowed guardian, a
    `PhotoRecipient` row for each family (queued, skipped or unreachable); the post is SENT.
    """
    raise NotImplementedError


def send_due_posts(session: Session, now: dt.datetime, default_timezone: str) -> int:
    """Scheduled posts whose time has come, each fanned out once (claimed with SKIP LOCKED)."""
    raise NotImplementedError


def send_due_summaries(session: Session, now: dt.datetime) -> int:
    """Tell each teacher how their sent post went, once its deliveries have settled."""
    raise NotImplementedError
