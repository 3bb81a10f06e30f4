"""The warm questions staff can pick from, written for every catalog language."""

from __future__ import annotations

from ..i18n import N_, gettext

TEMPLATES: dict[str, str] = {
    "week": N_("How did {student}'s week go at home? We would love to hear."),
    "proud": N_("What did {student} do this week that made you proud?"),
    "ahead": N_("Is there anything about the week ahead that would help us support {student}?"),
    "weekend": N_("How was {student}'s weekend? Is there anything fun you would like to share?"),
}


def template_text(key: str, language: str, student: str) -> str:
    return gettext(language, TEMPLATES[key], student=student)
