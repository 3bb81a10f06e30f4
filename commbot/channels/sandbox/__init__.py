"""An in-process channel for the demo: sends land in a list instead of a provider."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

from ... import sms
from ...models import Channel
from .. import telegram, twilio
from ..base import ChannelLimits, Media, Outbound, RateLimit, SendError, SendResult

# A tiny valid PNG, standing in for a photo someone took.
SAMPLE_PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f5a1"
    "bd0000000049454e44ae426082"
)


@dataclass(frozen=True)
class SandboxSent:
    outbound: Outbound
    provider_message_id: str


class SandboxSender:
    """Accepts every message (or fails the addresses you tell it to) and remembers it."""

    def __init__(self, on_send: Callable[[SandboxSent], None] | None = None) -> None:
        self.sent: list[SandboxSent] = []
        self.failing: dict[str, str] = {}
        self.on_send = on_send
        self._ids = itertools.count(1)

    async def send(self, outbound: Outbound) -> SendResult:
        if outbound.address in self.failing:
            raise SendError(self.failing[outbound.address], "sandbox failure", permanent=True)
        record = SandboxSent(outbound, str(next(self._ids)))
        self.sent.append(record)
        if self.on_send:
            self.on_send(record)
        if outbound.channel is not Channel.SMS:
            return SendResult(record.provider_message_id)
        # What Twilio would bill the same text (see channels/twilio/sender.py).
        picture = any(m.is_image and not m.as_link for m in outbound.media)
        segments = sms.billed_segments(outbound.text, picture=picture)
        return SendResult(record.provider_message_id, segments=segments)

    def limits(self, channel: Channel) -> ChannelLimits:
        """The real channel's limits (WhatsApp's window too), without its rate limit."""
        real = telegram.LIMITS if channel is Channel.TELEGRAM else twilio.limits_for(channel, 1)
        return replace(real, rate=RateLimit(per_second=1000))

    def can_fetch(self, media: Media) -> bool:
        return True

    async def fetch_media(self, media: Media) -> bytes:
        return SAMPLE_PHOTO
