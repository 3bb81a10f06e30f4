"""commbot's own roster CSV: one row per guardian–student pair."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..errors import UserError
from . import records as r
from .records import ClassRecord, GuardianRecord, RosterRecord, RowError, TeacherRecord

COLUMNS = (
    "student_id",
    "student_name",
    "class",
    "teacher_name",
    "teacher_email",
    "guardian_name",
    "guardian_relationship",
    "guardian_phone",
    "language",
    "channel",
    "timezone",
    "quiet_hours",
    "photo_consent",
)


class RosterFileError(UserError, ValueError):
    """The file as a whole cannot be read (missing columns, not a CSV, wrong encoding)."""


def read(path: Path) -> Iterator[RosterRecord | tuple[str, str]]:
    """Yield a record per good row, or `(source, reason)` per bad one."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise RosterFileError(f"cannot open {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except UnicodeDecodeError:
            raise RosterFileError(f"{path} is not UTF-8 text") from None
        header = [name.strip() for name in header]
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise RosterFileError(f"{path.name} lacks the column(s): {', '.join(missing)}")
        reader.fieldnames = header
        try:
            for row in reader:
                source = f"line {reader.line_num}"
                if not any(
                    (value or "").strip() for value in row.values() if isinstance(value, str)
                ):
                    continue  # blank line
                try:
                    yield parse_row(row, source)
                except RowError as exc:
                    yield (source, str(exc))
        except UnicodeDecodeError:
            raise RosterFileError(f"{path} is not UTF-8 text") from None
        except csv.Error as exc:
            raise RosterFileError(f"{path.name} line {reader.line_num}: {exc}") from None


def parse_row(row: dict[str, str | None], source: str) -> RosterRecord:
    if None in row:
        raise RowError("has more fields than the header")
    check = r.Checker()
    teacher = TeacherRecord(
        name=check(r.required, row["teacher_name"], "teacher_name"),
        email=check(r.email, row["teacher_email"], "teacher_email"),
    )
    guardian = GuardianRecord(
        name=check(r.required, row["guardian_name"], "guardian_name"),
        phone=check(r.phone, row["guardian_phone"], "guardian_phone"),
        relationship=(row["guardian_relationship"] or "").strip(),
        language=check(r.language, row["language"]),
        channel=check(r.channel, row["channel"]),
        timezone=check(r.timezone, row["timezone"]),
        quiet_hours=check(r.quiet_hours, row["quiet_hours"]),
        photo_consent=check(r.photo_consent, row["photo_consent"]),
    )
    student_id = check(r.required, row["student_id"], "student_id")
    student_name = check(r.required, row["student_name"], "student_name")
    class_name = check(r.required, row["class"], "class")
    check.raise_problems()
    return RosterRecord(
        source=source,
        student_id=student_id,
        student_name=student_name,
        classes=(ClassRecord(name=class_name, teachers=(teacher,)),),
        guardian=guardian,
    )
