"""Phone numbers in E.164, parsed by Google's libphonenumber port, and the other forms the
same number arrives in."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable

import phonenumbers

DEFAULT_REGION = "US"
# What E.164 allows: a plus, a country code that does not start with 0, at most 15 digits.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Separators people and carriers put inside a number.
_SEPARATORS = re.compile(r"[\s().\-]")


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


def sender_number(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """A sender's phone number in E.164, or None when the sender id is not a phone number
    (an alphanumeric sender id, a short code).

    Senders are looser than a roster: WhatsApp and carriers send forms that the current
    numbering plan calls invalid (Mexico's `+521…`, Brazil's 8-digit mobiles), and those
    are still the number to answer and to look up, so any well-formed E.164 is kept as sent.
    """
    try:
        return to_e164(raw, region)
    except InvalidPhoneNumber:
        pass
    text = _SEPARATORS.sub("", raw.strip())
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    return text if _E164.fullmatch(text) else None


def is_phone_number(address: str) -> bool:
    """Whether an address is a phone number in E.164 (something a text can be sent to)."""
    return _E164.fullmatch(address) is not None


# Where Twilio delivers MMS: the United States and Canada. Elsewhere on +1 (the Caribbean)
# and in every other country, a picture sent as MMS would arrive as a link Twilio makes,
# or not at all; commbot sends its own expiring link instead.
MMS_REGIONS = frozenset({"US", "CA"})


def supports_mms(e164: str) -> bool:
    """Whether an SMS to this number can carry a picture (MMS)."""
    if not is_phone_number(e164):
        return False
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(number) in MMS_REGIONS


def equivalent_forms(e164: str) -> tuple[str, ...]:
    """The number itself first, then the other forms the same phone is written in.

    Some countries' mobiles have two international forms in real traffic: a roster holds one,
    WhatsApp or a carrier sends the other. Lookups match any of them.
    """
    if not is_phone_number(e164):
        return (e164,)
    forms = [e164]
    for prefix, rule in _RULES.items():
        if e164.startswith(prefix):
            national = e164[len(prefix) :]
            forms.extend(f for f in rule(national) if f not in forms)
    return tuple(forms)


def _is_mobile(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def _mexico(national: str) -> list[str]:
    """Mexico dropped the `1` after +52 for mobiles in 2019; WhatsApp still sends it."""
    if len(national) == 11 and national.startswith("1"):
        return [f"+52{national[1:]}"]
    if len(national) == 10 and _is_mobile(f"+52{national}"):
        return [f"+521{national}"]
    return []


def _brazil(national: str) -> list[str]:
    """Brazil's mobiles gained a leading 9 (2012-2016); WhatsApp often keeps the 8-digit
    form of numbers older than that: +55 DD XXXXXXXX for +55 DD 9XXXXXXXX."""
    area, subscriber = national[:2], national[2:]
    if len(subscriber) == 9 and subscriber.startswith("9"):
        return [f"+55{area}{subscriber[1:]}"]
    if len(subscriber) == 8 and subscriber[0] in "6789":
        nine = f"+55{area}9{subscriber}"
        return [nine] if _is_mobile(nine) else []
    return []


def _argentina(national: str) -> list[str]:
    """Argentina's mobiles take a 9 after +54 when dialled from abroad (+54 9 11 …); some
    senders and rosters leave it out."""
    if national.startswith("9") and len(national) == 11:
        return [f"+54{national[1:]}"]
    if len(national) == 10 and _is_mobile(f"+549{national}"):
        return [f"+549{national}"]
    return []


_RULES: dict[str, Callable[[str], list[str]]] = {
    "+52": _mexico,
    "+55": _brazil,
    "+54": _argentina,
}


# A plain hash of a phone number is no disguise: there are only a few billion numbers to
# hash and compare. Labels are keyed: by the deployment's secrets once `set_label_key` is
# called (every process of one deployment labels a number alike), else per process.
_label_key = secrets.token_bytes(32)


def set_label_key(material: Iterable[str | None]) -> None:
    """Key `redact` with secrets only the deployment knows (the tokens in its settings)."""
    global _label_key
    values = sorted(v for v in material if v)
    if values:
        joined = "\0".join(["commbot address labels", *values]).encode()
        _label_key = hashlib.sha256(joined).digest()


def redact(address: str) -> str:
    """A stable label for an address, safe for logs: a keyed hash, which nobody without the
    key can match to a number by hashing candidates."""
    return "addr:" + hmac.new(_label_key, address.encode(), hashlib.sha256).hexdigest()[:10]
