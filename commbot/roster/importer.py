"""Upsert roster records into the database, one savepoint per row.

A bad row is rolled back alone: it never stops the good rows and is never half-written.
Importing the same roster twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import (
    Channel,
    ContactPoint,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
)
from . import csv_roster, oneroster
from .records import ClassRecord, GuardianRecord, RosterRecord, RowError

DEFAULT_SCHOOL = "Our School"
# After the family's preferred channel, try the others in this order.
FALLBACK_ORDER = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass
class ImportReport:
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome] += 1

    def reject(self, source: str, reason: str) -> None:
        self.add(Outcome.REJECTED)
        self.rejected.append((source, reason))


def read_roster(path: Path) -> Iterable[RosterRecord | tuple[str, str]]:
    """Records from a roster CSV file, or from a OneRoster 1.1 CSV folder."""
    if path.is_dir():
        if not oneroster.is_oneroster(path):
            raise csv_roster.RosterFileError(
                f"{path} is a folder without {', '.join(oneroster.FILES)}"
            )
        return oneroster.read(path)
    return csv_roster.read(path)


def import_roster(session: Session, path: Path, school_name: str = DEFAULT_SCHOOL) -> ImportReport:
    """Import `path`; the caller commits. Raises `RosterFileError` for an unreadable file."""
    records = list(read_roster(path))
    school = _school(session, school_name)
    return apply_records(session, school, records)


def apply_records(
    session: Session, school: School, records: Iterable[RosterRecord | tuple[str, str]]
) -> ImportReport:
    report = ImportReport()
    seen = _FileState()
    for record in records:
        if isinstance(record, tuple):
            report.reject(*record)
            continue
        savepoint = session.begin_nested()
        try:
            seen.check(record)
            changes = _Changes()
            _apply(session, school, record, changes)
            session.flush()
        except (RowError, IntegrityError) as exc:
            savepoint.rollback()
            reason = str(exc) if isinstance(exc, RowError) else "conflicts with existing data"
            report.reject(record.source, reason)
            continue
        savepoint.commit()
        seen.remember(record)
        report.add(changes.outcome())
    return report


class _FileState:
    """Rules that span rows of one file: one class set per student, one name per phone."""

    def __init__(self) -> None:
        self.classes: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.phones: dict[str, tuple[str, str]] = {}

    def check(self, record: RosterRecord) -> None:
        names = tuple(sorted(c.name for c in record.classes))
        earlier = self.classes.get(record.student_id)
        if earlier and earlier[1] != names:
            raise RowError(
                f"student {record.student_id} is in class {', '.join(earlier[1])} on "
                f"{earlier[0]}; give each student the same class on every row"
            )
        if record.guardian:
            other = self.phones.get(record.guardian.phone)
            if other and other[1] != record.guardian.name:
                raise RowError(
                    f"guardian_phone is already {other[1]}'s on {other[0]}; "
                    "each phone number belongs to one guardian"
                )

    def remember(self, record: RosterRecord) -> None:
        names = tuple(sorted(c.name for c in record.classes))
        self.classes.setdefault(record.student_id, (record.source, names))
        if record.guardian:
            self.phones.setdefault(record.guardian.phone, (record.source, record.guardian.name))


class _Changes:
    def __init__(self) -> None:
        self.created_pair = False
        self.changed = False

    def outcome(self) -> Outcome:
        if self.created_pair:
            return Outcome.CREATED
        return Outcome.UPDATED if self.changed else Outcome.UNCHANGED

    def set(self, obj: object, **values: object) -> None:
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                self.changed = True


def _school(session: Session, name: str) -> School:
    school = session.scalar(select(School).where(School.name == name))
    if school is None:
        school = School(name=name)
        session.add(school)
        session.flush()
    return school


def _apply(session: Session, school: School, record: RosterRecord, changes: _Changes) -> None:
    student = session.scalar(
        select(Student).where(
            Student.school_id == school.id, Student.external_id == record.student_id
        )
    )
    if student is None:
        student = Student(
            school_id=school.id, external_id=record.student_id, name=record.student_name
        )
        session.add(student)
        changes.changed = True
        if record.guardian is None:
            changes.created_pair = True
    changes.set(student, name=record.student_name)

    classes = [_class(session, school, c, changes) for c in record.classes]
    if {c.id for c in student.classes} != {c.id for c in classes}:
        student.classes = classes
        changes.changed = True

    if record.guardian is not None:
        guardian = _guardian(session, school, record.guardian, changes)
        pair = session.scalar(
            select(Guardianship).where(
                Guardianship.guardian_id == guardian.id, Guardianship.student_id == student.id
            )
        )
        if pair is None:
            session.flush()
            pair = Guardianship(guardian_id=guardian.id, student_id=student.id)
            session.add(pair)
            changes.created_pair = True
        changes.set(
            pair,
            relationship_name=record.guardian.relationship,
            photo_consent=record.guardian.photo_consent,
        )


def _class(session: Session, school: School, record: ClassRecord, changes: _Changes) -> SchoolClass:
    school_class = session.scalar(
        select(SchoolClass).where(
            SchoolClass.school_id == school.id, SchoolClass.name == record.name
        )
    )
    if school_class is None:
        school_class = SchoolClass(school_id=school.id, name=record.name)
        session.add(school_class)
        changes.changed = True
    if record.external_id:
        changes.set(school_class, external_id=record.external_id)
    for teacher in record.teachers:
        staff = session.scalar(select(Staff).where(Staff.email == teacher.email))
        if staff is None:
            staff = Staff(
                school_id=school.id, name=teacher.name, email=teacher.email, role=StaffRole.TEACHER
            )
            session.add(staff)
            changes.changed = True
        changes.set(staff, name=teacher.name)
        if staff not in school_class.staff:
            school_class.staff.append(staff)
            changes.changed = True
    return school_class


def _guardian(
    session: Session, school: School, record: GuardianRecord, changes: _Changes
) -> Guardian:
    by_phone = session.scalar(
        select(Guardian)
        .join(ContactPoint)
        .where(ContactPoint.channel == Channel.SMS, ContactPoint.address == record.phone)
    )
    guardian = by_phone
    if record.external_id:
        by_id = session.scalar(
            select(Guardian).where(
                Guardian.school_id == school.id, Guardian.external_id == record.external_id
            )
        )
        if by_id is not None and by_phone is not None and by_id.id != by_phone.id:
            raise RowError(f"phone {record.phone} already belongs to another guardian")
        guardian = by_id or by_phone
    if guardian is None:
        guardian = Guardian(school_id=school.id, name=record.name)
        session.add(guardian)
        session.flush()
        changes.changed = True
    changes.set(
        guardian,
        name=record.name,
        external_id=record.external_id or guardian.external_id,
        language=record.language,
        timezone=record.timezone,
        quiet_hours=record.quiet_hours,
        preferred_channel=record.channel,
    )
    _contact_points(session, guardian, record, changes)
    return guardian


def _contact_points(
    session: Session, guardian: Guardian, record: GuardianRecord, changes: _Changes
) -> None:
    """Keep the phone's SMS point, a WhatsApp point when preferred, and order them."""
    points = {(p.channel, p.address): p for p in guardian.contact_points}
    wanted = [(Channel.SMS, record.phone)]
    if record.channel is Channel.WHATSAPP:
        wanted.append((Channel.WHATSAPP, record.phone))
    for key in wanted:
        if key not in points:
            point = ContactPoint(guardian=guardian, channel=key[0], address=key[1])
            session.add(point)
            points[key] = point
            changes.changed = True
    for key, point in list(points.items()):
        phone_point = key[0] in (Channel.SMS, Channel.WHATSAPP)
        if phone_point and key not in wanted:
            # The roster owns phone contact points: a changed number or preference replaces them.
            guardian.contact_points.remove(point)
            session.delete(point)
            del points[key]
            changes.changed = True
    order = (record.channel, *(c for c in FALLBACK_ORDER if c is not record.channel))
    ranked = sorted(points.values(), key=lambda p: (order.index(p.channel), p.id or 0))
    for priority, point in enumerate(ranked):
        changes.set(point, priority=priority)
