"""SMS, MMS and WhatsApp out, through the twilio REST client."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ... import sms
from ...config import Settings
from ...models import Channel
from ...text import split_text
from ..base import (
    ChannelLimits,
    Media,
    Outbound,
    SendError,
    SendResult,
)
from .http import HttpxTwilioClient, TwilioThrottled
from .provider import (
    MEDIA_LIMIT,
    RETRYABLE_CODES,
    TEXT_LIMIT,
    THROTTLE_PAUSE,
    THROTTLED_CODES,
    WHATSAPP_PREFIX,
    is_permanent,
    limits_for,
)


class TwilioSender:
    """Sends SMS, MMS and WhatsApp messages through one Twilio account."""

    def __init__(self, settings: Settings, status_callback: str | None = None) -> None:
        settings.require("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        self.settings = settings
        self.http = HttpxTwilioClient(settings.twilio_api_base_url or "https://api.twilio.com")
        self.client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=self.http
        )
        self.status_callback = status_callback

    def limits(self, channel: Channel) -> ChannelLimits:
        return replace(limits_for(channel, self.settings.twilio_mps), send_cost=send_cost)

    def _origin(self, channel: Channel) -> dict[str, str]:
        if channel is Channel.WHATSAPP:
            if not self.settings.twilio_whatsapp_from:
                raise SendError("config", "TWILIO_WHATSAPP_FROM is not set", permanent=True)
            return {"from_": WHATSAPP_PREFIX + self.settings.twilio_whatsapp_from}
        if self.settings.twilio_messaging_service_sid:
            return {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
        if self.settings.twilio_from_number:
            return {"from_": self.settings.twilio_from_number}
        raise SendError(
            "config", "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID is needed", permanent=True
        )

    async def send(self, outbound: Outbound) -> SendResult:
        origin = self._origin(outbound.channel)
        to = outbound.address
        if outbound.channel is Channel.WHATSAPP:
            to = WHATSAPP_PREFIX + to
        common = {"to": to, "status_callback": outbound.status_callback or self.status_callback}
        first_sid = ""
        try:
            if outbound.template_sid:
                message = await self.client.messages.create_async(
                    **origin,
                    **common,
                    content_sid=outbound.template_sid,
                    content_variables=json.dumps(outbound.template_variables),
                )
                return SendResult(message.sid or "")
            bodies = _bodies(outbound)
            for index, part in enumerate(bodies.parts):
                media = bodies.first_media if index == 0 and bodies.first_media else None
                if not part and not media:
                    continue
                message = await self.client.messages.create_async(
                    **origin, **common, body=part or None, media_url=media
                )
                first_sid = first_sid or (message.sid or "")
            for url in bodies.extra_media:
                await self.client.messages.create_async(**origin, **common, media_url=[url])
            if not first_sid:
                raise SendError("empty", "nothing to send", permanent=True)
            return SendResult(
                first_sid,
                parts=len(bodies.parts) + len(bodies.extra_media),
                segments=bodies.segments,
            )
        except TwilioRestException as exc:
            raise _partial(first_sid, _twilio_error(exc)) from None
        except TwilioThrottled as exc:
            error = _classify(exc.code or 0, exc.status, exc.message, exc.retry_after)
            raise _partial(first_sid, error) from None
        except httpx.TimeoutException as exc:
            error = SendError("timeout", type(exc).__name__, permanent=False)
            raise _partial(first_sid, error) from None
        except httpx.HTTPError as exc:
            error = SendError("twilio-network", type(exc).__name__, permanent=False)
            raise _partial(first_sid, error) from None

    def can_fetch(self, media: Media) -> bool:
        return media.url is not None

    async def fetch_media(self, media: Media) -> bytes:
        """Fetch inbound media (Twilio protects it with the account's credentials)."""
        assert self.settings.twilio_account_sid and self.settings.twilio_auth_token
        if media.url is None:
            raise SendError("media", "not a Twilio media URL", permanent=True)
        response = await self.http._client.get(
            self.http.rewrite(media.url),
            auth=(self.settings.twilio_account_sid, self.settings.twilio_auth_token),
            follow_redirects=True,
        )
        response.raise_for_status()
        return response.content

    async def close(self) -> None:
        await self.http.close()


@dataclass(frozen=True)
class _Bodies:
    """The requests one outbound message becomes."""

    parts: list[str]  # texts, the first with `first_media`
    first_media: list[str]
    extra_media: list[str]  # WhatsApp: one picture a message, after the words
    segments: int | None  # SMS: what the parts are billed as

    @property
    def cost(self) -> int:
        """What they take of the number's MPS: Twilio counts SMS segments (an MMS is
        one), and WhatsApp messages."""
        if self.segments is not None:
            return self.segments
        return len(self.parts) + len(self.extra_media)


def _bodies(outbound: Outbound) -> _Bodies:
    """MMS carries pictures; other files (voice notes, videos, PDFs) go as links, and so
    do pictures to numbers that cannot take MMS (`as_link`, the dispatcher's)."""
    media_urls = [m.url for m in outbound.media if m.url and _attached(m)][:MEDIA_LIMIT]
    links = [m.url for m in outbound.media if m.url and not _attached(m)]
    text = "\n".join(part for part in (outbound.text, *links) if part)
    # WhatsApp shows one attachment per message and ignores the rest: the first goes with
    # the words, each other one after them in a message of its own.
    one_each = outbound.channel is Channel.WHATSAPP
    first_media = media_urls[:1] if one_each else media_urls
    parts, segments = _parts(outbound.channel, text, picture=bool(first_media))
    extra = media_urls[1:] if one_each else []
    return _Bodies(parts, first_media, extra, segments)


def send_cost(outbound: Outbound) -> int:
    """How much of the number's MPS sending `outbound` takes (`ChannelLimits.send_cost`).
    A template counts as one message."""
    return 1 if outbound.template_sid else _bodies(outbound).cost


def _parts(channel: Channel, text: str, *, picture: bool) -> tuple[list[str], int | None]:
    """The bodies to send, and for SMS the segments they are billed as (`commbot.sms`:
    plain marks kept GSM-7, parts ending on segment boundaries, counted exactly; an MMS
    counts one). WhatsApp bills per message, not per segment, and shows every character
    alike: its text goes as written, typography and all, in parts of Twilio's limit."""
    if channel is Channel.SMS:
        texts, segments = _sms_plan(text, picture)
        return list(texts), segments
    return (split_text(text, TEXT_LIMIT) if text else [""]), None


@functools.lru_cache(maxsize=256)
def _sms_plan(text: str, picture: bool) -> tuple[tuple[str, ...], int]:
    """`sms.plan`, remembered: a broadcast sends one text per language thousands of times,
    and the limiter asks its cost before each send."""
    plan = sms.plan(text, picture=picture)
    return tuple(part.text for part in plan), sum(part.segments for part in plan)


def _attached(media: Media) -> bool:
    """Whether a file goes as a media URL (a picture by MMS or WhatsApp), not a link."""
    return media.is_image and not media.as_link


def _partial(first_sid: str, error: SendError) -> SendError:
    """Once a part has gone out, retrying would repeat it: hand the whole message to the
    family's next channel instead (a permanent failure here)."""
    if not first_sid:
        return error
    return SendError("partial", f"sent in part, then {error.code}", permanent=True)


def _twilio_error(exc: TwilioRestException) -> SendError:
    return _classify(int(exc.code) if exc.code else 0, exc.status, exc.msg)


def _classify(code: int, status: int, message: str, retry_after: float | None = None) -> SendError:
    """One Twilio error answer as retryable or permanent; `retry_after` is its header's
    wait, if it sent one (a permanent error stays permanent whatever the header says)."""
    label = str(code or status)
    if is_permanent(code):
        return SendError(label, message, permanent=True)
    if code in THROTTLED_CODES or status == 429:
        # Asked to slow down without saying for how long: pause for a moment at least.
        return SendError(label, message, permanent=False, retry_after=retry_after or THROTTLE_PAUSE)
    if code in RETRYABLE_CODES or status >= 500:
        return SendError(label, message, permanent=False, retry_after=retry_after)
    return SendError(label, message, permanent=True)
