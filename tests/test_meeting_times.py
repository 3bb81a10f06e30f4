"""A meeting's time as typed: the same refusals for the YAML file, the CLI and Telegram."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from commbot.errors import InputError
from commbot.features.meetings.times import check_meeting_time, local_time

NOW = dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC)


def test_a_time_two_years_ahead_is_taken_and_one_later_is_refused() -> None:
    check_meeting_time(local_time("2028-11-20 16:00", "America/New_York"), NOW)
    for far in ("2028-11-23 16:00", "9999-12-31 23:00"):
        with pytest.raises(InputError, match="more than 2 years ahead"):
            check_meeting_time(local_time(far, "America/New_York"), NOW)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "Pacific/Kiritimati"])
def test_the_ends_of_the_calendar_are_read_without_overflow(zone: str) -> None:
    """Near year 1 and 9999 a time has no UTC equivalent: reading must not need one."""
    for text in ("0001-01-01 00:30", "9999-12-31 23:59"):
        assert local_time(text, zone).tzinfo == zoneinfo.ZoneInfo(zone)


@pytest.mark.parametrize(
    ("zone", "text", "why"),
    [
        ("America/New_York", "2027-03-14 02:30", "does not happen"),
        ("America/New_York", "2027-11-07 01:30", "happens twice"),
        ("Australia/Sydney", "2026-10-04 02:30", "does not happen"),  # spring is in October
        ("Australia/Sydney", "2027-04-04 02:30", "happens twice"),
    ],
)
def test_a_time_the_clocks_skip_or_repeat_is_refused(zone: str, text: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"{text} {why} in {zone}"):
        local_time(text, zone)


def test_an_ordinary_time_is_that_wall_clock_time_and_spaces_do_not_matter() -> None:
    when = local_time("  2027-01-12   16:00 ", "America/New_York")
    assert when.astimezone(dt.UTC) == dt.datetime(2027, 1, 12, 21, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="is not a time"):
        local_time("tomorrow at 4", "America/New_York")
