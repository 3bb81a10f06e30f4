"""commbot's own roster CSV: one row per guardian–student pair."""

from __future__ import annotations

import csv
import io
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


# Optional columns: a file without them imports as before.
OPTIONAL_COLUMNS = ("receives_messages",)
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def read(path: Path) -> Iterator[RosterRecord | tuple[str, str]]:
    """Yield a record per good row, or `(source, reason)` per bad one."""
    text = _text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    _check_header(path, header)
    reader.fieldnames = header
    try:
        for row in reader:
            source = f"line {reader.line_num}"
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # blank line
            try:
                yield parse_row(row, source)
            except RowError as exc:
                yield (source, str(exc))
    except csv.Error as exc:
        raise RosterFileError(f"{path.name} line {reader.line_num}: {exc}") from None


def _text(path: Path) -> str:
    """The whole file as text: it must be UTF-8 (a spreadsheet's "CSV UTF-8") and not empty."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterFileError(f"cannot open {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterFileError(
            f'{path.name} is not UTF-8 text (line {line}); save it as "CSV UTF-8" and try again'
        ) from None
    if not text.strip():
        raise RosterFileError(f"{path.name} is empty: it needs a header line ({COLUMNS[0]},...)")
    return text


def _check_header(path: Path, header: list[str]) -> None:
    if len(header) == 1:
        for delimiter, name in OTHER_DELIMITERS.items():
            if delimiter in header[0]:
                raise RosterFileError(
                    f"{path.name} separates its columns with {name}; commbot reads commas "
                    '(save it as "CSV UTF-8")'
                )
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise RosterFileError(f"{path.name} lacks the column(s): {', '.join(missing)}")


def parse_row(row: dict[str, str | None], source: str) -> RosterRecord:
    if None in row:
        raise RowError("has more fields than the header")
    r.plain_text(row)
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
        receives_messages=check(r.yes_no, row.get("receives_messages")),
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
