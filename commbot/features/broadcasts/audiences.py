"""Who a broadcast is for: the whole school, classes, the families of listed students,
families in a language, families with a meeting soon, families not reached lately.

An audience resolves to (guardian, student) pairs the sender may reach: a coordinator or
admin any family of their school, a teacher or specialist only the families of students
they serve (`commbot.policy`). A family with two children in the audience is one family:
it gets the broadcast once, about the first child by name.

Resolving is a handful of queries however many families: a broadcast to a whole district
resolves in one join, never one query per family.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...languages import UnknownLanguage, name_in, normalize_language
from ...models import (
    Guardian,
    Guardianship,
    Staff,
    Student,
)
from ...policy import receiving_link
from . import messages as m
from . import selection
from .selection import AudienceKind

__all__ = ["Audience", "AudienceError", "AudienceKind", "Family", "Member", "Resolved"]

MAX_DAYS = 365
WITH_DAYS = (AudienceKind.MEETING_WITHIN, AudienceKind.NOT_REACHED)


class AudienceError(ValueError):
    """An audience that cannot be used: names the problem (an unknown class, a bad number
    of days, a class the sender does not serve). `say(language)` gives it in the reader's
    language; `str()` is English, for the command line."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(gettext("en", message, **values))
        self.message = message
        self.values = values

    def say(self, language: str) -> str:
        return gettext(language, self.message, **self.values)


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    values: tuple[str, ...] = ()
    days: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "values": list(self.values), "days": self.days}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        days = data.get("days")
        return cls(
            AudienceKind(data["kind"]),
            tuple(str(v) for v in data.get("values") or ()),
            int(days) if days is not None else None,
        )

    def describe(self, language: str) -> str:
        """The audience in plain words for the sender ("Classes: 3A, 4B"), from the catalog."""
        names = ", ".join(self.values)
        match self.kind:
            case AudienceKind.SCHOOL:
                return gettext(language, m.AUDIENCE_SCHOOL)
            case AudienceKind.CLASSES:
                return gettext(language, m.AUDIENCE_CLASSES, names=names)
            case AudienceKind.STUDENTS:
                return gettext(language, m.AUDIENCE_STUDENTS, names=names)
            case AudienceKind.LANGUAGE:
                spoken = ", ".join(name_in(code, language) for code in self.values)
                return gettext(language, m.AUDIENCE_LANGUAGE, language=spoken)
            case AudienceKind.MEETING_WITHIN:
                return gettext(language, m.AUDIENCE_MEETING, days=self.days)
            case AudienceKind.NOT_REACHED:
                return gettext(language, m.AUDIENCE_NOT_REACHED, days=self.days)


_EXAMPLES = {
    AudienceKind.CLASSES: "class:3A,4B",
    AudienceKind.STUDENTS: "students:Ana Diaz;Leo Park",
    AudienceKind.LANGUAGE: "language:es",
    AudienceKind.MEETING_WITHIN: "meeting:7",
    AudienceKind.NOT_REACHED: "not-reached:30",
}
_ALIASES = {"class": AudienceKind.CLASSES, "student": AudienceKind.STUDENTS}


def parse(text: str) -> Audience:
    """The command line's `--audience`: `school`, `class:3A,4B`, `students:Ana Diaz;Leo Park`
    (names or external ids, `;` between them), `language:es`, `meeting:7`, `not-reached:30`.
    Raises AudienceError naming what is wrong."""
    head, _, rest = text.strip().partition(":")
    word = head.strip().lower()
    try:
        kind = _ALIASES.get(word) or AudienceKind(word)
    except ValueError:
        raise AudienceError(m.BAD_AUDIENCE, text=text.strip()[:80] or "''") from None
    rest = rest.strip()
    if kind is AudienceKind.SCHOOL:
        if rest:
            raise AudienceError(m.BAD_AUDIENCE, text=text.strip()[:80])
        return Audience(kind)
    if not rest:
        raise AudienceError(m.NO_VALUES, kind=kind.value, example=_EXAMPLES[kind])
    if kind in WITH_DAYS:
        return Audience(kind, days=parse_days(rest))
    separator = ";" if kind is AudienceKind.STUDENTS else ","
    values = tuple(dict.fromkeys(v.strip() for v in rest.split(separator) if v.strip()))
    if not values:
        raise AudienceError(m.NO_VALUES, kind=kind.value, example=_EXAMPLES[kind])
    if kind is AudienceKind.LANGUAGE:
        values = tuple(_language(v) for v in values)
    return Audience(kind, values)


def parse_days(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise AudienceError(m.BAD_DAYS, value=value[:20])
    return int(value)


def _language(code: str) -> str:
    try:
        return normalize_language(code)
    except UnknownLanguage:
        raise AudienceError(m.BAD_LANGUAGE, value=code[:20]) from None


@dataclass(frozen=True)
class Member:
    """One family in the audience: the guardian, and the child the broadcast is about."""

    guardian: Guardian
    student: Student


@dataclass
class Resolved:
    members: list[Member] = field(default_factory=list)
    # Names the sender gave that matched nothing they serve (a class, a student): said back.
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Family:
    """A member as plain values, for the preview and the fan-out: loading 10,000 guardians
    and students as ORM objects would cost more than queueing their messages."""

    guardian_id: int
    student_id: int
    language: str
    timezone: str | None
    quiet_hours: str
    student_name: str


def resolve(session: Session, sender: Staff, audience: Audience, now: dt.datetime) -> Resolved:
    """The families of `audience` the sender may reach, one per guardian, in name order."""
    condition, unknown = selection.condition(session, sender, audience, now)
    rows = session.execute(_members(select(Guardian, Student), condition)).all()
    return Resolved([Member(g, s) for g, s in _first_child(rows, lambda row: row[0].id)], unknown)


def families(
    session: Session, sender: Staff, audience: Audience, now: dt.datetime
) -> tuple[list[Family], list[str]]:
    """`resolve`, as plain values: the same families, in the same order."""
    condition, unknown = selection.condition(session, sender, audience, now)
    query = select(
        Guardian.id,
        Student.id,
        Guardian.language,
        Guardian.timezone,
        Guardian.quiet_hours,
        Student.name,
    )
    rows = session.execute(_members(query, condition)).all()
    return [Family(*row) for row in _first_child(rows, lambda row: row[0])], unknown


def reaches_anyone(
    session: Session, sender: Staff, audience: Audience, now: dt.datetime
) -> tuple[bool, list[str]]:
    """Whether the audience holds at least one family, without loading them."""
    condition, unknown = selection.condition(session, sender, audience, now)
    found = session.execute(_members(select(Guardian.id), condition).limit(1)).first()
    return found is not None, unknown


def _members(query: Any, condition: ColumnElement[bool]) -> Any:
    return (
        query.select_from(Guardian)
        .join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(receiving_link(), Guardian.active, Student.active, condition)
        .order_by(Guardian.name, Guardian.id, Student.name, Student.id)
    )


def _first_child(rows: Sequence[Any], guardian_of: Callable[[Any], int]) -> list[Any]:
    """One row per guardian: the first child by name (rows come in that order)."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        guardian_id = guardian_of(row)
        if guardian_id not in seen:
            seen.add(guardian_id)
            kept.append(row)
    return kept
