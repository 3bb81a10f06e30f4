"""The broadcast operations every entry point calls (Telegram, the command line, the
clock): create a draft, send it now, schedule it, cancel it; the scheduled ones due.

INTERFACE (foundation): builder H1 implements; H2 (Telegram) and H4 (bench) call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ...config import Settings
from ...models import Staff
from .audiences import Audience
from .models import Broadcast


class BroadcastError(ValueError):
    """A broadcast that may not go: names why (urgent by a teacher, an empty audience,
    a time in the past, not the sender's own broadcast, already sent)."""


@dataclass(frozen=True)
class Fanned:
    """What `send_now` did: deliveries queued, and families it could not reach."""

    broadcast: Broadcast
    queued: int
    opted_out: int
    unreachable: int


def create(
    session: Session,
    sender: Staff,
    audience: Audience,
    *,
    text: str,
    language: str | None = None,
    media: Sequence[dict[str, Any]] = (),
    urgent: bool = False,
    now: dt.datetime,
) -> Broadcast:
    """A draft broadcast (nothing queued). Raises BroadcastError if the sender may not
    send it (urgent needs a coordinator or admin; the audience must reach someone)."""
    raise NotImplementedError


def send_now(
    session: Session, sender: Staff, broadcast: Broadcast, *, settings: Settings, now: dt.datetime
) -> Fanned:
    """Fan the broadcast out now: one delivery per family on the broadcast lane."""
    raise NotImplementedError


def schedule(
    session: Session, sender: Staff, broadcast: Broadcast, at: dt.datetime, *, now: dt.datetime
) -> Broadcast:
    raise NotImplementedError


def cancel(session: Session, sender: Staff, broadcast: Broadcast, *, now: dt.datetime) -> int:
    """Cancel a draft or scheduled broadcast, or what has not gone yet of one being sent.
    Returns how many deliveries were cancelled."""
    raise NotImplementedError


def send_due(session: Session, *, settings: Settings, now: dt.datetime) -> int:
    """Fan out every scheduled broadcast whose time has come (each once)."""
    raise NotImplementedError
