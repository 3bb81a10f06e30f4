"""Twilio webhooks in: signature checks, inbound messages and status callbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

from ...errors import InputError
from ...models import Channel
from ...phones import InvalidPhoneNumber, to_e164
from ..base import (
    Inbound,
    Media,
    clean_text,
)
from .provider import MEDIA_LIMIT, WHATSAPP_PREFIX


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
