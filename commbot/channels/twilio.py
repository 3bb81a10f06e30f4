"""Twilio: SMS, MMS and WhatsApp in (webhooks) and out (the REST API)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from ..config import Settings
from ..errors import InputError
from ..models import Channel, DeliveryStatus
from ..phones import InvalidPhoneNumber, to_e164
from ..text import split_text
from .base import (
    ChannelLimits,
    Inbound,
    Media,
    Outbound,
    RateLimit,
    SendError,
    SendResult,
    clean_text,
)
from .twilio_http import HttpxTwilioClient

TEXT_LIMIT = 1600
MEDIA_LIMIT = 10
WHATSAPP_PREFIX = "whatsapp:"
# WhatsApp takes free text only within 24 hours of the family's last message to us.
WHATSAPP_WINDOW = dt.timedelta(hours=24)

# The number cannot receive messages from us, whether Twilio says so when we send or later
# in a status callback: try the family's next way of being reached.
PERMANENT_CODES = frozenset({21211, 21610, 21614, 30003, 30005, 30006})
RETRYABLE_CODES = frozenset({20429, 20500, 20503, 30001, 30008})
ERROR_WORDS = {
    "21211": "not a valid phone number",
    "21610": "the family replied STOP to this number",
    "21614": "this number cannot receive text messages",
    "20429": "Twilio asked us to slow down",
    "20500": "Twilio had an internal error",
    "20503": "Twilio was unavailable",
    "30001": "Twilio's queue was full",
    "30003": "the phone was unreachable (off or out of coverage)",
    "30005": "the number is unknown or no longer exists",
    "30006": "a landline, or a carrier that cannot take texts",
    "30007": "the carrier filtered the message",
    "30008": "the carrier reported an unknown error",
    "63016": "outside WhatsApp's 24-hour window",
    "twilio-network": "Twilio could not be reached",
}

# Twilio's message statuses (sends and status callbacks) as ours.
STATUSES = {
    "accepted": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.UNDELIVERED,
}
# Callbacks may arrive out of order: a later state never moves back to an earlier one.
_RANK = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.UNDELIVERED: 4,
}


def is_permanent(code: str | int | None) -> bool:
    """Whether a Twilio error code means this number will not take our messages."""
    if code is None or code == "":
        return False
    try:
        return int(code) in PERMANENT_CODES
    except ValueError:
        return False


def reported_status(current: DeliveryStatus, reported: str) -> DeliveryStatus | None:
    """The status a report moves a delivery to, or None if it does not move it (a status we
    do not track, such as "receiving", or one behind where the delivery already is)."""
    new = STATUSES.get(reported)
    if new is None:
        return None
    if current in _RANK and _RANK[new] <= _RANK[current]:
        return None
    return new


def limits_for(channel: Channel, per_second: float) -> ChannelLimits:
    """SMS and WhatsApp limits at the account's `per_second` (Twilio queues the rest)."""
    return ChannelLimits(
        text_length=TEXT_LIMIT,
        media_count=MEDIA_LIMIT,
        rate=RateLimit(per_second=per_second),
        reply_window=WHATSAPP_WINDOW if channel is Channel.WHATSAPP else None,
    )


class MalformedTwilioRequest(InputError):
    pass


def signature_is_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    return bool(signature) and RequestValidator(auth_token).validate(url, dict(params), signature)


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    sender = form.get("From", "")
    if not sid or not sender:
        raise MalformedTwilioRequest("MessageSid and From are required")
    channel = Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Channel.SMS
    try:
        address = to_e164(sender.removeprefix(WHATSAPP_PREFIX))
    except InvalidPhoneNumber:
        raise MalformedTwilioRequest("From is not a phone number") from None
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        raise MalformedTwilioRequest("NumMedia is not a number") from None
    media = tuple(
        Media(content_type=form.get(f"MediaContentType{i}", "image/jpeg"), url=form[f"MediaUrl{i}"])
        for i in range(min(count, MEDIA_LIMIT))
        if form.get(f"MediaUrl{i}")
    )
    return Inbound(
        channel=channel,
        address=address,
        text=clean_text(form.get("Body") or "").strip(),
        provider_id=sid,
        received_at=dt.datetime.now(dt.UTC),
        media=media,
        display_name=clean_text(form.get("ProfileName") or "") or None,
    )


@dataclass(frozen=True)
class StatusReport:
    provider_message_id: str
    status: str
    error_code: str | None


def parse_status(form: Mapping[str, str]) -> StatusReport:
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or not status:
        raise MalformedTwilioRequest("MessageSid and MessageStatus are required")
    return StatusReport(sid, status, form.get("ErrorCode") or None)


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
        return limits_for(channel, self.settings.twilio_mps)

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
            media_urls = [m.url for m in outbound.media if m.url][:MEDIA_LIMIT]
            parts = split_text(outbound.text, TEXT_LIMIT) if outbound.text else [""]
            for index, part in enumerate(parts):
                media = media_urls if index == 0 and media_urls else None
                if not part and not media:
                    continue
                message = await self.client.messages.create_async(
                    **origin, **common, body=part or None, media_url=media
                )
                first_sid = first_sid or (message.sid or "")
            if not first_sid:
                raise SendError("empty", "nothing to send", permanent=True)
            return SendResult(first_sid, parts=len(parts))
        except TwilioRestException as exc:
            raise _partial(first_sid, _twilio_error(exc)) from None
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


def _partial(first_sid: str, error: SendError) -> SendError:
    """Once a part has gone out, retrying would repeat it: hand the whole message to the
    family's next channel instead (a permanent failure here)."""
    if not first_sid:
        return error
    return SendError("partial", f"sent in part, then {error.code}", permanent=True)


def _twilio_error(exc: TwilioRestException) -> SendError:
    code = int(exc.code) if exc.code else 0
    label = str(code or exc.status)
    if is_permanent(code):
        return SendError(label, exc.msg, permanent=True)
    if code in RETRYABLE_CODES or exc.status == 429 or exc.status >= 500:
        return SendError(label, exc.msg, permanent=False)
    return SendError(label, exc.msg, permanent=True)
