"""How far a broadcast has got, from its deliveries: the sender's progress message and the
final summary read this.

INTERFACE (foundation): builder H1 implements; H2 (the Telegram progress message) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .models import Broadcast


@dataclass(frozen=True)
class Progress:
    families: int  # recipients queued
    sent: int  # sent, delivered or read
    delivered: int  # delivered or read
    failed: int  # failed for good on every channel tried
    waiting: int  # pending, sending, or held (quiet hours, WhatsApp window)
    opted_out: int
    unreachable: int
    replied: int

    @property
    def done(self) -> bool:
        return self.waiting == 0


def progress(session: Session, broadcast: Broadcast) -> Progress:
    raise NotImplementedError
