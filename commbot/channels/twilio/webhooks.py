"""Twilio webhooks in: signature checks, inbound messages and status callbacks."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
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
    identifier,
    location_text,
)
from .provider import MEDIA_LIMIT, WHATSAPP_PREFIX

# The size of the address columns (contact points, unknown senders, deliveries).
ADDRESS_SIZE = 64
# Twilio's ids are 34 letters and digits ("SM" + 32 hex); the provider id columns hold 64.
SID_SIZE = 64
# Error codes and statuses land in columns of 32 (deliveries, delivery_events, early reports).
CODE_SIZE = 32
CONTENT_TYPE_SIZE = 100  # media_files.content_type
URL_SIZE = 2048
NAME_SIZE = 256
# Twilio's sender ids: an E.164 number (16 characters), a short code, an 11-character
# alphanumeric sender, each perhaps after "whatsapp:" or "messenger:".
SENDER_SIZE = 64
# The most fields a form of Twilio's has: some 30, plus a URL and a type per attachment.
MAX_FIELDS = 100
_STATUS = re.compile(rf"[a-z_-]{{1,{CODE_SIZE}}}")
_ERROR_CODE = re.compile(rf"[A-Za-z0-9]{{1,{CODE_SIZE}}}")


class MalformedTwilioRequest(InputError):
    pass


def parse_form(body: bytes) -> dict[str, str]:
    """A webhook's body (application/x-www-form-urlencoded) as its fields, read strictly:
    bytes that are not UTF-8, a field without "=", a repeated field or more fields than any
    form of Twilio's are refused, so the signature is checked over exactly what is read."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedTwilioRequest("the form is not URL-encoded") from None
    try:
        pairs = urllib.parse.parse_qsl(
            text,
            keep_blank_values=True,  # Twilio signs empty fields (Body= on a photo) too
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise MalformedTwilioRequest("the form is not UTF-8 text") from None
    except ValueError:
        raise MalformedTwilioRequest("the body is not a form") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise MalformedTwilioRequest("the form repeats a field")
    return form


def signature_is_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    return bool(signature) and RequestValidator(auth_token).validate(url, dict(params), signature)


def _sid(form: Mapping[str, str], *names: str) -> str:
    sid = next((form[name] for name in names if form.get(name)), "")
    if len(sid) > SID_SIZE or not sid.isascii() or not sid.isalnum():
        raise MalformedTwilioRequest("MessageSid is not a Twilio message id")
    return sid


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    sender = form.get("From", "")
    if not sid or not sender:
        raise MalformedTwilioRequest("MessageSid and From are required")
    sid = _sid(form, "MessageSid", "SmsMessageSid")
    if len(sender) > SENDER_SIZE:
        raise MalformedTwilioRequest(f"From is longer than {SENDER_SIZE} characters")
    channel = Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Channel.SMS
    address = _sender_address(sender.removeprefix(WHATSAPP_PREFIX))
    if not address:
        raise MalformedTwilioRequest("From is empty")
    count_text = (form.get("NumMedia") or "0").strip()
    if not (count_text.isascii() and count_text.isdigit() and len(count_text) <= 3):
        raise MalformedTwilioRequest("NumMedia is not a number")
    media = tuple(
        _media(form.get(f"MediaContentType{i}") or "image/jpeg", form[f"MediaUrl{i}"])
        for i in range(min(int(count_text), MEDIA_LIMIT))
        if form.get(f"MediaUrl{i}")
    )
    words = clean_text(form.get("Body") or "").strip()
    place, place_names = _location(form)
    if words and words in place_names:
        words = ""  # WhatsApp may repeat the place's name as the body
    text = "\n".join(part for part in (words, place) if part)
    return Inbound(
        channel=channel,
        address=address,
        text=text,
        provider_id=sid,
        received_at=dt.datetime.now(dt.UTC),
        media=media,
        display_name=_shown(form.get("ProfileName"), NAME_SIZE) or None,
    )


def _sender_address(sender: str) -> str:
    """The sender's number in E.164; a sender id that is no phone number (an alphanumeric
    sender, a short code) is kept as sent, cleaned and cut to the address columns' size, so
    that it is handled as an unknown sender rather than refused."""
    return sender_number(sender) or clean_text(sender).strip()[:ADDRESS_SIZE]


def _media(content_type: str, url: str) -> Media:
    """An attachment as Twilio gives it: a URL and a MIME type, no file name."""
    content_type = clean_text(content_type).strip() or "application/octet-stream"
    identifier(content_type, "MediaContentType", CONTENT_TYPE_SIZE)
    identifier(url, "MediaUrl", URL_SIZE)
    if not url.startswith(("https://", "http://")) or not url.isascii():
        raise MalformedTwilioRequest("MediaUrl is not a web address")
    return Media(content_type=content_type, url=url, kind=MediaKind.for_content_type(content_type))


def _location(form: Mapping[str, str]) -> tuple[str | None, tuple[str, ...]]:
    """A WhatsApp location (Latitude, Longitude, and for a place its Label and Address) as
    text, and the place's names as given (WhatsApp may send one of them as the body too)."""
    if not form.get("Latitude") or not form.get("Longitude"):
        return None, ()
    place = coordinates(form["Latitude"], form["Longitude"])
    if place is None:
        return None, ()
    label = _shown(form.get("Label"), NAME_SIZE)
    address = _shown(form.get("Address"), NAME_SIZE * 4)
    names = tuple(name for name in (label.strip(), address.strip()) if name)
    return location_text(*place, label, address), names


def _shown(value: str | None, limit: int) -> str:
    """A field only shown to people (a profile name, a place's label): cleaned and cut to
    `limit`, never refused, since refusing it would lose the family's message with it."""
    return clean_text(value or "")[:limit]


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
    sid = _sid(form, "MessageSid", "SmsSid")
    if not _STATUS.fullmatch(status):
        raise MalformedTwilioRequest("MessageStatus is not a Twilio message status")
    error_code = (form.get("ErrorCode") or "").strip() or None
    if error_code is not None and not _ERROR_CODE.fullmatch(error_code):
        raise MalformedTwilioRequest("ErrorCode is not a Twilio error code")
    return StatusReport(sid, status, error_code)
