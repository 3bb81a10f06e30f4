"""Check-in scheduling: each occurrence fires exactly once (racing workers, restarts,
downtime), at the same local time across daylight-saving changes, respects pause, resume
and delete, reaches families outside their quiet hours, and the APScheduler clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zoneinfo
from collections import Counter

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import Engine, func, select

from commbot.db import transaction
from commbot.features.checkins.actions import create_checkin
from commbot.features.checkins.firing import FireReport, fire_due
from commbot.features.checkins.models import CheckinPlan, CheckinRun, CheckinSchedule
from commbot.jobs import JOBS, JobContext, start_clock
from commbot.models import (
    Delivery,
    Lane,
    SchoolClass,
    Staff,
    Student,
)

from .support import System, press

NEW_YORK = "America/New_York"
BOSTON = zoneinfo.ZoneInfo(NEW_YORK)
CARTER = 7001
KIM = 7002
CARTER_EMAIL = "ecarter@lincoln.example.org"
KIM_EMAIL = "dkim@lincoln.example.org"
ROSA = "+16175550134"
LAN = "+16175550142"
MARICEL = "+16175550172"


def boston(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BOSTON).astimezone(dt.UTC)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def fire(system: System, now: dt.datetime | None = None, **kwargs: object) -> FireReport:
    return fire_due(system.engine, now or system.clock(), default_timezone=NEW_YORK, **kwargs)  # type: ignore[arg-type]


def add_plan(
    system: System,
    *,
    days: str = "fri",
    time: str = "10:00",
    email: str = CARTER_EMAIL,
    room: str | None = None,
    student: str | None = "Alfredo Pérez",
) -> int:
    """A plan made at the system clock's time, for one student or (given `room`) a class."""
    with transaction(system.engine) as session:
        staff = session.scalar(select(Staff).where(Staff.email == email))
        target: dict[str, int] = {}
        if room is not None:
            target["class_id"] = session.scalar(
                select(SchoolClass.id).where(SchoolClass.name == room)
            )
        else:
            target["student_id"] = session.scalar(select(Student.id).where(Student.name == student))
        plan = create_checkin(
            session,
            staff=staff,
            days=days,
            time=time,
            now=system.clock(),
            default_timezone=NEW_YORK,
            template="week",
            **target,
        )
        return plan.plan.id


def checkin_deliveries(system: System) -> list[Delivery]:
    return [d for d in system.deliveries() if d.lane == int(Lane.REMINDER)]


def runs(engine: Engine) -> list[CheckinRun]:
    with transaction(engine) as session:
        return list(session.scalars(select(CheckinRun).order_by(CheckinRun.id)))


def next_due(engine: Engine, plan_id: int, zone: str = NEW_YORK) -> dt.datetime:
    with transaction(engine) as session:
        return session.scalar(
            select(CheckinSchedule.next_due_at).where(
                CheckinSchedule.plan_id == plan_id, CheckinSchedule.timezone == zone
            )
        )


# -- exactly once ----------------------------------------------------------------------


async def test_two_racing_workers_fire_each_occurrence_once(system: System) -> None:
    plan_id = add_plan(system, room="Room 12", student=None)
    for week, day in enumerate((27, 4, 11)):  # three Fridays: 27 Nov, 4 Dec, 11 Dec
        month = 11 if day == 27 else 12
        now = boston(2026, month, day, 10, 0) + dt.timedelta(seconds=20)
        first, second = await asyncio.gather(
            asyncio.to_thread(fire_due, system.engine, now, default_timezone=NEW_YORK),
            asyncio.to_thread(fire_due, system.engine, now, default_timezone=NEW_YORK),
        )
        assert len(first.fired) + len(second.fired) == 1
        # Room 12's Boston families (default zone included); Li Wei's 10 AM is later.
        assert first.deliveries + second.deliveries == 6
        boston_runs = [r for r in runs(system.engine) if r.timezone == NEW_YORK]
        assert len(boston_runs) == week + 1
        assert boston_runs[-1].due_at == boston(2026, month, day, 10, 0)
    per_family = Counter(d.guardian_id for d in checkin_deliveries(system))
    assert len(per_family) == 6
    assert set(per_family.values()) == {3}  # once a week, three weeks
    assert next_due(system.engine, plan_id) == boston(2026, 12, 18, 10, 0)


async def test_firing_again_after_a_restart_sends_nothing_new(system: System) -> None:
    plan_id = add_plan(system)
    system.clock.now = boston(2026, 11, 27, 10, 0) + dt.timedelta(seconds=20)
    assert len(fire(system).fired) == 1
    assert fire(system).fired == []  # the same moment again
    system.clock.advance(minutes=30)
    assert fire(system).fired == []  # a restarted worker half an hour later
    # Even if the schedule row were rolled back to the occurrence, the run is not repeated.
    with transaction(system.engine) as session:
        schedule = session.scalar(select(CheckinSchedule).where(CheckinSchedule.plan_id == plan_id))
        schedule.next_due_at = boston(2026, 11, 27, 10, 0)
    again = fire(system)
    assert again.fired == [] and again.deliveries == 0
    assert len(runs(system.engine)) == 1
    assert len(checkin_deliveries(system)) == 1
    assert next_due(system.engine, plan_id) == boston(2026, 12, 4, 10, 0)


async def test_three_hours_late_fires_once(system: System) -> None:
    plan_id = add_plan(system)
    system.clock.now = boston(2026, 11, 27, 13, 0)  # the worker was down from 10 AM to 1 PM
    report = fire(system)
    assert len(report.fired) == 1 and report.skipped == 0 and report.deliveries == 1
    (run,) = runs(system.engine)
    assert run.due_at == boston(2026, 11, 27, 10, 0)
    assert run.fired_at == boston(2026, 11, 27, 13, 0)
    assert fire(system).fired == []
    assert next_due(system.engine, plan_id) == boston(2026, 12, 4, 10, 0)
    # Rosa sleeps until 3 PM; it reaches her then.
    await system.drain()
    assert system.sms_to(ROSA) == []
    system.clock.now = boston(2026, 11, 27, 15, 0)
    await system.drain()
    assert len(system.sms_to(ROSA)) == 1


async def test_eight_hours_late_is_skipped_logged_and_next_week_fires(
    system: System, caplog
) -> None:
    plan_id = add_plan(system)
    system.clock.now = boston(2026, 11, 27, 18, 0)
    with caplog.at_level(logging.WARNING, logger="commbot.features.checkins.firing"):
        report = fire(system)
    assert report.fired == [] and report.skipped == 1 and report.deliveries == 0
    assert checkin_deliveries(system) == [] and runs(system.engine) == []
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "commbot.features.checkins.firing"
    ]
    assert len(warnings) == 1 and "skipped" in warnings[0].getMessage()
    assert next_due(system.engine, plan_id) == boston(2026, 12, 4, 10, 0)

    assert fire(system).skipped == 0  # skipped once, not at every tick
    system.clock.now = boston(2026, 12, 4, 10, 0) + dt.timedelta(seconds=15)
    report = fire(system)
    assert len(report.fired) == 1 and report.deliveries == 1
    (run,) = runs(system.engine)
    assert run.due_at == boston(2026, 12, 4, 10, 0)


async def test_grace_window_is_configurable(system: System) -> None:
    add_plan(system)
    system.clock.now = boston(2026, 11, 27, 13, 0)
    report = fire(system, grace=dt.timedelta(hours=2))
    assert report.fired == [] and report.skipped == 1


async def test_several_missed_weeks_fire_at_most_once(system: System) -> None:
    plan_id = add_plan(system)
    # Down for four weeks; back an hour after the fourth Friday's check-in was due.
    system.clock.now = boston(2026, 12, 18, 11, 0)
    report = fire(system)
    assert len(report.fired) == 1 and report.skipped == 0 and report.deliveries == 1
    (run,) = runs(system.engine)
    assert run.due_at == boston(2026, 12, 18, 10, 0)  # only the latest one
    assert fire(system).fired == []
    assert next_due(system.engine, plan_id) == boston(2026, 12, 25, 10, 0)


async def test_several_missed_weeks_past_grace_fire_nothing(system: System, caplog) -> None:
    plan_id = add_plan(system)
    system.clock.now = boston(2026, 12, 18, 20, 0)
    with caplog.at_level(logging.WARNING, logger="commbot.features.checkins.firing"):
        report = fire(system)
    assert report.fired == [] and report.skipped == 1
    assert checkin_deliveries(system) == []
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    assert next_due(system.engine, plan_id) == boston(2026, 12, 25, 10, 0)


async def test_sunday_evening_checkin_keeps_local_time_across_fall_back(system: System) -> None:
    system.clock.now = boston(2026, 10, 20, 12, 0)  # a Tuesday in October (EDT)
    plan_id = add_plan(system, days="sun", time="18:00")
    assert next_due(system.engine, plan_id) == utc(2026, 10, 25, 22, 0)  # 18:00 EDT

    system.clock.now = utc(2026, 10, 25, 22, 0, 30)
    assert len(fire(system).fired) == 1
    assert next_due(system.engine, plan_id) == utc(2026, 11, 1, 23, 0)  # 18:00 EST

    # An hour before, by the old offset, is 17:00 local: not yet.
    system.clock.now = utc(2026, 11, 1, 22, 0, 30)
    assert fire(system).fired == []
    system.clock.now = utc(2026, 11, 1, 23, 0, 30)
    assert len(fire(system).fired) == 1
    assert next_due(system.engine, plan_id) == utc(2026, 11, 8, 23, 0)

    due = [r.due_at for r in runs(system.engine)]
    assert due == [utc(2026, 10, 25, 22, 0), utc(2026, 11, 1, 23, 0)]
    assert [(d.astimezone(BOSTON).hour, d.astimezone(BOSTON).minute) for d in due] == [
        (18, 0),
        (18, 0),
    ]


async def test_sunday_evening_checkin_keeps_local_time_across_spring_forward(
    system: System,
) -> None:
    system.clock.now = boston(2026, 3, 2, 12, 0)  # a Monday in March (EST)
    plan_id = add_plan(system, days="sun", time="18:00")
    assert next_due(system.engine, plan_id) == utc(2026, 3, 8, 22, 0)  # 18:00 EDT on the day itself
    system.clock.now = utc(2026, 3, 8, 22, 0, 30)
    assert len(fire(system).fired) == 1
    assert next_due(system.engine, plan_id) == utc(2026, 3, 15, 22, 0)


# -- pause, resume, delete -------------------------------------------------------------


async def test_pause_resume_and_delete_from_the_checkins_buttons(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan_id = add_plan(system)
    await system.telegram_update(CARTER, "/checkins")
    await system.drain()
    markup = system.telegram.sent_messages(CARTER)[-1].params.get("reply_markup") or {}
    data = [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
    assert f"ckp:pause:{plan_id}" in data and f"ckp:delete:{plan_id}" in data

    await system.post_telegram(press(CARTER, f"ckp:pause:{plan_id}", 80_001))
    await system.drain()
    assert "paused" in system.telegram_texts(CARTER)[-1]
    system.clock.now = boston(2026, 11, 27, 16, 0)
    report = fire(system)
    assert report.fired == [] and report.deliveries == 0
    assert checkin_deliveries(system) == [] and runs(system.engine) == []
    assert next_due(system.engine, plan_id) == boston(2026, 12, 4, 10, 0)  # still advances

    await system.post_telegram(press(CARTER, f"ckp:resume:{plan_id}", 80_002))
    await system.drain()
    assert "resumed" in system.telegram_texts(CARTER)[-1]
    system.clock.now = boston(2026, 12, 4, 10, 0) + dt.timedelta(seconds=20)
    report = fire(system)
    assert len(report.fired) == 1 and report.deliveries == 1

    await system.post_telegram(press(CARTER, f"ckp:delete:{plan_id}", 80_003))
    await system.drain()
    assert "deleted" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        assert session.get(CheckinPlan, plan_id) is None
        assert session.scalar(select(func.count()).select_from(CheckinSchedule)) == 0
    system.clock.now = boston(2026, 12, 11, 10, 0) + dt.timedelta(seconds=20)
    assert fire(system).fired == []
    assert len(checkin_deliveries(system)) == 1


async def test_another_teacher_cannot_pause_or_delete_a_plan(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    plan_id = add_plan(system)
    await system.post_telegram(press(KIM, f"ckp:pause:{plan_id}", 81_001))
    await system.post_telegram(press(KIM, f"ckp:delete:{plan_id}", 81_002))
    await system.drain()
    assert not any("paused" in t or "deleted" in t for t in system.telegram_texts(KIM))
    with transaction(system.engine) as session:
        plan = session.get(CheckinPlan, plan_id)
        assert plan is not None and not plan.paused
    system.clock.now = boston(2026, 11, 27, 10, 0) + dt.timedelta(seconds=20)
    assert len(fire(system).fired) == 1


# -- quiet hours -----------------------------------------------------------------------


async def test_checkin_waits_for_each_familys_quiet_hours(system: System) -> None:
    add_plan(system, room="Room 12", student=None)
    system.clock.now = boston(2026, 11, 27, 10, 0) + dt.timedelta(seconds=20)
    fire(system)
    await system.drain()
    assert system.sms_to(ROSA) == []  # asleep 08:00-15:00
    assert len(system.sms_to(LAN)) == 1 and len(system.sms_to(MARICEL)) == 1
    (rosa,) = [d for d in checkin_deliveries(system) if d.address == ROSA]
    assert rosa.not_before == boston(2026, 11, 27, 15, 0)

    system.clock.now = boston(2026, 11, 27, 14, 59)
    await system.drain()
    assert system.sms_to(ROSA) == []
    system.clock.now = boston(2026, 11, 27, 15, 0)
    await system.drain()
    texts = system.sms_to(ROSA)
    assert len(texts) == 1 and "Alfredo" in texts[0]
    assert len(system.sms_to(LAN)) == 1  # nobody got it twice


# -- the APScheduler clock -------------------------------------------------------------


async def test_start_clock_registers_every_job_non_overlapping(engine: Engine) -> None:
    fixed = utc(2026, 11, 20, 21, 30)
    loop = asyncio.get_running_loop()
    finished: dict[str, bool] = {}  # job id -> ran without error
    all_ran = asyncio.Event()

    def listen(event: JobExecutionEvent) -> None:
        finished[event.job_id] = event.exception is None
        if len(finished) == 12:
            loop.call_soon_threadsafe(all_ran.set)

    scheduler = start_clock(engine, NEW_YORK, clock=lambda: fixed)
    try:
        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            "fire_checkins",
            "send_digests",
            "sync_plans",
            "remove_expired_media",
            "meeting_reminders",
            "meeting_followups",
            "photo_posts",
            "photo_digests",
            "photo_summaries",
            "broadcasts_due",
            "broadcast_progress",
            "forget_sent_reports",
        }
        for job in jobs.values():
            assert job.max_instances == 1
            assert job.coalesce is True
        assert jobs["fire_checkins"].trigger.interval == dt.timedelta(seconds=15)
        assert jobs["send_digests"].trigger.interval == dt.timedelta(minutes=1)
        assert jobs["sync_plans"].trigger.interval == dt.timedelta(minutes=10)
        assert jobs["remove_expired_media"].trigger.interval == dt.timedelta(hours=1)
        assert jobs["meeting_reminders"].trigger.interval == dt.timedelta(seconds=15)
        assert jobs["meeting_followups"].trigger.interval == dt.timedelta(seconds=15)
        assert jobs["photo_posts"].trigger.interval == dt.timedelta(seconds=15)
        assert jobs["photo_digests"].trigger.interval == dt.timedelta(minutes=1)
        assert jobs["photo_summaries"].trigger.interval == dt.timedelta(minutes=1)
        assert jobs["broadcasts_due"].trigger.interval == dt.timedelta(seconds=15)
        assert jobs["broadcast_progress"].trigger.interval == dt.timedelta(seconds=5)
        assert jobs["forget_sent_reports"].trigger.interval == dt.timedelta(minutes=10)
        assert scheduler.running
        # Each job runs once straight away, and on an empty database without error.
        await asyncio.wait_for(all_ran.wait(), timeout=30)
        assert finished == {
            "fire_checkins": True,
            "send_digests": True,
            "sync_plans": True,
            "remove_expired_media": True,
            "meeting_reminders": True,
            "meeting_followups": True,
            "photo_posts": True,
            "photo_digests": True,
            "photo_summaries": True,
            "broadcasts_due": True,
            "broadcast_progress": True,
            "forget_sent_reports": True,
        }
    finally:
        scheduler.shutdown(wait=False)
    for _ in range(100):  # the shutdown is handed to the event loop
        if not scheduler.running:
            break
        await asyncio.sleep(0)
    assert not scheduler.running


async def test_clock_fire_checkins_queues_due_deliveries(system: System) -> None:
    add_plan(system, time="16:00")
    [fire] = [job for job in JOBS if job.name == "fire_checkins"]

    def fire_checkins() -> None:
        fire.run(JobContext(system.engine, system.clock(), NEW_YORK))

    fire_checkins()
    assert checkin_deliveries(system) == []  # not due yet
    system.clock.now = boston(2026, 11, 27, 16, 0) + dt.timedelta(seconds=5)
    fire_checkins()
    fire_checkins()
    (delivery,) = checkin_deliveries(system)
    assert delivery.address == ROSA
    await system.drain()
    assert len(system.sms_to(ROSA)) == 1
