"""Proposed times that fall in a family's quiet hours: they asked not to be messaged then,
because they sleep or work, so a meeting then likely does not suit them either. Shown to
the organizer when they propose ("Rosa Pérez asked for no messages until 3:00 PM: Tuesday,
December 1, 10:00 AM falls in that time")."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ... import quiet_hours
from ...i18n import gettext
from ...models import Guardian
from . import messages as m
from .models import Meeting


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
    duration: dt.timedelta = dt.timedelta(0),
) -> list[Conflict]:
    """Each time at which a meeting of `duration` starts in, or runs into, a guardian's
    quiet hours (a 7:30 meeting of an hour, for someone asleep from 8:00)."""
    found: list[Conflict] = []
    for guardian in guardians:
        ranges = quiet_hours.parse(guardian.quiet_hours)
        if not ranges:
            continue
        zone = zoneinfo.ZoneInfo(guardian.timezone or default_timezone)
        for when in times:
            quiet = _quiet_during(ranges, when, duration, zone)
            if quiet is None:
                continue
            text = gettext(
                language,
                m.QUIET_CONFLICT,
                guardian=guardian.name,
                end=m.clock_text(quiet.end, language),
                slot=m.when_text(when, school_timezone or zone.key, language),
            )
            found.append(Conflict(guardian.id, guardian.name, when, text))
    return found


def _quiet_during(
    ranges: tuple[quiet_hours.QuietRange, ...],
    start: dt.datetime,
    duration: dt.timedelta,
    zone: zoneinfo.ZoneInfo,
) -> quiet_hours.QuietRange | None:
    """The first quiet range any minute of the meeting falls in (its last minute ends
    before `start + duration`). Quiet hours are whole minutes, so minutes are enough."""
    minutes = max(1, int(duration.total_seconds() // 60))
    for offset in range(minutes):
        local = (start + dt.timedelta(minutes=offset)).astimezone(zone)
        found = quiet_hours.quiet_range_at(ranges, local)
        if found is not None:
            return found
    return None


def meeting_conflicts(
    session: Session,
    meeting: Meeting,
    times: Sequence[dt.datetime],
    default_timezone: str,
    language: str,
) -> list[Conflict]:
    """`quiet_conflicts` for the families a meeting still speaks to (a new time, say)."""
    from .audience import invitees

    return quiet_conflicts(
        [guardian for _, guardian in invitees(session, meeting)],
        times,
        default_timezone,
        language,
        school_timezone=meeting.timezone,
        duration=dt.timedelta(minutes=meeting.duration_minutes),
    )
