"""Messages and photos out, through python-telegram-bot's `Bot`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from ...models import Channel
from ...text import split_text
from ..base import (
    ChannelLimits,
    Media,
    Outbound,
    SendError,
    SendResult,
)
from .provider import CAPTION_LIMIT, LIMITS, MEDIA_LIMIT, TEXT_LIMIT


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
