"""The worker's clock: APScheduler runs the jobs that turn durable plans into deliveries.

Plans and their next due times live in the database, so the clock holds no state: any
number of workers may run it, and a restarted worker picks up where the last one stopped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select

from .checkins.digest import send_due_digests
from .checkins.firing import GRACE, fire_due
from .checkins.plans import sync_schedules
from .db import transaction
from .media import remove_expired
from .models import CheckinPlan, utcnow

log = logging.getLogger(__name__)

FIRE_EVERY = dt.timedelta(seconds=15)
DIGEST_EVERY = dt.timedelta(minutes=1)
SYNC_EVERY = dt.timedelta(minutes=10)
MEDIA_EVERY = dt.timedelta(hours=1)


class Clock:
    """The clock jobs, each a short database transaction run off the event loop."""

    def __init__(
        self,
        engine: Engine,
        *,
        default_timezone: str,
        grace: dt.timedelta = GRACE,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.default_timezone = default_timezone
        self.grace = grace
        self.now = now

    async def fire_checkins(self) -> None:
        report = await asyncio.to_thread(
            fire_due,
            self.engine,
            self.now(),
            default_timezone=self.default_timezone,
            grace=self.grace,
        )
        if report.fired or report.skipped:
            log.info(
                "check-ins: %d fired (%d deliveries), %d skipped",
                len(report.fired),
                report.deliveries,
                report.skipped,
            )

    async def send_digests(self) -> None:
        sent = await asyncio.to_thread(send_due_digests, self.engine, self.now())
        if sent:
            log.info("check-in digests: %d queued", sent)

    async def sync_plans(self) -> None:
        """Families move and rosters change: keep one schedule per time zone per plan."""

        def sync() -> None:
            with transaction(self.engine) as session:
                for plan in session.scalars(
                    select(CheckinPlan).where(CheckinPlan.paused.is_(False))
                ):
                    sync_schedules(session, plan, self.now(), self.default_timezone)

        await asyncio.to_thread(sync)

    async def remove_expired_media(self) -> None:
        """Photos served to Twilio expire; their files go too."""

        def remove() -> int:
            with transaction(self.engine) as session:
                return remove_expired(session, self.now())

        removed = await asyncio.to_thread(remove)
        if removed:
            log.info("media: %d expired files removed", removed)


def start_clock(clock: Clock) -> AsyncIOScheduler:
    """Start APScheduler's asyncio scheduler with the clock jobs on the running loop."""
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    jobs = (
        (clock.fire_checkins, FIRE_EVERY),
        (clock.send_digests, DIGEST_EVERY),
        (clock.sync_plans, SYNC_EVERY),
        (clock.remove_expired_media, MEDIA_EVERY),
    )
    for job, every in jobs:
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=every.total_seconds()),
            id=job.__name__,
            max_instances=1,  # a slow run is never overlapped by the next
            coalesce=True,  # missed runs while busy collapse into one
            next_run_time=dt.datetime.now(dt.UTC),
        )
    scheduler.start()
    return scheduler
