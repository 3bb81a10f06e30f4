"""What Twilio allows and reports: sizes, WhatsApp's 24-hour window, which error codes
are permanent, status callbacks mapped to delivery statuses, and error codes in plain words."""

from __future__ import annotations

import datetime as dt

from ...models import Channel, DeliveryStatus
from ..base import (
    ChannelLimits,
    RateLimit,
)

TEXT_LIMIT = 1600
MEDIA_LIMIT = 10
WHATSAPP_PREFIX = "whatsapp:"
# WhatsApp takes free text only within 24 hours of the family's last message to us.
WHATSAPP_WINDOW = dt.timedelta(hours=24)

# When Twilio refuses a send with one of these, the number cannot receive messages from us:
# try the family's next way of being reached. (A status callback reporting a failure moves
# on whatever its code: that copy did not arrive.)
PERMANENT_CODES = frozenset({21211, 21610, 21614, 30003, 30005, 30006})
RETRYABLE_CODES = frozenset({20429, 20500, 20503, 30001, 30008, 14107, 63018})
# "Too many requests" (20429), "SMS send rate limit exceeded" (14107), WhatsApp's (63018):
# retried no sooner than Retry-After when Twilio sends one, else after `THROTTLE_PAUSE`.
THROTTLED_CODES = frozenset({20429, 14107, 63018})
THROTTLE_PAUSE = 1.0
ERROR_WORDS = {
    "21211": "not a valid phone number",
    "21610": "the family replied STOP to this number",
    "21408": "our Twilio account may not send texts to this country",
    "21612": "Twilio cannot send texts to this number",
    "21614": "this number cannot receive text messages (not a mobile)",
    "20429": "Twilio asked us to slow down",
    "14107": "Twilio asked us to slow down (SMS rate limit)",
    "429": "Twilio asked us to slow down",
    "20500": "Twilio had an internal error",
    "20503": "Twilio was unavailable",
    "30001": "Twilio's queue was full",
    "30003": "the phone was unreachable (off or out of coverage)",
    "30004": "the message was blocked (by the family's phone or their carrier)",
    "30005": "the number is unknown or no longer exists",
    "30006": "a landline, or a carrier that cannot take texts",
    "30007": "the carrier filtered the message (it looked like spam to them)",
    "30008": "the carrier reported an unknown error",
    "30032": "our toll-free number is not verified for sending yet",
    "30034": "our number is not registered for business texting (US A2P 10DLC)",
    "63003": "this number is not on WhatsApp",
    "63018": "WhatsApp asked us to slow down",
    "63024": "WhatsApp does not accept messages to this number",
    "63016": "outside WhatsApp's 24-hour window",
    "twilio-network": "Twilio could not be reached",
}

# Twilio's message statuses (sends and status callbacks) as ours.
STATUSES = {
    "accepted": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.UNDELIVERED,
}
# Callbacks may arrive out of order: a later state never moves back to an earlier one.
_RANK = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.UNDELIVERED: 4,
}


def is_permanent(code: str | int | None) -> bool:
    """Whether a Twilio error code means this number will not take our messages."""
    if code is None or code == "":
        return False
    try:
        return int(code) in PERMANENT_CODES
    except ValueError:
        return False


def reported_status(current: DeliveryStatus, reported: str) -> DeliveryStatus | None:
    """The status a report moves a delivery to, or None if it does not move it (a status we
    do not track, such as "receiving", or one behind where the delivery already is)."""
    new = STATUSES.get(reported)
    if new is None:
        return None
    if current in _RANK and _RANK[new] <= _RANK[current]:
        return None
    return new


def limits_for(channel: Channel, per_second: float) -> ChannelLimits:
    """SMS and WhatsApp limits at the account's `per_second` (Twilio queues the rest)."""
    return ChannelLimits(
        text_length=TEXT_LIMIT,
        media_count=MEDIA_LIMIT,
        rate=RateLimit(per_second=per_second),
        reply_window=WHATSAPP_WINDOW if channel is Channel.WHATSAPP else None,
    )
