"""A meeting's time as people type it: "YYYY-MM-DD HH:MM" on the school's clock.

One reading for every way in (the YAML file, `commbot meeting reschedule --slot`, the
Telegram dialog), so they refuse the same times:

- a local time the clocks skip (spring forward) or pass twice (fall back) is refused,
  not guessed: a meeting an hour off is worse than a question now;
- a time more than `MAX_AHEAD` away is refused: no school plans a meeting that far, and
  near year 9999 the time cannot even be turned into UTC (`OverflowError`).

Nothing here imports `actions`, which uses it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ...errors import InputError

TIME_FORMAT = "%Y-%m-%d %H:%M"
MAX_AHEAD = dt.timedelta(days=2 * 365 + 1)  # two years, a leap day included


class MeetingTimeError(InputError):
    """A meeting time that is readable but cannot be used; the message says why."""


def check_meeting_time(when: dt.datetime, now: dt.datetime) -> None:
    """Refuse a time more than two years after `now` (both aware). Whether it has passed
    is each caller's question: they answer it in their own words."""
    if when - now > MAX_AHEAD:  # aware subtraction never overflows, unlike astimezone
        shown = when.strftime(TIME_FORMAT)
        raise MeetingTimeError(f"{shown} is more than 2 years ahead: pick a nearer time")


def local_time(text: str, zone: str) -> dt.datetime:
    """The aware time for "YYYY-MM-DD HH:MM" on the clocks of `zone`; a ValueError that says
    why for anything else, including a time the clocks skip or pass twice (DST)."""
    try:
        local = dt.datetime.strptime(" ".join(text.split()), TIME_FORMAT)
    except ValueError:
        raise ValueError(
            f'{text!r} is not a time: write "YYYY-MM-DD HH:MM", e.g. "2027-01-12 16:00"'
        ) from None
    tz = zoneinfo.ZoneInfo(zone)
    early, late = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    early_offset, late_offset = early.utcoffset(), late.utcoffset()
    if early_offset is None or late_offset is None or early_offset == late_offset:
        return early
    # Across a gap the offset grows (fold 0 is the offset before it); across a repeated
    # hour it shrinks. Comparing offsets needs no conversion, so it cannot overflow.
    shown = local.strftime(TIME_FORMAT)
    if early_offset < late_offset:
        raise ValueError(
            f"{shown} does not happen in {zone} (the clocks skip that hour): pick another time"
        )
    raise ValueError(
        f"{shown} happens twice in {zone} (the clocks go back that night): pick another time"
    )
