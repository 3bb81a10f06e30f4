"""What every inbound handler gets: the open transaction, settings, the time, the message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..channels.base import Inbound
from ..config import Settings


@dataclass
class Context:
    session: Session
    settings: Settings
    inbound: Inbound
    now: dt.datetime
    # What happened, for logs and tests (never phone numbers or message text).
    events: list[str] = field(default_factory=list)

    @property
    def default_timezone(self) -> str:
        return self.settings.default_timezone
