"""Which families a report covers: those of the students the viewer serves (every school's
for the operator, who runs the command line), optionally of one class only.

A family is a guardian who gets messages about at least one of those students (an active,
unmuted link: `policy.receiving_link`). Everything a report counts is bounded by the
guardian-id query `Scope.guardians()`, sent to the database as a subquery, never as a long
list of ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ...errors import UserError
from ...models import Guardian, Guardianship, SchoolClass, Staff, Student, enrollments
from ...policy import receiving_link, served_classes, served_students_query


class ReportError(UserError):
    """A report that cannot be made as asked: names why in one line."""


@dataclass(frozen=True)
class Scope:
    viewer: Staff | None = None  # None: the operator, who sees every school
    class_ids: tuple[int, ...] | None = None  # None: every class

    def students(self) -> Select[int]:
        """The ids of the students in scope."""
        if self.viewer is None:
            query = select(Student.id).where(Student.active)
        else:
            query = served_students_query(self.viewer).with_only_columns(Student.id)
        if self.class_ids is not None:
            enrolled = select(enrollments.c.student_id).where(
                enrollments.c.class_id.in_(self.class_ids)
            )
            query = query.where(Student.id.in_(enrolled))
        return query

    def guardians(self) -> Select[int]:
        """The ids of the families in scope."""
        return (
            select(Guardianship.guardian_id)
            .join(Guardian, Guardian.id == Guardianship.guardian_id)
            .where(Guardianship.student_id.in_(self.students()), receiving_link(), Guardian.active)
        )


def scope_for(session: Session, viewer: Staff | None, class_name: str | None = None) -> Scope:
    """The viewer's families, of the class called `class_name` (any case) if given: among
    the classes they work with, or every school's for the operator."""
    if class_name is None or not class_name.strip():
        return Scope(viewer)
    wanted = " ".join(class_name.split()).casefold()
    if viewer is None:
        query = select(SchoolClass.id).where(func.lower(SchoolClass.name) == wanted)
        ids = tuple(session.scalars(query))
    else:
        ids = tuple(c.id for c in served_classes(session, viewer) if c.name.casefold() == wanted)
    if not ids:
        raise ReportError(f"no class is called {class_name.strip()!r}")
    return Scope(viewer, ids)


@dataclass(frozen=True)
class Family:
    """One guardian in scope, with the students and classes they are in scope through."""

    guardian_id: int
    name: str
    language: str
    school_id: int
    student_ids: tuple[int, ...]
    students: tuple[str, ...]
    classes: tuple[str, ...]


def families(session: Session, scope: Scope) -> list[Family]:
    """The families in scope, by name, in two queries."""
    links = session.execute(
        select(
            Guardian.id,
            Guardian.name,
            Guardian.language,
            Guardian.school_id,
            Student.id,
            Student.name,
        )
        .join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.id.in_(scope.students()), receiving_link(), Guardian.active)
    ).all()
    classes_query = (
        select(enrollments.c.student_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == enrollments.c.class_id)
        .where(enrollments.c.student_id.in_(scope.students()))
    )
    if scope.class_ids is not None:
        classes_query = classes_query.where(SchoolClass.id.in_(scope.class_ids))
    classes_of: dict[int, set[str]] = defaultdict(set)
    for student_id, class_name in session.execute(classes_query):
        classes_of[student_id].add(class_name)
    people: dict[int, tuple[str, str, int]] = {}
    children: dict[int, dict[int, str]] = defaultdict(dict)
    for guardian_id, name, language, school_id, student_id, student_name in links:
        people[guardian_id] = (name, language, school_id)
        children[guardian_id][student_id] = student_name
    found = []
    for guardian_id, (name, language, school_id) in people.items():
        kids = sorted(children[guardian_id].items(), key=lambda kid: (kid[1], kid[0]))
        found.append(
            Family(
                guardian_id=guardian_id,
                name=name,
                language=language,
                school_id=school_id,
                student_ids=tuple(k for k, _ in kids),
                students=tuple(n for _, n in kids),
                classes=tuple(sorted({c for k, _ in kids for c in classes_of[k]})),
            )
        )
    return sorted(found, key=lambda f: (f.name.casefold(), f.guardian_id))
