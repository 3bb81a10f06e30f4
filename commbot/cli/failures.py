"""Why a command failed, in one line, without a secret in it.

`main` prints `describe(exc)` instead of a traceback (`--debug` shows that). Library errors
are named by what the person can check: the database, Telegram, Twilio. Their texts can
carry secrets (python-telegram-bot puts the bot token in `InvalidToken`, httpx puts request
URLs, which for Telegram hold the token, in its errors), so every line is scrubbed.
"""

from __future__ import annotations

import httpx
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from telegram.error import InvalidToken, NetworkError, TelegramError
from twilio.base.exceptions import TwilioRestException

from ..errors import CommbotError
from ..logs import scrub


def describe(exc: BaseException) -> str:
    """One line naming the problem and, where it helps, what to check."""
    return scrub(_describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CommbotError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        return f"cannot use the database ({_database()}): {_first_line(exc.orig)}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error ({_database()}): {_first_line(exc)}"
    if isinstance(exc, InvalidToken):
        return "Telegram rejected TELEGRAM_BOT_TOKEN; check the token BotFather gave you."
    if isinstance(exc, NetworkError):
        return f"cannot reach Telegram at {_telegram()}: {_first_line(exc)}"
    if isinstance(exc, TelegramError):
        return f"Telegram refused: {exc.message}"
    if isinstance(exc, TwilioRestException):
        return f"Twilio refused ({exc.status}, code {exc.code}): {_first_line(exc.msg)}"
    if isinstance(exc, httpx.HTTPError):
        return f"cannot reach {_host(exc)}: {type(exc).__name__} {_first_line(exc)}".rstrip()
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}: {exc.filename or _first_line(exc)}"
    return f"unexpected {type(exc).__name__}: {_first_line(exc)} (--debug shows where)"


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0].strip() if lines else ""


def _database() -> str:
    from ..db import get_engine

    try:
        return get_engine().url.render_as_string(hide_password=True)
    except Exception:  # the settings themselves are what failed: say so elsewhere
        return "DATABASE_URL"


def _telegram() -> str:
    from ..config import get_settings

    try:
        return get_settings().telegram_api_base_url or "https://api.telegram.org"
    except CommbotError:
        return "TELEGRAM_API_BASE_URL"


def _host(exc: httpx.HTTPError) -> str:
    try:
        return str(exc.request.url.copy_with(path="/", query=None)).rstrip("/")
    except RuntimeError:  # an error raised before any request was made
        return "the network"
