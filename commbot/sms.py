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

`plan` is what the Twilio sender sends and the broadcast preview counts: a text longer
than ten segments goes in parts that each end on a segment boundary, on a word break, so no
part pays for a nearly empty last segment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
JOINED = {"gsm7": 153, "ucs2": 67}

# Marks with a plain twin in GSM-7, as translation services, word processors and phones
# write them. Invisible ones (zero-width spaces and joiners, the soft hyphen, a byte-order
# mark, direction marks, variation selectors, iOS's placeholder for an attachment) are
# dropped: they show nothing. Letters are never changed (Spanish "sí" is not "si").
_PLAIN = {
    **dict.fromkeys("‘’‚‛′`´ʼʻʹ‹›＇｀", "'"),
    **dict.fromkeys("“”„‟″«»〝〞＂", '"'),
    **dict.fromkeys("‐‑‒–—―−⁃﹘﹣－⸺⸻", "-"),
    **dict.fromkeys(
        "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
        "\u200a\u202f\u205f\u3000\t",
        " ",
    ),
    **dict.fromkeys("\u2028\u2029\u0085", "\n"),
    **dict.fromkeys(
        "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u200e\u200f"
        "\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u034f\u180e"
        "\ufe0e\ufe0f\ufffc",
        "",
    ),
    # Pasted from a PDF or a word processor.
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "…": "...",
    "‥": "..",
    "•": "-",
    "·": "-",
    "‣": "-",
    "●": "-",
    # Full-width punctuation and letters, as a Chinese or Japanese keyboard types them.
    **{chr(0xFF01 + i): chr(0x21 + i) for i in range(94) if chr(0xFF01 + i) not in "＇｀－＂"},
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
    (a text in Arabic or Chinese goes as UCS-2 whatever we do, and keeps its marks).

    Letters written as a base and an accent (`e` + U+0301, as some phones and keyboards
    send them) are composed first (NFC): the same letters, and `é` is GSM-7."""
    if is_gsm7(text):
        return text
    plain = unicodedata.normalize("NFC", text).translate(_PLAIN_TABLE)
    if not is_gsm7(plain):
        return text
    return "\n".join(_SPACES.sub(" ", line) for line in plain.split("\n"))


# Twilio takes up to 1,600 characters in one request, and advises at most ten segments a
# message: longer ones are delivered less reliably. Ten segments (1,530 GSM-7 septets or
# 670 UCS-2 units) always fit in 1,600 characters.
MAX_LENGTH = 1600
MAX_SEGMENTS = 10

# Where a part may end, best first (as `commbot.text`): a paragraph, a line, a sentence, a
# word. Chinese has no spaces: a part may end right after its sentence or clause marks.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?。！？؟।])\s+|(?<=[。！？])"),
    re.compile(r"\s+|(?<=[，、；：])"),
)
_SPACE = re.compile(r"\s+")
_SENTENCES = re.compile(r"((?<=[.!?])\s+|\n)")
# A stretch of GSM-7 this long inside a mixed text is worth a part of its own: at 153
# characters a segment rather than 67, it saves more than the part's cut costs.
MIXED_STRETCH = 2 * JOINED["gsm7"]


@dataclass(frozen=True)
class Part:
    """One request to Twilio: its text and what it is billed as (an MMS is one message,
    `encoding` None, whatever its text)."""

    text: str
    segments: int
    encoding: Encoding | None


def plan(text: str, *, picture: bool = False) -> list[Part]:
    """How `text` goes by SMS (with a picture on its first part, by MMS): plain marks kept
    GSM-7, split at segment boundaries, each part counted exactly. The sender sends this
    and the preview counts it, so both always agree."""
    text = keep_gsm7(text)
    parts: list[Part] = []
    if picture:
        end = len(text) if len(text) <= MAX_LENGTH else _cut(text, MAX_LENGTH, MAX_LENGTH // 2)
        parts.append(Part(text[:end].rstrip(), 1, None))
        text = text[end:].lstrip()
        if not text:
            return parts
    if count(text).segments > MAX_SEGMENTS and not is_gsm7(text):
        # A long text that is not GSM-7 as a whole (an emoji in an English letter) may
        # still be GSM-7 in most of its sentences: made plain one by one, they can go in
        # parts of their own at 153 characters a segment.
        text = "".join(keep_gsm7(piece) for piece in _SENTENCES.split(text))
    for piece in split_for_sms(text):
        # A part may be GSM-7 on its own once its marks are plain; unless that costs
        # more (three dots for each ellipsis can make a UCS-2 part longer).
        plain = keep_gsm7(piece)
        if count(plain).segments <= count(piece).segments:
            piece = plain
        counted = count(piece)
        parts.append(Part(piece, counted.segments, counted.encoding))
    return parts


def billed_segments(text: str, *, picture: bool = False) -> int:
    """What `text` costs by SMS as we send it (`plan`): the preview and the sender both
    use this. With `picture`, the first part is an MMS, counted as one."""
    return sum(part.segments for part in plan(text, picture=picture))


def billed_encoding(text: str) -> Encoding:
    """The alphabet `text` goes in by SMS: UCS-2 if any part of it needs it."""
    return max((p.encoding or Encoding.GSM7 for p in plan(text)), key=list(Encoding).index)


def split_for_sms(text: str) -> list[str]:
    """The parts a text goes in, each one request to Twilio of at most `MAX_SEGMENTS`.

    A text that fits goes whole. A longer one is cut so that each part but the last fills
    its segments: in the second half of its last segment, on the best break there
    (paragraph, line, sentence, word); else on the last space of the part (a long link
    stays whole); else at the segment's end, never inside a GSM-7 escape pair, a
    surrogate pair or a letter and its accents. Nothing is lost but the spaces a part
    ends or begins with.
    """
    rest = text.strip()
    parts: list[str] = []
    while count(rest).segments > MAX_SEGMENTS:
        cut = _next_cut(rest)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts


def _next_cut(text: str) -> int:
    """Where the first part of `text`, too long for one, ends.

    In GSM-7 as far as the first character outside it, when that is a stretch worth
    parts of its own (`MIXED_STRETCH`); else in UCS-2, ending soon after its last such
    character when a long GSM-7 stretch follows in the same window."""
    others = [i for i, ch in enumerate(text) if not is_gsm7(ch)]
    first_other = others[0] if others else len(text)
    if first_other >= MIXED_STRETCH:
        end, last = _pack(text[:first_other], Encoding.GSM7)
        return _cut(text, end, last + (end - last) // 2)
    end, last = _pack(text, Encoding.UCS2)
    last_other = max(i for i in others if i < end)
    if end - last_other > MIXED_STRETCH:
        after = last_other + 1
        return _cut(text, min(end, after + JOINED[Encoding.UCS2]), after, first=True)
    return _cut(text, end, last + (end - last) // 2)


def _pack(text: str, encoding: Encoding) -> tuple[int, int]:
    """The characters of `text` that fit in `MAX_SEGMENTS` joined segments, and where the
    last segment starts (a pair never straddles two segments)."""
    room, segments, used, last_start = JOINED[encoding], 1, 0, 0
    for index, width in enumerate(unit_lengths(text, encoding)):
        if used + width > room:
            if segments == MAX_SEGMENTS:
                return index, last_start
            segments, used, last_start = segments + 1, 0, index
        used += width
    return len(text), last_start


def _cut(text: str, end: int, floor: int, *, first: bool = False) -> int:
    """Where a part of `text[:end]` ends: the last (or `first`) break of the best kind at
    or after `floor`, else the last space, else `end` moved back off anything that joins
    the character before it."""
    for pattern in _BREAKS:
        best = None
        for match in pattern.finditer(text, max(floor, 1)):
            if match.start() > end:
                break
            best = match.start()
            if first:
                break
        if best is not None:
            return best
    spaces = [m.start() for m in _SPACE.finditer(text, 1, end + 1)]
    if spaces:
        return spaces[-1]
    return next((i for i in range(end, floor, -1) if not _joins(text, i)), end)


def _joins(text: str, index: int) -> bool:
    """Whether `text[index]` belongs with the character before it: an accent, a joiner or
    what it joins, a variation selector or skin tone, the second half of a flag."""
    if index <= 0 or index >= len(text):
        return False
    here, before = text[index], text[index - 1]
    if unicodedata.category(here) in ("Mn", "Mc", "Me") or "\u200d" in (here, before):
        return True
    if "\ufe00" <= here <= "\ufe0f" or "\U0001f3fb" <= here <= "\U0001f3ff":
        return True
    flags = 0
    while index - flags > 0 and _is_regional(text[index - flags - 1]):
        flags += 1
    return _is_regional(here) and flags % 2 == 1


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"
