"""Building python-telegram-bot's `Bot` from settings (the Bot API base is configurable)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from ... import ratelimit
from ...config import Settings

log = logging.getLogger(__name__)


class _Request(HTTPXRequest):
    """python-telegram-bot's HTTP client, telling the rate limiter when each answer
    arrives (before it is parsed into Telegram objects)."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        ratelimit.request_started()
        answer = await super().do_request(*args, **kwargs)
        ratelimit.answer_arrived()
        return answer


def make_bot(settings: Settings, *, pool_size: int = 64) -> Bot:
    settings.require("TELEGRAM_BOT_TOKEN")
    assert settings.telegram_bot_token is not None
    base = settings.telegram_api_base_url or "https://api.telegram.org"
    return Bot(
        settings.telegram_bot_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=_Request(connection_pool_size=pool_size, read_timeout=15, write_timeout=30),
    )


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username from getMe, or None when it cannot be looked up."""
    if not settings.telegram_bot_token:
        return None
    try:
        async with make_bot(settings, pool_size=1) as bot:
            return bot.username
    except (TelegramError, OSError) as exc:
        log.warning("could not look up the bot's username: %s", type(exc).__name__)
        return None
