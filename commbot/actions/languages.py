"""Who reads which language, and whether staff see what families read translated back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..languages import UnknownLanguage, normalize_language
from ..models import Guardian, Staff
from ..policy import reachable_guardian_named


def set_guardian_language(session: Session, guardian: Guardian, code: str) -> str:
    """A family picks its language (`LANGUAGE` and a number, or a button)."""
    guardian.language = normalize_language(code)
    return guardian.language


def set_staff_language(session: Session, staff: Staff, code: str) -> str:
    """A staff member's own language. Raises `UnknownLanguage` for a code we do not know."""
    staff.language = normalize_language(code)
    return staff.language


@dataclass(frozen=True)
class FamilyLanguageSet:
    guardian: Guardian | None  # None: no family of theirs has that name
    language: str


def set_family_language(
    session: Session, staff: Staff, guardian_name: str, code: str
) -> FamilyLanguageSet:
    """A staff member sets the language of a family they serve, found by name.

    Raises `UnknownLanguage` for an unknown code; a name outside their families is not
    found, whoever else it belongs to.
    """
    language = normalize_language(code)
    guardian = reachable_guardian_named(session, staff, guardian_name)
    if guardian is not None:
        guardian.language = language
    return FamilyLanguageSet(guardian, language)


def set_back_translation(session: Session, staff: Staff, on: bool) -> None:
    staff.show_back_translation = on


__all__ = [
    "FamilyLanguageSet",
    "UnknownLanguage",
    "set_back_translation",
    "set_family_language",
    "set_guardian_language",
    "set_staff_language",
]
