"""Action-plan follow-ups over the weeks after 1,000 meetings: each sent once, never in
quiet hours, none for an item already done.

Seeds one school with N students (20 per class, a teacher each, linked on Telegram) and one
guardian per student on SMS, with a language, a time zone (New York, Chicago, Denver, Los
Angeles) and quiet hours from a mix: none, a night's sleep, a night-shift worker who sleeps
by day (`08:00-15:00;22:00-23:59`, Ms. Pérez's) and an evening shift (`16:00-21:00`, whose
5 PM reminder is moved earlier, to 3:30 PM). One meeting per student goes through the real
action (`actions.create_meeting`) on Tuesday 1 December 2026; it is then held and its plan
written as `notes.record_notes` writes it: 3 or 4 items (the teacher's and the guardian's,
alternately), due on school days spread over the next four weeks, each planned with
`followups.schedule_item` (staff 2 days before and the morning of, at 8 AM school time;
the family 2 days before at 5 PM their time, out of quiet hours; the overdue report the
morning after). A fifth of the items are marked done (`items.mark_done`, by their owner) at
noon on a school day before their due date; no feedback requests are planned here.

Then W worker processes (default 2 and 3, the plan rewritten before each run) run
`followups.send_due` as the `meeting_followups` clock job does every 15 s, on a simulated
clock: every worker ticks at the same moments (the worst case for claims), `--offset`
seconds after each due time on a 15 s grid, and stretches with nothing due are skipped.
The main process applies each "done" before the first tick at or after its moment. A
follow-up counts as queued when the tick that claimed it ended (real time added to the
simulated moment): an upper bound. Nothing is dispatched: `not_before` is what the
dispatcher honours.

Checks (the exit status fails on these, never on timings): every planned follow-up is sent
or, for items done, closed; each sent once (one contact per sent row; each overdue item in
exactly one report); no family delivery due (`not_before`), nor any family row, in the
guardian's quiet hours; no follow-up of a done item sent after it was done. Printed:
planned, sent, closed and dropped counts; due -> queued latency (p50, p99, max).

    python bench/action_followups.py [--meetings 1000] [--workers 2 3] [--quick]
                                     [--database-url URL]
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from _common import DEFAULT_TIMEZONE, backend_name, fresh_database, parser, percentile, verdict
from sqlalchemy import Engine, delete, func, select, update

from commbot import quiet_hours
from commbot.db import make_engine, transaction
from commbot.features.meetings import followups
from commbot.features.meetings.actions import AttendeeSpec, MeetingDraft, create_meeting
from commbot.features.meetings.after_models import (
    ActionFollowup,
    ActionItem,
    FollowupKind,
    ItemState,
    MeetingNotes,
)
from commbot.features.meetings.items import mark_done
from commbot.features.meetings.models import (
    AttendeeRole,
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingState,
    Purpose,
)
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    PendingChoice,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
)

SCHOOL_ZONE = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
MEETING_DAY = dt.date(2026, 12, 1)
SEEDED_AT = dt.datetime(2026, 11, 30, 12, 0, tzinfo=SCHOOL_ZONE)
PLANNED_AT = dt.datetime(2026, 12, 1, 18, 0, tzinfo=SCHOOL_ZONE)  # the notes are recorded
TICK = dt.timedelta(seconds=15)
STUDENTS_PER_CLASS = 20
LANGUAGES = ("en", "es", "vi", "ar", "zh-CN")
ZONES = (
    ("America/New_York", 6),
    ("America/Chicago", 2),
    ("America/Denver", 1),
    ("America/Los_Angeles", 1),
)
QUIET = (
    ("", 4),
    ("22:00-06:00", 6),
    ("21:00-07:00", 3),
    ("08:00-15:00;22:00-23:59", 4),  # sleeps by day, like Ms. Pérez
    ("16:00-21:00", 3),  # an evening shift: 5 PM is quiet
)


def _spread(choices: Sequence[tuple[str, int]], n: int) -> str:
    flat = [value for value, share in choices for _ in range(share)]
    return flat[(n * 7) % len(flat)]


def school_days(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


DUE_DAYS = school_days(MEETING_DAY + dt.timedelta(days=2), 20)  # from Dec 4 on


# -- seeding ---------------------------------------------------------------------------------


def seed(engine: Engine, meetings: int) -> None:
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
        for n, student in enumerate(session.scalars(select(Student).order_by(Student.id))):
            teacher, _ = teachers[n // STUDENTS_PER_CLASS]
            starts = dt.datetime.combine(MEETING_DAY, dt.time(9 + n % 5, 15 * (n % 4)), SCHOOL_ZONE)
            create_meeting(
                session,
                teacher,
                MeetingDraft(
                    student_id=student.id,
                    purpose=Purpose.ANNUAL_REVIEW,
                    fixed_time=starts,
                    duration_minutes=45,
                    place=f"Room {n // STUDENTS_PER_CLASS + 1}",
                    attendees=[
                        AttendeeSpec(
                            teacher.name, AttendeeRole.SPECIAL_EDUCATION_TEACHER, teacher.id
                        )
                    ],
                    reminder_minutes=[60],
                ),
                now=now,
                default_timezone=DEFAULT_TIMEZONE,
            )
        planned = PLANNED_AT.astimezone(dt.UTC)
        for meeting in session.scalars(select(Meeting).order_by(Meeting.id)):
            meeting.state = MeetingState.HELD
            session.add(
                MeetingNotes(
                    meeting_id=meeting.id,
                    summary="We talked about reading.",
                    feedback_days=0,
                    recorded_by_id=meeting.organizer_id,
                    recorded_at=planned,
                )
            )
            guardian_id = session.scalar(
                select(Guardianship.guardian_id).where(
                    Guardianship.student_id == meeting.student_id
                )
            )
            teacher = session.get_one(Staff, meeting.organizer_id)
            for position in range(1, 4 + meeting.id % 2):
                staff_owned = position % 2 == 1
                due = DUE_DAYS[(meeting.id * 3 + position * 5) % len(DUE_DAYS)]
                session.add(
                    ActionItem(
                        meeting_id=meeting.id,
                        position=position,
                        what=f"Task {meeting.id}-{position}",
                        owner_staff_id=teacher.id if staff_owned else None,
                        owner_guardian_id=None if staff_owned else guardian_id,
                        owner_name=teacher.name if staff_owned else f"Guardian {meeting.id}",
                        due_on=due,
                        first_due_on=due,
                        created_at=planned,
                    )
                )
        # What the meetings sent before is not part of these weeks.
        session.execute(update(Delivery).values(status=DeliveryStatus.SENT, sent_at=now))


def reset_plan(engine: Engine) -> tuple[int, dict[int, dt.datetime]]:
    """Reopen every item, forget the last run's follow-ups and notices, and plan again.
    Returns the number planned, and when each item to be done is done (simulated)."""
    planned = PLANNED_AT.astimezone(dt.UTC)
    with transaction(engine) as session:
        later = select(MeetingContact.delivery_id).where(
            MeetingContact.at > planned, MeetingContact.delivery_id.is_not(None)
        )
        session.execute(delete(Delivery).where(Delivery.id.in_(later)))
        session.execute(delete(MeetingContact).where(MeetingContact.at > planned))
        session.execute(delete(ActionFollowup))
        session.execute(delete(PendingChoice))
        session.execute(update(ActionItem).values(state=ItemState.OPEN, done_at=None, done_by=None))
        meetings = {m.id: m for m in session.scalars(select(Meeting))}
        dones: dict[int, dt.datetime] = {}
        for item in session.scalars(select(ActionItem).order_by(ActionItem.id)):
            followups.schedule_item(
                session, meetings[item.meeting_id], item, planned, DEFAULT_TIMEZONE
            )
            if item.id % 5 == 0:  # a fifth are done at noon, a few school days before due
                before = [d for d in DUE_DAYS if d < item.due_on] or [MEETING_DAY]
                day = before[max(0, len(before) - 1 - item.id % 3)]
                noon = dt.datetime.combine(day, dt.time(12), SCHOOL_ZONE).astimezone(dt.UTC)
                dones[item.id] = max(noon, planned + dt.timedelta(hours=1))
        count = session.scalar(select(func.count()).select_from(ActionFollowup)) or 0
    return count, dones


# -- the workers --------------------------------------------------------------------------------


@dataclass
class Tick:
    worker: int
    at: dt.datetime
    seconds: float
    sent: int
    dropped: int

    @property
    def ended(self) -> dt.datetime:
        return self.at + dt.timedelta(seconds=self.seconds)


def worker(index: int, url: str, moment: Any, barrier: Any, results: Any) -> None:
    """One worker process: one tick per round, at the round's moment."""
    engine = make_engine(url)
    ticks: list[Tick] = []
    while True:
        barrier.wait()
        if moment.value < 0:
            break
        at = dt.datetime.fromtimestamp(moment.value, dt.UTC)
        started = time.perf_counter()
        report = followups.send_due(engine, at, default_timezone=DEFAULT_TIMEZONE)
        ticks.append(Tick(index, at, time.perf_counter() - started, report.sent, report.dropped))
        barrier.wait()
    engine.dispose()
    results.put(ticks)


def next_due(engine: Engine) -> dt.datetime | None:
    with transaction(engine) as session:
        due = session.scalar(
            select(func.min(ActionFollowup.due_at)).where(ActionFollowup.done_at.is_(None))
        )
    return due


def apply_dones(engine: Engine, dones: dict[int, dt.datetime], until: dt.datetime) -> int:
    due = sorted((at, item_id) for item_id, at in dones.items() if at <= until)
    for at, item_id in due:
        with transaction(engine) as session:
            item = session.get_one(ActionItem, item_id)
            owner: Staff | Guardian | None = (
                session.get(Staff, item.owner_staff_id)
                if item.owner_staff_id
                else session.get(Guardian, item.owner_guardian_id)
            )
            mark_done(session, item, by=owner, now=at, default_timezone=DEFAULT_TIMEZONE)
        del dones[item_id]
    return len(due)


@dataclass
class Run:
    workers: int
    ticks: list[Tick] = field(default_factory=list)
    rounds: int = 0
    wall_seconds: float = 0.0
    done_at: dict[int, dt.datetime] = field(default_factory=dict)


def run_workers(url: str, engine: Engine, count: int, offset: float, dones: dict[int, Any]) -> Run:
    context = multiprocessing.get_context("spawn")
    moment = context.Value("d", 0.0)
    barrier = context.Barrier(count + 1)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(i, url, moment, barrier, results))
        for i in range(count)
    ]
    for process in processes:
        process.start()
    run = Run(count, done_at=dict(dones))
    pending = dict(dones)
    wall = time.perf_counter()
    grid = PLANNED_AT.astimezone(dt.UTC) + dt.timedelta(seconds=offset)
    while True:
        due = next_due(engine)
        upcoming = min(pending.values(), default=None)
        if due is None and upcoming is None:
            break
        if due is None or (upcoming is not None and upcoming <= due):
            assert upcoming is not None
            apply_dones(engine, pending, upcoming)
            continue
        due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
        at = grid + TICK * max(0, -((grid - due) // TICK))  # the first grid tick at or after
        apply_dones(engine, pending, at)
        moment.value = at.timestamp()
        barrier.wait()
        barrier.wait()
        run.rounds += 1
    moment.value = -1.0
    barrier.wait()
    for _ in processes:
        run.ticks.extend(results.get())
    for process in processes:
        process.join()
    run.wall_seconds = time.perf_counter() - wall
    return run


# -- checking and measuring -------------------------------------------------------------------


@dataclass
class Findings:
    planned: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    closed_done: int = 0
    dropped: int = 0
    duplicates: int = 0
    in_quiet: int = 0
    after_done: int = 0
    lags: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def examine(engine: Engine, run: Run) -> Findings:
    found = Findings()
    tick_end: dict[dt.datetime, dt.datetime] = {}
    for tick in run.ticks:
        tick_end[tick.at] = max(tick_end.get(tick.at, tick.ended), tick.ended)
    with transaction(engine) as session:
        rows = session.scalars(select(ActionFollowup)).all()
        items = {i.id: i for i in session.scalars(select(ActionItem))}
        guardians = {g.id: g for g in session.scalars(select(Guardian))}
        found.planned = len(rows)
        groups: Counter[tuple[int, str, dt.datetime]] = Counter()
        overdue_items: Counter[int] = Counter()
        for row in rows:
            done = _aware(row.done_at) if row.done_at else None
            if row.outcome == "sent" and done is not None:
                found.sent[row.kind.value] += 1
                if row.kind is FollowupKind.OVERDUE:
                    assert row.item_id is not None
                    overdue_items[row.item_id] += 0
                else:
                    who = f"staff:{row.staff_id}" if row.staff_id else f"guardian:{row.guardian_id}"
                    groups[(row.meeting_id, who, done)] += 1
                queued = tick_end.get(done)
                if queued is None:
                    found.problems.append(f"follow-up {row.id} done at a moment no worker ticked")
                else:
                    found.lags.append((queued - _aware(row.due_at)).total_seconds())
                finished = run.done_at.get(row.item_id or 0)
                if finished is not None and done > finished:
                    found.after_done += 1
            elif row.outcome == "done":
                found.closed_done += 1
            else:
                found.dropped += 1
            if row.guardian_id is not None:
                guardian = guardians[row.guardian_id]
                zone = zoneinfo.ZoneInfo(guardian.timezone or DEFAULT_TIMEZONE)
                ranges = quiet_hours.parse(guardian.quiet_hours)
                if quiet_hours.is_quiet(ranges, _aware(row.due_at).astimezone(zone)):
                    found.in_quiet += 1
        contacts = session.execute(
            select(MeetingContact, Delivery)
            .join(Delivery, Delivery.id == MeetingContact.delivery_id)
            .where(MeetingContact.kind.in_([ContactKind.ITEM_REMINDER, ContactKind.OVERDUE]))
        ).all()
        delivered: Counter[tuple[int, str, dt.datetime]] = Counter()
        overdue_deliveries: set[int] = set()
        for contact, delivery in contacts:
            if contact.kind is ContactKind.OVERDUE:
                if delivery.id in overdue_deliveries:
                    continue  # one report names several meetings
                overdue_deliveries.add(delivery.id)
                for kind, text in delivery.pieces or []:
                    if kind == "words" and str(text).startswith("Task "):
                        meeting_id, position = (int(x) for x in str(text)[5:].split("-"))
                        for item in items.values():
                            if item.meeting_id == meeting_id and item.position == position:
                                overdue_items[item.id] += 1
                continue
            who = (
                f"staff:{contact.staff_id}"
                if contact.staff_id
                else f"guardian:{contact.guardian_id}"
            )
            delivered[(contact.meeting_id, who, _aware(contact.at))] += 1
            if delivery.guardian_id is not None:
                guardian = guardians[delivery.guardian_id]
                zone = zoneinfo.ZoneInfo(guardian.timezone or DEFAULT_TIMEZONE)
                ranges = quiet_hours.parse(guardian.quiet_hours)
                if quiet_hours.is_quiet(ranges, _aware(delivery.not_before).astimezone(zone)):
                    found.in_quiet += 1
        for key in groups.keys() | delivered.keys():
            found.duplicates += max(0, delivered[key] - groups[key])
            if delivered[key] < groups[key]:
                found.problems.append(f"{key}: {groups[key]} sent, {delivered[key]} delivered")
        for item_id, times in overdue_items.items():
            if times != 1:
                found.duplicates += max(0, times - 1)
                if times == 0:
                    found.problems.append(f"item {item_id}: overdue but in no report")
        for item_id, at in run.done_at.items():
            item = items[item_id]
            if item.state is not ItemState.DONE or _aware(item.done_at or at) != at:
                found.problems.append(f"item {item_id} not done as planned")
    if found.duplicates:
        found.problems.append(f"{found.duplicates} follow-ups sent more than once")
    if found.in_quiet:
        found.problems.append(f"{found.in_quiet} family follow-ups in quiet hours")
    if found.after_done:
        found.problems.append(f"{found.after_done} follow-ups sent after their item was done")
    if found.dropped:
        found.problems.append(f"{found.dropped} follow-ups dropped")
    return found


def report(run: Run, found: Findings) -> None:
    sent = sum(found.sent.values())
    accounted = sent + found.closed_done + found.dropped == found.planned
    print(f"{run.workers} workers:")
    print(
        f"  follow-ups planned {found.planned}: sent {sent} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(found.sent.items()))}), closed when "
        f"their item was done {found.closed_done}, dropped {found.dropped} {verdict(accounted)}"
    )
    print(f"  sent more than once: {found.duplicates} {verdict(not found.duplicates)}")
    print(f"  family follow-ups in quiet hours: {found.in_quiet} {verdict(not found.in_quiet)}")
    print(f"  sent after their item was done: {found.after_done} {verdict(not found.after_done)}")
    if found.lags:
        print(
            f"  due -> queued (s): p50 {percentile(found.lags, 50):.1f}, "
            f"p99 {percentile(found.lags, 99):.1f}, max {max(found.lags):.1f}"
        )
    slowest = max((t.seconds for t in run.ticks), default=0.0)
    per_worker: dict[int, int] = defaultdict(int)
    for tick in run.ticks:
        per_worker[tick.worker] += tick.sent
    print(
        f"  rounds {run.rounds}, slowest tick {slowest:.2f} s, sent per worker "
        f"{dict(sorted(per_worker.items()))}, {run.wall_seconds:.1f} s wall"
    )
    for problem in found.problems[:10]:
        print(f"  CHECK FAILED: {problem}")


def main() -> None:
    p = parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--meetings", type=int, default=None, help="default 1000 (100 with --quick)")
    p.add_argument("--workers", type=int, nargs="+", default=None, help="default 2 3")
    p.add_argument("--quick", action="store_true", help="a smoke run: 100 meetings, 2 workers")
    p.add_argument(
        "--offset",
        type=float,
        default=14.9,
        help="seconds after a due time on the 15 s grid that the ticks come (default 14.9, "
        "the unluckiest: due times fall on whole minutes)",
    )
    args = p.parse_args()
    meetings = args.meetings or (100 if args.quick else 1000)
    counts = args.workers or ([2] if args.quick else [2, 3])
    failed = False
    with fresh_database(args.database_url) as (url, engine):
        print(f"backend: {backend_name(url)}")
        started = time.perf_counter()
        seed(engine, meetings)
        print(f"seeded {meetings} held meetings in {time.perf_counter() - started:.1f} s")
        for count in counts:
            started = time.perf_counter()
            planned, dones = reset_plan(engine)
            with transaction(engine) as session:
                items = session.scalar(select(func.count()).select_from(ActionItem))
            print(
                f"planned {planned} follow-ups for {items} items ({len(dones)} to be done "
                f"early) in {time.perf_counter() - started:.1f} s"
            )
            run = run_workers(url, engine, count, args.offset, dones)
            found = examine(engine, run)
            report(run, found)
            failed = failed or bool(found.problems)
    print(f"checks: {verdict(not failed)}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
