"""The one shape every provider's traffic takes inside commbot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..models import Channel


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


class SendError(Exception):
    """A send that did not happen. `permanent` errors are not retried on this address."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    """What the dispatcher needs from a channel."""

    async def send(self, outbound: Outbound) -> SendResult: ...
