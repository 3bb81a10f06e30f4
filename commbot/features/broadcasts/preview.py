"""The numbers a sender sees before a broadcast goes, the same on Telegram and the command
line: families and guardians; by language and by channel; opted out, unreachable, outside
WhatsApp's window with no template (and the channel they get instead); held by quiet hours
and until when; SMS segments in total and per language (GSM-7 or UCS-2, counted exactly by
`commbot.sms`); and how long sending takes at the configured rates.

INTERFACE (foundation): builder H1 implements; H2 (Telegram) shows `render(...)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ...config import Settings
from ...models import Staff
from ...sms import Encoding
from .audiences import Audience


@dataclass(frozen=True)
class LanguageCost:
    language: str
    families: int
    sms_families: int  # of them, reached by SMS
    encoding: Encoding  # of this language's text as sent
    segments_each: int  # per SMS
    segments: int  # sms_families × segments_each


@dataclass
class Preview:
    families: int = 0  # distinct guardians it will be queued for
    students: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)  # the channel each will get
    opted_out: int = 0  # every channel opted out: nothing is sent to them
    unreachable: int = 0  # no usable channel at all
    # WhatsApp families outside the 24-hour window when no template is configured: they
    # get their next channel instead (by that channel), or nothing if they have none.
    whatsapp_window: int = 0
    whatsapp_fallback: dict[str, int] = field(default_factory=dict)
    quiet_held: int = 0  # will wait for quiet hours (0 when urgent)
    quiet_until: dt.datetime | None = None  # the latest of those waits
    costs: list[LanguageCost] = field(default_factory=list)
    sms_segments: int = 0
    send_seconds: float = 0.0  # estimate at the configured rates, the slowest channel
    unknown: list[str] = field(default_factory=list)  # audience names that matched nothing

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def build(
    session: Session,
    sender: Staff,
    audience: Audience,
    *,
    text: str,
    language: str,
    urgent: bool,
    settings: Settings,
    now: dt.datetime,
    send_at: dt.datetime | None = None,
) -> Preview:
    """What sending now (or at `send_at`) would do; nothing is written."""
    raise NotImplementedError


def render(preview: Preview, reader_language: str, timezone: str) -> str:
    """The preview as plain lines in the sender's language (catalog texts)."""
    raise NotImplementedError
