"""Who may reach whom. Every access decision in commbot asks this module.

A teacher or specialist serves the students in their classes and those assigned to them
directly; coordinators and admins serve every student of their school. Staff reach only the
guardians of students they serve, and only those guardians who get messages.

People left out of a full roster import (or removed staff) are kept, inactive, for history:
they serve nobody, are served by nobody and receive nothing. The importer keeps a link
inactive whenever its guardian or student is, so `receiving_link()` is enough on links.

Which roles may use which command, button or report, and under which of these
relationships, is the table in `commbot.access` (rendered in ACCESS.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from .models import (
    Guardian,
    Guardianship,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
)

SCHOOL_WIDE_ROLES = frozenset({StaffRole.COORDINATOR, StaffRole.ADMIN})


def receiving_link() -> ColumnElement[bool]:
    """A guardian–student link that carries messages: active and not muted."""
    return and_(Guardianship.receives_messages, Guardianship.active)


def served_students_query(staff: Staff) -> Select[Student]:
    if not staff.active:
        return select(Student).where(false())
    if staff.role in SCHOOL_WIDE_ROLES:
        query = select(Student).where(Student.active)
        if staff.school_id is not None:
            query = query.where(Student.school_id == staff.school_id)
        return query
    in_class = (
        select(enrollments.c.student_id)
        .join(class_staff, class_staff.c.class_id == enrollments.c.class_id)
        .where(class_staff.c.staff_id == staff.id)
    )
    assigned = select(ServiceAssignment.student_id).where(ServiceAssignment.staff_id == staff.id)
    return select(Student).where(
        Student.active, or_(Student.id.in_(in_class), Student.id.in_(assigned))
    )


def served_students(session: Session, staff: Staff) -> list[Student]:
    return list(session.scalars(served_students_query(staff).order_by(Student.name)))


def served_classes(session: Session, staff: Staff) -> list[SchoolClass]:
    """The classes a staff member works with: their own, or every class of their school."""
    ids = served_class_ids(session, [staff]).get(staff.id)
    if not ids:
        return []
    query = select(SchoolClass).where(SchoolClass.id.in_(ids)).order_by(SchoolClass.name)
    return list(session.scalars(query))


def served_class_ids(session: Session, members: Iterable[Staff]) -> dict[int, set[int]]:
    """Each active staff member's classes by id, in at most two queries however many staff
    (check-ins fire for many plans at once): a teacher's or specialist's own classes, a
    coordinator's or admin's every class of their school (of every school without one)."""
    active = [m for m in members if m.active]
    served: dict[int, set[int]] = {m.id: set() for m in active}
    own = [m.id for m in active if m.role not in SCHOOL_WIDE_ROLES]
    if own:
        pairs = select(class_staff.c.staff_id, class_staff.c.class_id).where(
            class_staff.c.staff_id.in_(own)
        )
        for staff_id, class_id in session.execute(pairs):
            served[staff_id].add(class_id)
    wide = [m for m in active if m.role in SCHOOL_WIDE_ROLES]
    if wide:
        schools = {m.school_id for m in wide}
        query = select(SchoolClass.id, SchoolClass.school_id)
        if None not in schools:
            query = query.where(SchoolClass.school_id.in_(schools))
        classes = session.execute(query).all()
        for member in wide:
            served[member.id] |= {
                class_id
                for class_id, school_id in classes
                if member.school_id is None or school_id == member.school_id
            }
    return served


def serves(session: Session, staff: Staff, student: Student) -> bool:
    query = served_students_query(staff).where(Student.id == student.id)
    return session.scalar(query) is not None


def reachable_guardians(session: Session, staff: Staff, student: Student) -> list[Guardian]:
    """The guardians `staff` may write to about `student` (empty if they do not serve them)."""
    if not serves(session, staff, student):
        return []
    return receiving_guardians(session, student)


def receiving_guardians(session: Session, student: Student) -> list[Guardian]:
    """The student's guardians who get messages. Callers have checked who may reach them."""
    return list(
        session.scalars(
            select(Guardian)
            .join(Guardianship)
            .where(Guardianship.student_id == student.id, receiving_link(), Guardian.active)
            .order_by(Guardian.name)
        )
    )


def reachable_guardian_named(session: Session, staff: Staff, name: str) -> Guardian | None:
    """A guardian `staff` may write to, found by full name (any case), in one query."""
    served = served_students_query(staff).with_only_columns(Student.id)
    return session.scalars(
        select(Guardian)
        .join(Guardianship)
        .where(
            Guardianship.student_id.in_(served),
            receiving_link(),
            Guardian.active,
            func.lower(Guardian.name) == name.strip().lower(),
        )
        .order_by(Guardian.id)
    ).first()


def class_teachers(session: Session, student: Student) -> list[Staff]:
    """Staff of the student's classes, teachers first: who answers a family by default."""
    staff = session.scalars(
        select(Staff)
        .join(class_staff, class_staff.c.staff_id == Staff.id)
        .join(enrollments, enrollments.c.class_id == class_staff.c.class_id)
        .where(enrollments.c.student_id == student.id, Staff.active)
        .distinct()
    )
    return sorted(staff, key=lambda s: (s.role is not StaffRole.TEACHER, s.name))


def school_coordinators(session: Session, student: Student) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.role.in_(SCHOOL_WIDE_ROLES), Staff.active)
            .where(or_(Staff.school_id == student.school_id, Staff.school_id.is_(None)))
            .order_by(Staff.role, Staff.name)
        )
    )
