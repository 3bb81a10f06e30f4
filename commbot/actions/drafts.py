"""`/msg <student>` with no text: the staff member's next message goes to that family.

A draft lasts 15 minutes; after that, a plain message is not taken as meant for it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..db import find_or_create
from ..models import Staff, StaffCompose, Student

DRAFT_TIME = dt.timedelta(minutes=15)


def start_draft(session: Session, staff: Staff, student: Student, *, now: dt.datetime) -> None:
    """The staff member's next message goes to this student's family (one draft at a time)."""
    # Two `/msg` at once: one row, and the later one's student stands.
    draft, _ = find_or_create(
        session, StaffCompose, {"staff_id": staff.id}, {"student_id": student.id, "created_at": now}
    )
    draft.student_id = student.id
    draft.created_at = now


def take_draft(session: Session, staff: Staff, *, now: dt.datetime) -> Student | None:
    """The student the staff member's open draft is for, closing it; None if there is
    none, or it is too old to be what this message is for."""
    draft = session.get(StaffCompose, staff.id)
    if draft is None:
        return None
    session.delete(draft)
    if now - draft.created_at > DRAFT_TIME:
        return None
    return session.get(Student, draft.student_id)
