"""One validated guardian–student pair, whatever roster format it came from."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..languages import UnknownLanguage, normalize_language
from ..models import Channel, PhotoConsent
from ..phones import InvalidPhoneNumber, to_e164
from ..quiet_hours import InvalidQuietHours, canonical

T = TypeVar("T")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowError(ValueError):
    """A row that cannot be imported; the message says why in a user's words."""


@dataclass(frozen=True)
class TeacherRecord:
    name: str
    email: str


@dataclass(frozen=True)
class ClassRecord:
    name: str
    teachers: tuple[TeacherRecord, ...] = ()
    external_id: str | None = None


@dataclass(frozen=True)
class GuardianRecord:
    name: str
    phone: str
    relationship: str
    language: str
    channel: Channel
    timezone: str | None
    quiet_hours: str
    # `relationship` and `photo_consent` belong to this row's guardian–student link.
    photo_consent: PhotoConsent
    external_id: str | None = None
    # Whether this link gets messages; None when the file does not say (kept as it is).
    receives_messages: bool | None = None


@dataclass(frozen=True)
class RosterRecord:
    source: str  # where it came from, for messages: "line 7", "users.csv line 12"
    student_id: str
    student_name: str
    classes: tuple[ClassRecord, ...]
    guardian: GuardianRecord | None
    problems: tuple[str, ...] = field(default=())


# The longest text each column's database field holds; others hold 200 characters.
LIMITS = {"guardian_relationship": 100, "metadata.relationship": 100, "teacher_email": 320}


def plain_text(values: Mapping[str, str | None]) -> None:
    """Refuse text the database cannot store the same everywhere: NUL characters (which
    PostgreSQL refuses and SQLite keeps) and values longer than their column."""
    problems = []
    for column, value in values.items():
        if not isinstance(value, str):
            continue
        limit = LIMITS.get(column, 200)
        if "\x00" in value:
            problems.append(f"{column} contains a NUL character")
        elif len(value.strip()) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    if problems:
        raise RowError("; ".join(problems))


def required(value: str | None, column: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RowError(f"{column} is empty")
    return text


def email(value: str | None, column: str) -> str:
    text = required(value, column).lower()
    if not EMAIL.match(text):
        raise RowError(f"{column} {text!r} is not an email address")
    return text


def phone(value: str | None, column: str) -> str:
    text = required(value, column)
    try:
        return to_e164(text)
    except InvalidPhoneNumber as exc:
        raise RowError(f"{column}: {exc}") from None


def language(value: str | None, column: str = "language") -> str:
    text = (value or "").strip()
    if not text:
        return "en"
    try:
        return normalize_language(text)
    except UnknownLanguage as exc:
        raise RowError(f"{column}: {exc}") from None


def channel(value: str | None, column: str = "channel") -> Channel:
    text = (value or "").strip().lower()
    if not text:
        return Channel.SMS
    try:
        return Channel(text)
    except ValueError:
        raise RowError(f"{column} {text!r} is not one of sms, whatsapp, telegram") from None


def timezone(value: str | None, column: str = "timezone") -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RowError(
            f"{column} {text!r} is not an IANA time zone such as America/Chicago"
        ) from None
    return text


def quiet_hours(value: str | None, column: str = "quiet_hours") -> str:
    try:
        return canonical(value or "")
    except InvalidQuietHours as exc:
        raise RowError(f"{column}: {exc}") from None


def photo_consent(value: str | None, column: str = "photo_consent") -> PhotoConsent:
    text = (value or "").strip().lower()
    if not text:
        return PhotoConsent.NONE
    try:
        return PhotoConsent(text)
    except ValueError:
        raise RowError(f"{column} {text!r} is not one of none, individual, group") from None


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def yes_no(value: str | None, column: str = "receives_messages") -> bool | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError(f"{column} {text!r} is not yes or no")


class Checker:
    """Runs every field's check so that a bad row is reported with all its problems at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def __call__(self, check: Callable[..., T], *args: Any) -> T:
        try:
            return check(*args)
        except RowError as exc:
            self.problems.append(str(exc))
            return None  # type: ignore[return-value]

    def raise_problems(self) -> None:
        if self.problems:
            raise RowError("; ".join(self.problems))
