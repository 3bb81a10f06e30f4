"""A meeting written as YAML (`commbot meeting create FILE.yaml`), read into a `MeetingDraft`.

The schema is documented in the README ("Meetings"). Every mistake stops the reading with
one `MeetingSpecError` naming the field and, where YAML tells us, its line: "meeting.yaml,
line 9, slots[2]: ...". Unknown keys are refused with the closest known one suggested, and
a key given twice is refused (PyYAML would silently keep the last). Nothing is written
here: the caller creates the meeting only from a spec that read cleanly.

Times are the school's local wall-clock time: the student's school's `timezone`, else
`COMMBOT_DEFAULT_TIMEZONE`. A local time that does not exist (the hour skipped when clocks
spring forward) or happens twice (the hour repeated when they fall back) is refused rather
than guessed, and so is a time more than two years ahead (`times.py`, shared with the CLI
and the Telegram dialog).

Text is cleaned as provider traffic is (`clean_text`): control characters other than
newline, carriage return and tab are dropped (a NUL, which a double-quoted YAML string can
hold as "\\0", would make PostgreSQL refuse the meeting), never refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...channels.base import clean_text
from ...errors import InputError
from ...models import School, Staff, Student
from ...policy import serves
from ...roster.records import EMAIL
from . import actions
from .actions import AttendeeSpec, DocumentSpec, MeetingDraft, MeetingError
from .models import AttendeeRole, Purpose
from .times import TIME_FORMAT, check_meeting_time, local_time

FIELDS = (
    "student",
    "organizer",
    "purpose",
    "purpose_note",
    "time",
    "slots",
    "duration_minutes",
    "place",
    "video_link",
    "phone",
    "strengths",
    "agenda",
    "documents",
    "attendees",
    "auto_confirm",
    "reminders",
)
REQUIRED = ("student", "organizer", "purpose")
DOCUMENT_FIELDS = ("title", "link")
ATTENDEE_FIELDS = ("name", "role", "email")
REMINDER = re.compile(r"^\s*(\d+)\s*([mhdw]?)\s*$")
UNIT_MINUTES = {"": 1, "m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}

Path_ = tuple[str | int, ...]


class MeetingSpecError(InputError):
    """A meeting file that cannot be used; the message names the file, line and field."""


@dataclass
class MeetingSpec:
    """What the file asks for, checked against the roster and the clock."""

    draft: MeetingDraft
    organizer: Staff
    student: Student
    timezone: str


def load_meeting(
    session: Session,
    path: Path,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> MeetingSpec:
    """Read and check `path`; raise one `MeetingSpecError` on the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MeetingSpecError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise MeetingSpecError(f"{path}: not UTF-8 text") from None
    return parse_meeting(
        session, text, source=path.name, now=now, default_timezone=default_timezone
    )


def parse_meeting(
    session: Session,
    text: str,
    *,
    source: str,
    now: dt.datetime,
    default_timezone: str,
) -> MeetingSpec:
    data, lines = _read_yaml(text, source)
    return _Reader(session, source, lines, now, default_timezone).read(data)


# -- YAML, with where each value was written ----------------------------------------------


def _read_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "unreadable"
        raise MeetingSpecError(f"{source}{where}: not valid YAML ({problem})") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise MeetingSpecError(f"{source}: not valid YAML ({first})") from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, source)
    return data, lines


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            line = key.start_mark.line + 1
            if name in seen:
                field = _name((*path, name))
                raise MeetingSpecError(
                    f"{source}, line {line}, {field}: given twice (also on line {seen[name]})"
                )
            seen[name] = line
            lines[(*path, name)] = line
            _walk(value, (*path, name), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, 1):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, source)


def _name(path: Path_) -> str:
    """`attendees[2].role`: items counted from 1, as a person counts them."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# -- reading the fields ------------------------------------------------------------------------


class _Reader:
    def __init__(
        self,
        session: Session,
        source: str,
        lines: dict[Path_, int],
        now: dt.datetime,
        default_timezone: str,
    ) -> None:
        self.session = session
        self.source = source
        self.lines = lines
        self.now = now
        self.default_timezone = default_timezone

    def fail(self, path: Path_, message: str) -> MeetingSpecError:
        line = self.lines.get(path)
        where = f", line {line}" if line else ""
        field = f", {_name(path)}" if path else ""
        return MeetingSpecError(f"{self.source}{where}{field}: {message}")

    def read(self, data: Any) -> MeetingSpec:
        if data is None:
            raise self.fail((), "the file is empty: see examples/meeting.yaml")
        mapping = self.mapping((), data, FIELDS)
        for key in REQUIRED:
            if key not in mapping or mapping[key] in (None, ""):
                raise self.fail((), f"{key} is missing")
        organizer = self.organizer(mapping["organizer"])
        student = self.student(mapping["student"], organizer)
        if not serves(self.session, organizer, student):
            raise self.fail(
                ("organizer",),
                f"{organizer.name} does not serve {student.name}: an organizer must teach "
                "or serve the student (`commbot staff assign`), or be a coordinator",
            )
        zone = self.zone(student)
        purpose = self.choice(("purpose",), mapping["purpose"], Purpose)
        fixed, slots = self.times(mapping, zone)
        draft = MeetingDraft(
            student_id=student.id,
            purpose=purpose,
            fixed_time=fixed,
            slots=slots,
            duration_minutes=self.duration(mapping.get("duration_minutes", 60)),
            place=self.text(("place",), mapping.get("place")),
            video_link=self.link(("video_link",), mapping.get("video_link")),
            phone=self.text(("phone",), mapping.get("phone"), limit=64, numbers=True),
            strengths=self.text(("strengths",), mapping.get("strengths")),
            purpose_note=self.text(("purpose_note",), mapping.get("purpose_note")),
            agenda=self.agenda(mapping.get("agenda")),
            documents=self.documents(mapping.get("documents")),
            attendees=self.attendees(mapping.get("attendees")),
            auto_confirm=self.boolean(("auto_confirm",), mapping.get("auto_confirm", False)),
            reminder_minutes=self.reminders(mapping.get("reminders")),
            timezone=zone,
        )
        if not (draft.place or draft.video_link or draft.phone):
            raise self.fail((), "say where: give a place, a video_link or a phone")
        try:  # the core's own checks: anything left that the fields above did not catch
            actions.check_draft(draft, self.now)
        except MeetingError as exc:
            raise self.fail((), str(exc)) from None
        return MeetingSpec(draft, organizer, student, zone)

    # -- shapes ----------------------------------------------------------------------

    def mapping(self, path: Path_, value: Any, known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            what = "the file" if not path else "this"
            raise self.fail(path, f"{what} must be a mapping of {', '.join(known[:3])}, ...")
        for key in value:
            if not isinstance(key, str) or key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.fail(
                    (*path, str(key)),
                    f"unknown key {str(key)!r}{hint}; known: {', '.join(known)}",
                )
        return value

    def items(self, path: Path_, value: Any, most: int) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, "must be a list (one '- ' item per line)")
        if len(value) > most:
            raise self.fail(path, f"{len(value)} items: at most {most}")
        return value

    def text(
        self,
        path: Path_,
        value: Any,
        *,
        limit: int = actions.MAX_TEXT,
        numbers: bool = False,
        required: bool = False,
    ) -> str:
        if value is None:
            if required:
                raise self.fail(path, "is missing")
            return ""
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self.fail(path, "must be text (put it in quotes)")
        text: str = clean_text(value).strip()
        if required and not text:
            raise self.fail(path, "is empty")
        if len(text) > limit:
            raise self.fail(path, f"is {len(text)} characters long: at most {limit}")
        return text

    def link(self, path: Path_, value: Any) -> str:
        link = self.text(path, value, limit=500)
        if link and not link.startswith(("https://", "http://")):
            raise self.fail(path, f"{link!r} is not a link: it must start with https://")
        return link

    def boolean(self, path: Path_, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "must be true or false")
        return value

    def choice(self, path: Path_, value: Any, kind: type[Purpose] | type[AttendeeRole]) -> Any:
        known = [member.value for member in kind]
        word = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        if word in known:
            return kind(word)
        close = difflib.get_close_matches(word, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        noun = "purpose" if kind is Purpose else "role"
        raise self.fail(path, f"{value!r} is not a {noun}: {hint}choose {', '.join(known)}")

    # -- who -------------------------------------------------------------------------

    def organizer(self, value: Any) -> Staff:
        email = self.email(("organizer",), value)
        staff = self.session.scalar(select(Staff).where(Staff.email == email))
        if staff is None:
            raise self.fail(("organizer",), f"no staff member has the email {email}")
        if not staff.active:
            raise self.fail(("organizer",), f"{staff.name} <{email}> was removed")
        return staff

    def email(self, path: Path_, value: Any) -> str:
        email = self.text(path, value, limit=320, required=True).lower()
        if not EMAIL.match(email):
            raise self.fail(path, f"{email!r} is not an email address")
        return email

    def student(self, value: Any, organizer: Staff) -> Student:
        """By roster id (S1001) or full name, preferring the organizer's school."""
        path: Path_ = ("student",)
        wanted = self.text(path, value, limit=200, numbers=True, required=True)
        found = list(
            self.session.scalars(
                select(Student)
                .where(
                    Student.active,
                    (Student.external_id == wanted) | (func.lower(Student.name) == wanted.lower()),
                )
                .order_by(Student.id)
            )
        )
        if organizer.school_id is not None and len(found) > 1:
            found = [s for s in found if s.school_id == organizer.school_id] or found
        if not found:
            raise self.fail(
                path, f"no student {wanted!r} in the roster (give the id, or full name)"
            )
        if len(found) > 1:
            ids = ", ".join(s.external_id for s in found)
            raise self.fail(path, f"{len(found)} students match {wanted!r} ({ids}): give the id")
        return found[0]

    def zone(self, student: Student) -> str:
        school = self.session.get(School, student.school_id)
        return (school.timezone if school else None) or self.default_timezone

    def attendees(self, value: Any) -> list[AttendeeSpec]:
        found = []
        for index, item in enumerate(self.items(("attendees",), value, actions.MAX_ITEMS), 1):
            path: Path_ = ("attendees", index)
            entry = self.mapping(path, item, ATTENDEE_FIELDS)
            if "role" not in entry:
                raise self.fail(path, "role is missing")
            role = self.choice((*path, "role"), entry["role"], AttendeeRole)
            staff = None
            if entry.get("email") is not None:
                email = self.email((*path, "email"), entry["email"])
                staff = self.session.scalar(select(Staff).where(Staff.email == email))
                if staff is None or not staff.active:
                    raise self.fail(
                        (*path, "email"),
                        f"no active staff member has the email {email} "
                        "(leave the email out for someone who is not staff)",
                    )
            name = self.text((*path, "name"), entry.get("name"), limit=200)
            if not name and staff is None:
                raise self.fail(path, "name is missing")
            if staff is not None:
                found.append(AttendeeSpec(name or staff.name, role, staff.id))
            else:
                found.append(AttendeeSpec(name, role))
        return found

    # -- when ------------------------------------------------------------------------

    def times(
        self, mapping: dict[str, Any], zone: str
    ) -> tuple[dt.datetime | None, list[dt.datetime]]:
        has_time, has_slots = mapping.get("time") is not None, mapping.get("slots") is not None
        if has_time == has_slots:
            raise self.fail(
                (),
                "give either time (one fixed time) or slots (1 to 5 times for the family "
                "to choose from), not " + ("both" if has_time else "neither"),
            )
        if has_time:
            return self.when(("time",), mapping["time"], zone), []
        items = self.items(("slots",), mapping["slots"], actions.MAX_SLOTS)
        if not items:
            raise self.fail(("slots",), "give 1 to 5 times")
        slots: list[dt.datetime] = []
        for index, item in enumerate(items, 1):
            when = self.when(("slots", index), item, zone)
            if when in slots:
                raise self.fail(("slots", index), f"the same time as slot {slots.index(when) + 1}")
            slots.append(when)
        return None, slots

    def when(self, path: Path_, value: Any, zone: str) -> dt.datetime:
        if isinstance(value, dt.datetime):  # YAML reads 2027-01-12 10:00:00 unquoted as one
            if value.tzinfo is not None:
                raise self.fail(path, "write the school's local time, without a UTC offset")
            value = value.strftime(TIME_FORMAT)
        if not isinstance(value, str):
            raise self.fail(path, 'write the time as "YYYY-MM-DD HH:MM", in quotes')
        try:
            when = local_time(value, zone)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None
        if when <= self.now:
            raise self.fail(path, f"{value.strip()} ({zone}) is in the past")
        try:
            check_meeting_time(when, self.now)
        except InputError as exc:
            raise self.fail(path, str(exc)) from None
        return when

    def duration(self, value: Any) -> int:
        path: Path_ = ("duration_minutes",)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, "must be a whole number of minutes, e.g. 60")
        if not actions.MIN_MINUTES <= value <= actions.MAX_MINUTES:
            raise self.fail(
                path,
                f"{value}: a meeting lasts {actions.MIN_MINUTES} to {actions.MAX_MINUTES} minutes",
            )
        return value

    def reminders(self, value: Any) -> list[int] | None:
        if value is None:
            return None
        items = self.items(("reminders",), value, 10)
        if not items:
            raise self.fail(("reminders",), "give at least one (leave it out for 7d, 1d, 2h)")
        minutes: list[int] = []
        for index, item in enumerate(items, 1):
            path: Path_ = ("reminders", index)
            match = REMINDER.match(str(item)) if not isinstance(item, bool) else None
            if match is None:
                raise self.fail(path, f"{item!r}: write minutes (90) or 30m, 2h, 1d, 1w")
            total = int(match.group(1)) * UNIT_MINUTES[match.group(2)]
            if not 5 <= total <= 60 * 24 * 60:
                raise self.fail(path, f"{item!r}: a reminder goes 5 minutes to 60 days before")
            if total in minutes:
                raise self.fail(path, f"{item!r} is given twice")
            minutes.append(total)
        return minutes

    # -- what ------------------------------------------------------------------------

    def agenda(self, value: Any) -> list[str]:
        items = self.items(("agenda",), value, actions.MAX_ITEMS)
        return [self.text(("agenda", n), item, required=True) for n, item in enumerate(items, 1)]

    def documents(self, value: Any) -> list[DocumentSpec]:
        found = []
        for index, item in enumerate(self.items(("documents",), value, actions.MAX_ITEMS), 1):
            path: Path_ = ("documents", index)
            entry = self.mapping(path, item, DOCUMENT_FIELDS)
            title = self.text((*path, "title"), entry.get("title"), limit=500, required=True)
            found.append(DocumentSpec(title, self.link((*path, "link"), entry.get("link"))))
        return found
