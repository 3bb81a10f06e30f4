"""How long the worker takes to enqueue a school's check-ins when they all fall due together.

Seeds one school with 1,000 classes (a teacher each) and 100,000 students (100 per class),
one guardian per student with an SMS contact point (languages spread over en/es/vi/ar/zh-CN,
time zone America/New_York, quiet hours "22:00-07:00" for one family in ten), and one weekly
check-in plan per class (`create_plan`, template "week"), all on the same day and time, so all
100,000 check-ins fall due in the same minute.

Then, in a fresh child process (so seeding memory does not count), it runs the worker's job
once: `fire_due(engine, due + 30 s, default_timezone="America/New_York", limit=100000)`,
timed with `time.perf_counter()`, and reports that process's peak RSS next to its baseline
RSS right after imports and engine creation. Afterwards it checks 100,000 deliveries,
1,000 check-in runs, and that every schedule's `next_due_at` moved exactly a week ahead.

    python bench/checkin_enqueue.py [--guardians 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

from _common import DEFAULT_TIMEZONE, backend_name, fresh_database, parser, verdict
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.sql.expression import TableClause

from commbot.checkins.plans import create_plan
from commbot.db import make_engine, transaction
from commbot.models import (
    Channel,
    CheckinPlan,
    CheckinRun,
    CheckinSchedule,
    ContactPoint,
    Delivery,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
)

STUDENTS_PER_CLASS = 100
LANGUAGES = ("en", "es", "vi", "ar", "zh-CN")
QUIET_EVERY = 10  # one family in ten has quiet hours
QUIET_HOURS = "22:00-07:00"
PLAN_DAYS = "fri"
PLAN_TIME = "16:00"
FIRE_DELAY = dt.timedelta(seconds=30)
BATCH = 10_000  # rows per executemany while seeding
TARGET_SECONDS = 20.0
TARGET_MB = 400.0
SEEDED_TABLES = (
    "schools",
    "staff",
    "classes",
    "students",
    "guardians",
    "guardianships",
    "contact_points",
)


def _batches(rows: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def _insert(connection: Connection, table: TableClause, rows: list[dict[str, object]]) -> None:
    for batch in _batches(rows):
        connection.execute(table.insert(), batch)


def seed(engine: Engine, guardians: int, now: dt.datetime) -> dt.datetime:
    """Seed the roster with bulk Core inserts, then one plan per class; returns the due time."""
    classes = max(1, -(-guardians // STUDENTS_PER_CLASS))
    with engine.begin() as connection:
        _insert(
            connection,
            School.__table__,
            [{"id": 1, "name": "Bench Elementary", "timezone": DEFAULT_TIMEZONE}],
        )
        _insert(
            connection,
            Staff.__table__,
            [
                {
                    "id": c,
                    "school_id": 1,
                    "name": f"Teacher {c}",
                    "email": f"teacher{c}@bench.example",
                    "role": StaffRole.TEACHER,
                    "language": "en",
                    "show_back_translation": True,
                    "created_at": now,
                }
                for c in range(1, classes + 1)
            ],
        )
        _insert(
            connection,
            SchoolClass.__table__,
            [{"id": c, "school_id": 1, "name": f"Class {c}"} for c in range(1, classes + 1)],
        )
        _insert(
            connection,
            class_staff,
            [{"class_id": c, "staff_id": c} for c in range(1, classes + 1)],
        )
        ids = range(1, guardians + 1)
        _insert(
            connection,
            Student.__table__,
            [
                {
                    "id": n,
                    "school_id": 1,
                    "external_id": f"S{n}",
                    "name": f"Student {n}",
                    "created_at": now,
                }
                for n in ids
            ],
        )
        _insert(
            connection,
            enrollments,
            [{"class_id": (n - 1) // STUDENTS_PER_CLASS + 1, "student_id": n} for n in ids],
        )
        _insert(
            connection,
            Guardian.__table__,
            [
                {
                    "id": n,
                    "school_id": 1,
                    "external_id": f"G{n}",
                    "name": f"Guardian {n}",
                    "language": LANGUAGES[n % len(LANGUAGES)],
                    "timezone": DEFAULT_TIMEZONE,
                    "quiet_hours": QUIET_HOURS if n % QUIET_EVERY == 0 else "",
                    "preferred_channel": Channel.SMS,
                    "created_at": now,
                }
                for n in ids
            ],
        )
        _insert(
            connection,
            Guardianship.__table__,
            [
                {
                    "id": n,
                    "guardian_id": n,
                    "student_id": n,
                    "relationship": "parent",
                    "receives_messages": True,
                    "photo_consent": "none",
                }
                for n in ids
            ],
        )
        _insert(
            connection,
            ContactPoint.__table__,
            [
                {
                    "id": n,
                    "guardian_id": n,
                    "channel": Channel.SMS,
                    "address": f"+1617{n:07d}",
                    "priority": 0,
                    "opted_out": False,
                    "verified": True,
                    "created_at": now,
                }
                for n in ids
            ],
        )
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in SEEDED_TABLES:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with transaction(engine) as session:
        for c in range(1, classes + 1):
            create_plan(
                session,
                staff=session.get_one(Staff, c),
                days=PLAN_DAYS,
                time=PLAN_TIME,
                now=now,
                default_timezone=DEFAULT_TIMEZONE,
                class_id=c,
                template="week",
            )
    if engine.dialect.name == "postgresql":
        # A live database has planner statistics (autovacuum keeps them); a bulk load does
        # not until autovacuum's next pass. Gather them now, as that pass would.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    with transaction(engine) as session:
        due = set(session.scalars(select(CheckinSchedule.next_due_at).distinct()))
    if len(due) != 1:
        raise SystemExit(f"expected every schedule due at one time, got {sorted(due)}")
    return due.pop()


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB.

    On Linux `ru_maxrss` survives exec: a child started by fork/vfork + exec (subprocess,
    multiprocessing's spawn) inherits the parent's high-water mark, so it would report the
    seeding process's memory. `VmHWM` in /proc/self/status belongs to the new process image
    only; `ru_maxrss` (KiB on Linux) is the fallback where /proc is missing.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fire(url: str, now: dt.datetime, limit: int) -> None:
    """The child process: the worker's job, timed, with its own peak memory."""
    from commbot.checkins.firing import fire_due

    engine = make_engine(url)
    baseline_mb = peak_rss_mb()
    start = time.perf_counter()
    report = fire_due(engine, now, default_timezone=DEFAULT_TIMEZONE, limit=limit)
    elapsed = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    engine.dispose()
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "runs": len(report.fired),
                "deliveries": report.deliveries,
                "skipped": report.skipped,
                "baseline_mb": baseline_mb,
                "peak_mb": peak_mb,
                "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def verify(engine: Engine, due: dt.datetime, classes: int, guardians: int) -> list[str]:
    problems = []
    with transaction(engine) as session:
        deliveries = session.scalar(select(func.count()).select_from(Delivery)) or 0
        runs = session.scalar(select(func.count()).select_from(CheckinRun)) or 0
        plans = session.scalar(select(func.count()).select_from(CheckinPlan)) or 0
        next_due = session.execute(
            select(CheckinSchedule.next_due_at, func.count()).group_by(CheckinSchedule.next_due_at)
        ).all()
    if deliveries != guardians:
        problems.append(f"{deliveries} deliveries in the database, expected {guardians}")
    if runs != classes or plans != classes:
        problems.append(f"{runs} check-in runs for {plans} plans, expected {classes}")
    # A week later on the families' clock (the same UTC instant unless DST changes between).
    zone = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
    week_ahead = (due.astimezone(zone) + dt.timedelta(days=7)).astimezone(dt.UTC)
    if [(at, n) for at, n in next_due] != [(week_ahead, classes)]:
        problems.append(
            f"schedules' next_due_at {[(at.isoformat(), n) for at, n in next_due]}, expected "
            f"all {classes} at {week_ahead.isoformat()}"
        )
    return problems


def main() -> None:
    p = parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument(
        "--guardians",
        type=int,
        default=100_000,
        help="students, one guardian each (100 per class; default 100000)",
    )
    p.add_argument("--fire", metavar="NOW", help=argparse.SUPPRESS)  # child mode: ISO time
    args = p.parse_args()
    if args.fire:
        fire(args.database_url, dt.datetime.fromisoformat(args.fire), args.guardians)
        return

    guardians = args.guardians
    classes = max(1, -(-guardians // STUDENTS_PER_CLASS))
    with fresh_database(args.database_url) as (url, engine):
        print(f"backend: {backend_name(url)}")
        start = time.perf_counter()
        due = seed(engine, guardians, dt.datetime.now(dt.UTC))
        print(
            f"seeded {classes} classes, {guardians} students and guardians, {classes} plans "
            f"due {due.isoformat()} in {time.perf_counter() - start:.1f} s"
        )
        engine.dispose()
        now = due + FIRE_DELAY
        child = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--fire",
                now.isoformat(),
                "--database-url",
                url,
                "--guardians",
                str(guardians),
            ],
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        problems = verify(engine, due, classes, guardians)

    seconds, peak, baseline = result["elapsed"], result["peak_mb"], result["baseline_mb"]
    print(
        f"check-ins fired: {result['runs']} runs, {result['deliveries']} deliveries"
        + (f", {result['skipped']} skipped" if result["skipped"] else "")
    )
    print(
        f"time to enqueue: {seconds:.1f} s (target ≤ {TARGET_SECONDS:.0f} s) "
        f"{verdict(seconds <= TARGET_SECONDS)}"
    )
    print(
        f"worker peak memory: {peak:.0f} MB (baseline {baseline:.0f} MB) "
        f"(target ≤ {TARGET_MB:.0f} MB) {verdict(peak <= TARGET_MB)}"
    )
    if result["runs"] != classes or result["deliveries"] != guardians:
        problems.append(
            f"fire_due reported {result['runs']} runs and {result['deliveries']} deliveries, "
            f"expected {classes} and {guardians}"
        )
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    print(f"checks: {verdict(not problems)}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
