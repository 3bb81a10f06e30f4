"""A due date as staff type it on Telegram: "2027-01-22", "Jan 22", "22 January", "1/22"
is not taken (which comes first differs by country). Month names are read in English and
in the staff member's own language; a date without a year is the next such day from today.

One reading for the `/notes` dialog's due dates and "need more time", so they accept and
refuse the same dates.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date, get_month_names

from .messages import _locale, plain

MAX_AHEAD = dt.timedelta(days=2 * 366)  # as `notes` allows a due date
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(
    r"^(?:([^\W\d_]+)\.?\s*(\d{1,2})|(\d{1,2})\.?\s*([^\W\d_]+)\.?)(?:,?\s*(\d{4}))?$"
)


def _months(language: str) -> dict[str, int]:
    """Every name of every month, wide and abbreviated, in English and `language`."""
    names: dict[str, int] = {}
    for locale in {"en", _locale(language)}:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                try:
                    found = get_month_names(width, context, locale=locale)
                except (ValueError, LookupError):
                    continue
                for number, name in found.items():
                    names[name.casefold().rstrip(".")] = number
    return names


def parse_day(text: str, today: dt.date, language: str) -> dt.date | None:
    """The date `text` names, or None when it names none."""
    words = " ".join(text.split()).strip()
    iso = _ISO.match(words)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        found = _WORDS.match(words)
        if not found:
            return None
        name = (found[1] or found[4]).casefold()
        day = int(found[2] or found[3])
        month = _months(language).get(name)
        if month is None:
            return None
        if found[5]:
            return dt.date(int(found[5]), month, day)
        for year in range(today.year, today.year + 5):  # February 29 may be years away
            try:
                candidate = dt.date(year, month, day)
            except ValueError:  # February 29 in a year without it, or April 31 in any
                continue
            if candidate >= today:
                return candidate
        return None
    except ValueError:  # a 31st of a month without one, month 13
        return None


def examples(today: dt.date, language: str) -> dict[str, str]:
    """Two ways to write a date two weeks from today: `iso` and `short` ("Jan 22")."""
    day = today + dt.timedelta(days=14)
    short = plain(format_date(day, format="MMM d", locale=_locale(language)))
    return {"iso": day.isoformat(), "short": short}
