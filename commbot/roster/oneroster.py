"""OneRoster 1.1 CSV folders: users.csv, classes.csv and enrollments.csv.

Guardians are linked to students through `agentSourcedIds` (on either side); language and
other family preferences come from optional `metadata.*` columns, which OneRoster allows.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import records as r
from .csv_roster import RosterFileError
from .records import ClassRecord, GuardianRecord, RosterRecord, RowError, TeacherRecord

GUARDIAN_ROLES = {"parent", "guardian", "relative"}
STAFF_ROLES = {"teacher", "aide"}
FILES = ("users.csv", "classes.csv", "enrollments.csv")


@dataclass
class _Row:
    source: str
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def _read(folder: Path, name: str, required: tuple[str, ...]) -> list[_Row]:
    path = folder / name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [column for column in required if column not in header]
            if missing:
                raise RosterFileError(f"{name} lacks the column(s): {', '.join(missing)}")
            reader.fieldnames = header
            rows = []
            for row in reader:
                values = {k: v for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
                if values.get("status", "").strip().lower() == "tobedeleted":
                    continue
                rows.append(_Row(f"{name} line {reader.line_num}", values))
            return rows
    except OSError as exc:
        raise RosterFileError(f"cannot open {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RosterFileError(f"{name} is not UTF-8 text") from None


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def is_oneroster(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in FILES)


def read(folder: Path) -> Iterator[RosterRecord | tuple[str, str]]:
    users = _read(folder, "users.csv", ("sourcedId", "role", "givenName", "familyName"))
    classes = _read(folder, "classes.csv", ("sourcedId", "title"))
    enrollments = _read(folder, "enrollments.csv", ("classSourcedId", "userSourcedId", "role"))

    by_id = {row.get("sourcedId"): row for row in users}
    class_by_id = {row.get("sourcedId"): row for row in classes}

    teachers_of: dict[str, list[TeacherRecord]] = defaultdict(list)
    classes_of: dict[str, list[str]] = defaultdict(list)
    for enrollment in enrollments:
        class_id = enrollment.get("classSourcedId")
        user_id = enrollment.get("userSourcedId")
        role = enrollment.get("role").lower()
        if class_id not in class_by_id or user_id not in by_id:
            yield (enrollment.source, "names a class or user that is not in the files")
            continue
        if role == "student":
            classes_of[user_id].append(class_id)
        elif role in STAFF_ROLES:
            teacher = by_id[user_id]
            try:
                teachers_of[class_id].append(
                    TeacherRecord(
                        name=_full_name(teacher), email=r.email(teacher.get("email"), "email")
                    )
                )
            except RowError as exc:
                yield (teacher.source, str(exc))

    # Guardianship links may be written on the student, the guardian, or both.
    agents_of: dict[str, list[str]] = defaultdict(list)
    for user in users:
        role = user.get("role").lower()
        for other in _ids(user.get("agentSourcedIds")):
            if role == "student" and other not in agents_of[user.get("sourcedId")]:
                agents_of[user.get("sourcedId")].append(other)
            elif role in GUARDIAN_ROLES and user.get("sourcedId") not in agents_of[other]:
                agents_of[other].append(user.get("sourcedId"))

    for student in (u for u in users if u.get("role").lower() == "student"):
        student_id = student.get("sourcedId")
        class_records = tuple(
            ClassRecord(
                name=class_by_id[class_id].get("title") or class_id,
                teachers=tuple(teachers_of[class_id]),
                external_id=class_id,
            )
            for class_id in classes_of[student_id]
        )
        try:
            r.plain_text({c: student.get(c) for c in ("givenName", "familyName", "sourcedId")})
            name = r.required(_full_name(student), "givenName/familyName")
        except RowError as exc:
            yield (student.source, str(exc))
            continue
        agent_ids = agents_of.get(student_id, [])
        if not agent_ids:
            yield RosterRecord(student.source, student_id, name, class_records, None)
        for agent_id in agent_ids:
            agent = by_id.get(agent_id)
            if agent is None or agent.get("role").lower() not in GUARDIAN_ROLES:
                yield (
                    student.source,
                    f"agentSourcedIds names {agent_id!r}, not a parent or guardian",
                )
                continue
            try:
                yield RosterRecord(agent.source, student_id, name, class_records, _guardian(agent))
            except RowError as exc:
                yield (agent.source, str(exc))


def _full_name(row: _Row) -> str:
    return " ".join(part for part in (row.get("givenName"), row.get("familyName")) if part)


def _guardian(row: _Row) -> GuardianRecord:
    r.plain_text(
        {c: row.get(c) for c in ("givenName", "familyName", "sourcedId", "metadata.relationship")}
    )
    check = r.Checker()
    record = GuardianRecord(
        name=check(r.required, _full_name(row), "givenName/familyName"),
        phone=check(r.phone, row.get("sms") or row.get("phone"), "sms/phone"),
        relationship=row.get("metadata.relationship") or row.get("role").lower(),
        language=check(r.language, row.get("metadata.language"), "metadata.language"),
        channel=check(r.channel, row.get("metadata.channel"), "metadata.channel"),
        timezone=check(r.timezone, row.get("metadata.timezone"), "metadata.timezone"),
        quiet_hours=check(r.quiet_hours, row.get("metadata.quiet_hours"), "metadata.quiet_hours"),
        photo_consent=check(
            r.photo_consent, row.get("metadata.photo_consent"), "metadata.photo_consent"
        ),
        external_id=row.get("sourcedId"),
        receives_messages=check(
            r.yes_no, row.get("metadata.receives_messages"), "metadata.receives_messages"
        ),
    )
    check.raise_problems()
    return record
