"""A meeting's notes written as YAML (`commbot meeting notes ID FILE.yaml`), read into a
`notes.NotesSpec`.

The schema is documented in the README ("After the meeting") and shown by
`examples/meeting-notes.yaml`. It is read as `yaml_spec` reads a meeting: every mistake
stops the reading with one error naming the file, the line and the field
("meeting-notes.yaml, line 14, actions[2].owner: ..."); unknown keys are refused with the
closest known one suggested; a key given twice is refused. Nothing is written here, and
the caller records notes only from a file that read cleanly and passed `notes.check_notes`
(called last, as `yaml_spec` calls `check_draft`), so a refusal leaves no half plan.

Owners are people who may read about the child now (`notes.possible_owners`): a staff
member who serves the student, by email or full name, or one of the student's guardians,
by full name, or `family` (also `guardian`) for the student's only guardian. Names are
matched without regard to case or accents ("rosa perez" is Rosa Pérez); a name that fits
two people is refused with both, so the organizer picks, rather than a guess.

Concerns the family wrote before the meeting are answered by number (`raised: 1`), as
`commbot meeting show` numbers them; every one must be answered (or given a reason why not
yet, `not_yet: true`), since a family should see what was done with each concern it raised.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...languages import UnknownLanguage, normalize_language
from ...models import Guardian, Staff, Student
from . import notes
from .actions import MeetingError
from .models import Meeting
from .yaml_spec import MeetingSpecError, Path_, _name, _read_yaml, _Reader

FIELDS = (
    "summary",
    "decisions",
    "concerns",
    "actions",
    "ideas",
    "feedback_after_days",
    "language",
)
CONCERN_FIELDS = ("raised", "concern", "response", "not_yet")
ACTION_FIELDS = ("what", "owner", "due")
# Words for "the student's guardian", when there is only one.
FAMILY_WORDS = ("family", "guardian")
MOST_FEEDBACK_DAYS = 30  # as notes.check_notes allows


class NotesSpecError(MeetingSpecError):
    """A notes file that cannot be used; the message names the file, line and field."""


@dataclass
class NotesFile:
    """What the file asks for, checked against the roster and the meeting."""

    spec: notes.NotesSpec
    # Who each item's owner is, by name, in the spec's order (for the command's output).
    owners: list[Staff | Guardian]


def load_notes(session: Session, path: Path, meeting: Meeting, *, now: dt.datetime) -> NotesFile:
    """Read and check `path` for `meeting`; raise one `NotesSpecError` on the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotesSpecError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise NotesSpecError(f"{path}: not UTF-8 text") from None
    return parse_notes(session, text, meeting, source=path.name, now=now)


def parse_notes(
    session: Session, text: str, meeting: Meeting, *, source: str, now: dt.datetime
) -> NotesFile:
    try:
        data, lines = _read_yaml(text, source)
    except MeetingSpecError as exc:
        raise NotesSpecError(str(exc)) from None
    return _NotesReader(session, source, lines, now, meeting).read(data)


def fold(name: str) -> str:
    """A name as matched: no case, no accents, single spaces ("Rosa  PEREZ" is Rosa Pérez)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


class _NotesReader(_Reader):
    def __init__(
        self,
        session: Session,
        source: str,
        lines: dict[Path_, int],
        now: dt.datetime,
        meeting: Meeting,
    ) -> None:
        super().__init__(session, source, lines, now, meeting.timezone)
        self.meeting = meeting
        self.pupil = session.get_one(Student, meeting.student_id)

    def fail(self, path: Path_, message: str) -> NotesSpecError:
        line = self.lines.get(path)
        where = f", line {line}" if line else ""
        field = f", {_name(path)}" if path else ""
        return NotesSpecError(f"{self.source}{where}{field}: {message}")

    def read(self, data: Any) -> NotesFile:  # type: ignore[override]
        if data is None:
            raise self.fail((), "the file is empty: see examples/meeting-notes.yaml")
        mapping = self.mapping((), data, FIELDS)
        summary = self.text(("summary",), mapping.get("summary"), required=True)
        actions, owners = self.actions(mapping.get("actions"))
        spec = notes.NotesSpec(
            summary=summary,
            decisions=self.texts("decisions", mapping.get("decisions")),
            concerns=self.concerns(mapping.get("concerns")),
            items=actions,
            ideas=self.texts("ideas", mapping.get("ideas")),
            feedback_days=self.feedback_days(mapping.get("feedback_after_days")),
            language=self.language(mapping.get("language")),
        )
        try:  # the core's own checks: the meeting's state, and anything the fields missed
            notes.check_notes(self.session, None, self.meeting, spec, self.now)
        except MeetingError as exc:
            raise self.fail((), str(exc)) from None
        return NotesFile(spec, owners)

    # -- plain fields ------------------------------------------------------------------

    def texts(self, key: str, value: Any) -> tuple[str, ...]:
        items = self.items((key,), value, notes.MAX_ITEMS)
        return tuple(self.text((key, n), item, required=True) for n, item in enumerate(items, 1))

    def feedback_days(self, value: Any) -> int:
        path: Path_ = ("feedback_after_days",)
        if value is None:
            return notes.DEFAULT_FEEDBACK_DAYS
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, "must be a whole number of days, e.g. 2 (0: do not ask)")
        if not 0 <= value <= MOST_FEEDBACK_DAYS:
            raise self.fail(
                path, f"{value}: feedback is asked 0 to {MOST_FEEDBACK_DAYS} days after"
            )
        return value

    def language(self, value: Any) -> str | None:
        path: Path_ = ("language",)
        if value is None:
            return None
        code = self.text(path, value, limit=16, required=True)
        try:
            return normalize_language(code)
        except UnknownLanguage:
            raise self.fail(
                path, f"{code!r} is not a language code (the notes' language: en, es, ...)"
            ) from None

    # -- concerns ----------------------------------------------------------------------

    def concerns(self, value: Any) -> tuple[notes.ConcernSpec, ...]:
        raised = notes.raised_concerns(self.session, self.meeting)
        found: list[notes.ConcernSpec] = []
        answered: dict[int, int] = {}  # raised number -> entry that answers it
        for index, item in enumerate(self.items(("concerns",), value, notes.MAX_CONCERNS), 1):
            path: Path_ = ("concerns", index)
            entry = self.mapping(path, item, CONCERN_FIELDS)
            has_raised, has_concern = entry.get("raised") is not None, "concern" in entry
            if has_raised == has_concern:
                raise self.fail(
                    path,
                    "give either raised (the number of a concern the family wrote, as "
                    "`commbot meeting show` lists them) or concern (one raised during the "
                    "meeting), not " + ("both" if has_raised else "neither"),
                )
            response = self.text((*path, "response"), entry.get("response"), required=True)
            not_yet = self.boolean((*path, "not_yet"), entry.get("not_yet", False))
            if has_concern:
                words = self.text((*path, "concern"), entry["concern"], required=True)
                found.append(notes.ConcernSpec(response, not not_yet, concern=words))
                continue
            number = self.raised_number((*path, "raised"), entry["raised"], len(raised))
            if number in answered:
                raise self.fail(
                    (*path, "raised"),
                    f"concern {number} is already answered by concerns[{answered[number]}]",
                )
            answered[number] = index
            found.append(notes.ConcernSpec(response, not not_yet, raised=number))
        missing = [r for r in raised if r.number not in answered]
        if missing:
            path = ("concerns",) if value is not None else ()
            which = ", ".join(f"{r.number} ({r.guardian_name})" for r in missing)
            raise self.fail(
                path,
                f"the family's concern{'s' if len(missing) > 1 else ''} {which} "
                f"{'are' if len(missing) > 1 else 'is'} not answered: add `- raised: "
                f"{missing[0].number}` with a response, or not_yet: true and why "
                f"(`commbot meeting show {self.meeting.id}` lists them)",
            )
        return tuple(found)

    def raised_number(self, path: Path_, value: Any, count: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                path, "must be a concern's number, as `commbot meeting show` lists them"
            )
        if not 1 <= value <= count:
            have = f"1 to {count}" if count else "none"
            raise self.fail(
                path, f"no concern {value}: the family wrote {count} before the meeting ({have})"
            )
        return value

    # -- the action plan ---------------------------------------------------------------

    def actions(self, value: Any) -> tuple[tuple[notes.ItemSpec, ...], list[Staff | Guardian]]:
        staff, guardians = notes.possible_owners(self.session, self.meeting)
        items: list[notes.ItemSpec] = []
        owners: list[Staff | Guardian] = []
        for index, item in enumerate(self.items(("actions",), value, notes.MAX_ITEMS), 1):
            path: Path_ = ("actions", index)
            entry = self.mapping(path, item, ACTION_FIELDS)
            for key in ACTION_FIELDS:
                if entry.get(key) in (None, ""):
                    raise self.fail(path, f"{key} is missing")
            what = self.text((*path, "what"), entry["what"], required=True)
            owner = self.owner((*path, "owner"), entry["owner"], staff, guardians)
            due = self.due((*path, "due"), entry["due"])
            if isinstance(owner, Staff):
                items.append(notes.ItemSpec(what, notes.Owner(staff_id=owner.id), due))
            else:
                items.append(notes.ItemSpec(what, notes.Owner(guardian_id=owner.id), due))
            owners.append(owner)
        return tuple(items), owners

    def owner(
        self, path: Path_, value: Any, staff: list[Staff], guardians: list[Guardian]
    ) -> Staff | Guardian:
        wanted = self.text(path, value, limit=320, required=True)
        student = self.pupil.name
        if "@" in wanted:
            email = self.email(path, wanted)
            for member in staff:
                if member.email.lower() == email:
                    return member
            known = self.session.scalar(select(Staff).where(func.lower(Staff.email) == email))
            if known is None or not known.active:
                raise self.fail(path, f"no active staff member has the email {email}")
            raise self.fail(
                path,
                f"{known.name} does not serve {student}: an owner must serve the student "
                "(`commbot staff assign`) or be one of the student's guardians",
            )
        if fold(wanted) in FAMILY_WORDS:
            if len(guardians) == 1:
                return guardians[0]
            if not guardians:
                raise self.fail(path, f"{student} has no guardian in the roster")
            names = ", ".join(g.name for g in guardians)
            raise self.fail(
                path, f"{student} has {len(guardians)} guardians ({names}): name the one"
            )
        people: list[Staff | Guardian] = [*staff, *guardians]
        matches = [p for p in people if fold(p.name) == fold(wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise self.fail(
                path,
                f"{len(matches)} people are named {wanted!r}: "
                + "; ".join(self.who(p) for p in matches)
                + ". Give the staff member's email"
                + (" or write family" if len(guardians) == 1 else ""),
            )
        close = difflib.get_close_matches(fold(wanted), [fold(p.name) for p in people], n=1)
        hint = ""
        if close:
            hint = " (did you mean " + next(p.name for p in people if fold(p.name) == close[0])
            hint += "?)"
        choose = "; ".join(self.who(p) for p in people) or "nobody"
        raise self.fail(
            path,
            f"{wanted!r} is not staff serving {student} nor one of the student's guardians"
            f"{hint}; choose: {choose}",
        )

    @staticmethod
    def who(person: Staff | Guardian) -> str:
        if isinstance(person, Staff):
            return f"{person.name} <{person.email}> ({person.role.value})"
        return f"{person.name} (guardian)"  # never a phone number

    def due(self, path: Path_, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            raise self.fail(path, "write a day, YYYY-MM-DD, without a time")
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(path, f"{value!r} is not a date: write YYYY-MM-DD") from None
        if not isinstance(value, dt.date):
            raise self.fail(path, "write the due date as YYYY-MM-DD")
        starts_at = self.meeting.starts_at or self.now
        first = notes.school_day(self.meeting, starts_at)
        if value < first:
            raise self.fail(
                path, f"{value.isoformat()} is before the meeting's day ({first.isoformat()})"
            )
        if value > notes.last_due_day(self.meeting, self.now):
            raise self.fail(path, f"{value.isoformat()} is more than 2 years ahead")
        return value
