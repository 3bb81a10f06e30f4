"""Upsert roster records into the database.

The school as it stands is loaded into dicts once, every row is checked against them before
anything is changed, and the result is written in one flush. A bad row is rejected before it
touches anything, so it never stops the good rows and is never half-written. Should the
database still refuse the batch, the import starts again with a savepoint per row, which
isolates the row the database refuses. Importing the same roster twice changes nothing the
second time.

A full import (`full=True`) says "this file is the whole school": students, guardians,
guardian–student links and teachers of this school's classes that the file leaves out are
deactivated (kept, with their history, but reaching and reached by nobody) and reported as
removed; teachers' class memberships the file leaves out are dropped. Anyone deactivated who
is in a later file is active again.

A file that changes a link's photo consent records the change (source ROSTER) like any
other, and what is still queued that the new consent forbids is stopped
(`features.photos.consent_actions`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from ..db import find_or_create
from ..features.photos.consent import RANK
from ..features.photos.consent_actions import family_chosen_links, withdraw_forbidden
from ..features.photos.models import ConsentChange, ConsentSource
from ..models import (
    Channel,
    ContactPoint,
    Guardian,
    Guardianship,
    PhotoConsent,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
)
from ..models.base import utcnow
from . import csv_roster, oneroster
from .records import ClassRecord, GuardianRecord, RosterRecord, RowError

DEFAULT_SCHOOL = "Our School"
# After the family's preferred channel, try the others in this order.
FALLBACK_ORDER = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS)

Progress = Callable[[int, int], None]  # called with (records done, records in all)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass
class ImportReport:
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    rejected: list[tuple[str, str]] = field(default_factory=list)
    # What a full import deactivated (or, for class memberships, dropped), in words.
    removed: list[str] = field(default_factory=list)

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


def import_roster(
    session: Session,
    path: Path,
    school_name: str = DEFAULT_SCHOOL,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `path`; the caller commits. Raises `RosterFileError` for an unreadable file."""
    records = list(read_roster(path))
    school = _school(session, school_name)
    return apply_records(session, school, records, full=full, progress=progress)


def apply_records(
    session: Session,
    school: School,
    records: Iterable[RosterRecord | tuple[str, str]],
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    records = list(records)
    attempt = session.begin_nested()
    try:
        report = _Import(session, school, full, isolate=False).run(records, progress)
        attempt.commit()
    except (IntegrityError, DataError):
        # The checks missed a conflict only the database sees: find the row that has it.
        attempt.rollback()
        report = _Import(session, school, full, isolate=True).run(records, None)
    return report


@dataclass(eq=False)
class _Link:
    """A guardian–student link as plain values: read and written in batches, not one by one."""

    guardian: Guardian
    student: Student
    relationship_name: str = ""
    photo_consent: PhotoConsent = PhotoConsent.NONE
    receives_messages: bool = True
    active: bool = True
    id: int | None = None
    dirty: bool = False
    # What the database holds (None for a new link): a consent change is recorded, and
    # a change of either may forbid a photo still queued.
    stored_consent: PhotoConsent | None = None
    stored_active: bool | None = None


@dataclass(eq=False)
class _Point:
    """A contact point the roster owns (SMS, WhatsApp), as plain values."""

    guardian: Guardian
    channel: Channel
    address: str
    priority: int = 0
    id: int | None = None
    dirty: bool = False


class _Index:
    """The school as it stands, loaded in a few queries: every lookup a row needs is a dict.

    Keys are objects rather than ids, so rows of this file that create people can be
    looked up by later rows before anything is flushed."""

    def __init__(self, session: Session, school: School) -> None:
        in_school_classes = select(SchoolClass.id).where(SchoolClass.school_id == school.id)
        in_school_students = select(Student.id).where(Student.school_id == school.id)
        self.classes = {
            c.name: c
            for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
        }
        class_by_id = {c.id: c for c in self.classes.values()}
        self.staff = {s.email: s for s in session.scalars(select(Staff))}
        staff_by_id = {s.id: s for s in self.staff.values()}
        self.teaching: set[tuple[SchoolClass, Staff]] = {
            (class_by_id[class_id], staff_by_id[staff_id])
            for class_id, staff_id in session.execute(
                select(class_staff.c.class_id, class_staff.c.staff_id).where(
                    class_staff.c.class_id.in_(in_school_classes)
                )
            )
        }
        self.students = {
            s.external_id: s
            for s in session.scalars(select(Student).where(Student.school_id == school.id))
        }
        student_by_id = {s.id: s for s in self.students.values()}
        self.enrolled: dict[Student, set[SchoolClass]] = defaultdict(set)
        for class_id, student_id in session.execute(
            select(enrollments.c.class_id, enrollments.c.student_id).where(
                enrollments.c.student_id.in_(in_school_students),
                enrollments.c.class_id.in_(in_school_classes),
            )
        ):
            self.enrolled[student_by_id[student_id]].add(class_by_id[class_id])
        guardians = {g.id: g for g in session.scalars(select(Guardian))}
        self.guardians_by_external_id = {
            g.external_id: g
            for g in guardians.values()
            if g.school_id == school.id and g.external_id
        }
        self.school_guardians = [g for g in guardians.values() if g.school_id == school.id]
        self.points: dict[tuple[Channel, str], _Point] = {}
        self.points_of: dict[Guardian, dict[tuple[Channel, str], _Point]] = defaultdict(dict)
        points = POINTS.c
        for row in session.execute(
            select(points.id, points.guardian_id, points.channel, points.address, points.priority)
        ):
            point = _Point(
                guardians[row.guardian_id], row.channel, row.address, row.priority, row.id
            )
            self.points[(point.channel, point.address)] = point
            self.points_of[point.guardian][(point.channel, point.address)] = point
        links = LINKS.c
        self.links: dict[tuple[Guardian, Student], _Link] = {}
        for link_row in session.execute(
            select(
                links.id,
                links.guardian_id,
                links.student_id,
                links.relationship,
                links.photo_consent,
                links.receives_messages,
                links.active,
            ).where(links.student_id.in_(in_school_students))
        ):
            guardian, student = guardians[link_row.guardian_id], student_by_id[link_row.student_id]
            self.links[(guardian, student)] = _Link(
                guardian,
                student,
                link_row.relationship,
                link_row.photo_consent,
                link_row.receives_messages,
                link_row.active,
                link_row.id,
                stored_consent=link_row.photo_consent,
                stored_active=link_row.active,
            )
        # Plain values deleted or added since the last write.
        self.deleted_points: list[_Point] = []
        self.new_points: list[_Point] = []
        self.new_links: list[_Link] = []

    def sms_owner(self, phone: str) -> Guardian | None:
        point = self.points.get((Channel.SMS, phone))
        return point.guardian if point is not None else None


@dataclass
class _Seen:
    """Who and what the file names, for a full import's removals and for memberships."""

    students: set[Student] = field(default_factory=set)
    guardians: set[Guardian] = field(default_factory=set)
    links: set[_Link] = field(default_factory=set)
    staff: set[str] = field(default_factory=set)  # emails
    classes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # student id: names
    teaching: set[tuple[str, str]] = field(default_factory=set)  # (class name, email)


class _Import:
    def __init__(self, session: Session, school: School, full: bool, *, isolate: bool) -> None:
        self.session = session
        self.school = school
        self.full = full
        self.isolate = isolate
        self.index = _Index(session, school)
        self.before_teaching = set(self.index.teaching)
        self.seen = _Seen()
        self.file = _FileState()
        self.report = ImportReport()
        self.now = utcnow()
        # Children whose links were written: what the new links and consent forbid stops.
        self.consent_students: set[int] = set()
        # Links whose photo consent the family set itself (PHOTOS): a roster may tighten it,
        # never loosen it, or a nightly sync would undo what the family chose.
        self.family_chosen = family_chosen_links(session)

    def run(
        self, records: list[RosterRecord | tuple[str, str]], progress: Progress | None
    ) -> ImportReport:
        for done, record in enumerate(records, 1):
            if isinstance(record, tuple):
                self.report.reject(*record)
            elif self.isolate:
                self._isolated(record)
            else:
                try:
                    self._check(record)
                except RowError as exc:
                    self.report.reject(record.source, str(exc))
                else:
                    self.report.add(self._apply(record))
            if progress is not None and (done % 200 == 0 or done == len(records)):
                progress(done, len(records))
        if self.full:
            self._deactivate_the_absent()
        self._write_rows()
        self._write_memberships()
        self.session.expire_all()  # what was written in batches bypassed loaded objects
        withdraw_forbidden(self.session, sorted(self.consent_students), self.now)
        return self.report

    def _isolated(self, record: RosterRecord) -> None:
        savepoint = self.session.begin_nested()
        try:
            self._check(record)
            outcome = self._apply(record)
            self._write_rows()
        except (RowError, IntegrityError, DataError) as exc:
            savepoint.rollback()
            reason = str(exc) if isinstance(exc, RowError) else "conflicts with existing data"
            self.report.reject(record.source, reason)
            if not isinstance(exc, RowError):
                self.index = _Index(self.session, self.school)  # its new objects are gone
            return
        savepoint.commit()
        self.report.add(outcome)

    # Checks: everything that can reject a row, before it changes anything.

    def _check(self, record: RosterRecord) -> None:
        self.file.check(record)
        if record.guardian is not None:
            self._find_guardian(record.guardian)

    def _find_guardian(self, record: GuardianRecord) -> Guardian | None:
        by_phone = self.index.sms_owner(record.phone)
        guardian = by_phone
        if record.external_id:
            by_id = self.index.guardians_by_external_id.get(record.external_id)
            if by_id is not None and by_phone is not None and by_id is not by_phone:
                raise RowError(f"phone {record.phone} already belongs to another guardian")
            guardian = by_id or by_phone
        for key in _wanted_points(record):
            point = self.index.points.get(key)
            if point is not None and point.guardian is not guardian:
                raise RowError(f"phone {record.phone} already belongs to another guardian")
        return guardian

    # Changes: a checked row, applied to the objects.

    def _apply(self, record: RosterRecord) -> Outcome:
        self.file.remember(record)
        changes = _Changes()
        student = self.index.students.get(record.student_id)
        if student is None:
            student = Student(
                school_id=self.school.id, external_id=record.student_id, name=record.student_name
            )
            self.session.add(student)
            self.index.students[record.student_id] = student
            changes.changed = True
            if record.guardian is None:
                changes.created_pair = True
        changes.set(student, name=record.student_name, active=True)
        self.seen.students.add(student)

        classes = {self._class(c, changes) for c in record.classes}
        self.seen.classes_of[record.student_id] = tuple(c.name for c in classes)
        if self.index.enrolled[student] != classes:
            self.index.enrolled[student] = classes
            changes.changed = True

        if record.guardian is not None:
            guardian = self._guardian(record.guardian, changes)
            link = self.index.links.get((guardian, student))
            if link is None:
                link = _Link(guardian, student)
                self.index.new_links.append(link)
                self.index.links[(guardian, student)] = link
                changes.created_pair = True
            consent = record.guardian.photo_consent
            if (guardian.id, student.id) in self.family_chosen and stricter(
                link.photo_consent, consent
            ):
                consent = link.photo_consent  # the family's own, stricter choice stands
            changes.set(
                link,
                relationship_name=record.guardian.relationship,
                photo_consent=consent,
                active=True,
            )
            if record.guardian.receives_messages is not None:
                changes.set(link, receives_messages=record.guardian.receives_messages)
            self.seen.links.add(link)
        return changes.outcome()

    def _class(self, record: ClassRecord, changes: _Changes) -> SchoolClass:
        school_class = self.index.classes.get(record.name)
        if school_class is None:
            school_class = SchoolClass(school_id=self.school.id, name=record.name)
            self.session.add(school_class)
            self.index.classes[record.name] = school_class
            changes.changed = True
        if record.external_id:
            changes.set(school_class, external_id=record.external_id)
        for teacher in record.teachers:
            staff = self.index.staff.get(teacher.email)
            if staff is None:
                staff = Staff(
                    school_id=self.school.id,
                    name=teacher.name,
                    email=teacher.email,
                    role=StaffRole.TEACHER,
                )
                self.session.add(staff)
                self.index.staff[teacher.email] = staff
                changes.changed = True
            changes.set(staff, name=teacher.name, active=True)
            self.seen.staff.add(teacher.email)
            self.seen.teaching.add((record.name, teacher.email))
            if (school_class, staff) not in self.index.teaching:
                self.index.teaching.add((school_class, staff))
                changes.changed = True
        return school_class

    def _guardian(self, record: GuardianRecord, changes: _Changes) -> Guardian:
        guardian = self._find_guardian(record)
        if guardian is None:
            guardian = Guardian(school_id=self.school.id, name=record.name)
            self.session.add(guardian)
            changes.changed = True
        changes.set(
            guardian,
            name=record.name,
            external_id=record.external_id or guardian.external_id,
            language=record.language,
            timezone=record.timezone,
            quiet_hours=record.quiet_hours,
            preferred_channel=record.channel,
            active=True,
        )
        if guardian.external_id and guardian.school_id == self.school.id:
            self.index.guardians_by_external_id[guardian.external_id] = guardian
        self._contact_points(guardian, record, changes)
        self.seen.guardians.add(guardian)
        return guardian

    def _contact_points(
        self, guardian: Guardian, record: GuardianRecord, changes: _Changes
    ) -> None:
        """Keep the phone's SMS point, a WhatsApp point when preferred, and order them."""
        points = self.index.points_of[guardian]
        wanted = _wanted_points(record)
        for key in wanted:
            if key not in points:
                point = _Point(guardian, key[0], key[1])
                self.index.new_points.append(point)
                points[key] = point
                self.index.points[key] = point
                changes.changed = True
        for key, point in list(points.items()):
            phone_point = key[0] in (Channel.SMS, Channel.WHATSAPP)
            if phone_point and key not in wanted:
                # The roster owns phone contact points: a changed number or preference
                # replaces them.
                if point.id is not None:
                    self.index.deleted_points.append(point)
                else:
                    self.index.new_points.remove(point)
                del points[key]
                del self.index.points[key]
                changes.changed = True
        order = (record.channel, *(c for c in FALLBACK_ORDER if c is not record.channel))
        ranked = sorted(points.values(), key=lambda p: (order.index(p.channel), p.id or 0))
        for priority, point in enumerate(ranked):
            changes.set(point, priority=priority)

    # A full import: who the file leaves out.

    def _deactivate_the_absent(self) -> None:
        removed = self.report.removed
        gone_students = {
            s for s in self.index.students.values() if s.active and s not in self.seen.students
        }
        gone_guardians = {
            g for g in self.index.school_guardians if g.active and g not in self.seen.guardians
        }
        for student in sorted(gone_students, key=lambda s: s.external_id):
            student.active = False
            removed.append(f"student {student.external_id} {student.name}")
        for guardian in sorted(gone_guardians, key=lambda g: g.name):
            guardian.active = False
            removed.append(f"guardian {guardian.name}")
        for (guardian, student), link in self.index.links.items():
            if link.active and link not in self.seen.links:
                link.active = False
                link.dirty = True
                if guardian not in gone_guardians and student not in gone_students:
                    removed.append(f"link {guardian.name} – {student.name}")
        teachers = {staff for _, staff in self.before_teaching}
        for staff in sorted(teachers, key=lambda s: s.email):
            if staff.active and staff.email not in self.seen.staff:
                staff.active = False
                removed.append(f"staff {staff.name} <{staff.email}>")

    def _write_rows(self) -> None:
        """Flush the people, then write links and contact points in a few statements."""
        self.session.flush()
        index = self.index
        points, links = POINTS, LINKS
        deleted = [p.id for p in index.deleted_points]
        for start in range(0, len(deleted), BATCH):
            chunk = deleted[start : start + BATCH]
            self.session.execute(delete(points).where(points.c.id.in_(chunk)))
        changed = [
            {"b_id": p.id, "priority": p.priority}
            for p in index.points.values()
            if p.dirty and p.id is not None
        ]
        if changed:
            self.session.execute(update(points).where(points.c.id == bindparam("b_id")), changed)
        _insert_rows(
            self.session,
            points,
            index.new_points,
            [
                {
                    "guardian_id": p.guardian.id,
                    "channel": p.channel,
                    "address": p.address,
                    "priority": p.priority,
                }
                for p in index.new_points
            ],
        )
        values: list[tuple[_Link, dict[str, Any]]] = [
            (
                link,
                {
                    "relationship": link.relationship_name,
                    "photo_consent": link.photo_consent,
                    "receives_messages": link.receives_messages,
                    "active": link.active,
                },
            )
            for link in index.links.values()
            if link.dirty or link.id is None
        ]
        self._record_consent_changes([link for link, _ in values])
        changed = [{"b_id": link.id, **row} for link, row in values if link.id is not None]
        if changed:
            self.session.execute(update(links).where(links.c.id == bindparam("b_id")), changed)
        new_links = [link for link, _ in values if link.id is None]
        _insert_rows(
            self.session,
            links,
            new_links,
            [
                {"guardian_id": link.guardian.id, "student_id": link.student.id, **row}
                for link, row in values
                if link.id is None
            ],
        )
        for point in index.points.values():
            point.dirty = False
        for link in index.links.values():
            link.dirty = False
            link.stored_consent, link.stored_active = link.photo_consent, link.active
        index.deleted_points.clear()
        index.new_points.clear()
        index.new_links.clear()

    def _record_consent_changes(self, links: list[_Link]) -> None:
        """A ConsentChange per existing link whose consent the file changes. A new link (a
        guardian who may be stricter), a changed consent, or a link made or unmade (a child
        no longer a family's own) may forbid what is queued: those children are checked."""
        for link in links:
            if link.stored_consent != link.photo_consent or link.stored_active != link.active:
                self.consent_students.add(link.student.id)
            if link.stored_consent is None or link.stored_consent is link.photo_consent:
                continue
            self.session.add(
                ConsentChange(
                    guardian_id=link.guardian.id,
                    student_id=link.student.id,
                    old=link.stored_consent,
                    new=link.photo_consent,
                    source=ConsentSource.ROSTER,
                    changed_at=self.now,
                )
            )

    def _write_memberships(self) -> None:
        """Enrollments and class staff, in a few statements now that every row has an id."""
        index = self.index
        wanted_enrolled = {
            (index.classes[name].id, index.students[student_id].id)
            for student_id, names in self.seen.classes_of.items()
            for name in names
        }
        listed = {index.students[student_id].id for student_id in self.seen.classes_of}
        current = {
            (row.class_id, row.student_id)
            for row in self.session.execute(
                select(enrollments.c.class_id, enrollments.c.student_id).where(
                    enrollments.c.student_id.in_(
                        select(Student.id).where(Student.school_id == self.school.id)
                    )
                )
            )
        }
        stale = [pair for pair in current - wanted_enrolled if pair[1] in listed]
        _delete_pairs(self.session, enrollments, "class_id", "student_id", stale)
        _insert_pairs(
            self.session, enrollments, "class_id", "student_id", wanted_enrolled - current
        )

        wanted_teaching = {
            (index.classes[name].id, index.staff[email].id) for name, email in self.seen.teaching
        }
        before = {(c.id, s.id) for c, s in self.before_teaching}
        _insert_pairs(self.session, class_staff, "class_id", "staff_id", wanted_teaching - before)
        if self.full:
            dropped = [
                (c, s) for c, s in self.before_teaching if (c.id, s.id) not in wanted_teaching
            ]
            dropped.sort(key=lambda pair: (pair[0].name, pair[1].email))
            for school_class, staff in dropped:
                if staff.active:  # a removed teacher is reported once, above
                    self.report.removed.append(f"class {school_class.name}: {staff.name}")
            _delete_pairs(
                self.session,
                class_staff,
                "class_id",
                "staff_id",
                [(c.id, s.id) for c, s in dropped],
            )


def _wanted_points(record: GuardianRecord) -> list[tuple[Channel, str]]:
    wanted = [(Channel.SMS, record.phone)]
    if record.channel is Channel.WHATSAPP:
        wanted.append((Channel.WHATSAPP, record.phone))
    return wanted


POINTS = cast(Table, ContactPoint.__table__)
LINKS = cast(Table, Guardianship.__table__)
BATCH = 500  # pairs per statement: well inside every database's parameter limit


def _insert_pairs(
    session: Session, table: object, first: str, second: str, pairs: Iterable[tuple[int, int]]
) -> None:
    rows = [{first: a, second: b} for a, b in sorted(pairs)]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])  # type: ignore[arg-type]


def _insert_rows(
    session: Session, table: Table, made: Sequence[_Link | _Point], rows: list[dict[str, Any]]
) -> None:
    """INSERT in batches, giving each plain value the id of its new row."""
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        ids = session.scalars(statement, rows[start : start + BATCH]).all()
        for value, new_id in zip(made[start : start + BATCH], ids, strict=True):
            value.id = new_id


def _delete_pairs(
    session: Session, table: object, first: str, second: str, pairs: list[tuple[int, int]]
) -> None:
    columns = table.c  # type: ignore[attr-defined]
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        session.execute(
            delete(table).where(tuple_(columns[first], columns[second]).in_(chunk))  # type: ignore[arg-type]
        )


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
                if isinstance(obj, _Link | _Point):
                    obj.dirty = True


def _school(session: Session, name: str) -> School:
    school, _ = find_or_create(session, School, {"name": name})  # two first imports at once
    return school


def stricter(a: PhotoConsent, b: PhotoConsent) -> bool:
    """Does `a` allow fewer photos than `b`?"""
    return RANK[a] < RANK[b]
