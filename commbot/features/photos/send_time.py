"""When a teacher wants a photo post to go, as they type it or tap it, on the school's
clock: "15:30", "3:30 pm", "tomorrow 8:00", "2026-12-01 9:00", or a preset button
("t1530" today at 15:30, "m0800" tomorrow at 08:00).

A time of day alone is today's; one already passed is refused, not moved to tomorrow (the
teacher says "tomorrow"). Nothing here knows posts: `posts.schedule_post` checks again.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from ...errors import InputError
from . import messages as m
from .posts import MAX_AHEAD

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PRESET = re.compile(r"^([tm])(\d{2})(\d{2})$")


class TimeRefused(InputError):
    """A time that cannot be used; `message` is the catalog text that says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clock(text: str) -> dt.time:
    found = _CLOCK.match(text)
    if found is None:
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
    hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
    if half is None and found[2] is None:  # "8" alone: a number, not a time
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
    if half is not None:
        if not 1 <= hour <= 12:
            raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
    return dt.time(hour, minute)


def _day(word: str, today: dt.date) -> dt.date:
    if word in ("", "today"):
        return today
    if word == "tomorrow":
        return today + dt.timedelta(days=1)
    found = _DATE.match(word)
    if found is None:
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
    try:
        return dt.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD) from None


def _checked(day: dt.date, clock: dt.time, zone: str, now: dt.datetime) -> dt.datetime:
    """The UTC time of `clock` on `day` in `zone`, refused when past or too far ahead."""
    when = dt.datetime.combine(day, clock, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)
    if when <= now:
        raise TimeRefused(m.TIME_PASSED)
    if when - now > MAX_AHEAD:
        raise TimeRefused(m.TIME_TOO_FAR)
    return when


def typed_time(text: str, zone: str, now: dt.datetime) -> dt.datetime:
    """The UTC time meant by what the teacher typed, on the clocks of `zone`."""
    words = " ".join(text.casefold().split())
    words = re.sub(r"\s+(am|pm|a\.m\.|p\.m\.)$", r"\1", words)  # "3:30 pm" is one word
    day_word, _, clock_word = words.rpartition(" ")
    if day_word.startswith("at ") or day_word == "at":
        day_word = day_word.removeprefix("at").strip()
    day_word = day_word.removesuffix(" at")
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    return _checked(_day(day_word, today), _clock(clock_word), zone, now)


def preset(code: str) -> tuple[int, dt.time] | None:
    """A preset button's day (0 today, 1 tomorrow) and time, or None if malformed."""
    found = _PRESET.match(code)
    if found is None or int(found[2]) > 23 or int(found[3]) > 59:
        return None
    return (0 if found[1] == "t" else 1), dt.time(int(found[2]), int(found[3]))


def preset_code(days_ahead: int, clock: dt.time) -> str:
    return f"{'t' if days_ahead == 0 else 'm'}{clock:%H%M}"


def preset_time(code: str, zone: str, now: dt.datetime) -> dt.datetime:
    """The UTC time of a preset button pressed now."""
    found = preset(code)
    if found is None:
        raise TimeRefused(m.TIME_NOT_UNDERSTOOD)
    days, clock = found
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    return _checked(today + dt.timedelta(days=days), clock, zone, now)
