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
    bounded_text,
    check_json,
    coordinates,
    identifier,
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


# Telegram's updates nest a few levels (update, message, the message it replies to, its
# keyboard's rows and buttons: about 8); anything much deeper is no update of Telegram's.
MAX_DEPTH = 24
# Keys whose values are always integers in the Bot API: a bool or a fraction there is forged.
INT_KEYS = frozenset(
    (
        "update_id",
        "message_id",
        "date",
        "edit_date",
        "forward_date",
        "until_date",
        "user_id",
        "file_size",
        "width",
        "height",
        "duration",
        "length",
        "offset",
    )
)
# What Telegram allows (Bot API): a text is at most 4,096 characters, a caption 1,024
# (4,096 from Premium users), a name 64, button data 64 bytes; file ids are about 80. The
# limits below are as long or longer, so nothing Telegram sends is refused, and each fits
# where it is stored.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 4096
NAME_LIMIT = 256
FILE_ID_LIMIT = 256
MIME_LIMIT = 100  # media_files.content_type
FILE_NAME_LIMIT = 255
CALLBACK_LIMIT = 256
GROUP_ID_LIMIT = 64  # photo_posts.media_group_id; Telegram's are about 18 digits


def parse_update(data: Any) -> Inbound | None:
    """Turn a webhook body into an `Inbound`; None for updates commbot does not handle."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise MalformedUpdate("not a Telegram update: update_id is missing")
    if isinstance(data["update_id"], bool) or not 0 <= data["update_id"] < 2**63:
        raise MalformedUpdate("not a Telegram update: update_id is out of range")
    try:
        check_json(data, MAX_DEPTH, INT_KEYS)
    except InputError as exc:
        raise MalformedUpdate(f"not a Telegram update: {exc}") from None
    # Telegram's own updates always parse; anything else (forged, or a shape we have not
    # met) is refused with a 400, never let through to fail later.
    try:
        update = Update.de_json(data, None)
    except Exception as exc:  # the library's parser met a shape it was not written for
        raise MalformedUpdate(f"not a Telegram update: {type(exc).__name__}") from None
    if update is None:
        raise MalformedUpdate("not a Telegram update")
    try:
        return _inbound(update)
    except InputError as exc:
        if isinstance(exc, MalformedUpdate):
            raise
        raise MalformedUpdate(f"not a Telegram update: {exc}") from None
    except (
        AttributeError,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        OverflowError,
        OSError,
    ) as exc:
        raise MalformedUpdate(f"not a Telegram update: {type(exc).__name__}") from None


def _chat_id(chat_id: object) -> str:
    """A chat id as we store it: Telegram's are integers that fit in 64 bits."""
    if isinstance(chat_id, bool) or not isinstance(chat_id, int) or abs(chat_id) >= 2**63:
        raise MalformedUpdate("chat.id is not a Telegram chat id")
    return str(chat_id)


def _text(value: object, name: str, limit: int = NAME_LIMIT) -> str | None:
    """An optional text field, which Telegram always sends as a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedUpdate(f"not a Telegram update: {name} is not text")
    return bounded_text(value, name, limit)


def _file_id(value: object) -> str:
    return identifier(value, "file_id", FILE_ID_LIMIT)


def _mime(value: object, default: str) -> str:
    if value is None or value == "":
        return default
    return identifier(value, "mime_type", MIME_LIMIT)


def _date(message: Message) -> dt.datetime:
    """When the message was sent; the library has turned Telegram's seconds into a time."""
    if message.date is None:
        return dt.datetime.now(dt.UTC)
    if not isinstance(message.date, dt.datetime):
        raise MalformedUpdate("not a Telegram update: date is not a time")
    return message.date.astimezone(dt.UTC)


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
        return Media(
            kind=kind,
            content_type=_mime(getattr(item, "mime_type", None), default_type),
            telegram_file_id=_file_id(item.file_id),
            file_name=_text(getattr(item, "file_name", None), "file_name", FILE_NAME_LIMIT),
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
            # Decoded by the button codec as sent (never cleaned: a NUL makes it no button
            # of ours), never stored; a press without data, or with more than a button
            # carries, has expired.
            callback_data=query.data
            if isinstance(query.data, str) and len(query.data) <= CALLBACK_LIMIT
            else "",
            # Sent back to Telegram as the webhook's answer.
            callback_id=identifier(query.id, "callback_query.id", NAME_LIMIT),
            reply_to_provider_id=str(_message_id(query.message.message_id)),
        )
    message = update.message
    if message is None or message.chat.type != "private":
        return None  # edits, channel posts and group chats are not conversations with families
    media = _media(message)
    words = (
        _text(message.text, "text", TEXT_LIMIT)
        or _text(message.caption, "caption", CAPTION_LIMIT)
        or ""
    )
    text = "\n".join(part for part in (words, _shared(message)) if part)
    uncarried = _uncarried(message)
    if uncarried is None and media is None and not text.strip():
        uncarried = "other"  # a kind we do not know yet: said so, never relayed empty
    reply = message.reply_to_message
    reply_to = _message_id(reply.message_id) if reply is not None else None
    return Inbound(
        channel=Channel.TELEGRAM,
        address=_chat_id(message.chat.id),
        text=text,
        provider_id=str(update.update_id),
        received_at=_date(message),
        media=(media,) if media is not None else (),
        reply_to_provider_id=str(reply_to) if reply_to is not None else None,
        display_name=_display_name(message),
        uncarried=uncarried,
        media_group_id=_media_group_id(message.media_group_id),
    )


def _media_group_id(value: object) -> str | None:
    """The album a part belongs to (each part of an album is its own update)."""
    if value is None:
        return None
    return identifier(value, "media_group_id", GROUP_ID_LIMIT)


def _message_id(value: object) -> int:
    """A message id, which Telegram counts up from 1 in each chat."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise MalformedUpdate("not a Telegram update: message_id is not a message id")
    return value


def _display_name(message: Message) -> str | None:
    user = message.from_user
    if user is None:
        return None
    names = (_text(user.first_name, "first_name"), _text(user.last_name, "last_name"))
    return " ".join(name for name in names if name) or None
