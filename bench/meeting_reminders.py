"""Meeting reminders over one morning: each sent once, on time, never in quiet hours.

Seeds one school with 1,000 students (20 per class, a teacher each, linked on Telegram) and
one guardian per student with an SMS contact point, a language (en/es/vi/ar/zh-CN), a time
zone (New York, Chicago, Denver, Los Angeles) and quiet hours from a mix: none, a night's
sleep (`22:00-06:00`, `21:00-07:00`), a night-shift worker who sleeps by day
(`08:00-15:00;22:00-23:59`, Ms. Pérez's), and a morning shift (`09:00-11:00`). Then one
meeting per student through the real action (`actions.create_meeting`, a fixed time on
Tuesday 8 December 2026 at a quarter hour from 9:00 AM to 1:00 PM, school time) with
reminders 3 h, 2 h and 1 h before. `reminders.schedule` writes them: 3,000 to families
(moved earlier out of quiet hours: 7:30 AM for the night-shift workers, the evening before
for an early meeting in a sleeper's night) and 3,000 to the organizers.

Then N workers (separate processes, default 2, 3 and 4 in turn, the reminders rewritten
before each run) run the clock job `reminders.send_due` as `commbot.jobs` does every 15 s,
on a simulated clock: every worker ticks at the same moments (the worst case for claims),
first just before the reminders fall due (the worst case for lag: `--offset`), and each
tick's real duration is added to that worker's clock, so slow work shows as lag
(the next tick comes 15 s after the last one ended). Stretches with nothing due are skipped
in whole 15 s steps (an idle tick does nothing). A reminder counts as queued when the tick
that claimed it ended: an upper bound, since it commits in batches of 200 inside the tick.
Between ticks one real `Dispatcher` sends what was queued through the sandbox channel, on
the simulated clock (the jobs wait while it sends: a simplification, as in a worker the two
run side by side), which gives the lag from due time to "sent".

Checks (the exit status fails on these, never on timings): every reminder row sent, none
dropped, and exactly one contact (`MeetingContact`) and one delivery per row; no family
delivery may go (`not_before`), nor was sent, inside the guardian's quiet hours in their
time zone, nor after the meeting starts. Printed: due-to-queued and due-to-sent lag
(p50, p90, p99, max) and whether every reminder was queued within 30 s of its due time.

    python bench/meeting_reminders.py [--meetings 1000] [--workers 2 3 4] [--quick]
                                      [--no-dispatch] [--database-url URL]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import multiprocessing
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from _common import DEFAULT_TIMEZONE, backend_name, fresh_database, parser, percentile, verdict
from sqlalchemy import Engine, delete, func, select, update

from commbot import quiet_hours
from commbot.channels.sandbox import SandboxSender
from commbot.db import make_engine, transaction
from commbot.dispatch import ChannelSettings, Dispatcher
from commbot.features.meetings import reminders
from commbot.features.meetings.actions import (
    AttendeeSpec,
    MeetingDraft,
    create_meeting,
)
from commbot.features.meetings.models import (
    AttendeeRole,
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingReminder,
    Purpose,
)
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    SenderLease,
    Staff,
    StaffRole,
    Student,
)

SCHOOL_ZONE = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
DAY = dt.date(2026, 12, 8)  # a Tuesday, far from a daylight-saving change
SEEDED_AT = dt.datetime(2026, 12, 7, 12, 0, tzinfo=SCHOOL_ZONE)  # the meetings are set up
FIRST_MEETING, LAST_MEETING = dt.time(9, 0), dt.time(13, 0)  # quarter hours between
REMINDER_MINUTES = [180, 120, 60]
TICK = dt.timedelta(seconds=15)  # `commbot.jobs`: meeting_reminders every 15 s
TARGET = dt.timedelta(seconds=30)
STUDENTS_PER_CLASS = 20
LANGUAGES = ("en", "es", "vi", "ar", "zh-CN")
ZONES = (  # (zone, share in tenths)
    ("America/New_York", 6),
    ("America/Chicago", 2),
    ("America/Denver", 1),
    ("America/Los_Angeles", 1),
)
QUIET = (  # (quiet hours, share in twentieths)
    ("", 4),
    ("22:00-06:00", 6),
    ("21:00-07:00", 3),
    ("08:00-15:00;22:00-23:59", 4),  # sleeps by day, like Ms. Pérez
    ("09:00-11:00", 3),  # a morning shift
)


def _spread(choices: Sequence[tuple[str, int]], n: int) -> str:
    """The n-th pick from a weighted list, cycling (deterministic, evenly mixed)."""
    flat = [value for value, share in choices for _ in range(share)]
    return flat[(n * 7) % len(flat)]  # 7 is coprime with 10 and 20: every value comes round


# -- seeding -------------------------------------------------------------------------------


def seed(engine: Engine, meetings: int) -> None:
    """The roster, then one meeting per student through the real action."""
    now = SEEDED_AT.astimezone(dt.UTC)
    classes = max(1, -(-meetings // STUDENTS_PER_CLASS))
    with transaction(engine) as session:
        school = School(name="Bench Elementary", timezone=DEFAULT_TIMEZONE)
        session.add(school)
        session.flush()
        teachers = []
        for c in range(1, classes + 1):
            teacher = Staff(
                school_id=school.id,
                name=f"Teacher {c}",
                email=f"teacher{c}@bench.example",
                role=StaffRole.TEACHER,
                telegram_chat_id=500_000 + c,
                created_at=now,
            )
            room = SchoolClass(school_id=school.id, name=f"Room {c}")
            room.staff.append(teacher)
            session.add_all([teacher, room])
            teachers.append((teacher, room))
        session.flush()
        for n in range(1, meetings + 1):
            teacher, room = teachers[(n - 1) // STUDENTS_PER_CLASS]
            student = Student(
                school_id=school.id, external_id=f"S{n}", name=f"Student{n} Bench", created_at=now
            )
            room.students.append(student)
            guardian = Guardian(
                school_id=school.id,
                external_id=f"G{n}",
                name=f"Guardian {n}",
                language=LANGUAGES[n % len(LANGUAGES)],
                timezone=_spread(ZONES, n),
                quiet_hours=_spread(QUIET, n),
                preferred_channel=Channel.SMS,
                created_at=now,
            )
            session.add_all([student, guardian])
            session.flush()
            session.add(
                Guardianship(
                    guardian_id=guardian.id, student_id=student.id, relationship_name="parent"
                )
            )
            session.add(
                ContactPoint(
                    guardian_id=guardian.id,
                    channel=Channel.SMS,
                    address=f"+1617{n:07d}",
                    verified=True,
                    created_at=now,
                )
            )
        session.flush()
        slots = _meeting_times()
        for n, student in enumerate(session.scalars(select(Student).order_by(Student.id))):
            teacher, _ = teachers[n // STUDENTS_PER_CLASS]
            draft = MeetingDraft(
                student_id=student.id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=slots[n % len(slots)],
                duration_minutes=45,
                place=f"Room {n // STUDENTS_PER_CLASS + 1}",
                attendees=[
                    AttendeeSpec(teacher.name, AttendeeRole.SPECIAL_EDUCATION_TEACHER, teacher.id),
                    AttendeeSpec("Dr. Bench", AttendeeRole.SCHOOL_PSYCHOLOGIST),
                ],
                reminder_minutes=list(REMINDER_MINUTES),
            )
            create_meeting(
                session,
                teacher,
                draft,
                now=now,
                default_timezone=DEFAULT_TIMEZONE,
                base_url="https://commbot.bench",
            )
        # The previews and confirmations went out days ago: not part of this morning.
        session.execute(update(Delivery).values(status=DeliveryStatus.SENT, sent_at=now))


def _meeting_times() -> list[dt.datetime]:
    start = dt.datetime.combine(DAY, FIRST_MEETING, SCHOOL_ZONE)
    end = dt.datetime.combine(DAY, LAST_MEETING, SCHOOL_ZONE)
    times = []
    while start <= end:
        times.append(start)
        start += dt.timedelta(minutes=15)
    return times


def reset_reminders(engine: Engine) -> tuple[int, int]:
    """Forget the last run's reminders and write them again (`reminders.schedule`), as
    they stood when the meetings were set. Returns (to families, to staff)."""
    now = SEEDED_AT.astimezone(dt.UTC)
    with transaction(engine) as session:
        sent = select(MeetingContact.delivery_id).where(
            MeetingContact.kind == ContactKind.REMINDER, MeetingContact.delivery_id.is_not(None)
        )
        session.execute(delete(Delivery).where(Delivery.id.in_(sent)))
        session.execute(delete(MeetingContact).where(MeetingContact.kind == ContactKind.REMINDER))
        session.execute(delete(MeetingReminder))
        session.execute(delete(SenderLease))  # the last run's dispatcher, on a later clock
        for meeting in session.scalars(select(Meeting).order_by(Meeting.id)):
            reminders.schedule(session, meeting, now, DEFAULT_TIMEZONE)
        counts = dict(
            session.execute(
                select(MeetingReminder.guardian_id.is_not(None), func.count()).group_by(
                    MeetingReminder.guardian_id.is_not(None)
                )
            ).all()
        )
    return counts.get(True, 0), counts.get(False, 0)


def close_pairs(engine: Engine) -> int:
    """Pairs of one family's reminders for one meeting that come closer than MIN_APART."""
    with transaction(engine) as session:
        rows = session.execute(
            select(MeetingReminder.meeting_id, MeetingReminder.recipient, MeetingReminder.due_at)
            .where(MeetingReminder.guardian_id.is_not(None))
            .order_by(MeetingReminder.meeting_id, MeetingReminder.recipient, MeetingReminder.due_at)
        ).all()
    close = 0
    for before, after in itertools.pairwise(rows):
        same = (before[0], before[1]) == (after[0], after[1])
        close += same and after[2] - before[2] < reminders.MIN_APART
    return close


# -- the workers ---------------------------------------------------------------------------


@dataclass
class Tick:
    worker: int
    at: dt.datetime  # the simulated moment it began (the `now` it ran with)
    seconds: float  # how long it took, in real time
    sent: int
    dropped: int

    @property
    def ended(self) -> dt.datetime:
        return self.at + dt.timedelta(seconds=self.seconds)


def worker(
    index: int,
    url: str,
    start: dt.datetime,
    round_start: Any,
    queued: Any,
    latest: Any,
    barrier: Any,
    results: Any,
) -> None:
    """One worker process: in each round of 15 s, the ticks its clock reaches."""
    engine = make_engine(url)
    clock = start
    ticks: list[Tick] = []
    while True:
        barrier.wait()  # the round is announced
        if round_start.value < 0:
            break
        begins = dt.datetime.fromtimestamp(round_start.value, dt.UTC)
        if clock < begins:  # idle rounds were skipped: keep this worker's phase
            clock += TICK * -((clock - begins) // TICK)
        while clock < begins + TICK:
            started = time.perf_counter()
            report = reminders.send_due(engine, clock, default_timezone=DEFAULT_TIMEZONE)
            seconds = time.perf_counter() - started
            ticks.append(Tick(index, clock, seconds, report.sent, report.dropped))
            if report.sent:
                with queued.get_lock():
                    queued.value += report.sent
                    latest.value = max(latest.value, ticks[-1].ended.timestamp())
            clock += TICK + dt.timedelta(seconds=seconds)
        barrier.wait()  # the round is done
    engine.dispose()
    results.put(ticks)


# -- one run -------------------------------------------------------------------------------


@dataclass
class Run:
    workers: int
    ticks: list[Tick] = field(default_factory=list)
    dispatch_seconds: float = 0.0
    sent_by_dispatcher: int = 0
    wall_seconds: float = 0.0
    simulated: tuple[dt.datetime, dt.datetime] | None = None


def first_open_due(engine: Engine) -> dt.datetime | None:
    with transaction(engine) as session:
        return session.scalar(
            select(func.min(MeetingReminder.due_at)).where(MeetingReminder.done_at.is_(None))
        )


def run_workers(url: str, engine: Engine, count: int, offset: float, dispatch: bool) -> Run:
    first = first_open_due(engine)
    assert first is not None
    first = _aware(first)
    # Every worker ticks at the same moments: the first one that can take the first
    # reminder comes `offset` seconds after it is due.
    start = first - TICK + dt.timedelta(seconds=offset)
    context = multiprocessing.get_context("spawn")
    round_start = context.Value("d", 0.0)
    queued = context.Value("i", 0)  # how many the round's ticks queued, for the dispatcher
    latest = context.Value("d", 0.0)  # when the round's last tick ended (simulated)
    barrier = context.Barrier(count + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=worker, args=(i, url, start, round_start, queued, latest, barrier, results)
        )
        for i in range(count)
    ]
    for process in processes:
        process.start()
    sandbox = SandboxSender()
    dispatch_clock = [start, time.perf_counter()]  # a simulated moment, and the real one then

    def clock() -> dt.datetime:
        return dispatch_clock[0] + dt.timedelta(seconds=time.perf_counter() - dispatch_clock[1])

    dispatcher = Dispatcher(
        engine,
        {channel: sandbox for channel in Channel},
        limits={channel: ChannelSettings(per_second=1000) for channel in Channel},
        default_timezone=DEFAULT_TIMEZONE,
        clock=clock,
    )
    result = Run(count)
    loop = asyncio.new_event_loop()  # one loop for the dispatcher's whole life
    wall = time.perf_counter()
    begins = start
    horizon = dt.datetime.combine(DAY, LAST_MEETING, SCHOOL_ZONE).astimezone(dt.UTC)
    while True:
        round_start.value = begins.timestamp()
        barrier.wait()
        barrier.wait()
        with queued.get_lock():
            anything, queued.value = queued.value, 0
        if dispatch and anything:
            # What the round queued goes out from when it was queued, on a clock that
            # never runs backwards.
            queued_by = dt.datetime.fromtimestamp(latest.value, dt.UTC)
            dispatch_clock[0] = max(clock(), queued_by)
            dispatch_clock[1] = time.perf_counter()
            started = time.perf_counter()
            result.sent_by_dispatcher += loop.run_until_complete(dispatcher.drain())
            result.dispatch_seconds += time.perf_counter() - started
        begins += TICK
        due = first_open_due(engine)
        if due is None or begins > horizon + dt.timedelta(hours=1):
            break
        due = _aware(due)
        if due >= begins + TICK:
            begins += TICK * ((due - begins) // TICK)
    round_start.value = -1.0
    barrier.wait()
    loop.run_until_complete(dispatcher.release())
    loop.close()
    for _ in processes:
        result.ticks.extend(results.get())
    for process in processes:
        process.join()
    result.wall_seconds = time.perf_counter() - wall
    result.simulated = (start, begins)
    return result


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- checking and measuring ----------------------------------------------------------------


@dataclass
class Findings:
    family_rows: int = 0
    staff_rows: int = 0
    family_sent: int = 0
    staff_sent: int = 0
    dropped: int = 0
    problems: list[str] = field(default_factory=list)
    queued_lag: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sent_lag: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    in_quiet: int = 0
    sent_in_quiet: int = 0
    after_start: int = 0
    unsent_deliveries: int = 0


def examine(engine: Engine, run: Run) -> Findings:
    found = Findings()
    tick_end: dict[dt.datetime, dt.datetime] = {}
    for tick in run.ticks:
        # Two workers never share a start to the microsecond unless their clocks never
        # drifted; then the later end is the honest one.
        tick_end[tick.at] = max(tick_end.get(tick.at, tick.ended), tick.ended)
    with transaction(engine) as session:
        rows = session.scalars(select(MeetingReminder)).all()
        contacts = session.execute(
            select(MeetingContact, Delivery)
            .join(Delivery, Delivery.id == MeetingContact.delivery_id)
            .where(MeetingContact.kind == ContactKind.REMINDER)
        ).all()
        contactless = session.scalar(
            select(func.count())
            .select_from(MeetingContact)
            .where(
                MeetingContact.kind == ContactKind.REMINDER, MeetingContact.delivery_id.is_(None)
            )
        )
        guardians = {g.id: g for g in session.scalars(select(Guardian))}
        starts = {m.id: _aware(m.starts_at) for m in session.scalars(select(Meeting))}  # type: ignore[arg-type]
        if contactless:
            found.problems.append(f"{contactless} reminder contacts without a delivery")
        # Reminders and their deliveries, grouped by (meeting, recipient, tick): a worker
        # claiming a row twice would show as one more delivery than rows in its group.
        groups: dict[tuple[int, str, dt.datetime], list[MeetingReminder]] = defaultdict(list)
        for row in rows:
            family = row.guardian_id is not None
            found.family_rows += family
            found.staff_rows += not family
            if row.outcome != "sent" or row.done_at is None:
                found.dropped += row.outcome is not None
                continue
            found.family_sent += family
            found.staff_sent += not family
            done = _aware(row.done_at)
            groups[(row.meeting_id, row.recipient, done)].append(row)
            queued = tick_end.get(done)
            if queued is None:
                found.problems.append(f"reminder {row.id} done at a moment no worker ticked")
                continue
            lag = (queued - _aware(row.due_at)).total_seconds()
            found.queued_lag["family" if family else "staff"].append(lag)
        delivered: dict[tuple[int, str, dt.datetime], list[Delivery]] = defaultdict(list)
        for contact, delivery in contacts:
            recipient = (
                f"guardian:{contact.guardian_id}"
                if contact.guardian_id is not None
                else f"staff:{contact.staff_id}"
            )
            delivered[(contact.meeting_id, recipient, _aware(contact.at))].append(delivery)
        for key in groups.keys() | delivered.keys():
            if len(groups.get(key, [])) != len(delivered.get(key, [])):
                found.problems.append(
                    f"meeting {key[0]} {key[1]} at {key[2].isoformat()}: "
                    f"{len(groups.get(key, []))} reminders, "
                    f"{len(delivered.get(key, []))} deliveries"
                )
        for key, due_rows in groups.items():
            ordered = sorted(delivered.get(key, []), key=lambda d: d.id)
            for row, delivery in zip(
                sorted(due_rows, key=lambda r: r.due_at), ordered, strict=False
            ):
                who = "family" if row.guardian_id is not None else "staff"
                if delivery.sent_at is not None:
                    lag = (_aware(delivery.sent_at) - _aware(row.due_at)).total_seconds()
                    found.sent_lag[who].append(lag)
                elif run.sent_by_dispatcher:
                    found.unsent_deliveries += 1
                if row.guardian_id is None:
                    continue
                guardian = guardians[row.guardian_id]
                ranges = quiet_hours.parse(guardian.quiet_hours)
                zone = zoneinfo.ZoneInfo(guardian.timezone or DEFAULT_TIMEZONE)
                not_before = _aware(delivery.not_before)
                if quiet_hours.is_quiet(ranges, not_before.astimezone(zone)):
                    found.in_quiet += 1
                if delivery.sent_at and quiet_hours.is_quiet(
                    ranges, _aware(delivery.sent_at).astimezone(zone)
                ):
                    found.sent_in_quiet += 1
                if not_before >= starts[row.meeting_id]:
                    found.after_start += 1
    if found.dropped:
        found.problems.append(f"{found.dropped} reminders dropped")
    if found.in_quiet:
        found.problems.append(f"{found.in_quiet} family reminders queued to go in quiet hours")
    if found.sent_in_quiet:
        found.problems.append(f"{found.sent_in_quiet} family reminders sent in quiet hours")
    if found.after_start:
        found.problems.append(f"{found.after_start} family reminders set to go after the start")
    if found.unsent_deliveries:
        found.problems.append(f"{found.unsent_deliveries} reminder deliveries never sent")
    return found


def lag_line(label: str, lags: Sequence[float]) -> str:
    if not lags:
        return f"  {label}: none"
    figures = ", ".join(f"p{q} {percentile(lags, q):.1f}" for q in (50, 90, 99))
    return f"  {label} (s): {figures}, max {max(lags):.1f} ({len(lags)} reminders)"


def report(run: Run, found: Findings, family_expected: int, staff_expected: int) -> None:
    family_ok = found.family_sent == family_expected and found.family_rows == family_expected
    staff_ok = found.staff_sent == staff_expected
    print(f"{run.workers} workers:")
    print(
        f"  family reminders sent: {found.family_sent} of {family_expected}, each once "
        f"{verdict(family_ok and not found.problems)}"
    )
    print(
        f"  organizers' reminders sent: {found.staff_sent} of {staff_expected} {verdict(staff_ok)}"
    )
    print(
        f"  family reminders queued in quiet hours: {found.in_quiet}, sent in quiet hours: "
        f"{found.sent_in_quiet}, after the meeting began: {found.after_start} "
        f"{verdict(not (found.in_quiet or found.sent_in_quiet or found.after_start))}"
    )
    every = [lag for lags in found.queued_lag.values() for lag in lags]
    print(lag_line("due -> queued, families", found.queued_lag["family"]))
    print(lag_line("due -> queued, organizers", found.queued_lag["staff"]))
    late = sum(1 for lag in every if lag > TARGET.total_seconds())
    within = len(every) - late
    print(
        f"  queued within {TARGET.seconds} s of due: {within} of {len(every)} {verdict(not late)}"
    )
    if run.sent_by_dispatcher:
        print(lag_line("due -> sent (sandbox), families", found.sent_lag["family"]))
        print(lag_line("due -> sent (sandbox), organizers", found.sent_lag["staff"]))
    busy = [t for t in run.ticks if t.sent or t.dropped]
    slowest = max((t.seconds for t in run.ticks), default=0.0)
    per_worker = defaultdict(int)
    for tick in run.ticks:
        per_worker[tick.worker] += tick.sent
    assert run.simulated is not None
    begin, end = (moment.astimezone(SCHOOL_ZONE).strftime("%a %H:%M") for moment in run.simulated)
    print(
        f"  ticks: {len(run.ticks)} ({len(busy)} with work), slowest {slowest:.2f} s; "
        f"sent per worker {dict(sorted(per_worker.items()))}; simulated {begin} to {end} "
        f"school time in {run.wall_seconds:.1f} s"
        + (f" ({run.dispatch_seconds:.1f} s dispatching)" if run.sent_by_dispatcher else "")
    )
    for problem in found.problems[:10]:
        print(f"  CHECK FAILED: {problem}")
    if len(found.problems) > 10:
        print(f"  ... and {len(found.problems) - 10} more")


def main() -> None:
    p = parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--meetings", type=int, default=None, help="default 1000 (100 with --quick)")
    p.add_argument(
        "--workers", type=int, nargs="+", default=None, help="worker counts to run, default 2 3 4"
    )
    p.add_argument("--quick", action="store_true", help="a smoke run: 100 meetings, 2 workers")
    p.add_argument("--no-dispatch", action="store_true", help="skip sending through the sandbox")
    p.add_argument(
        "--offset",
        type=float,
        default=14.9,
        help="seconds from the first reminder's due time to the first tick that takes it "
        "(default 14.9, the unluckiest: due times fall on whole minutes and the ticks come "
        "0.1 s before them, until the ticks' own durations shift them)",
    )
    args = p.parse_args()
    meetings = args.meetings or (100 if args.quick else 1000)
    counts = args.workers or ([2] if args.quick else [2, 3, 4])
    summaries = []
    failed = False
    with fresh_database(args.database_url) as (url, engine):
        backend = backend_name(url)
        print(f"backend: {backend}")
        started = time.perf_counter()
        seed(engine, meetings)
        family, staff = reset_reminders(engine)
        print(
            f"seeded {meetings} meetings (one guardian each, {len(ZONES)} time zones, "
            f"{len(QUIET)} quiet-hour patterns) with {family} family and {staff} organizer "
            f"reminders in {time.perf_counter() - started:.1f} s"
        )
        # Reminders moved out of quiet hours onto nearly the same moment are made once
        # (`reminders.MIN_APART`): count them, and check no family's two come closer.
        merged = 3 * meetings - family
        twins = close_pairs(engine)
        print(
            f"of {3 * meetings} family reminders, {merged} were twins moved onto the same "
            f"moment as the one before and made once; {twins} pairs closer than "
            f"{reminders.MIN_APART.seconds // 60} min {verdict(twins == 0)}"
        )
        if twins or not meetings <= family <= 3 * meetings:
            print(f"CHECK FAILED: {family} family reminders written for {meetings} meetings")
            failed = True
        worst_queued = worst_sent = 0.0
        all_once = True
        in_quiet = 0
        for n, count in enumerate(counts):
            if n:
                reset_reminders(engine)
            run = run_workers(url, engine, count, args.offset, not args.no_dispatch)
            found = examine(engine, run)
            report(run, found, family, staff)
            failed = failed or bool(found.problems) or found.family_sent != family
            all_once = all_once and not found.problems and found.family_sent == family
            in_quiet += found.in_quiet + found.sent_in_quiet
            every = [lag for lags in found.queued_lag.values() for lag in lags]
            sent = [lag for lags in found.sent_lag.values() for lag in lags]
            worst_queued = max(worst_queued, max(every, default=0.0))
            worst_sent = max(worst_sent, max(sent, default=0.0))
            summaries.append(percentile(found.queued_lag["family"], 99))
    worker_text = "/".join(str(c) for c in counts)
    print(
        f"summary: {backend}, {meetings} meetings, {worker_text} workers: {family} family "
        f"reminders {'each sent once' if all_once else 'NOT each sent once'}, {in_quiet} in "
        f"quiet hours, due to queued p99 {max(summaries):.1f} s, max {worst_queued:.1f} s "
        f"(target {TARGET.seconds} s: {verdict(worst_queued <= TARGET.total_seconds())})"
        + (f", due to sent max {worst_sent:.1f} s" if not args.no_dispatch else "")
    )
    print(f"checks: {verdict(not failed)}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
