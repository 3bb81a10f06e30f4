"""The one shape every provider's traffic takes inside commbot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ..errors import InputError, SendError
from ..models import Channel

_CONTROLS = {c: None for c in range(32) if chr(c) not in "\n\r\t"} | {0x7F: None}

# Integers in provider traffic are ids, dates, sizes and counts: a 64-bit column holds any
# that a provider sends. Beyond that is no provider's value, and some code (datetimes,
# BIGINT columns) would fail on it.
INT64 = 2**63


def clean_text(text: str) -> str:
    """What people wrote, safe to store on any database: control characters (NUL among
    them, which PostgreSQL refuses) dropped, and lone surrogates (which JSON can carry but
    UTF-8 cannot) replaced. Applied once, where provider traffic comes in."""
    text = text.translate(_CONTROLS)
    return text.encode("utf-8", "replace").decode("utf-8")


def bounded_text(value: str, name: str, limit: int) -> str:
    """People's words (a name, a caption) made safe (`clean_text`), refused when longer than
    the provider ever sends: such a value is no provider's."""
    cleaned = clean_text(value)
    if len(cleaned) > limit:
        raise InputError(f"{name} is longer than {limit} characters")
    return cleaned


def identifier(value: object, name: str, limit: int) -> str:
    """A provider's id, code or MIME type as it lands in a column of `limit` characters:
    text, not empty, printable, no longer than the column. It is used as given (compared,
    stored, sent back), so nothing is cleaned away: what does not fit is refused."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{name} is missing or not text")
    if len(value) > limit:
        raise InputError(f"{name} is longer than {limit} characters")
    if not value.isprintable():  # lone surrogates are not printable either
        raise InputError(f"{name} holds control characters or is not valid Unicode")
    return value


def check_json(value: Any, max_depth: int, int_keys: frozenset[str] = frozenset()) -> None:
    """Refuse JSON no provider sends, before any parser walks it: nesting deeper than
    `max_depth`, integers beyond 64 bits, non-finite numbers, and booleans or fractions
    under a key that always holds an integer (`int_keys`; a bool is an int to Python, so it
    would pass as one). Iterative: deep input cannot exhaust the stack here. Strings are
    judged where they are used: words are cleaned (`clean_text`), ids refused
    (`identifier`)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, key = stack.pop()
        if depth > max_depth:
            raise InputError(f"nested deeper than {max_depth} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1, k) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, depth + 1, key) for v in item)
        elif isinstance(item, bool):
            if key in int_keys:
                raise InputError(f"{key} is true or false, not a number")
        elif isinstance(item, int):
            if not -INT64 <= item < INT64:
                raise InputError(f"{key or 'a number'} is beyond 64 bits")
        elif isinstance(item, float):
            if key in int_keys:
                raise InputError(f"{key} is not a whole number")
            if item != item or item in (float("inf"), float("-inf")):
                raise InputError(f"{key or 'a number'} is not a finite number")


def map_link(latitude: float, longitude: float) -> str:
    """A link any phone opens in its maps app."""
    return f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"


def location_text(
    latitude: float, longitude: float, title: str | None = None, address: str | None = None
) -> str:
    """A shared place as words a person reads: its name and address, then a map link."""
    lines = [clean_text(part).strip() for part in (title, address) if part]
    return "\n".join([*(line for line in lines if line), map_link(latitude, longitude)])


def coordinates(latitude: object, longitude: object) -> tuple[float, float] | None:
    """Latitude and longitude as numbers on the globe, or None when they are not."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
        return None
    return lat, lon


class MediaKind(StrEnum):
    """What an attachment is, which decides how each channel sends it."""

    PHOTO = "photo"
    DOCUMENT = "document"  # any file: PDF, vCard, a photo sent uncompressed
    AUDIO = "audio"  # a music or audio file
    VOICE = "voice"  # a recorded voice note (OGG/Opus on Telegram)
    VIDEO = "video"
    VIDEO_NOTE = "video_note"  # Telegram's round video message
    ANIMATION = "animation"  # a GIF or silent video loop

    @classmethod
    def for_content_type(cls, content_type: str) -> MediaKind:
        """The kind of a file known only by its MIME type (Twilio media)."""
        main = content_type.split(";")[0].strip().lower()
        if main.startswith("image/") and main not in ("image/svg+xml",):
            return cls.PHOTO
        if main in ("audio/ogg", "audio/opus"):
            return cls.VOICE  # WhatsApp voice notes
        if main.startswith("audio/"):
            return cls.AUDIO
        if main.startswith("video/"):
            return cls.VIDEO
        return cls.DOCUMENT


@dataclass(frozen=True)
class Media:
    """An attachment. Exactly one of the locators is set, depending on where it lives."""

    content_type: str = "image/jpeg"
    telegram_file_id: str | None = None
    url: str | None = None  # a provider URL (Twilio media needs our credentials to fetch)
    local_token: str | None = None  # a file in our media store
    data: bytes | None = field(default=None, repr=False)  # fetched bytes, never stored as JSON
    kind: MediaKind = MediaKind.PHOTO
    file_name: str | None = None  # as the sender named it, for documents and audio
    # A small text file commbot wrote itself (a calendar invite), carried whole in the row.
    inline: str | None = field(default=None, repr=False)
    # A photo for a number that cannot take MMS: sent as an expiring link in the text.
    as_link: bool | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.lower().startswith("image/")

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "data"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Media:
        values = dict(data)
        # Rows written before kinds existed hold photos.
        values["kind"] = MediaKind(values.get("kind", MediaKind.PHOTO))
        return cls(**values)


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
    # Something was sent that no channel can pass on (a sticker, a poll, dice): its kind.
    # The family is told what the school can receive; whatever text came with it still goes.
    uncarried: str | None = None
    # Telegram: the parts of one album share this id (each part is its own update).
    media_group_id: str | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing to pass on: no words and no attachment."""
        return not self.text.strip() and not self.media

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
    protect_content: bool = False  # Telegram: the family cannot forward or save it
    # Telegram: replace the text of this earlier message of ours (its message id) instead
    # of sending a new one, as a broadcast's progress message does. Text only.
    edit_message_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    parts: int = 1
    # SMS: the segments every part together is billed as (GSM-7 or UCS-2, counted
    # exactly; an MMS counts one). None on channels that do not bill by segment.
    segments: int | None = None


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
    # How much of `rate` one send takes, where the provider counts something other than
    # requests (Twilio's MPS counts SMS segments). None: one per send.
    send_cost: Callable[[Outbound], int] | None = None

    def cost(self, outbound: Outbound) -> int:
        """The share of the sender's rate `outbound` uses: at least one."""
        return max(1, self.send_cost(outbound)) if self.send_cost is not None else 1

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
    "MediaKind",
    "Outbound",
    "RateLimit",
    "SendError",
    "SendResult",
    "Sender",
]
