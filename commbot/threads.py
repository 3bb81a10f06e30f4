"""Threads: one conversation per student, guardian and staff member."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .db import find_or_create
from .models import Guardian, Staff, Student, Thread


def thread_for(
    session: Session, student: Student, guardian: Guardian, staff: Staff, now: dt.datetime
) -> Thread:
    """The thread between these three, created on first use.

    Two first messages at once (a family writing twice, or writing while a check-in goes
    out) both find no thread: the insert yields to the other's, so both get the same one.
    """
    thread, _ = find_or_create(
        session,
        Thread,
        {"student_id": student.id, "guardian_id": guardian.id, "staff_id": staff.id},
        {"created_at": now},
    )
    return thread
