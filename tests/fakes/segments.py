"""Count SMS segments the way carriers (and Twilio's `num_segments`) do.

Families are billed per segment, and one non-GSM character (an emoji, a curly quote) turns a
whole message into UCS-2 with less than half the room; benchmarks need the real count.
"""

from __future__ import annotations

import math

# GSM 03.38 default alphabet, and the extension table whose characters take two septets.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def sms_segments(body: str) -> int:
    """Segments needed for `body`: 160/153 septets in GSM-7, 70/67 code units in UCS-2."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in body):
        length = sum(2 if char in GSM_EXTENDED else 1 for char in body)
        single, multi = 160, 153
    else:
        length = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if length <= single:
        return 1
    return math.ceil(length / multi)
