"""Creating check-in plans and keeping one schedule row per time zone they reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from ..models import (
    CheckinPlan,
    CheckinSchedule,
    Guardian,
    Guardianship,
    Staff,
    enrollments,
)
from .timing import next_after


def recipients_query(plan: CheckinPlan, default_timezone: str) -> Select[tuple[int, int, str]]:
    """(guardian id, student id, time zone) for everyone the plan asks, who gets messages."""
    zone = func.coalesce(Guardian.timezone, default_timezone)
    query = (
        select(Guardianship.guardian_id, Guardianship.student_id, zone)
        .join(Guardian, Guardian.id == Guardianship.guardian_id)
        .where(Guardianship.receives_messages)
    )
    if plan.class_id is not None:
        query = query.join(enrollments, enrollments.c.student_id == Guardianship.student_id).where(
            enrollments.c.class_id == plan.class_id
        )
    else:
        query = query.where(Guardianship.student_id == plan.student_id)
    return query.order_by(Guardianship.guardian_id, Guardianship.student_id)


def recipient_timezones(session: Session, plan: CheckinPlan, default_timezone: str) -> set[str]:
    query = recipients_query(plan, default_timezone).subquery()
    return set(session.scalars(select(query.c[2]).distinct()))


def sync_schedules(
    session: Session, plan: CheckinPlan, now: dt.datetime, default_timezone: str
) -> None:
    """One schedule per time zone the plan's families live in; none for zones now empty."""
    wanted = recipient_timezones(session, plan, default_timezone)
    existing = {
        s.timezone: s
        for s in session.scalars(select(CheckinSchedule).where(CheckinSchedule.plan_id == plan.id))
    }
    for zone in wanted - existing.keys():
        session.add(
            CheckinSchedule(
                plan_id=plan.id,
                timezone=zone,
                next_due_at=next_after(plan.days, plan.time, zone, now),
            )
        )
    gone = [existing[zone].id for zone in existing.keys() - wanted]
    if gone:
        session.execute(delete(CheckinSchedule).where(CheckinSchedule.id.in_(gone)))


def create_plan(
    session: Session,
    *,
    staff: Staff,
    days: str,
    time: str,
    now: dt.datetime,
    default_timezone: str,
    class_id: int | None = None,
    student_id: int | None = None,
    template: str | None = None,
    question: str | None = None,
) -> CheckinPlan:
    if (class_id is None) == (student_id is None):
        raise ValueError("a check-in is for one class or one student")
    if (template is None) == (question is None):
        raise ValueError("a check-in asks a catalog question or the staff member's own")
    plan = CheckinPlan(
        staff_id=staff.id,
        class_id=class_id,
        student_id=student_id,
        days=days,
        time=time,
        template=template,
        question=question,
        question_language=staff.language if question else None,
        created_at=now,
    )
    session.add(plan)
    session.flush()
    sync_schedules(session, plan, now, default_timezone)
    return plan


def plans_of(session: Session, staff: Staff) -> Iterator[CheckinPlan]:
    yield from session.scalars(
        select(CheckinPlan).where(CheckinPlan.staff_id == staff.id).order_by(CheckinPlan.id)
    )
