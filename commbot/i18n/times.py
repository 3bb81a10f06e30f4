"""Times as the reader writes them, in the family's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date, format_time

from ..languages import catalog_language


def arrival_text(
    when: dt.datetime, timezone: str, reader: str, now: dt.datetime, with_day: bool = False
) -> str:
    """ "at 3:00 PM" today, else "Saturday 7:00 AM", in the family's zone, in the reader's words."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = when.astimezone(zone)
    locale = catalog_language(reader).replace("-", "_")
    time = format_time(local, format="short", locale=locale)
    if local.date() == now.astimezone(zone).date() and not with_day:
        return time
    return f"{format_date(local, 'EEEE', locale=locale)} {time}"
