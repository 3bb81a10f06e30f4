"""Messages, photos and files out, through python-telegram-bot's `Bot`."""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from ...models import Channel
from ...text import split_text
from ..base import (
    ChannelLimits,
    Media,
    MediaKind,
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
        if outbound.edit_message_id is not None:
            return await self._edit(chat_id, outbound, outbound.edit_message_id)
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

    async def _edit(self, chat_id: int, outbound: Outbound, message_id: str) -> SendResult:
        """Replace the text (and buttons) of an earlier message of ours. Telegram refuses an
        edit that changes nothing ("message is not modified"): the message already shows
        it, which is what was asked."""
        if outbound.media or not outbound.text.strip():
            raise SendError("telegram-edit", "only a message's text can be edited", permanent=True)
        if not message_id.isascii() or not message_id.isdigit():
            raise SendError(
                "telegram-edit", "the message to edit has no Telegram id", permanent=True
            )
        try:
            await self.bot.edit_message_text(
                outbound.text[:TEXT_LIMIT],
                chat_id=chat_id,
                message_id=int(message_id),
                reply_markup=_keyboard(outbound),
            )
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():
                raise _telegram_error(exc) from None
        except TelegramError as exc:
            raise _telegram_error(exc) from None
        return SendResult(message_id)

    async def _send(self, chat_id: int, outbound: Outbound, sent: list[int]) -> SendResult:
        text = outbound.text
        markup = _keyboard(outbound)
        # A child's photo may not be forwarded or saved: every part of the message is
        # protected (the words too, or the caption could be copied out with the photo's
        # description). Left out of the request when not asked for.
        protect = True if outbound.protect_content else None
        items = outbound.media[:MEDIA_LIMIT]
        for index, item in enumerate(items):
            # The words go as the first caption when they fit; otherwise as messages after.
            takes_caption = item.kind is not MediaKind.VIDEO_NOTE  # round videos take none
            caption = text if text and takes_caption and len(text) <= CAPTION_LIMIT else None
            if caption is not None:
                text = ""
            last = index == len(items) - 1 and not text
            message_id = await self._send_media(
                chat_id, item, caption, markup if last else None, protect
            )
            sent.append(message_id)
        parts = split_text(text, TEXT_LIMIT) if text else []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message = await self.bot.send_message(
                chat_id, part, reply_markup=markup if last else None, protect_content=protect
            )
            sent.append(message.message_id)
        if not sent:
            raise SendError("empty", "nothing to send", permanent=True)
        return SendResult(str(sent[0]), parts=len(sent))

    async def _send_media(
        self,
        chat_id: int,
        item: Media,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
        protect: bool | None = None,
    ) -> int:
        """One attachment, by the Bot API method for its kind (a file id of one kind is
        refused by another kind's method)."""
        file: Any = item.telegram_file_id
        if file is None:
            file = InputFile(item.data or b"", filename=_file_name(item))
        bot = self.bot
        common: dict[str, Any] = {
            "caption": caption,
            "reply_markup": markup,
            "protect_content": protect,
        }
        match item.kind:
            case MediaKind.PHOTO:
                message = await bot.send_photo(chat_id, photo=file, **common)
            case MediaKind.VOICE:
                message = await bot.send_voice(chat_id, voice=file, **common)
            case MediaKind.AUDIO:
                message = await bot.send_audio(chat_id, audio=file, **common)
            case MediaKind.VIDEO:
                message = await bot.send_video(chat_id, video=file, **common)
            case MediaKind.ANIMATION:
                message = await bot.send_animation(chat_id, animation=file, **common)
            case MediaKind.VIDEO_NOTE:
                message = await bot.send_video_note(
                    chat_id, video_note=file, reply_markup=markup, protect_content=protect
                )
            case _:
                message = await bot.send_document(chat_id, document=file, **common)
        return message.message_id

    def can_fetch(self, media: Media) -> bool:
        return media.telegram_file_id is not None

    async def fetch_media(self, media: Media) -> bytes:
        if media.telegram_file_id is None:
            raise SendError("media", "not a Telegram file", permanent=True)
        file = await self.bot.get_file(media.telegram_file_id)
        return bytes(await file.download_as_bytearray())


def _file_name(item: Media) -> str:
    """The name a fetched file is sent under: the sender's, or one from its type."""
    if item.file_name:
        return item.file_name
    extension = mimetypes.guess_extension(item.content_type.split(";")[0].strip()) or ""
    return f"{item.kind.value}{extension}"


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
    if isinstance(exc, TimedOut):
        return SendError("timeout", "Telegram did not answer in time", permanent=False)
    if isinstance(exc, NetworkError):  # 5xx answers too
        return SendError("telegram-network", exc.message, permanent=False)
    return SendError("telegram-error", exc.message, permanent=False)
