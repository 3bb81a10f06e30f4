"""Telegram: updates in, messages and photos out, through python-telegram-bot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from ..errors import InputError
from ..models import Channel
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

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MEDIA_LIMIT = 10
# Bot API: about 30 messages a second overall, and one a second to any one chat.
LIMITS = ChannelLimits(
    text_length=TEXT_LIMIT,
    media_count=MEDIA_LIMIT,
    rate=RateLimit(per_second=30, per_chat_interval=1.0),
)
# Our error codes for Telegram's answers, in plain words (delivery history).
ERROR_WORDS = {
    "telegram-429": "Telegram asked us to slow down",
    "telegram-403": "the person blocked the bot or never started it",
    "telegram-400": "Telegram refused the message as malformed",
    "telegram-400-chat-not-found": "Telegram does not know this chat",
    "telegram-network": "Telegram could not be reached",
    "telegram-error": "Telegram reported an error",
}


class MalformedUpdate(InputError):
    pass


def parse_update(data: Any) -> Inbound | None:
    """Turn a webhook body into an `Inbound`; None for updates commbot does not handle."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise MalformedUpdate("not a Telegram update: update_id is missing")
    try:
        update = Update.de_json(data, None)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedUpdate(f"not a Telegram update: {type(exc).__name__}") from None
    if update is None:
        raise MalformedUpdate("not a Telegram update")
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is None or query.message.chat.type != "private":
            return None
        return Inbound(
            channel=Channel.TELEGRAM,
            address=str(query.message.chat.id),
            text="",
            provider_id=str(update.update_id),
            received_at=dt.datetime.now(dt.UTC),
            callback_data=query.data,  # decoded by the button codec, never stored
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
        address=str(message.chat.id),
        text=clean_text(message.text or message.caption or ""),
        provider_id=str(update.update_id),
        received_at=message.date.astimezone(dt.UTC) if message.date else dt.datetime.now(dt.UTC),
        media=tuple(media),
        reply_to_provider_id=str(reply_to) if reply_to is not None else None,
        display_name=clean_text(message.from_user.full_name) if message.from_user else None,
    )


def _keyboard(outbound: Outbound) -> InlineKeyboardMarkup | None:
    if not outbound.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in outbound.buttons
        ]
    )


class TelegramSender:
    """Sends through one bot. It states Telegram's rate limits; the dispatcher keeps them."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def limits(self, channel: Channel) -> ChannelLimits:
        return LIMITS

    async def send(self, outbound: Outbound) -> SendResult:
        chat_id = int(outbound.address)
        sent: list[int] = []
        try:
            return await self._send(chat_id, outbound, sent)
        except TelegramError as exc:
            error = _telegram_error(exc)
            if sent:  # retrying would repeat what went out: the next channel gets it whole
                raise SendError(
                    "partial", f"sent in part, then {error.code}", permanent=True
                ) from None
            raise error from None

    async def _send(self, chat_id: int, outbound: Outbound, sent: list[int]) -> SendResult:
        text = outbound.text
        markup = _keyboard(outbound)
        for item in outbound.media[:MEDIA_LIMIT]:
            photo: Any = item.telegram_file_id or item.data
            caption = text if len(text) <= CAPTION_LIMIT else None
            message = await self.bot.send_photo(chat_id, photo=photo, caption=caption)
            sent.append(message.message_id)
            if caption is not None:
                text = ""
        parts = split_text(text, TEXT_LIMIT) if text else []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message = await self.bot.send_message(
                chat_id, part, reply_markup=markup if last else None
            )
            sent.append(message.message_id)
        if not sent:
            raise SendError("empty", "nothing to send", permanent=True)
        return SendResult(str(sent[0]), parts=len(sent))

    def can_fetch(self, media: Media) -> bool:
        return media.telegram_file_id is not None

    async def fetch_media(self, media: Media) -> bytes:
        if media.telegram_file_id is None:
            raise SendError("media", "not a Telegram file", permanent=True)
        file = await self.bot.get_file(media.telegram_file_id)
        return bytes(await file.download_as_bytearray())


def _telegram_error(exc: TelegramError) -> SendError:
    """Telegram's errors as retryable or permanent, the way the dispatcher needs them."""
    if isinstance(exc, RetryAfter):
        retry = exc.retry_after
        seconds = retry.total_seconds() if isinstance(retry, dt.timedelta) else float(retry)
        return SendError("telegram-429", "too many requests", permanent=False, retry_after=seconds)
    if isinstance(exc, Forbidden):
        return SendError("telegram-403", exc.message, permanent=True)
    if isinstance(exc, BadRequest):
        missing = "chat not found" in exc.message.lower()
        code = "telegram-400-chat-not-found" if missing else "telegram-400"
        return SendError(code, exc.message, permanent=True)
    if isinstance(exc, NetworkError):  # timeouts and 5xx answers too
        return SendError("telegram-network", exc.message, permanent=False)
    return SendError("telegram-error", exc.message, permanent=False)
