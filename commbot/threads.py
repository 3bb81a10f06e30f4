"""Threads: one conversation per student, guardian and staff member."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Guardian, Staff, Student, Thread


def thread_for(
    session: Session, student: Student, guardian: Guardian, staff: Staff, now: dt.datetime
) -> Thread:
    """The thread between these three, created on first use."""
    thread = session.scalar(
        select(Thread).where(
            Thread.student_id == student.id,
            Thread.guardian_id == guardian.id,
            Thread.staff_id == staff.id,
        )
    )
    if thread is None:
        thread = Thread(
            student_id=student.id, guardian_id=guardian.id, staff_id=staff.id, created_at=now
        )
        session.add(thread)
        session.flush()
    return thread
