"""Check-ins: set up from Telegram, sent in each family's time zone exactly once, replied
to as a thread, and summed up in a digest."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import func, select

from commbot.db import transaction
from commbot.features.checkins.digest import send_due_digests
from commbot.features.checkins.firing import fire_due
from commbot.features.checkins.models import CheckinPlan, CheckinRun, CheckinSchedule
from commbot.models import Delivery, Lane

from .support import System, press

CARTER = 7001
BOSTON = zoneinfo.ZoneInfo("America/New_York")


def buttons(system: System, chat: int) -> list[tuple[str, str]]:
    markup = system.telegram.sent_messages(chat)[-1].params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


async def test_teacher_sets_up_a_friday_checkin_with_buttons(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/checkin")
    await system.drain()
    choices = dict(buttons(system, CARTER))
    assert "Room 12" in choices and "Room 14" not in choices  # only her classes
    steps = [choices["Room 12"], "ck:days:fri", "ck:time:16:00", "ck:q:week"]
    for n, data in enumerate(steps):
        await system.post_telegram(press(CARTER, data, 50_000 + n))
        await system.drain()
    confirmation = system.telegram_texts(CARTER)[-1]
    assert "Check-in set for Room 12: Friday at 4:00\u202fPM" in confirmation
    with transaction(system.engine) as session:
        plan = session.scalar(select(CheckinPlan))
        assert plan is not None and (plan.days, plan.time, plan.template) == (
            "fri",
            "16:00",
            "week",
        )
        zones = sorted(s.timezone for s in session.scalars(select(CheckinSchedule)))
        # Room 12's families live in Boston (default), Los Angeles (Li Wei).
        assert zones == ["America/Los_Angeles", "America/New_York"]


async def test_checkin_goes_out_at_local_time_once_and_replies_reach_the_teacher(
    system: System,
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/checkin")
    await system.drain()
    room = dict(buttons(system, CARTER))["Room 12"]
    for n, data in enumerate([room, "ck:days:fri", "ck:time:16:00", "ck:q:proud"]):
        await system.post_telegram(press(CARTER, data, 60_000 + n))
    await system.drain()
    # It is Friday 4:30 PM in Boston: the next Boston check-in is next Friday at 4 PM.
    next_friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=BOSTON)
    system.clock.now = next_friday.astimezone(dt.UTC) + dt.timedelta(seconds=20)
    report = fire_due(system.engine, system.clock(), default_timezone="America/New_York")
    again = fire_due(system.engine, system.clock(), default_timezone="America/New_York")
    assert len(report.fired) == 1 and again.fired == []
    await system.drain()
    rosa = system.sms_to("+16175550134")
    assert len(rosa) == 1 and "Alfredo" in rosa[0]
    assert system.sms_to("+16175550153") == []  # Li Wei: 4 PM in Los Angeles is 3 hours later

    system.clock.advance(hours=3)
    fire_due(system.engine, system.clock(), default_timezone="America/New_York")
    await system.drain()
    assert len(system.sms_to("+16175550153")) == 1

    await system.sms("+16175550134", "¡Alfredo hizo su cama solo!")
    await system.drain()
    assert "¡Alfredo hizo su cama solo!" in system.telegram_texts(CARTER)[-1]

    system.clock.advance(hours=48)
    assert send_due_digests(system.engine, system.clock()) == 2
    assert send_due_digests(system.engine, system.clock()) == 0
    await system.drain()
    digests = [t for t in system.telegram_texts(CARTER) if t.startswith("Check-in digest")]
    boston = next(d for d in digests if "Rosa Pérez" in d)
    assert "Replied: Rosa Pérez (Alfredo Pérez)" in boston
    assert "No reply yet:" in boston and "Lan Nguyen (Minh Nguyen)" in boston
    with transaction(system.engine) as session:
        checkins = session.scalar(
            select(func.count(Delivery.guardian_id.distinct())).where(
                Delivery.lane == int(Lane.REMINDER)
            )
        )
        runs = session.scalar(select(func.count()).select_from(CheckinRun))
        assert runs == 2
        assert checkins == 7  # Room 12's seven families (WhatsApp ones fell back to SMS)


async def test_button_presses_are_answered_in_the_webhook_reply(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/checkin")
    response = await system.post_telegram(press(CARTER, "ck:student", 70_001))
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "cb70001"}
