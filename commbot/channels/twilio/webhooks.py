"""Twilio webhooks in: signature checks, inbound messages and status callbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

from ...errors import InputError
from ...models import Channel
from ...phones import sender_number
from ..base import (
    Inbound,
    Media,
    clean_text,
)
from .provider import MEDIA_LIMIT, WHATSAPP_PREFIX

# The size of the address columns (contact points, unknown senders, deliveries).
ADDRESS_SIZE = 64


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
    address = _sender_address(sender.removeprefix(WHATSAPP_PREFIX))
    if not address:
        raise MalformedTwilioRequest("From is empty")
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


def _sender_address(sender: str) -> str:
    """The sender's number in E.164; a sender id that is no phone number (an alphanumeric
    sender, a short code) is kept as sent, cleaned and cut to the address columns' size, so
    that it is handled as an unknown sender rather than refused."""
    return sender_number(sender) or clean_text(sender).strip()[:ADDRESS_SIZE]


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
