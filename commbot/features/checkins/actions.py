"""Check-in operations, for every entry point: create, list, pause, resume, delete.

Only the staff member who made a plan may change it; a plan for a class or a student they
do not serve cannot be made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from ...errors import InputError
from ...models import Staff, Student
from ...policy import served_classes, serves
from .models import CheckinPlan
from .plans import plans_of, sync_schedules
from .timing import next_after, parse_days, parse_time


class CheckinError(InputError):
    """A check-in that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class CreatedCheckin:
    plan: CheckinPlan
    first_at: dt.datetime  # the first occurrence, in the school's default time zone


def create_checkin(
    session: Session,
    staff: Staff,
    *,
    days: str,
    time: str,
    now: dt.datetime,
    default_timezone: str,
    class_id: int | None = None,
    student_id: int | None = None,
    template: str | None = None,
    question: str | None = None,
) -> CreatedCheckin:
    """A recurring check-in for one class or one student, with a catalog question
    (`template`) or the staff member's own words (`question`)."""
    if (class_id is None) == (student_id is None):
        raise CheckinError("a check-in is for one class or one student")
    if (template is None) == (question is None):
        raise CheckinError("a check-in asks a catalog question or the staff member's own")
    if class_id is not None and class_id not in {c.id for c in served_classes(session, staff)}:
        raise CheckinError("not one of your classes")
    if student_id is not None:
        student = session.get(Student, student_id)
        if student is None or not serves(session, staff, student):
            raise CheckinError("not one of your students")
    days, time = parse_days(days), parse_time(time)
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
    return CreatedCheckin(plan, next_after(days, time, default_timezone, now))


def list_checkins(session: Session, staff: Staff) -> list[CheckinPlan]:
    return list(plans_of(session, staff))


class PlanChange(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "delete"


def change_checkin(
    session: Session, staff: Staff, plan_id: int, change: PlanChange
) -> CheckinPlan | None:
    """Pause, resume or delete one of the staff member's own plans; None if it is not
    theirs or is gone (a stale button, say)."""
    plan = session.get(CheckinPlan, plan_id)
    if plan is None or plan.staff_id != staff.id:
        return None
    if change is PlanChange.PAUSE:
        plan.paused = True
    elif change is PlanChange.RESUME:
        plan.paused = False
    else:
        session.delete(plan)
    return plan
