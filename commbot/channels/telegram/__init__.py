"""Telegram, through python-telegram-bot: `updates` (webhook bodies in), `sender` (messages
and photos out), `provider` (its limits and error codes), `bot` (building the `Bot`)."""

from .bot import bot_username, make_bot
from .provider import ERROR_WORDS, LIMITS
from .sender import TelegramSender
from .updates import MalformedUpdate, parse_update

__all__ = [
    "ERROR_WORDS",
    "LIMITS",
    "MalformedUpdate",
    "TelegramSender",
    "bot_username",
    "make_bot",
    "parse_update",
]
