"""Telegram updates in: a webhook body becomes one `Inbound`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Update

from ...errors import InputError
from ...models import Channel
from ..base import (
    Inbound,
    Media,
    clean_text,
)


class MalformedUpdate(InputError):
    pass


def parse_update(data: Any) -> Inbound | None:
    """Turn a webhook body into an `Inbound`; None for updates commbot does not handle."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise MalformedUpdate("not a Telegram update: update_id is missing")
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
    media: list[Media] = []
    if message.photo:
        media.append(Media(content_type="image/jpeg", telegram_file_id=message.photo[-1].file_id))
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        media.append(
            Media(
                content_type=message.document.mime_type or "image/jpeg",
                telegram_file_id=message.document.file_id,
            )
        )
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    return Inbound(
        channel=Channel.TELEGRAM,
        address=_chat_id(message.chat.id),
        text=clean_text(message.text or message.caption or ""),
        provider_id=str(update.update_id),
        received_at=message.date.astimezone(dt.UTC) if message.date else dt.datetime.now(dt.UTC),
        media=tuple(media),
        reply_to_provider_id=str(reply_to) if reply_to is not None else None,
        display_name=clean_text(message.from_user.full_name) if message.from_user else None,
    )
