"""A student's team from school, as the `/meeting` dialog offers it for attendees: the
staff of the student's classes and those assigned to the student, each with the meeting
role that says to a family what they do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ServiceAssignment, Staff, StaffRole, Student
from ...policy import class_teachers
from .models import AttendeeRole

# A service's words ("speech therapy") name the role better than "specialist" does.
SERVICE_ROLES: tuple[tuple[str, AttendeeRole], ...] = (
    ("speech", AttendeeRole.SPEECH_THERAPIST),
    ("language", AttendeeRole.SPEECH_THERAPIST),
    ("occupational", AttendeeRole.OCCUPATIONAL_THERAPIST),
    ("physical", AttendeeRole.PHYSICAL_THERAPIST),
    ("psycholog", AttendeeRole.SCHOOL_PSYCHOLOGIST),
    ("social", AttendeeRole.SOCIAL_WORKER),
    ("counsel", AttendeeRole.COUNSELOR),
    ("nurs", AttendeeRole.NURSE),
    ("transition", AttendeeRole.TRANSITION_SPECIALIST),
    ("interpret", AttendeeRole.INTERPRETER),
)
# A staff role's place on an IEP team (34 CFR 300.321): the teacher of a special-education
# class is its special education teacher; a coordinator runs the meeting; an administrator
# is the one who can commit the district's resources.
STAFF_ROLES: dict[StaffRole, AttendeeRole] = {
    StaffRole.TEACHER: AttendeeRole.SPECIAL_EDUCATION_TEACHER,
    StaffRole.SPECIALIST: AttendeeRole.OTHER,
    StaffRole.COORDINATOR: AttendeeRole.COORDINATOR,
    StaffRole.ADMIN: AttendeeRole.DISTRICT_REPRESENTATIVE,
}


@dataclass(frozen=True)
class TeamMember:
    staff_id: int
    name: str
    role: AttendeeRole


def attendee_role(role: StaffRole, service: str | None = None) -> AttendeeRole:
    words = (service or "").lower()
    for stem, attendee in SERVICE_ROLES:
        if stem in words:
            return attendee
    return STAFF_ROLES[role]


def student_team(session: Session, student: Student, organizer: Staff) -> list[TeamMember]:
    """The organizer first, then the class staff, then the staff assigned to the student;
    each once, active ones only."""
    members: dict[int, TeamMember] = {}
    assigned = session.execute(
        select(Staff, ServiceAssignment.service)
        .join(ServiceAssignment, ServiceAssignment.staff_id == Staff.id)
        .where(ServiceAssignment.student_id == student.id, Staff.active)
        .order_by(Staff.name)
    ).all()
    services = {staff.id: service for staff, service in assigned}

    def add(staff: Staff) -> None:
        if staff.id not in members:
            role = attendee_role(staff.role, services.get(staff.id))
            members[staff.id] = TeamMember(staff.id, staff.name, role)

    add(organizer)
    for staff in class_teachers(session, student):
        add(staff)
    for staff, _service in assigned:
        add(staff)
    return list(members.values())
