"""Local fakes of the Telegram Bot API and Twilio's Messaging API, served over real HTTP.

Tests and benchmarks point the real clients (python-telegram-bot, twilio) at these servers, so
the whole HTTP path runs as in production, with failures and rate limits under test control.
"""

from .telegram import FakeTelegram, TelegramCall
from .twilio import FakeTwilio, TwilioCall

__all__ = ["FakeTelegram", "FakeTwilio", "TelegramCall", "TwilioCall"]
