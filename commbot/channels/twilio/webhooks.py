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
    MediaKind,
    clean_text,
    coordinates,
    location_text,
)
from .provider import MEDIA_LIMIT, WHATSAPP_PREFIX

# The size of the address columns (contact points, unknown senders, deliveries).
ADDRESS_SIZE = 64
# Twilio's ids are 34 letters and digits ("SM" + 32 hex); the provider id columns hold 64.
SID_SIZE = 64


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
    if len(sid) > SID_SIZE or not sid.isascii() or not sid.isalnum():
        raise MalformedTwilioRequest("MessageSid is not a Twilio message id")
    channel = Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Channel.SMS
    address = _sender_address(sender.removeprefix(WHATSAPP_PREFIX))
    if not address:
        raise MalformedTwilioRequest("From is empty")
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        raise MalformedTwilioRequest("NumMedia is not a number") from None
    media = tuple(
        _media(form.get(f"MediaContentType{i}") or "image/jpeg", form[f"MediaUrl{i}"])
        for i in range(min(count, MEDIA_LIMIT))
        if form.get(f"MediaUrl{i}")
    )
    words = clean_text(form.get("Body") or "").strip()
    place = _location(form)
    if place and words and words in place:
        words = ""  # WhatsApp may repeat the place's name as the body
    text = "\n".join(part for part in (words, place) if part)
    return Inbound(
        channel=channel,
        address=address,
        text=text,
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


def _media(content_type: str, url: str) -> Media:
    """An attachment as Twilio gives it: a URL and a MIME type, no file name."""
    content_type = clean_text(content_type).strip() or "application/octet-stream"
    return Media(content_type=content_type, url=url, kind=MediaKind.for_content_type(content_type))


def _location(form: Mapping[str, str]) -> str | None:
    """A WhatsApp location (Latitude, Longitude, and for a place its Label and Address)."""
    if not form.get("Latitude") or not form.get("Longitude"):
        return None
    place = coordinates(form["Latitude"], form["Longitude"])
    if place is None:
        return None
    return location_text(*place, form.get("Label"), form.get("Address"))


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
    if len(sid) > SID_SIZE or not sid.isascii() or not sid.isalnum():
        raise MalformedTwilioRequest("MessageSid is not a Twilio message id")
    return StatusReport(sid, status, form.get("ErrorCode") or None)
