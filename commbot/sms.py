"""What an SMS costs: its alphabet (GSM-7 or UCS-2) and its segments, counted exactly.

A text message travels in 140-byte segments. Written only in the GSM-7 alphabet, a
segment holds 160 characters (153 when the message needs several, the rest being the
header that joins them), and the few characters of GSM's extension table (`€ [ ] { } ^ ~
| \\`) take two places each. One character outside the alphabet turns the whole message
into UCS-2: 70 UTF-16 units a segment, 67 when joined; an emoji takes two units. A pair
(an escape and its character, or an emoji's two halves) is never split across segments, so
counting is done by packing, not by dividing.

`keep_gsm7` replaces the typographic marks a phone or a translation adds (curly quotes,
long dashes, non-breaking and invisible spaces) by their plain twins, when that is all
that stood between the text and GSM-7: half the segments, the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
JOINED = {"gsm7": 153, "ucs2": 67}

# Marks with a plain twin in GSM-7. Invisible ones (zero-width spaces and joiners, the
# soft hyphen, a byte-order mark, direction marks) are dropped: they show nothing.
_PLAIN = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys(
        "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
        "\u200a\u202f\u205f\u3000\t",
        " ",
    ),
    **dict.fromkeys(
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c"
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
        "",
    ),
    "…": "...",
    "•": "-",
    "·": "-",
}
_PLAIN_TABLE = str.maketrans(_PLAIN)
_SPACES = re.compile(r" {2,}")


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SegmentCount:
    """How a text goes by SMS: its alphabet, its length in that alphabet's units (septets
    or UTF-16 units) and how many segments it is billed as."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def unit_lengths(text: str, encoding: Encoding) -> list[int]:
    """Each character's width in the encoding's units (a pair is never split)."""
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def count(text: str) -> SegmentCount:
    """The exact SMS cost of `text` (an empty text is one segment: it still goes)."""
    encoding = encoding_of(text)
    widths = unit_lengths(text, encoding)
    units = sum(widths)
    if units <= SINGLE[encoding]:
        return SegmentCount(encoding, units, 1)
    room = JOINED[encoding]
    segments, used = 1, 0
    for width in widths:
        if used + width > room:
            segments, used = segments + 1, 0
        used += width
    return SegmentCount(encoding, units, segments)


def keep_gsm7(text: str) -> str:
    """`text` with typographic marks made plain, if that makes it GSM-7; else unchanged
    (a text in Arabic or Chinese goes as UCS-2 whatever we do, and keeps its marks)."""
    if is_gsm7(text):
        return text
    plain = text.translate(_PLAIN_TABLE)
    if not is_gsm7(plain):
        return text
    return "\n".join(_SPACES.sub(" ", line) for line in plain.split("\n"))


# Twilio takes up to 1,600 characters in one request and splits it into segments itself.
MAX_LENGTH = 1600


def split_for_sms(text: str) -> list[str]:
    """The parts a long text goes in, each one request to Twilio.

    FOUNDATION VERSION: splits at `MAX_LENGTH` characters on word breaks. Builder H4 makes
    each part end on a segment boundary (a whole number of segments, on a word break), so
    no part pays for a nearly empty last segment.
    """
    from .text import split_text

    return split_text(text, MAX_LENGTH) if text else [""]


def billed_segments(text: str) -> int:
    """What `text` costs by SMS as we send it: plain marks kept GSM-7, split into parts,
    each part's segments counted exactly. The preview and the sender both use this."""
    return sum(count(part).segments for part in split_for_sms(keep_gsm7(text)))
