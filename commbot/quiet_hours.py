"""Quiet hours: daily local-time ranges in which a family is not to be messaged.

A range may cross midnight (`22:00-07:00`); several are joined by `;`. An end of `23:59`
means the end of the day. Times are wall-clock times in the family's own time zone, so a
range keeps its meaning across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60


class InvalidQuietHours(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class QuietRange:
    start: int  # minutes after local midnight
    end: int  # exclusive; below `start` when the range crosses midnight; 1440 = day's end

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def __str__(self) -> str:
        return _format(self)


def _clock(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_clock(text: str, whole: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise InvalidQuietHours(f"{whole!r}: {text.strip()!r} is not a time like 22:00")
    value = int(hours) * 60 + int(minutes)
    if int(hours) > 23 or int(minutes) > 59:
        raise InvalidQuietHours(f"{whole!r}: {text.strip()!r} is not a time of day")
    return value


def parse(text: str) -> tuple[QuietRange, ...]:
    """Parse `"22:00-07:00;08:00-15:00"`; empty text means no quiet hours."""
    ranges: list[QuietRange] = []
    for part in (p for p in text.split(";") if p.strip()):
        start_text, sep, end_text = part.partition("-")
        if not sep:
            raise InvalidQuietHours(f"{part.strip()!r} is not a range like 22:00-07:00")
        start = _parse_clock(start_text, part.strip())
        end = _parse_clock(end_text, part.strip())
        if end == MINUTES_PER_DAY - 1:
            end = MINUTES_PER_DAY  # 23:59 closes the day
        if start == end:
            raise InvalidQuietHours(f"{part.strip()!r} starts and ends at the same time")
        ranges.append(QuietRange(start, end))
    return tuple(ranges)


def canonical(text: str) -> str:
    """The stored form: validated ranges, zero-padded, joined by `;`."""
    return ";".join(_format(r) for r in parse(text))


def _format(r: QuietRange) -> str:
    end = "23:59" if r.end == MINUTES_PER_DAY else _clock(r.end)
    return f"{_clock(r.start)}-{end}"


def is_quiet(ranges: tuple[QuietRange, ...], local: dt.datetime) -> bool:
    minute = local.hour * 60 + local.minute
    return any(r.contains(minute) for r in ranges)


def next_allowed(ranges: tuple[QuietRange, ...], timezone: str, when: dt.datetime) -> dt.datetime:
    """The first moment at or after `when` (aware) outside quiet hours, in UTC.

    Walks minute boundaries in local wall-clock time, so a range that ends at 07:00 ends at
    07:00 local on the day of a daylight-saving change too.
    """
    if not ranges:
        return when.astimezone(dt.UTC)
    zone = zoneinfo.ZoneInfo(timezone)
    local = when.astimezone(zone)
    if not is_quiet(ranges, local):
        return when.astimezone(dt.UTC)
    # Candidate ends: each range's end today and over the next two days, earliest first.
    day = local.date()
    candidates: list[dt.datetime] = []
    for offset in range(0, 3):
        date = day + dt.timedelta(days=offset)
        for r in ranges:
            end_minute = r.end % MINUTES_PER_DAY
            end_date = date + dt.timedelta(days=1) if r.end == MINUTES_PER_DAY else date
            naive = dt.datetime.combine(end_date, dt.time(end_minute // 60, end_minute % 60))
            candidate = _wall_time(naive, zone)
            if candidate > local and not is_quiet(ranges, candidate):
                candidates.append(candidate)
    if not candidates:  # every minute is quiet: deliver rather than hold forever
        return when.astimezone(dt.UTC)
    return min(candidates).astimezone(dt.UTC)


def _wall_time(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """`naive` as a moment in `zone`. A wall time skipped by a spring-forward jump becomes the
    moment of the jump: the clock passes from before it straight to after it there."""
    early = naive.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    late = naive.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if early >= late:  # the wall time exists (once, or twice in a fall-back hour)
        return min(early, late).astimezone(zone)
    jump = early
    while jump < late and jump.astimezone(zone).utcoffset() == early.astimezone(zone).utcoffset():
        jump += dt.timedelta(minutes=1)
    return jump.astimezone(zone)


def quiet_range_at(ranges: tuple[QuietRange, ...], local: dt.datetime) -> QuietRange | None:
    """The range `local` (a wall-clock time) falls in, if any."""
    minute = local.hour * 60 + local.minute
    return next((r for r in ranges if r.contains(minute)), None)


def earlier_allowed(
    ranges: tuple[QuietRange, ...],
    timezone: str,
    when: dt.datetime,
    margin: dt.timedelta = dt.timedelta(0),
) -> dt.datetime:
    """`when`, or, when it falls in quiet hours, `margin` before they began: a reminder due
    while the family sleeps goes before they go to sleep, never after they wake. In UTC.

    When every minute is quiet there is no earlier time to find: `when` itself.
    """
    if not ranges:
        return when.astimezone(dt.UTC)
    zone = zoneinfo.ZoneInfo(timezone)
    local = when.astimezone(zone)
    for _ in range(2 * len(ranges) + 2):  # each step leaves one range behind
        found = quiet_range_at(ranges, local)
        if found is None:
            return local.astimezone(dt.UTC)
        minute = local.hour * 60 + local.minute
        day = local.date() if found.start <= minute else local.date() - dt.timedelta(days=1)
        naive = dt.datetime.combine(day, dt.time(found.start // 60, found.start % 60))
        began = _wall_time(naive, zone).astimezone(dt.UTC)
        local = (began - max(margin, dt.timedelta(minutes=1))).astimezone(zone)
    return when.astimezone(dt.UTC)
