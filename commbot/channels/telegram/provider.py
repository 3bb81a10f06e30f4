"""What Telegram allows: message sizes, rate limits, and its error codes in plain words."""

from __future__ import annotations

from ..base import (
    ChannelLimits,
    RateLimit,
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
    "telegram-edit": "an earlier message could not be edited (only its words can be)",
}
