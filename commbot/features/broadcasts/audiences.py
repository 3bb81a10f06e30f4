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
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...languages import UnknownLanguage, name_in, normalize_language
from ...models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    RecipientKind,
    Staff,
    Student,
    enrollments,
)
from ...policy import receiving_link, served_classes, served_students_query
from . import messages as m

MAX_DAYS = 365
# What counts as reaching a family: the provider said it arrived; Telegram says no more
# than that it took the message, so there a send counts.
REACHED = or_(
    Delivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.READ)),
    and_(Delivery.status == DeliveryStatus.SENT, Delivery.channel == Channel.TELEGRAM),
)


class AudienceKind(StrEnum):
    SCHOOL = "school"  # every family the sender serves in their school
    CLASSES = "classes"  # values: class names
    STUDENTS = "students"  # values: student names or external ids
    LANGUAGE = "language"  # values: language codes ("es", "zh-CN")
    MEETING_WITHIN = "meeting"  # days: families with a meeting in the next N days
    NOT_REACHED = "not-reached"  # days: families with no delivery delivered in N days


WITH_VALUES = (AudienceKind.CLASSES, AudienceKind.STUDENTS, AudienceKind.LANGUAGE)
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
    condition, unknown = _condition(session, sender, audience, now)
    rows = session.execute(_members(select(Guardian, Student), condition)).all()
    return Resolved([Member(g, s) for g, s in _first_child(rows, lambda row: row[0].id)], unknown)


def families(
    session: Session, sender: Staff, audience: Audience, now: dt.datetime
) -> tuple[list[Family], list[str]]:
    """`resolve`, as plain values: the same families, in the same order."""
    condition, unknown = _condition(session, sender, audience, now)
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
    condition, unknown = _condition(session, sender, audience, now)
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


def _condition(
    session: Session, sender: Staff, audience: Audience, now: dt.datetime
) -> tuple[ColumnElement[bool], list[str]]:
    """Which (guardian, student) pairs the audience means, within what the sender serves;
    and the names given that matched nothing they serve."""
    served = served_students_query(sender).with_only_columns(Student.id)
    unknown: list[str] = []
    condition: ColumnElement[bool]
    match audience.kind:
        case AudienceKind.SCHOOL:
            condition = Student.id.in_(served)
        case AudienceKind.CLASSES:
            class_ids, unknown = _classes(session, sender, audience.values)
            in_classes = select(enrollments.c.student_id).where(
                enrollments.c.class_id.in_(class_ids)
            )
            condition = and_(Student.id.in_(served), Student.id.in_(in_classes))
        case AudienceKind.STUDENTS:
            student_ids, unknown = _students(session, sender, audience.values)
            condition = Student.id.in_(student_ids)
        case AudienceKind.LANGUAGE:
            condition = and_(Student.id.in_(served), _speaks(audience.values))
        case AudienceKind.MEETING_WITHIN:
            condition = and_(Student.id.in_(served), _meeting_soon(now, audience.days or 0))
        case AudienceKind.NOT_REACHED:
            reached = select(Delivery.guardian_id).where(
                Delivery.recipient_kind == RecipientKind.GUARDIAN,
                Delivery.sent_at >= now - dt.timedelta(days=audience.days or 0),
                Delivery.guardian_id.is_not(None),
                REACHED,
            )
            condition = and_(Student.id.in_(served), Guardian.id.not_in(reached))
    return condition, unknown


def _classes(
    session: Session, sender: Staff, names: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """The sender's classes of these names (any case); a class they do not serve is as
    unknown as one that does not exist: nobody learns of classes beyond their own."""
    by_name = {c.name.casefold(): c.id for c in served_classes(session, sender)}
    found = [by_name[n.casefold()] for n in names if n.casefold() in by_name]
    return found, [n for n in names if n.casefold() not in by_name]


def _students(
    session: Session, sender: Staff, wanted: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """Students the sender serves named (full name, any case) or numbered (external id)."""
    keys = {w.casefold() for w in wanted}
    rows = session.execute(
        served_students_query(sender).with_only_columns(
            Student.id, Student.name, Student.external_id
        )
    ).all()
    found: list[int] = []
    matched: set[str] = set()
    for student_id, name, external_id in rows:
        hits = keys & {name.casefold(), (external_id or "").casefold()}
        if hits:
            found.append(student_id)
            matched |= hits
    return found, [w for w in wanted if w.casefold() not in matched]


def _speaks(codes: tuple[str, ...]) -> ColumnElement[bool]:
    """Guardians reading one of these languages: `es` takes `es-MX` too, `zh-CN` only itself."""
    clauses: list[ColumnElement[bool]] = []
    for code in codes:
        lowered = code.lower()
        clauses.append(func.lower(Guardian.language) == lowered)
        if "-" not in code:
            clauses.append(func.lower(Guardian.language).like(lowered + "-%"))
    return or_(*clauses)


def _meeting_soon(now: dt.datetime, days: int) -> ColumnElement[bool]:
    """Students with an open meeting whose time (settled or fixed, or one of those
    proposed) falls in the next `days` days."""
    from ..meetings.models import Meeting, MeetingSlot, MeetingState

    until = now + dt.timedelta(days=days)
    settled = select(Meeting.student_id).where(
        Meeting.state.in_((MeetingState.PROPOSED, MeetingState.SCHEDULED)),
        Meeting.starts_at >= now,
        Meeting.starts_at <= until,
    )
    proposed = (
        select(Meeting.student_id)
        .join(MeetingSlot, MeetingSlot.meeting_id == Meeting.id)
        .where(
            Meeting.state == MeetingState.PROPOSED,
            MeetingSlot.starts_at >= now,
            MeetingSlot.starts_at <= until,
        )
    )
    return or_(Student.id.in_(settled), Student.id.in_(proposed))
