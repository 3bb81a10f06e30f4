"""Splitting long texts for channels with a length limit."""

from __future__ import annotations

import re

_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?。！？])\s+"),
    re.compile(r"\s+"),
)


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` characters.

    Prefers paragraph breaks, then line breaks, then sentence ends, then spaces; cuts a
    word only when a single word is longer than the limit. No text is lost.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for pattern in _BREAKS:
            # A break in the first half would leave a stub part: try a finer kind of break.
            matches = [m for m in pattern.finditer(window) if limit // 2 <= m.start() <= limit]
            if matches:
                cut = matches[-1].start()
                end = matches[-1].end()
                break
        if cut <= 0:
            cut = end = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[end:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts
