"""Quiet hours: parsing, when a family may next be messaged (edges, midnight, daylight
saving, half-hour zones), and how the whole system holds messages until then, except
replies to a family who just wrote and coordinators' urgent messages."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from commbot import quiet_hours
from commbot.db import transaction
from commbot.models import Delivery, Guardian, RecipientKind, Staff, StaffRole
from commbot.quiet_hours import InvalidQuietHours, QuietRange, canonical, next_allowed, parse

from .support import System

BOSTON = zoneinfo.ZoneInfo("America/New_York")
NEW_YORK = "America/New_York"
CARTER = 7001
COORDINATOR = 7101
ROSA = "+16175550134"
LAN = "+16175550142"


def at(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def plain(text: str) -> str:
    """Babel puts narrow no-break spaces in "3:00 PM"; compare with ordinary spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


# -- parsing ---------------------------------------------------------------------------


def test_parse_several_ranges_and_across_midnight() -> None:
    ranges = parse("08:00-15:00;22:00-07:00")
    assert ranges == (QuietRange(8 * 60, 15 * 60), QuietRange(22 * 60, 7 * 60))
    night = ranges[1]
    assert night.contains(23 * 60) and night.contains(0) and night.contains(6 * 60 + 59)
    assert not night.contains(7 * 60) and not night.contains(21 * 60 + 59)


def test_2359_means_the_end_of_the_day() -> None:
    (late,) = parse("22:00-23:59")
    assert late.end == 24 * 60
    assert late.contains(23 * 60 + 59)  # the last minute is quiet too
    assert not late.contains(0)
    assert str(late) == "22:00-23:59"


def test_empty_text_means_no_quiet_hours() -> None:
    assert parse("") == ()
    assert parse(" ; ") == ()
    assert canonical("") == ""
    when = utc(2026, 11, 20, 3, 0)
    assert next_allowed((), NEW_YORK, when) == when


def test_canonical_pads_trims_and_joins() -> None:
    assert canonical(" 8:00-15:00 ; 22:00-23:59 ") == "08:00-15:00;22:00-23:59"
    assert canonical("21:30-7:00") == "21:30-07:00"
    assert canonical(canonical("8:00-15:00;22:00-23:59")) == "08:00-15:00;22:00-23:59"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("25:00-07:00", ["25:00", "not a time of day"]),
        ("22:00-07:60", ["07:60", "not a time of day"]),
        ("22-07:00", ["'22'", "not a time like 22:00"]),
        ("22:00-7", ["'7'", "not a time like 22:00"]),
        ("22:00-07:0", ["'07:0'"]),
        ("22:00", ["'22:00'", "not a range"]),
        ("08:00-15:00;bedtime", ["'bedtime'", "not a range"]),
        ("08:00-15:00;10pm-7am", ["'10pm'"]),
        ("07:00-07:00", ["'07:00-07:00'", "same time"]),
    ],
)
def test_errors_name_the_bad_part(text: str, names: list[str]) -> None:
    with pytest.raises(InvalidQuietHours) as error:
        parse(text)
    for name in names:
        assert name in str(error.value)
    with pytest.raises(ValueError):  # callers may catch it as a plain ValueError
        canonical(text)


# -- next_allowed ----------------------------------------------------------------------


def test_exactly_at_the_start_is_quiet_and_exactly_at_the_end_is_allowed() -> None:
    night = parse("22:00-07:00")
    start = at(NEW_YORK, 2026, 11, 20, 22, 0)
    assert next_allowed(night, NEW_YORK, start) == at(NEW_YORK, 2026, 11, 21, 7, 0)
    end = at(NEW_YORK, 2026, 11, 21, 7, 0)
    assert next_allowed(night, NEW_YORK, end) == end
    just_before = at(NEW_YORK, 2026, 11, 20, 21, 59, 59)
    assert next_allowed(night, NEW_YORK, just_before) == just_before
    last_quiet_minute = at(NEW_YORK, 2026, 11, 21, 6, 59)
    assert next_allowed(night, NEW_YORK, last_quiet_minute) == end


def test_result_is_in_utc_and_equal_to_when_outside_quiet_hours() -> None:
    when = at(NEW_YORK, 2026, 11, 20, 16, 30)
    result = next_allowed(parse("22:00-07:00"), NEW_YORK, when)
    assert result == when and result.utcoffset() == dt.timedelta(0)


def test_across_midnight_before_and_after_midnight() -> None:
    night = parse("22:00-07:00")
    expected = at(NEW_YORK, 2026, 11, 21, 7, 0)
    assert next_allowed(night, NEW_YORK, at(NEW_YORK, 2026, 11, 20, 23, 30)) == expected
    assert next_allowed(night, NEW_YORK, at(NEW_YORK, 2026, 11, 21, 0, 0)) == expected
    assert next_allowed(night, NEW_YORK, at(NEW_YORK, 2026, 11, 21, 3, 15)) == expected


def test_rosa_sleeps_days_and_late_evenings() -> None:
    rosa = parse("08:00-15:00;22:00-23:59")
    assert next_allowed(rosa, NEW_YORK, at(NEW_YORK, 2026, 11, 20, 8, 0)) == at(
        NEW_YORK, 2026, 11, 20, 15, 0
    )
    assert next_allowed(rosa, NEW_YORK, at(NEW_YORK, 2026, 11, 20, 14, 59)) == at(
        NEW_YORK, 2026, 11, 20, 15, 0
    )
    # 22:00-23:59 ends at midnight: she may be written to from 00:00 until 08:00.
    assert next_allowed(rosa, NEW_YORK, at(NEW_YORK, 2026, 11, 20, 23, 59)) == at(
        NEW_YORK, 2026, 11, 21, 0, 0
    )
    assert next_allowed(rosa, NEW_YORK, at(NEW_YORK, 2026, 11, 21, 0, 0)) == at(
        NEW_YORK, 2026, 11, 21, 0, 0
    )


def test_back_to_back_ranges_are_one_quiet_stretch() -> None:
    ranges = parse("22:00-23:59;00:00-06:00")
    # Midnight ends the first range but starts the second: not a moment to send.
    assert next_allowed(ranges, NEW_YORK, at(NEW_YORK, 2026, 11, 20, 22, 30)) == at(
        NEW_YORK, 2026, 11, 21, 6, 0
    )


def test_quiet_all_day_does_not_hold_forever() -> None:
    when = at(NEW_YORK, 2026, 11, 20, 12, 0)
    assert next_allowed(parse("00:00-23:59"), NEW_YORK, when) == when


def test_spring_forward_night_ends_at_seven_local() -> None:
    night = parse("22:00-07:00")
    # Saturday 7 March 2026, 11 PM EST; clocks jump from 2:00 to 3:00 that night.
    evening = at(NEW_YORK, 2026, 3, 7, 23, 0)
    assert evening == utc(2026, 3, 8, 4, 0)
    result = next_allowed(night, NEW_YORK, evening)
    assert result == utc(2026, 3, 8, 11, 0)  # 07:00 EDT
    assert result.astimezone(BOSTON).hour == 7
    # From inside the night after the jump, too.
    assert next_allowed(night, NEW_YORK, at(NEW_YORK, 2026, 3, 8, 3, 30)) == utc(2026, 3, 8, 11, 0)


def test_fall_back_night_ends_at_seven_local() -> None:
    night = parse("22:00-07:00")
    # Saturday 31 October 2026, 11 PM EDT; clocks fall back from 2:00 to 1:00 that night.
    evening = at(NEW_YORK, 2026, 10, 31, 23, 0)
    assert evening == utc(2026, 11, 1, 3, 0)
    result = next_allowed(night, NEW_YORK, evening)
    assert result == utc(2026, 11, 1, 12, 0)  # 07:00 EST
    assert result.astimezone(BOSTON).hour == 7
    # Both 1:30 AMs (EDT, then EST an hour later) are quiet until 07:00 EST.
    first = utc(2026, 11, 1, 5, 30)
    second = utc(2026, 11, 1, 6, 30)
    assert first.astimezone(BOSTON).hour == second.astimezone(BOSTON).hour == 1
    assert next_allowed(night, NEW_YORK, first) == utc(2026, 11, 1, 12, 0)
    assert next_allowed(night, NEW_YORK, second) == utc(2026, 11, 1, 12, 0)


def test_evening_start_is_on_local_time_across_the_change() -> None:
    night = parse("22:00-07:00")
    # 21:59 local on the Sunday after each change is still allowed; 22:00 is not.
    for day in (dt.date(2026, 3, 8), dt.date(2026, 11, 1)):
        before = dt.datetime.combine(day, dt.time(21, 59), BOSTON)
        assert next_allowed(night, NEW_YORK, before) == before
        start = dt.datetime.combine(day, dt.time(22, 0), BOSTON)
        result = next_allowed(night, NEW_YORK, start).astimezone(BOSTON)
        assert (result.date(), result.hour, result.minute) == (day + dt.timedelta(days=1), 7, 0)


def test_range_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    ranges = parse("22:00-02:30")
    result = next_allowed(ranges, NEW_YORK, at(NEW_YORK, 2026, 3, 8, 1, 0))
    assert not quiet_hours.is_quiet(ranges, result.astimezone(BOSTON))
    assert result == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the first minute after the gap


@pytest.mark.parametrize(
    ("zone", "local", "expected_utc"),
    [
        # India, UTC+5:30 all year.
        ("Asia/Kolkata", (2026, 11, 20, 23, 0), utc(2026, 11, 21, 1, 30)),
        ("Asia/Kolkata", (2026, 11, 20, 22, 0), utc(2026, 11, 21, 1, 30)),
        # Adelaide in November is on daylight time, UTC+10:30.
        ("Australia/Adelaide", (2026, 11, 20, 22, 0), utc(2026, 11, 20, 20, 30)),
        # Adelaide in July is on standard time, UTC+9:30.
        ("Australia/Adelaide", (2026, 7, 10, 2, 0), utc(2026, 7, 9, 21, 30)),
    ],
)
def test_half_hour_zones(zone: str, local: tuple[int, ...], expected_utc: dt.datetime) -> None:
    night = parse("22:00-07:00")
    result = next_allowed(night, zone, at(zone, *local))
    assert result == expected_utc
    here = result.astimezone(zoneinfo.ZoneInfo(zone))
    assert (here.hour, here.minute) == (7, 0)
    # Minutes count: 06:59 local is quiet, 07:00 is not.
    seven = at(zone, here.year, here.month, here.day, 7, 0)
    assert next_allowed(night, zone, seven) == seven
    assert next_allowed(night, zone, seven - dt.timedelta(minutes=1)) == expected_utc


# -- end to end ------------------------------------------------------------------------


def confirmation(system: System, chat: int) -> str:
    """The bot's last "Sending to ..." or "Queued for ..." answer (a back-translation may
    follow it)."""
    sent = [
        plain(t) for t in system.telegram_texts(chat) if t.startswith(("Sending to", "Queued for"))
    ]
    assert sent, system.telegram_texts(chat)
    return sent[-1]


def guardian_deliveries(system: System) -> list[Delivery]:
    return [d for d in system.deliveries() if d.recipient_kind is RecipientKind.GUARDIAN]


async def test_teacher_message_waits_for_rosas_quiet_hours_to_end(system: System) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)  # Friday, 10 AM
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(
        CARTER, "/msg Alfredo Alfredo did great on his spelling test today."
    )
    await system.drain()
    answer = confirmation(system, CARTER)
    assert answer.startswith("Queued for Rosa Pérez (SMS, Spanish).")
    assert "It is quiet time for Rosa Pérez, so it will arrive 3:00 PM, their time." in answer
    assert system.sms_to(ROSA) == []

    system.clock.now = at(NEW_YORK, 2026, 11, 20, 14, 59).astimezone(dt.UTC)
    await system.drain()
    assert system.sms_to(ROSA) == []

    system.clock.now = at(NEW_YORK, 2026, 11, 20, 15, 0).astimezone(dt.UTC)
    await system.drain()
    texts = system.sms_to(ROSA)
    assert len(texts) == 1
    assert "spelling test" in texts[0] and "Alfredo" in texts[0]
    system.clock.advance(hours=1)
    await system.drain()
    assert len(system.sms_to(ROSA)) == 1


async def test_message_outside_quiet_hours_goes_at_once_without_a_quiet_note(
    system: System,
) -> None:
    # The default start is Friday 4:30 PM in Boston: Rosa is awake.
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/msg Alfredo Reminder: library books are due Monday.")
    await system.drain()
    assert "quiet time" not in confirmation(system, CARTER)
    assert len(system.sms_to(ROSA)) == 1


async def test_new_quiet_hours_hold_a_message_queued_before_the_change(system: System) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/msg Alfredo Alfredo forgot his lunchbox.")
    await system.drain()
    # Rosa's shift changes: she now sleeps until 5 PM.
    with transaction(system.engine) as session:
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        rosa.quiet_hours = "08:00-17:00;22:00-23:59"

    system.clock.now = at(NEW_YORK, 2026, 11, 20, 15, 0).astimezone(dt.UTC)
    await system.drain()
    assert system.sms_to(ROSA) == []
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 16, 59).astimezone(dt.UTC)
    await system.drain()
    assert system.sms_to(ROSA) == []
    (queued,) = guardian_deliveries(system)
    assert queued.not_before == at(NEW_YORK, 2026, 11, 20, 17, 0)

    system.clock.now = at(NEW_YORK, 2026, 11, 20, 17, 0).astimezone(dt.UTC)
    await system.drain()
    assert len(system.sms_to(ROSA)) == 1


async def test_quiet_hours_set_after_queueing_hold_a_message_that_was_due(system: System) -> None:
    # Queued at 4:30 PM, when Rosa was awake, but not sent yet when she changes her hours.
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/msg Alfredo Picture day is next Tuesday.")
    with transaction(system.engine) as session:
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        rosa.quiet_hours = "16:00-18:00"
    await system.drain()
    assert system.sms_to(ROSA) == []
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 18, 0).astimezone(dt.UTC)
    await system.drain()
    assert len(system.sms_to(ROSA)) == 1


async def test_help_reply_reaches_a_family_who_just_wrote_during_quiet_hours(
    system: System,
) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)  # Rosa's quiet time
    await system.sms(ROSA, "HELP")
    await system.drain()
    replies = system.sms_to(ROSA)
    assert len(replies) == 1 and replies[0].strip()


async def test_which_child_question_is_sent_at_once_at_night(system: System) -> None:
    # Lan Nguyen (quiet 21:00-06:30) has Minh in Room 12 and Bao in Room 14.
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 23, 0).astimezone(dt.UTC)
    await system.sms(LAN, "Is there school on Monday?")
    await system.drain()
    replies = system.sms_to(LAN)
    assert len(replies) == 1
    assert "Minh" in replies[0] and "Bao" in replies[0]


async def add_coordinator(system: System) -> None:
    with transaction(system.engine) as session:
        session.add(
            Staff(
                name="Grace Ortiz", email="gortiz@lincoln.example.org", role=StaffRole.COORDINATOR
            )
        )
    await system.link_staff("gortiz@lincoln.example.org", COORDINATOR)


async def test_coordinator_urgent_message_reaches_rosa_in_her_quiet_hours(system: System) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)
    await add_coordinator(system)
    await system.telegram_update(
        COORDINATOR, "/urgent Alfredo Alfredo has a fever, please call the nurse."
    )
    await system.drain()
    texts = system.sms_to(ROSA)
    assert len(texts) == 1 and "fever" in texts[0]
    answer = confirmation(system, COORDINATOR)
    assert answer.startswith("Sending to Rosa Pérez") and "quiet time" not in answer
    (delivery,) = guardian_deliveries(system)
    assert delivery.skip_quiet_hours


async def test_coordinator_plain_msg_still_waits(system: System) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)
    await add_coordinator(system)
    await system.telegram_update(COORDINATOR, "/msg Alfredo The field trip form is due Friday.")
    await system.drain()
    assert system.sms_to(ROSA) == []
    assert "quiet time for Rosa Pérez" in confirmation(system, COORDINATOR)


async def test_teacher_urgent_is_refused_and_nothing_is_queued(system: System) -> None:
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 10, 0).astimezone(dt.UTC)
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(
        CARTER, "/urgent Alfredo Alfredo has a fever, please call the nurse."
    )
    await system.drain()
    assert "Only coordinators can send urgent messages" in system.telegram_texts(CARTER)[-1]
    assert guardian_deliveries(system) == []
    system.clock.now = at(NEW_YORK, 2026, 11, 20, 16, 0).astimezone(dt.UTC)
    await system.drain()
    assert system.sms_to(ROSA) == []
