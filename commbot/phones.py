"""Phone numbers in E.164, parsed by Google's libphonenumber port."""

from __future__ import annotations

import hashlib

import phonenumbers

DEFAULT_REGION = "US"


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """Normalise a phone number as a person typed it; raise `InvalidPhoneNumber` if it isn't one."""
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    if not text:
        raise InvalidPhoneNumber("phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def redact(address: str) -> str:
    """A stable, non-reversible label for an address, safe for logs."""
    return "addr:" + hashlib.sha256(address.encode()).hexdigest()[:10]
