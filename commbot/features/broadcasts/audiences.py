"""Who a broadcast is for: the whole school, classes, the families of listed students,
families in a language, families with a meeting soon, families not reached lately.

An audience resolves to (guardian, student) pairs the sender may reach: a coordinator or
admin any family of their school, a teacher or specialist only the families of students
they serve (`commbot.policy`). A family with two children in the audience is one family:
it gets the broadcast once, about the first child by name.

INTERFACE (foundation): builder H1 implements; H2 (Telegram) and H4 (bench) code against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from ...models import Guardian, Staff, Student


class AudienceKind(StrEnum):
    SCHOOL = "school"  # every family the sender serves in their school
    CLASSES = "classes"  # values: class names
    STUDENTS = "students"  # values: student names or external ids
    LANGUAGE = "language"  # values: language codes ("es", "zh-CN")
    MEETING_WITHIN = "meeting"  # days: families with a meeting in the next N days
    NOT_REACHED = "not-reached"  # days: families with no delivery delivered in N days


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    values: tuple[str, ...] = ()
    days: int | None = None

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        raise NotImplementedError

    def describe(self, language: str) -> str:
        """The audience in plain words for the sender ("Classes 3A, 4B"), from the catalog."""
        raise NotImplementedError


class AudienceError(ValueError):
    """An audience that cannot be used: names the problem (an unknown class, a bad number
    of days, a class the sender does not serve)."""


def parse(text: str) -> Audience:
    """The command line's `--audience`: `school`, `class:3A,4B`, `students:Ana Diaz;Leo Park`
    (names or external ids, `;` between them), `language:es`, `meeting:7`, `not-reached:30`.
    Raises AudienceError naming what is wrong."""
    raise NotImplementedError


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


def resolve(session: Session, sender: Staff, audience: Audience, now: dt.datetime) -> Resolved:
    """The families of `audience` the sender may reach, one per guardian, in name order."""
    raise NotImplementedError
