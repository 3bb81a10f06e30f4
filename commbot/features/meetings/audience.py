"""Who a meeting still speaks to: the rules are checked again at every message, not only
when the meeting is made, because rosters change (a custody change, a muted link, a
teacher who leaves the class).

- Families: the student's guardians who get messages now (active, with a receiving link),
  among those asked; a guardian added to the roster since is asked when the time is settled.
- Staff: the organizer and staff attendees who are active and still serve the student.
- The family's answers go to the organizer while they serve the student, else to the
  student's class teacher, else a coordinator: never to someone who no longer may read them.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Guardian, Guardianship, Staff, Student
from ...policy import (
    class_teachers,
    receiving_guardians,
    receiving_link,
    school_coordinators,
    serves,
)
from .models import Meeting, MeetingAttendee, MeetingInvitee


def invitees(session: Session, meeting: Meeting) -> list[tuple[MeetingInvitee, Guardian]]:
    """The guardians asked to the meeting who still get messages about the student."""
    rows = session.execute(
        select(MeetingInvitee, Guardian)
        .join(Guardian, Guardian.id == MeetingInvitee.guardian_id)
        .join(
            Guardianship,
            (Guardianship.guardian_id == Guardian.id)
            & (Guardianship.student_id == meeting.student_id),
        )
        .where(MeetingInvitee.meeting_id == meeting.id, Guardian.active, receiving_link())
        .order_by(Guardian.name)
    )
    return [(invitee, guardian) for invitee, guardian in rows]


def still_invited(session: Session, meeting: Meeting, guardian_id: int) -> bool:
    return any(guardian.id == guardian_id for _, guardian in invitees(session, meeting))


def invite_newcomers(session: Session, meeting: Meeting) -> list[Guardian]:
    """Ask guardians who joined the roster (or got messages again) since the meeting was
    made; they get the whole preview like anyone who has heard nothing yet."""
    student = session.get_one(Student, meeting.student_id)
    asked = set(
        session.scalars(
            select(MeetingInvitee.guardian_id).where(MeetingInvitee.meeting_id == meeting.id)
        )
    )
    newcomers = [g for g in receiving_guardians(session, student) if g.id not in asked]
    session.add_all(
        MeetingInvitee(
            meeting_id=meeting.id, guardian_id=g.id, calendar_token=secrets.token_urlsafe(24)
        )
        for g in newcomers
    )
    session.flush()
    return newcomers


def staff_recipients(session: Session, meeting: Meeting) -> list[Staff]:
    """The organizer and every staff attendee, once each, while they serve the student."""
    student = session.get_one(Student, meeting.student_id)
    ids = [meeting.organizer_id]
    ids += [
        i
        for i in session.scalars(
            select(MeetingAttendee.staff_id).where(
                MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.staff_id.is_not(None)
            )
        )
        if i is not None
    ]
    people = [session.get(Staff, i) for i in dict.fromkeys(ids)]
    return [s for s in people if s is not None and s.active and serves(session, s, student)]


def answers_go_to(session: Session, meeting: Meeting) -> Staff | None:
    """Who reads the family's answers: the organizer while they serve the student."""
    student = session.get_one(Student, meeting.student_id)
    organizer = session.get(Staff, meeting.organizer_id)
    if organizer is not None and organizer.active and serves(session, organizer, student):
        return organizer
    team = class_teachers(session, student) or school_coordinators(session, student)
    return team[0] if team else None
