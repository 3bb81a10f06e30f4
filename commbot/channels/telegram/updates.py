"""Telegram updates in: a webhook body becomes one `Inbound`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Message, Update

from ...errors import InputError
from ...models import Channel
from ..base import (
    Inbound,
    Media,
    MediaKind,
    clean_text,
    coordinates,
    location_text,
)


class MalformedUpdate(InputError):
    pass


# Message kinds no channel can pass on to a person at school: the family is told what can.
UNCARRIED = (
    "sticker",
    "dice",
    "poll",
    "game",
    "story",
    "invoice",
    "checklist",
    "paid_media",
    "giveaway",
)


def parse_update(data: Any) -> Inbound | None:
    """Turn a webhook body into an `Inbound`; None for updates commbot does not handle."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise MalformedUpdate("not a Telegram update: update_id is missing")
    if isinstance(data["update_id"], bool) or not 0 <= data["update_id"] < 2**63:
        raise MalformedUpdate("not a Telegram update: update_id is out of range")
    # Telegram's own updates always parse; anything else (forged, or a shape we have not
    # met) is refused with a 400, never let through to fail later.
    try:
        update = Update.de_json(data, None)
        if update is None:
            raise MalformedUpdate("not a Telegram update")
        return _inbound(update)
    except MalformedUpdate:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise MalformedUpdate(f"not a Telegram update: {type(exc).__name__}") from None


def _chat_id(chat_id: object) -> str:
    """A chat id as we store it: Telegram's are integers that fit in 64 bits."""
    if isinstance(chat_id, bool) or not isinstance(chat_id, int) or abs(chat_id) >= 2**63:
        raise MalformedUpdate("chat.id is not a Telegram chat id")
    return str(chat_id)


def _text(value: object, name: str) -> str | None:
    """An optional text field, which Telegram always sends as a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedUpdate(f"not a Telegram update: {name} is not text")
    return clean_text(value)


def _file_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedUpdate("not a Telegram update: file_id is missing")
    return value


def _media(message: Message) -> Media | None:
    """The attachment a message carries, as the kind Telegram sends it back as."""
    if message.photo:
        return Media(kind=MediaKind.PHOTO, telegram_file_id=_file_id(message.photo[-1].file_id))
    # An animation's message also has `document` set (for old clients): look at it first.
    found: list[tuple[MediaKind, Any, str]] = [
        (MediaKind.ANIMATION, message.animation, "video/mp4"),
        (MediaKind.VIDEO_NOTE, message.video_note, "video/mp4"),
        (MediaKind.VOICE, message.voice, "audio/ogg"),
        (MediaKind.AUDIO, message.audio, "audio/mpeg"),
        (MediaKind.VIDEO, message.video, "video/mp4"),
        (MediaKind.DOCUMENT, message.document, "application/octet-stream"),
    ]
    for kind, item, default_type in found:
        if item is None:
            continue
        mime = _text(getattr(item, "mime_type", None), "mime_type") or default_type
        return Media(
            kind=kind,
            content_type=mime,
            telegram_file_id=_file_id(item.file_id),
            file_name=_text(getattr(item, "file_name", None), "file_name"),
        )
    return None


def _shared(message: Message) -> str | None:
    """A place or a contact card, as words and a link the staff member can use."""
    if message.venue is not None:
        venue = message.venue
        place = coordinates(venue.location.latitude, venue.location.longitude)
        if place is not None:
            title = _text(venue.title, "venue.title")
            return location_text(*place, title, _text(venue.address, "venue.address"))
    if message.location is not None:
        place = coordinates(message.location.latitude, message.location.longitude)
        if place is not None:
            return location_text(*place)
    if message.contact is not None:
        contact = message.contact
        # The family chose to share this card with the school: its name and number go.
        names = (_text(contact.first_name, "first_name"), _text(contact.last_name, "last_name"))
        name = " ".join(n.strip() for n in names if n and n.strip())
        number = (_text(contact.phone_number, "phone_number") or "").strip()
        card = ": ".join(part for part in (name, number) if part)
        return f"👤 {card}" if card else None
    return None


def _uncarried(message: Message) -> str | None:
    for kind in UNCARRIED:
        if getattr(message, kind, None):
            return kind
    return None


def _inbound(update: Update) -> Inbound | None:
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is None or query.message.chat.type != "private":
            return None
        return Inbound(
            channel=Channel.TELEGRAM,
            address=_chat_id(query.message.chat.id),
            text="",
            provider_id=str(update.update_id),
            received_at=dt.datetime.now(dt.UTC),
            # Decoded by the button codec, never stored; a press without data has expired.
            callback_data=query.data if isinstance(query.data, str) else "",
            callback_id=query.id,
            reply_to_provider_id=str(query.message.message_id),
        )
    message = update.message
    if message is None or message.chat.type != "private":
        return None  # edits, channel posts and group chats are not conversations with families
    media = _media(message)
    words = _text(message.text, "text") or _text(message.caption, "caption") or ""
    text = "\n".join(part for part in (words, _shared(message)) if part)
    uncarried = _uncarried(message)
    if uncarried is None and media is None and not text.strip():
        uncarried = "other"  # a kind we do not know yet: said so, never relayed empty
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    return Inbound(
        channel=Channel.TELEGRAM,
        address=_chat_id(message.chat.id),
        text=text,
        provider_id=str(update.update_id),
        received_at=message.date.astimezone(dt.UTC) if message.date else dt.datetime.now(dt.UTC),
        media=(media,) if media is not None else (),
        reply_to_provider_id=str(reply_to) if reply_to is not None else None,
        display_name=clean_text(message.from_user.full_name) if message.from_user else None,
        uncarried=uncarried,
    )
