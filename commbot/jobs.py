"""Clock jobs, declared once: a name, how often, and what to run.

The worker schedules every job with APScheduler (`schedule`); the demo and the tests run
"everything due at `now`" through the same list (`run_due`). Jobs hold no state of their
own: durable plans are rows with their next due time, claimed through the database, so any
number of workers may run them and each occurrence fires once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from . import features
from .db import transaction
from .media import remove_expired
from .models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    engine: Engine
    now: dt.datetime
    default_timezone: str


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[JobContext], int]  # returns how much it did, for the log


JOBS: list[Job] = []


def job(name: str, every: dt.timedelta) -> Callable[[Callable[[JobContext], int]], Job]:
    """Register a clock job (a short database transaction, run off the event loop)."""

    def register(function: Callable[[JobContext], int]) -> Job:
        if any(j.name == name for j in JOBS):
            raise ValueError(f"job {name!r} is registered twice")
        declared = Job(name, every, function)
        JOBS.append(declared)
        return declared

    return register


@job("remove_expired_media", dt.timedelta(hours=1))
def _remove_expired_media(context: JobContext) -> int:
    """Photos served to Twilio expire; their files go too."""
    with transaction(context.engine) as session:
        return remove_expired(session, context.now)


features.load("jobs")


def run_due(engine: Engine, now: dt.datetime, default_timezone: str) -> dict[str, int]:
    """Run every job once at `now`, in order: what the worker's clock would do."""
    context = JobContext(engine, now, default_timezone)
    return {j.name: j.run(context) for j in JOBS}


def schedule(
    scheduler: AsyncIOScheduler,
    engine: Engine,
    default_timezone: str,
    clock: Callable[[], dt.datetime] = utcnow,
) -> None:
    """Add every job to APScheduler, each run in a thread with the time it starts."""
    for declared in JOBS:

        async def run(declared: Job = declared) -> None:
            context = JobContext(engine, clock(), default_timezone)
            done = await asyncio.to_thread(declared.run, context)
            if done:
                log.info("%s: %d", declared.name, done)

        scheduler.add_job(
            run,
            IntervalTrigger(seconds=declared.every.total_seconds()),
            id=declared.name,
            max_instances=1,  # a slow run is never overlapped by the next
            coalesce=True,  # missed runs while busy collapse into one
            next_run_time=dt.datetime.now(dt.UTC),
        )


def start_clock(
    engine: Engine, default_timezone: str, clock: Callable[[], dt.datetime] = utcnow
) -> AsyncIOScheduler:
    """Start APScheduler's asyncio scheduler with every job, on the running loop."""
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    schedule(scheduler, engine, default_timezone, clock)
    scheduler.start()
    return scheduler
