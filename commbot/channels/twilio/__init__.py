"""Twilio (SMS, MMS, WhatsApp): `webhooks` (signed forms in), `sender` (the REST API out),
`provider` (limits, the WhatsApp window, error codes and statuses), `http` (the client's
httpx transport)."""

from .http import HttpxTwilioClient
from .provider import (
    ERROR_WORDS,
    PERMANENT_CODES,
    STATUSES,
    WHATSAPP_WINDOW,
    is_permanent,
    limits_for,
    reported_status,
)
from .sender import TwilioSender
from .webhooks import (
    MalformedTwilioRequest,
    StatusReport,
    parse_inbound,
    parse_status,
    signature_is_valid,
)

__all__ = [
    "ERROR_WORDS",
    "PERMANENT_CODES",
    "STATUSES",
    "WHATSAPP_WINDOW",
    "HttpxTwilioClient",
    "MalformedTwilioRequest",
    "StatusReport",
    "TwilioSender",
    "is_permanent",
    "limits_for",
    "parse_inbound",
    "parse_status",
    "reported_status",
    "signature_is_valid",
]
