"""When a plan's occurrences fall, with APScheduler's cron trigger (time-zone aware)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from apscheduler.triggers.cron import CronTrigger

from ...errors import InputError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class InvalidSchedule(InputError):
    """Days or a time that no schedule can be made of; the message says which."""


def parse_days(text: str) -> str:
    """Normalise "Fri", "mon, thu" or "mon-fri" into cron's day-of-week field."""
    days = text.strip().lower().replace(" ", "")
    if not days:
        raise InvalidSchedule("no days given")
    for part in days.split(","):
        ends = part.split("-")
        if len(ends) > 2:
            raise InvalidSchedule(f"{part!r} is not a day or a range of days")
        for name in ends:
            if name[:3] not in DAY_NAMES:
                raise InvalidSchedule(f"{name!r} is not a day")
    normal = ",".join("-".join(name[:3] for name in part.split("-")) for part in days.split(","))
    try:  # cron has its own rules ("fri-mon" wraps past the week's end, which it refuses)
        CronTrigger(day_of_week=normal)
    except ValueError:
        raise InvalidSchedule(f"{text!r} is not a set of days") from None
    return normal


def parse_time(text: str) -> str:
    """Normalise "16:00", "4pm" or "4:30 PM" into "HH:MM"."""
    raw = text.strip().lower().replace(" ", "").replace(".", "")
    suffix = raw[-2:] if raw.endswith(("am", "pm")) else ""
    clock = raw[: -len(suffix)] if suffix else raw
    hours_text, _, minutes_text = clock.partition(":")
    if not hours_text.isdigit() or (minutes_text and not minutes_text.isdigit()):
        raise InvalidSchedule(f"{text!r} is not a time")
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if suffix:
        if not 1 <= hours <= 12:
            raise InvalidSchedule(f"{text!r} is not a time")
        hours = hours % 12 + (12 if suffix == "pm" else 0)
    if hours > 23 or minutes > 59:
        raise InvalidSchedule(f"{text!r} is not a time")
    return f"{hours:02d}:{minutes:02d}"


def trigger(days: str, time: str, timezone: str) -> CronTrigger:
    hours, minutes = time.split(":")
    return CronTrigger(
        day_of_week=days, hour=int(hours), minute=int(minutes), timezone=zoneinfo.ZoneInfo(timezone)
    )


def next_after(days: str, time: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first occurrence strictly after `after`, in UTC."""
    fire: dt.datetime | None = trigger(days, time, timezone).get_next_fire_time(
        None, after + dt.timedelta(seconds=1)
    )
    if fire is None:
        raise InvalidSchedule("the schedule never fires")
    return fire.astimezone(dt.UTC)


def latest_at_or_before(
    days: str, time: str, timezone: str, start: dt.datetime, now: dt.datetime
) -> dt.datetime:
    """The last occurrence from `start` (an occurrence) up to `now`: what a late clock owes."""
    latest = start
    while (following := next_after(days, time, timezone, latest)) <= now:
        latest = following
    return latest
