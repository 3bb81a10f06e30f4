"""Creating check-in plans and keeping one schedule row per time zone they reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from ...db import insert_missing
from ...models import Guardian, Guardianship, SchoolClass, Staff, Student, enrollments
from ...policy import receiving_link
from .models import CheckinPlan, CheckinSchedule
from .timing import next_after


def recipients_query(plan: CheckinPlan, default_timezone: str) -> Select[int, int, str]:
    """(guardian id, student id, time zone) for everyone the plan asks, who gets messages."""
    zone = func.coalesce(Guardian.timezone, default_timezone)
    query = (
        select(Guardianship.guardian_id, Guardianship.student_id, zone)
        .join(Guardian, Guardian.id == Guardianship.guardian_id)
        .where(receiving_link())
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
    # A roster change and an edit of the plan at once may both add a zone: one row each.
    insert_missing(
        session,
        CheckinSchedule.__table__,
        [
            {
                "plan_id": plan.id,
                "timezone": zone,
                "next_due_at": next_after(plan.days, plan.time, zone, now),
            }
            for zone in sorted(wanted - existing.keys())
        ],
        ["plan_id", "timezone"],
    )
    gone = [existing[zone].id for zone in existing.keys() - wanted]
    if gone:
        session.execute(delete(CheckinSchedule).where(CheckinSchedule.id.in_(gone)))


def plans_of(session: Session, staff: Staff) -> Iterator[CheckinPlan]:
    yield from session.scalars(
        select(CheckinPlan).where(CheckinPlan.staff_id == staff.id).order_by(CheckinPlan.id)
    )


def target_name(session: Session, plan: CheckinPlan) -> str:
    """The class's or the student's name, as staff know it."""
    if plan.class_id is not None:
        school_class = session.get(SchoolClass, plan.class_id)
        return school_class.name if school_class else "?"
    student = session.get(Student, plan.student_id)
    return student.name if student else "?"
