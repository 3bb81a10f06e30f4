"""Logging for commbot's processes: our own records, and libraries kept quiet enough that
no family's phone number or words reach a log (python-telegram-bot logs every message's
text at DEBUG; httpx logs URLs, which for Telegram carry the bot token, at INFO)."""

from __future__ import annotations

import logging

QUIET_LIBRARIES = (
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "twilio",
    "googletrans",
    "apscheduler.executors",
)


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_libraries()


def quiet_libraries() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
