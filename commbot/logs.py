"""Logging for commbot's processes: our own records, and libraries kept quiet enough that
no family's phone number or words reach a log (python-telegram-bot logs every message's
text at DEBUG; httpx logs URLs, which for Telegram carry the bot token, at INFO)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from .phones import set_label_key

QUIET_LIBRARIES = (
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "twilio",
    "googletrans",
    "apscheduler.executors",
)


# A Telegram bot token (`123456:AA...`), wherever it appears: a Bot API URL, an error text.
_BOT_TOKEN = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}")
_secrets: set[str] = set()


def hide(values: Iterable[str | None]) -> None:
    """Add configured secrets (tokens, passwords) that `scrub` removes from any text."""
    _secrets.update(v for v in values if v and len(v) >= 4)


def scrub(text: str) -> str:
    """`text` without any secret in it: bot tokens and the values passed to `hide`."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "[hidden]")
    return _BOT_TOKEN.sub("[hidden]", text)


class ScrubSecrets(logging.Filter):
    """Rewrites each record's text without secrets (libraries put tokens in URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback is rendered from the exception: keep its text clean too.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def configure(level: int = logging.INFO, secrets: Iterable[str | None] = ()) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    secrets = list(secrets)
    hide(secrets)
    set_label_key(secrets)  # addresses are logged by keyed labels (phones.redact)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubSecrets) for f in handler.filters):
            handler.addFilter(ScrubSecrets())
    quiet_libraries()


def quiet_libraries() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
