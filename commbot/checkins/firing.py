"""Firing due check-ins: exactly once per occurrence, however many workers run.

A schedule row is claimed by moving its `next_due_at` forward in the same transaction that
writes the run and every delivery (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's single
writer otherwise), and `checkin_runs` is unique per occurrence, so a second worker, or the
same one after a restart, never sends an occurrence twice. After downtime, the latest missed
occurrence is sent once if it is within the grace window, and older ones are skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from .. import quiet_hours
from ..db import transaction
from ..i18n import gettext
from ..models import (
    AuthorKind,
    CheckinPlan,
    CheckinRun,
    CheckinSchedule,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Lane,
    Message,
    MessageKind,
    RecipientKind,
    Staff,
    Student,
    Thread,
)
from ..staff_messages import FAMILY_HEADER
from .plans import recipients_query
from .questions import template_text
from .timing import latest_at_or_before, next_after

log = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=6)
CHUNK = 2000  # families handled per round trip: bounds memory for very large plans


@dataclass
class FireReport:
    fired: list[int] = field(default_factory=list)  # run ids
    skipped: int = 0
    deliveries: int = 0


def fire_due(
    engine: Engine,
    now: dt.datetime,
    *,
    default_timezone: str,
    grace: dt.timedelta = GRACE,
    limit: int | None = None,
    batch: int = 100,
) -> FireReport:
    """Fire every schedule that is due at `now` (at most `limit`), `batch` per transaction.

    Batching matters when a whole district's check-ins fall due in the same minute: one
    transaction per hundred occurrences rather than one each.
    """
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
            for schedule in schedules:
                _fire_one(session, schedule, now, default_timezone, grace, report)
        if not schedules:
            break
        done += len(schedules)
    return report


def _fire_one(
    session: Session,
    schedule: CheckinSchedule,
    now: dt.datetime,
    default_timezone: str,
    grace: dt.timedelta,
    report: FireReport,
) -> None:
    plan = session.get_one(CheckinPlan, schedule.plan_id)
    occurrence = latest_at_or_before(
        plan.days, plan.time, schedule.timezone, schedule.next_due_at, now
    )
    schedule.next_due_at = next_after(plan.days, plan.time, schedule.timezone, now)
    if plan.paused:
        return
    if now - occurrence > grace:
        report.skipped += 1
        log.warning(
            "check-in plan %s (%s) missed its %s occurrence by %s; skipped",
            plan.id,
            schedule.timezone,
            occurrence.isoformat(timespec="minutes"),
            now - occurrence,
        )
        return
    already = session.scalar(
        select(CheckinRun.id).where(
            CheckinRun.plan_id == plan.id,
            CheckinRun.timezone == schedule.timezone,
            CheckinRun.due_at == occurrence,
        )
    )
    if already is not None:
        return
    run, count = fire_plan(session, plan, schedule.timezone, occurrence, now, default_timezone)
    report.fired.append(run.id)
    report.deliveries += count


def fire_plan(
    session: Session,
    plan: CheckinPlan,
    timezone: str,
    due_at: dt.datetime,
    now: dt.datetime,
    default_timezone: str,
) -> tuple[CheckinRun, int]:
    """Queue the plan's question to its families in `timezone`; returns the run and count."""
    staff = session.get_one(Staff, plan.staff_id)
    message = Message(
        kind=MessageKind.CHECKIN,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=plan.student_id,
        text=plan.question or plan.template or "",
        language=plan.question_language or staff.language,
        created_at=now,
    )
    session.add(message)
    session.flush()
    recipients: list[list[int]] = []
    count = 0
    rows = session.execute(
        recipients_query(plan, default_timezone).execution_options(yield_per=CHUNK)
    )
    for chunk in rows.partitions(CHUNK):
        pairs = [
            (guardian_id, student_id) for guardian_id, student_id, zone in chunk if zone == timezone
        ]
        if not pairs:
            continue
        recipients.extend([g, s] for g, s in pairs)
        count += _enqueue(session, plan, staff, message, pairs, now, default_timezone)
        _touch_threads(session, staff.id, pairs, now)
    run = CheckinRun(
        plan_id=plan.id,
        timezone=timezone,
        due_at=due_at,
        fired_at=now,
        recipients=recipients,
        digest_due_at=now + dt.timedelta(hours=plan.digest_after_hours),
    )
    session.add(run)
    session.flush()
    log.info("check-in plan %s fired for %s: %d families", plan.id, timezone, count)
    return run, count


def _enqueue(
    session: Session,
    plan: CheckinPlan,
    staff: Staff,
    message: Message,
    pairs: Sequence[tuple[int, int]],
    now: dt.datetime,
    default_timezone: str,
) -> int:
    guardian_ids = sorted({g for g, _ in pairs})
    guardians = {
        row.id: row
        for row in session.execute(
            select(Guardian.id, Guardian.language, Guardian.timezone, Guardian.quiet_hours).where(
                Guardian.id.in_(guardian_ids)
            )
        )
    }
    first_point: dict[int, Any] = {}
    for point in session.execute(
        select(
            ContactPoint.guardian_id, ContactPoint.id, ContactPoint.channel, ContactPoint.address
        )
        .where(ContactPoint.guardian_id.in_(guardian_ids), ContactPoint.opted_out.is_(False))
        .order_by(ContactPoint.guardian_id, ContactPoint.priority, ContactPoint.id)
    ):
        first_point.setdefault(point.guardian_id, point)
    students = {
        row.id: row.name
        for row in session.execute(
            select(Student.id, Student.name).where(Student.id.in_({s for _, s in pairs}))
        )
    }
    quiet_until: dict[tuple[str, str], dt.datetime] = {}
    headers: dict[tuple[str, int], str] = {}
    rows: list[dict[str, Any]] = []
    for guardian_id, student_id in pairs:
        guardian = guardians[guardian_id]
        point = first_point.get(guardian_id)
        if point is None:
            continue  # no usable channel: the digest lists them as not reached
        zone = guardian.timezone or default_timezone
        key = (guardian.quiet_hours, zone)
        if key not in quiet_until:
            quiet_until[key] = quiet_hours.next_allowed(quiet_hours.parse(key[0]), zone, now)
        header_key = (guardian.language, student_id)
        if header_key not in headers:
            student = students[student_id]
            header = gettext(guardian.language, FAMILY_HEADER, staff=staff.name, student=student)
            if plan.template:
                header += "\n" + template_text(plan.template, guardian.language, student)
            headers[header_key] = header
        rows.append(
            {
                "message_id": message.id,
                "recipient_kind": RecipientKind.GUARDIAN,
                "guardian_id": guardian_id,
                "staff_id": None,
                "contact_point_id": point.id,
                "channel": point.channel,
                "address": point.address,
                "lane": int(Lane.REMINDER),
                "status": DeliveryStatus.PENDING,
                "language": guardian.language,
                "header": headers[header_key],
                "body": plan.question or "",
                "body_language": plan.question_language,
                "show_original": False,
                "back_translate_via": None,
                "explain_terms": bool(plan.question),
                "skip_quiet_hours": False,
                "media": [],
                "buttons": [],
                "attempts": 0,
                "not_before": quiet_until[key],
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        # Core executemany: the ORM's bulk path costs more per row and adds nothing here.
        session.execute(Delivery.__table__.insert(), rows)
    return len(rows)


def _touch_threads(
    session: Session, staff_id: int, pairs: Iterable[tuple[int, int]], now: dt.datetime
) -> None:
    """Replies to a check-in go to the staff member who asked: they wrote last."""
    pairs = list(pairs)
    wanted = set(pairs)
    existing = {
        (guardian_id, student_id): thread_id
        for guardian_id, student_id, thread_id in session.execute(
            select(Thread.guardian_id, Thread.student_id, Thread.id).where(
                Thread.staff_id == staff_id,
                Thread.guardian_id.in_({g for g, _ in wanted}),
            )
        )
        if (guardian_id, student_id) in wanted
    }
    if existing:
        session.execute(
            update(Thread)
            .where(Thread.id.in_(list(existing.values())))
            .values(last_staff_message_at=now, last_message_at=now)
            .execution_options(synchronize_session=False)
        )
    missing = [p for p in pairs if p not in existing]
    if missing:
        session.execute(
            Thread.__table__.insert(),
            [
                {
                    "guardian_id": g,
                    "student_id": s,
                    "staff_id": staff_id,
                    "created_at": now,
                    "last_staff_message_at": now,
                    "last_message_at": now,
                }
                for g, s in dict.fromkeys(missing)
            ],
        )
