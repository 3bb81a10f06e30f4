"""Proposed times that fall in a family's quiet hours: they asked not to be messaged then,
because they sleep or work, so a meeting then likely does not suit them either. Shown to
the organizer when they propose ("Rosa Pérez asked for no messages until 3:00 PM: Tuesday,
December 1, 10:00 AM falls in that time")."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ... import quiet_hours
from ...i18n import gettext
from ...models import Guardian
from . import messages as m


@dataclass(frozen=True)
class Conflict:
    guardian_id: int
    guardian: str
    starts_at: dt.datetime
    text: str  # for the organizer, in their language


def quiet_conflicts(
    guardians: Iterable[Guardian],
    times: Sequence[dt.datetime],
    default_timezone: str,
    language: str,
    school_timezone: str | None = None,
) -> list[Conflict]:
    found: list[Conflict] = []
    for guardian in guardians:
        ranges = quiet_hours.parse(guardian.quiet_hours)
        if not ranges:
            continue
        zone = guardian.timezone or default_timezone
        for when in times:
            local = when.astimezone(zoneinfo.ZoneInfo(zone))
            quiet = quiet_hours.quiet_range_at(ranges, local)
            if quiet is None:
                continue
            text = gettext(
                language,
                m.QUIET_CONFLICT,
                guardian=guardian.name,
                end=m.clock_text(quiet.end, language),
                slot=m.when_text(when, school_timezone or zone, language),
            )
            found.append(Conflict(guardian.id, guardian.name, when, text))
    return found
