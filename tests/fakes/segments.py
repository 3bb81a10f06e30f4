"""Count SMS segments the way carriers (and Twilio's `num_segments`) do.

Families are billed per segment, and one non-GSM character (an emoji, a curly quote) turns a
whole message into UCS-2 with less than half the room; benchmarks need the real count.

This is the carrier's side, written apart from `commbot.sms` so each checks the other: it
encodes the body as a phone network does (GSM 03.38 septets, the escape 0x1B before each
extension character; or UTF-16 code units) and fills 140-byte segments in order. A
concatenated segment loses 6 bytes to its header (153 septets, 67 units), and an escape
and its character, or a surrogate pair, always travel in the same segment.
"""

from __future__ import annotations

# GSM 03.38's default alphabet in code order (0x1B, the escape, stands in as a space
# here and is never looked up), and its extension table, reached through the escape.
GSM_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C}
GSM_EXTENSION |= {"~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65}
ESCAPE = 0x1B
_CODES = {char: code for code, char in enumerate(GSM_TABLE) if code != ESCAPE}

GSM_BASIC = frozenset(_CODES)
GSM_EXTENDED = frozenset(GSM_EXTENSION)

SEGMENT_BITS = 140 * 8
HEADER_BITS = 6 * 8  # the user data header joining concatenated segments


def gsm7_septets(body: str) -> list[int] | None:
    """`body` as GSM-7 septets, or None if a character is outside the alphabet."""
    septets: list[int] = []
    for char in body:
        if char in _CODES:
            septets.append(_CODES[char])
        elif char in GSM_EXTENSION:
            septets += [ESCAPE, GSM_EXTENSION[char]]
        else:
            return None
    return septets


def ucs2_units(body: str) -> list[int]:
    """`body` as UTF-16 code units (an emoji is a surrogate pair: two units)."""
    data = body.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def is_gsm7(body: str) -> bool:
    return gsm7_septets(body) is not None


def sms_segments(body: str) -> int:
    """Segments needed for `body`: 160/153 septets in GSM-7, 70/67 code units in UCS-2."""
    septets = gsm7_septets(body)
    if septets is not None:
        units, unit_bits = septets, 7
        # An escape ends no segment: its character would arrive without it.
        holds_over = [septet == ESCAPE for septet in septets]
    else:
        units, unit_bits = ucs2_units(body), 16
        holds_over = [0xD800 <= unit <= 0xDBFF for unit in units]  # a high surrogate
    if len(units) * unit_bits <= SEGMENT_BITS:
        return 1
    room = (SEGMENT_BITS - HEADER_BITS) // unit_bits
    segments, used, index = 1, 0, 0
    while index < len(units):
        width = 2 if holds_over[index] else 1
        if used + width > room:
            segments, used = segments + 1, 0
        used += width
        index += width
    return segments
