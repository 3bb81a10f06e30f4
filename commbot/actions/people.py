"""Changing who is in the school outside a roster import: staff added to classes, removed
or given a student; a guardian muted or unmuted for one child. Nothing is deleted:
removed people are kept for history and reach, and are reached by, nobody."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import find_or_create
from ..errors import UserError
from ..models import (
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffRole,
    Student,
)

SERVICE_SIZE = 200  # service_assignments.service


def add_staff(
    session: Session,
    *,
    email: str,
    name: str,
    role: StaffRole,
    language: str,
    school: str | None = None,
    classes: Sequence[str] = (),
) -> tuple[Staff, bool]:
    """Add a staff member, or update one (active again); put them in `classes` of their
    school. Returns them and whether they are new."""
    staff, new = find_or_create(
        session, Staff, {"email": email}, {"name": name.strip(), "role": role, "language": language}
    )
    staff.name, staff.role, staff.language, staff.active = name.strip(), role, language, True
    if school is not None or classes:
        found = _school(session, school, staff)
        staff.school_id = found.id
        for class_name in classes:
            school_class = _class(session, found, class_name)
            if school_class not in staff.classes:
                staff.classes.append(school_class)
    return staff, new


def remove_staff(session: Session, staff: Staff) -> None:
    """Deactivate: kept for history, they get nothing and serve nobody."""
    staff.active = False


def assign_student(
    session: Session, staff: Staff, student_id: str, service: str | None
) -> tuple[Student, str | None]:
    """Give a staff member (a specialist, say) a student of their school outside their
    classes, by the roster's student id; returns the student and the service as stored."""
    query = select(Student).where(Student.external_id == student_id.strip())
    if staff.school_id is not None:
        query = query.where(Student.school_id == staff.school_id)
    students = list(session.scalars(query.limit(2)))
    if not students:
        raise UserError(f"no student {student_id!r} in the roster")
    if len(students) > 1:
        raise UserError(
            f"student {student_id!r} is in several schools: give {staff.email} a school "
            "with `commbot staff add ... --school NAME`"
        )
    student = students[0]
    service = (service or "").strip() or None
    if service is not None and len(service) > SERVICE_SIZE:
        raise UserError(f"--service is longer than {SERVICE_SIZE} characters")
    assignment, _ = find_or_create(
        session,
        ServiceAssignment,
        {"staff_id": staff.id, "student_id": student.id},
        {"service": service},
    )
    assignment.service = service
    return student, service


def set_receives_messages(
    session: Session, guardian: Guardian, student_id: str, receives: bool
) -> Guardianship:
    """Mute or unmute a guardian for one of their children (by the roster's student id)."""
    link = session.scalar(
        select(Guardianship)
        .join(Student)
        .where(
            Guardianship.guardian_id == guardian.id,
            Student.external_id == student_id.strip(),
            Student.school_id == guardian.school_id,
        )
    )
    if link is None:
        raise UserError(f"{guardian.name} is not a guardian of student {student_id!r}")
    link.receives_messages = receives
    return link


def _school(session: Session, name: str | None, staff: Staff) -> School:
    if name is not None:
        school = session.scalar(select(School).where(School.name == name.strip()))
        if school is None:
            raise UserError(f"no school named {name!r} (import its roster first)")
        return school
    if staff.school_id is not None:
        return session.get_one(School, staff.school_id)
    schools = list(session.scalars(select(School).limit(2)))
    if len(schools) != 1:
        raise UserError(
            "say which school with --school NAME" if schools else "import a roster first"
        )
    return schools[0]


def _class(session: Session, school: School, name: str) -> SchoolClass:
    school_class = session.scalar(
        select(SchoolClass).where(
            SchoolClass.school_id == school.id, SchoolClass.name == name.strip()
        )
    )
    if school_class is None:
        raise UserError(f"{school.name} has no class named {name!r}")
    return school_class
