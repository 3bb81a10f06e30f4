"""Firing due check-ins: exactly once per occurrence, however many workers run.

Schedule rows are claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's single writer
otherwise) and their `next_due_at` moved forward in the same transaction that writes the
runs and every delivery; `checkin_runs` is unique per occurrence besides. So a second
worker, or the same one after a restart, never sends an occurrence twice. After downtime the
latest missed occurrence is sent once if it is within the grace window; older ones are
skipped and logged.

A whole district's check-ins may fall due in the same minute, so occurrences are handled in
batches: one query for all their families, bulk inserts for their deliveries and threads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, func, or_, select, update
from sqlalchemy.orm import Session

from ...actions.send_to_family import FAMILY_HEADER
from ...db import dialect_insert, transaction
from ...i18n import gettext
from ...models import (
    AuthorKind,
    ContactPoint,
    Guardian,
    Guardianship,
    Lane,
    Message,
    MessageKind,
    RecipientKind,
    Staff,
    Student,
    Thread,
    enrollments,
)
from ...outbox import DeliverySpec, enqueue_many, family_quiet_until
from ...policy import receiving_link, served_class_ids, serves
from .messages import template_text
from .models import CheckinPlan, CheckinRun, CheckinSchedule
from .timing import latest_at_or_before, next_after

log = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=6)
THREADS: Table = Thread.__table__  # type: ignore[assignment]  # Core, for bulk inserts
CHUNK = 5000  # families per round of lookups and inserts: bounds memory for huge batches


@dataclass
class FireReport:
    fired: list[int] = field(default_factory=list)  # run ids
    skipped: int = 0
    unserved: int = 0  # occurrences not sent: the plan's maker no longer serves its target
    deliveries: int = 0


@dataclass
class _Firing:
    """One occurrence of one plan in one time zone, being sent."""

    plan: CheckinPlan
    staff: Staff
    timezone: str
    due_at: dt.datetime
    message: Message
    families: list[_Family] = field(default_factory=list)
    sent: int = 0


def fire_due(
    engine: Engine,
    now: dt.datetime,
    *,
    default_timezone: str,
    grace: dt.timedelta = GRACE,
    limit: int | None = None,
    batch: int = 200,
) -> FireReport:
    """Fire every schedule due at `now` (at most `limit`), `batch` occurrences per transaction."""
    report = FireReport()
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with transaction(engine) as session:
            schedules = session.scalars(
                select(CheckinSchedule)
                .where(CheckinSchedule.next_due_at <= now)
                .order_by(CheckinSchedule.next_due_at, CheckinSchedule.id)
                .limit(size)
                .with_for_update(skip_locked=True)
            ).all()
            if schedules:
                _fire_batch(session, schedules, now, default_timezone, grace, report)
        if not schedules:
            break
        done += len(schedules)
    return report


def _fire_batch(
    session: Session,
    schedules: Sequence[CheckinSchedule],
    now: dt.datetime,
    default_timezone: str,
    grace: dt.timedelta,
    report: FireReport,
) -> None:
    plans = {
        p.id: p
        for p in session.scalars(
            select(CheckinPlan).where(CheckinPlan.id.in_({s.plan_id for s in schedules}))
        )
    }
    staff = {
        s.id: s
        for s in session.scalars(
            select(Staff).where(Staff.id.in_({p.staff_id for p in plans.values()}))
        )
    }
    served = served_class_ids(session, staff.values())
    due: list[tuple[CheckinPlan, str, dt.datetime]] = []
    for schedule in schedules:
        plan = plans[schedule.plan_id]
        occurrence = latest_at_or_before(
            plan.days, plan.time, schedule.timezone, schedule.next_due_at, now
        )
        schedule.next_due_at = next_after(plan.days, plan.time, schedule.timezone, now)
        if plan.paused:
            continue
        if not _still_serves(session, plan, staff[plan.staff_id], served):
            report.unserved += 1
            log.info("check-in plan %s not sent: its maker no longer serves its target", plan.id)
            continue
        if now - occurrence > grace:
            report.skipped += 1
            log.warning(
                "check-in plan %s (%s) missed its %s occurrence by %s; skipped",
                plan.id,
                schedule.timezone,
                occurrence.isoformat(timespec="minutes"),
                now - occurrence,
            )
            continue
        due.append((plan, schedule.timezone, occurrence))
    if not due:
        return
    done = set(
        session.execute(
            select(CheckinRun.plan_id, CheckinRun.timezone, CheckinRun.due_at).where(
                CheckinRun.plan_id.in_({plan.id for plan, _, _ in due})
            )
        ).all()
    )
    firings = [
        _Firing(
            plan, staff[plan.staff_id], zone, occurrence, _message(plan, staff[plan.staff_id], now)
        )
        for plan, zone, occurrence in due
        if (plan.id, zone, occurrence) not in done
    ]
    if not firings:
        return
    session.add_all([f.message for f in firings])
    session.flush()
    points = _gather_recipients(session, firings, default_timezone)
    everyone = [(f, family) for f in firings for family in f.families]
    for start in range(0, len(everyone), CHUNK):
        chunk = everyone[start : start + CHUNK]
        _enqueue(session, chunk, points, now)
        _touch_threads(session, chunk, now)
    runs = [
        CheckinRun(
            plan_id=f.plan.id,
            timezone=f.timezone,
            due_at=f.due_at,
            fired_at=now,
            recipients=[[family.guardian_id, family.student_id] for family in f.families],
            digest_due_at=now + dt.timedelta(hours=f.plan.digest_after_hours),
        )
        for f in firings
    ]
    session.add_all(runs)
    session.flush()
    for firing, run in zip(firings, runs, strict=True):
        report.fired.append(run.id)
        report.deliveries += firing.sent
        log.info(
            "check-in plan %s fired for %s: %d families",
            firing.plan.id,
            firing.timezone,
            firing.sent,
        )


def _still_serves(
    session: Session, plan: CheckinPlan, maker: Staff, served: dict[int, set[int]]
) -> bool:
    """Staff reach only the families of students they serve (`commbot.policy`), and a plan
    asks in its maker's name: once they are removed, leave the class or stop serving the
    student, it asks nobody (it is kept, and asks again should they come back)."""
    if plan.class_id is not None:
        return plan.class_id in served.get(maker.id, set())
    student = session.get(Student, plan.student_id) if plan.student_id is not None else None
    return student is not None and serves(session, maker, student)


def _message(plan: CheckinPlan, staff: Staff, now: dt.datetime) -> Message:
    return Message(
        kind=MessageKind.CHECKIN,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=plan.student_id,
        text=plan.question or plan.template or "",
        language=plan.question_language or staff.language,
        created_at=now,
    )


@dataclass(frozen=True)
class _Family:
    guardian_id: int
    student_id: int
    student_name: str
    language: str
    timezone: str
    quiet_hours: str


def _gather_recipients(
    session: Session, firings: list[_Firing], default_timezone: str
) -> dict[int, list[Any]]:
    """Everyone each firing asks, and each family's usable contact points in preference
    order, in two queries for the whole batch (no long lists of ids sent to the database)."""
    by_class: dict[tuple[int, str], list[_Firing]] = defaultdict(list)
    by_student: dict[tuple[int, str], list[_Firing]] = defaultdict(list)
    for f in firings:
        if f.plan.class_id is not None:
            by_class[(f.plan.class_id, f.timezone)].append(f)
        else:
            by_student[(f.plan.student_id or 0, f.timezone)].append(f)
    asked = or_(
        enrollments.c.class_id.in_({c for c, _ in by_class}),
        Guardianship.student_id.in_({s for s, _ in by_student}),
    )
    families = (
        select(
            Guardianship.guardian_id,
            Guardianship.student_id,
            Student.name,
            Guardian.language,
            func.coalesce(Guardian.timezone, default_timezone),
            Guardian.quiet_hours,
            enrollments.c.class_id,
        )
        .join(Guardian, Guardian.id == Guardianship.guardian_id)
        .join(Student, Student.id == Guardianship.student_id)
        .outerjoin(enrollments, enrollments.c.student_id == Guardianship.student_id)
        .where(receiving_link(), asked)
        .order_by(Guardianship.guardian_id, Guardianship.student_id)
    )
    seen: set[tuple[int, int, int]] = set()
    for guardian_id, student_id, name, language, zone, quiet, class_id in session.execute(families):
        family = _Family(guardian_id, student_id, name, language, zone, quiet)
        for f in by_class.get((class_id, zone), []) + by_student.get((student_id, zone), []):
            key = (id(f), guardian_id, student_id)
            if key not in seen:  # a student in two classes appears twice in the join
                seen.add(key)
                f.families.append(family)
    points: dict[int, list[Any]] = defaultdict(list)
    usable = (
        select(
            ContactPoint.guardian_id,
            ContactPoint.priority,  # DISTINCT needs what it is ordered by
            ContactPoint.id,
            ContactPoint.channel,
            ContactPoint.address,
        )
        .join(Guardianship, Guardianship.guardian_id == ContactPoint.guardian_id)
        .outerjoin(enrollments, enrollments.c.student_id == Guardianship.student_id)
        .where(ContactPoint.opted_out.is_(False), asked)
        .distinct()
        .order_by(ContactPoint.guardian_id, ContactPoint.priority, ContactPoint.id)
    )
    for point in session.execute(usable):
        points[point.guardian_id].append(point)
    return points


def _enqueue(
    session: Session,
    chunk: Sequence[tuple[_Firing, _Family]],
    points: dict[int, list[Any]],
    now: dt.datetime,
) -> None:
    quiet_until: dict[tuple[str, str], dt.datetime] = {}
    headers: dict[tuple[int, str, int], str] = {}
    specs: list[DeliverySpec] = []
    for firing, family in chunk:
        usable = points.get(family.guardian_id)
        if not usable:
            continue  # no usable channel: the digest lists them as not reached
        point = usable[0]
        plan = firing.plan
        header_key = (plan.id, family.language, family.student_id)
        if header_key not in headers:
            header = gettext(
                family.language, FAMILY_HEADER, staff=firing.staff.name, student=family.student_name
            )
            if plan.template:
                header += "\n" + template_text(plan.template, family.language, family.student_name)
            headers[header_key] = header
        firing.sent += 1
        specs.append(
            DeliverySpec(
                recipient_kind=RecipientKind.GUARDIAN,
                channel=point.channel,
                address=point.address,
                language=family.language,
                not_before=family_quiet_until(
                    family.quiet_hours, family.timezone, now, quiet_until
                ),
                lane=Lane.REMINDER,
                header=headers[header_key],
                body=plan.question or "",
                body_language=plan.question_language,
                guardian_id=family.guardian_id,
                contact_point_id=point.id,
                message_id=firing.message.id,
                explain_terms=bool(plan.question),
            )
        )
    enqueue_many(session, specs, now)


def _insert_threads(session: Session, rows: list[dict[str, Any]]) -> None:
    # Core executemany (psycopg pipelines it): the ORM's bulk path adds nothing here. A
    # family writing first at this moment may create one of these threads meanwhile: the
    # check-in then marks theirs as its own instead of colliding with it.
    if rows:
        insert = dialect_insert(session, THREADS)
        upsert = insert.on_conflict_do_update(
            index_elements=["student_id", "guardian_id", "staff_id"],
            set_={
                "last_staff_message_at": insert.excluded.last_staff_message_at,
                "last_message_at": insert.excluded.last_message_at,
            },
        )
        session.execute(upsert, rows)


def _touch_threads(
    session: Session, chunk: Iterable[tuple[_Firing, _Family]], now: dt.datetime
) -> None:
    """Replies to a check-in go to the staff member who asked: they wrote last."""
    wanted = {(f.staff.id, family.guardian_id, family.student_id) for f, family in chunk}
    if not wanted:
        return
    existing = {
        (staff_id, guardian_id, student_id): thread_id
        for staff_id, guardian_id, student_id, thread_id in session.execute(
            select(Thread.staff_id, Thread.guardian_id, Thread.student_id, Thread.id).where(
                Thread.staff_id.in_({t for t, _, _ in wanted})
            )
        )
        if (staff_id, guardian_id, student_id) in wanted
    }
    if existing:
        session.execute(
            update(Thread)
            .where(Thread.id.in_(list(existing.values())))
            .values(last_staff_message_at=now, last_message_at=now)
            .execution_options(synchronize_session=False)
        )
    _insert_threads(
        session,
        [
            {
                "staff_id": t,
                "guardian_id": g,
                "student_id": s,
                "created_at": now,
                "last_staff_message_at": now,
                "last_message_at": now,
            }
            for t, g, s in sorted(wanted - existing.keys())
        ],
    )
