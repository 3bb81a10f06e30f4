"""Action-plan follow-ups over the weeks after 1,000 meetings: each sent once, never in
quiet hours, none for an item already done; each guardian asked for feedback once.

Seeds one school with N students (20 per class, a teacher each, linked on Telegram) and one
guardian per student on SMS, with a language, a time zone (New York, Chicago, Denver, Los
Angeles) and quiet hours from a mix: none, a night's sleep, a night-shift worker who sleeps
by day (`08:00-15:00;22:00-23:59`, Ms. Pérez's) and an evening shift (`16:00-21:00`, whose
5 PM reminder is moved earlier, to 3:30 PM). One meeting per student goes through the real
action (`actions.create_meeting`) on Tuesday 1 December 2026, between 9 AM and 2 PM. When
each has ended (the simulated clock at its end) the teacher records its notes through the
real `notes.record_notes`: a summary and 3 or 4 items (the teacher's and the guardian's,
alternately), due on school days spread over the next four weeks, and feedback asked 2
days after. So the meeting is held, the family is sent the notes (queued outside their
quiet hours), the teacher hears of their items, and the follow-ups are planned: staff
reminders 2 days before and the morning of, at 8 AM school time; the family's 2 days
before at 5 PM their time, out of quiet hours; the overdue report the morning after; each
guardian's feedback request on Thursday at 5 PM their time, out of quiet hours. A fifth of
the items are marked done (`items.mark_done`, by their owner) at noon on a school day
before their due date.

Then W worker processes (default 2 and 3, the notes recorded afresh before each run) run
`followups.send_due` as the `meeting_followups` clock job does every 15 s, on a simulated
clock: every worker ticks at the same moments (the worst case for claims), `--offset`
seconds after each due time on a 15 s grid, and stretches with nothing due are skipped.
The main process applies each "done" before the first tick at or after its moment. A
follow-up counts as queued when the tick that claimed it ended (real time added to the
simulated moment): an upper bound. Nothing is dispatched: `not_before` is what the
dispatcher honours.

Checks (the exit status fails on these, never on timings): every planned follow-up is sent
or, for items done, closed; each sent once (one contact per sent row; each overdue item in
exactly one report); each guardian asked for feedback once (one FEEDBACK follow-up, one
MeetingFeedback row and one FEEDBACK contact per meeting's guardian); every guardian sent
the notes; no family delivery due (`not_before`: the notes, reminders, feedback requests),
nor any family row, in the guardian's quiet hours; no follow-up of a done item sent after
it was done. Printed: planned, sent, closed and dropped counts; the notes and feedback
requests; due -> queued latency (p50, p99, max).

    python bench/action_followups.py [--meetings 1000] [--workers 2 3] [--quick]
                                     [--database-url URL]
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
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
    MeetingConcern,
    MeetingFeedback,
    MeetingNotes,
)
from commbot.features.meetings.items import mark_done
from commbot.features.meetings.models import (
    AttendeeRole,
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingInvitee,
    MeetingState,
    Purpose,
)
from commbot.features.meetings.notes import ItemSpec, NotesSpec, Owner, record_notes
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
GRID_FROM = dt.datetime.combine(MEETING_DAY, dt.time(0), SCHOOL_ZONE)  # whole minutes
FEEDBACK_DAYS = 2
TICK = dt.timedelta(seconds=15)
CONTACT_OF = {  # what each follow-up sent is recorded as (overdue reports: one per batch)
    FollowupKind.STAFF_REMINDER: ContactKind.ITEM_REMINDER,
    FollowupKind.FAMILY_REMINDER: ContactKind.ITEM_REMINDER,
    FollowupKind.FEEDBACK: ContactKind.FEEDBACK,
}
WAIT_SECONDS = 600  # no tick takes this long: a worker that does has failed
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


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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


@dataclass(frozen=True)
class Marks:
    """The last delivery and contact the seeding made: later ones are the run's."""

    delivery: int
    contact: int


def seed(engine: Engine, meetings: int) -> Marks:
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
        # What the meetings sent before is not part of these weeks.
        session.execute(update(Delivery).values(status=DeliveryStatus.SENT, sent_at=now))
        return Marks(
            session.scalar(select(func.max(Delivery.id))) or 0,
            session.scalar(select(func.max(MeetingContact.id))) or 0,
        )


@dataclass
class Plan:
    followups: int
    feedback: int
    items: int
    notes_deliveries: int
    dones: dict[int, dt.datetime]  # when each item to be done is done (simulated)


def _spec(meeting: Meeting, teacher: Staff, guardian_id: int) -> NotesSpec:
    """3 or 4 items, the teacher's and the guardian's alternately, on school days ahead."""
    items = []
    for position in range(1, 4 + meeting.id % 2):
        staff_owned = position % 2 == 1
        items.append(
            ItemSpec(
                what=f"Task {meeting.id}-{position}",
                owner=Owner(staff_id=teacher.id) if staff_owned else Owner(guardian_id=guardian_id),
                due_on=DUE_DAYS[(meeting.id * 3 + position * 5) % len(DUE_DAYS)],
            )
        )
    return NotesSpec(
        summary="We talked about reading.", items=tuple(items), feedback_days=FEEDBACK_DAYS
    )


def record_plans(engine: Engine, marks: Marks) -> Plan:
    """Forget the last run's notes, plan, follow-ups and what they sent; then record each
    meeting's notes with `record_notes` when it ends (the simulated clock at its end)."""
    with transaction(engine) as session:
        session.execute(delete(MeetingContact).where(MeetingContact.id > marks.contact))
        session.execute(delete(Delivery).where(Delivery.id > marks.delivery))
        for model in (
            ActionFollowup,
            MeetingFeedback,
            ActionItem,
            MeetingConcern,
            MeetingNotes,
            PendingChoice,
        ):
            session.execute(delete(model))
        session.execute(update(Meeting).values(state=MeetingState.SCHEDULED))
    dones: dict[int, dt.datetime] = {}
    items = notes_deliveries = 0
    with transaction(engine) as session:
        guardians = {
            student_id: guardian_id
            for student_id, guardian_id in session.execute(
                select(Guardianship.student_id, Guardianship.guardian_id)
            )
        }
        teachers = {s.id: s for s in session.scalars(select(Staff))}
        for meeting in session.scalars(select(Meeting).order_by(Meeting.id)).all():
            assert meeting.ends_at is not None
            ended = _aware(meeting.ends_at)
            spec = _spec(meeting, teachers[meeting.organizer_id], guardians[meeting.student_id])
            recorded = record_notes(
                session,
                teachers[meeting.organizer_id],
                meeting,
                spec,
                now=ended,
                default_timezone=DEFAULT_TIMEZONE,
            )
            notes_deliveries += sum(len(d) for _, d in recorded.families)
            for item in recorded.items:
                items += 1
                if (meeting.id * 4 + item.position) % 5 == 0:  # a fifth, a few days early
                    before = [d for d in DUE_DAYS if d < item.due_on] or [MEETING_DAY]
                    day = before[max(0, len(before) - 1 - (meeting.id + item.position) % 3)]
                    noon = dt.datetime.combine(day, dt.time(12), SCHOOL_ZONE).astimezone(dt.UTC)
                    dones[item.id] = max(noon, ended + dt.timedelta(hours=1))
        count = session.scalar(select(func.count()).select_from(ActionFollowup)) or 0
        feedback = (
            session.scalar(
                select(func.count())
                .select_from(ActionFollowup)
                .where(ActionFollowup.kind == FollowupKind.FEEDBACK)
            )
            or 0
        )
    return Plan(count, feedback, items, notes_deliveries, dones)


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
    try:
        while True:
            barrier.wait()
            if moment.value < 0:
                break
            at = dt.datetime.fromtimestamp(moment.value, dt.UTC)
            started = time.perf_counter()
            report = followups.send_due(engine, at, default_timezone=DEFAULT_TIMEZONE)
            seconds = time.perf_counter() - started
            ticks.append(Tick(index, at, seconds, report.sent, report.dropped))
            barrier.wait()
    except BaseException:
        barrier.abort()  # the main process stops waiting: the traceback is above
        raise
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
    grid = GRID_FROM.astimezone(dt.UTC) + dt.timedelta(seconds=offset)
    try:
        while True:
            due = next_due(engine)
            upcoming = min(pending.values(), default=None)
            if due is None and upcoming is None:
                break
            if due is None or (upcoming is not None and upcoming <= due):
                assert upcoming is not None
                apply_dones(engine, pending, upcoming)
                continue
            due = _aware(due)
            at = grid + TICK * max(0, -((grid - due) // TICK))  # the first grid tick at or after
            apply_dones(engine, pending, at)
            moment.value = at.timestamp()
            barrier.wait(WAIT_SECONDS)
            barrier.wait(WAIT_SECONDS)
            run.rounds += 1
        moment.value = -1.0
        barrier.wait(WAIT_SECONDS)
    except threading.BrokenBarrierError:
        for process in processes:
            process.terminate()  # only these, the ones started here
            process.join()
        raise SystemExit("a worker failed or hung (its traceback, if any, is above)") from None
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
    guardians: int = 0  # the meetings' guardians: each is sent the notes, asked for feedback
    notes_deliveries: int = 0
    notes_missing: int = 0  # guardians sent no notes
    feedback_planned: int = 0
    feedback_asked: int = 0  # MeetingFeedback rows
    feedback_contacts: int = 0
    feedback_wrong: int = 0  # guardians not asked exactly once
    lags: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def examine(engine: Engine, run: Run) -> Findings:
    found = Findings()
    tick_end: dict[dt.datetime, dt.datetime] = {}
    for tick in run.ticks:
        tick_end[tick.at] = max(tick_end.get(tick.at, tick.ended), tick.ended)
    with transaction(engine) as session:
        rows = session.scalars(select(ActionFollowup)).all()
        items = {i.id: i for i in session.scalars(select(ActionItem))}
        guardians = {g.id: g for g in session.scalars(select(Guardian))}
        by_position = {(i.meeting_id, i.position): i.id for i in items.values()}
        invited = {
            (meeting_id, guardian_id)
            for meeting_id, guardian_id in session.execute(
                select(MeetingInvitee.meeting_id, MeetingInvitee.guardian_id)
            )
        }
        found.guardians = len(invited)
        found.planned = len(rows)
        groups: Counter[tuple[int, str, str, dt.datetime]] = Counter()
        overdue_items: Counter[int] = Counter()
        feedback_rows: Counter[tuple[int, int]] = Counter()
        for row in rows:
            done = _aware(row.done_at) if row.done_at else None
            if row.kind is FollowupKind.FEEDBACK:
                assert row.guardian_id is not None
                feedback_rows[(row.meeting_id, row.guardian_id)] += 1
            if row.outcome == "sent" and done is not None:
                found.sent[row.kind.value] += 1
                if row.kind is FollowupKind.OVERDUE:
                    assert row.item_id is not None
                    overdue_items[row.item_id] += 0
                else:
                    who = f"staff:{row.staff_id}" if row.staff_id else f"guardian:{row.guardian_id}"
                    kind = CONTACT_OF[row.kind].value
                    groups[(row.meeting_id, who, kind, done)] += 1
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
            .where(
                MeetingContact.kind.in_(
                    [
                        ContactKind.ITEM_REMINDER,
                        ContactKind.OVERDUE,
                        ContactKind.FEEDBACK,
                        ContactKind.NOTES,
                    ]
                )
            )
        ).all()
        delivered: Counter[tuple[int, str, str, dt.datetime]] = Counter()
        overdue_deliveries: set[int] = set()
        feedback_contacts: Counter[tuple[int, int]] = Counter()
        told: set[tuple[int, int]] = set()
        for contact, delivery in contacts:
            if contact.kind is ContactKind.OVERDUE:
                if delivery.id in overdue_deliveries:
                    continue  # one report names several meetings
                overdue_deliveries.add(delivery.id)
                for kind, text in delivery.pieces or []:
                    if kind == "words" and str(text).startswith("Task "):
                        meeting_id, position = (int(x) for x in str(text)[5:].split("-"))
                        overdue_items[by_position[(meeting_id, position)]] += 1
                continue
            if contact.kind is ContactKind.NOTES:
                if contact.guardian_id is None:
                    continue  # the teacher hearing of their items
                found.notes_deliveries += 1
                told.add((contact.meeting_id, contact.guardian_id))
            else:
                who = (
                    f"staff:{contact.staff_id}"
                    if contact.staff_id
                    else f"guardian:{contact.guardian_id}"
                )
                key = (contact.meeting_id, who, contact.kind.value, _aware(contact.at))
                delivered[key] += 1
            if contact.kind is ContactKind.FEEDBACK:
                assert contact.guardian_id is not None
                feedback_contacts[(contact.meeting_id, contact.guardian_id)] += 1
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
        asked = Counter(
            (meeting_id, guardian_id)
            for meeting_id, guardian_id in session.execute(
                select(MeetingFeedback.meeting_id, MeetingFeedback.guardian_id)
            )
        )
        found.feedback_planned = sum(feedback_rows.values())
        found.feedback_asked = sum(asked.values())
        found.feedback_contacts = sum(feedback_contacts.values())
        for pair in invited | feedback_rows.keys() | asked.keys() | feedback_contacts.keys():
            if not feedback_rows[pair] == asked[pair] == feedback_contacts[pair] == 1:
                found.feedback_wrong += 1
                found.problems.append(
                    f"meeting {pair[0]}, guardian {pair[1]}: {feedback_rows[pair]} feedback "
                    f"follow-ups, asked {asked[pair]} times, {feedback_contacts[pair]} contacts"
                )
        found.notes_missing = len(invited - told)
        if found.notes_missing:
            found.problems.append(f"{found.notes_missing} guardians sent no notes")
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
        found.problems.append(f"{found.in_quiet} family follow-ups or notes in quiet hours")
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
    print(
        f"  notes to families: {found.notes_deliveries} deliveries, guardians sent none "
        f"{found.notes_missing} of {found.guardians} {verdict(not found.notes_missing)}"
    )
    print(
        f"  feedback: {found.feedback_planned} requests planned for {found.guardians} "
        f"guardians, {found.feedback_asked} asked (MeetingFeedback), "
        f"{found.feedback_contacts} FEEDBACK contacts; guardians not asked exactly once "
        f"{found.feedback_wrong} {verdict(not found.feedback_wrong)}"
    )
    print(
        f"  family deliveries or follow-ups in quiet hours: {found.in_quiet} "
        f"{verdict(not found.in_quiet)}"
    )
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
        marks = seed(engine, meetings)
        print(f"seeded {meetings} scheduled meetings in {time.perf_counter() - started:.1f} s")
        for count in counts:
            started = time.perf_counter()
            plan = record_plans(engine, marks)
            print(
                f"recorded the notes of {meetings} meetings ({plan.notes_deliveries} deliveries "
                f"to families): {plan.items} items ({len(plan.dones)} to be done early), "
                f"{plan.followups} follow-ups planned ({plan.feedback} feedback requests) in "
                f"{time.perf_counter() - started:.1f} s"
            )
            run = run_workers(url, engine, count, args.offset, plan.dones)
            found = examine(engine, run)
            report(run, found)
            failed = failed or bool(found.problems)
    print(f"checks: {verdict(not failed)}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
