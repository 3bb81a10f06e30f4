"""The one shape every provider's traffic takes inside commbot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import SendError
from ..models import Channel

_CONTROLS = {c: None for c in range(32) if chr(c) not in "\n\r\t"} | {0x7F: None}


def clean_text(text: str) -> str:
    """What people wrote, safe to store on any database: control characters (NUL among
    them, which PostgreSQL refuses) dropped, and lone surrogates (which JSON can carry but
    UTF-8 cannot) replaced. Applied once, where provider traffic comes in."""
    text = text.translate(_CONTROLS)
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class Media:
    """An attachment. Exactly one of the locators is set, depending on where it lives."""

    content_type: str = "image/jpeg"
    telegram_file_id: str | None = None
    url: str | None = None  # a provider URL (Twilio media needs our credentials to fetch)
    local_token: str | None = None  # a file in our media store
    data: bytes | None = field(default=None, repr=False)  # fetched bytes, never stored as JSON

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "data"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Media:
        return cls(**data)


@dataclass(frozen=True)
class Inbound:
    """A message someone sent us, from any channel."""

    channel: Channel
    address: str  # E.164 phone, or the Telegram chat id as text
    text: str
    provider_id: str  # Telegram update_id or Twilio MessageSid: for idempotency
    received_at: dt.datetime
    media: tuple[Media, ...] = ()
    reply_to_provider_id: str | None = None  # Telegram: the message this one replies to
    callback_data: str | None = None  # Telegram: an inline button was pressed
    callback_id: str | None = None
    display_name: str | None = None

    @property
    def provider(self) -> str:
        return "telegram" if self.channel is Channel.TELEGRAM else "twilio"


@dataclass(frozen=True)
class Outbound:
    """One message to send on one channel."""

    channel: Channel
    address: str
    text: str
    media: tuple[Media, ...] = ()
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (label, callback data)
    status_callback: str | None = None
    # WhatsApp outside its 24-hour window: an approved template instead of free text.
    template_sid: str | None = None
    template_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    parts: int = 1


@dataclass(frozen=True)
class RateLimit:
    """How fast a provider takes our sends: overall, and per chat where it has such a limit."""

    per_second: float
    per_chat_interval: float | None = None


@dataclass(frozen=True)
class ChannelLimits:
    """What one channel can carry, and how fast."""

    text_length: int  # characters per message part; longer texts are split
    media_count: int  # attachments per message
    rate: RateLimit
    # Free text only this long after the person last wrote to us (WhatsApp's 24 hours);
    # outside it, only an approved template. None: no such window.
    reply_window: dt.timedelta | None = None

    def needs_template(self, last_inbound_at: dt.datetime | None, now: dt.datetime) -> bool:
        """True when free text may not be sent now, only a template."""
        if self.reply_window is None:
            return False
        return last_inbound_at is None or now - last_inbound_at >= self.reply_window


class ChannelAdapter(Protocol):
    """What the dispatcher needs from a provider. One adapter may serve several channels
    (Twilio: SMS and WhatsApp), so questions about a channel name it."""

    def limits(self, channel: Channel) -> ChannelLimits: ...

    async def send(self, outbound: Outbound) -> SendResult:
        """Send, or raise `SendError` saying whether trying again could help."""
        ...

    def can_fetch(self, media: Media) -> bool:
        """Whether `media` lives with this provider (so `fetch_media` can get it)."""
        ...

    async def fetch_media(self, media: Media) -> bytes: ...


Sender = ChannelAdapter  # the name most callers know it by

__all__ = [
    "ChannelAdapter",
    "ChannelLimits",
    "Inbound",
    "Media",
    "Outbound",
    "RateLimit",
    "SendError",
    "SendResult",
    "Sender",
]
