"""Everything check-ins say, from the catalogs: the warm questions families get, the
dialog's prompts and labels, and days and times as the reader writes them."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from babel.dates import format_time

from ...i18n import N_, gettext
from ...languages import catalog_language
from .timing import DAY_NAMES

TEMPLATES: dict[str, str] = {
    "week": N_("How did {student}'s week go at home? We would love to hear."),
    "proud": N_("What did {student} do this week that made you proud?"),
    "ahead": N_("Is there anything about the week ahead that would help us support {student}?"),
    "weekend": N_("How was {student}'s weekend? Is there anything fun you would like to share?"),
    "story": N_(
        "Share a photo or a story from home this week. What did {student} enjoy? We love to see it."
    ),
}


CHECKIN_HELP = N_("/checkin sets up a regular check-in with families; /checkins lists yours.")
DAY_PRESETS = (
    ("fri", N_("Fridays")),
    ("mon", N_("Mondays")),
    ("mon,thu", N_("Mon and Thu")),
    ("mon-fri", N_("Every weekday")),
)
TIME_PRESETS = ("08:00", "12:00", "15:30", "16:00", "18:00", "19:30")
QUESTION_LABELS = {
    "week": N_("How the week went at home"),
    "proud": N_("Something that made them proud"),
    "ahead": N_("The week ahead"),
    "weekend": N_("The weekend"),
    "story": N_("Share a photo or a story from home this week"),
}

WHO = N_("Who is this check-in for?")
ONE_STUDENT = N_("One student")
TYPE_STUDENT = N_("Type the student's name.")
WHICH_DAYS = N_("On which days? Tap one, or type days like: tue, fri")
WHAT_TIME = N_(
    "At what time? It is each family's own local time. Tap one, or type a time like 16:30."
)
WHICH_QUESTION = N_("Which question? Families get it in their own language.")
OWN_QUESTION = N_("Write my own")
TYPE_QUESTION = N_("Type your question.")
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please try again, or send /cancel.")
CREATED = N_(
    "Check-in set for {target}: {days} at {time}, each family's own time. "
    "The first one goes out {when}. /checkins shows your check-ins."
)
CANCELLED = N_("Check-in setup cancelled.")
NO_PLANS = N_("You have no check-ins. Send /checkin to set one up.")
PAUSED_LABEL = N_("paused")
PAUSE = N_("Pause")
RESUME = N_("Resume")
DELETE = N_("Delete")
PLAN_PAUSED = N_("Check-in for {target} paused.")
PLAN_RESUMED = N_("Check-in for {target} resumed.")
PLAN_DELETED = N_("Check-in for {target} deleted.")


def template_text(key: str, language: str, student: str) -> str:
    return gettext(language, TEMPLATES[key], student=student)


def days_text(days: str, language: str) -> str:
    """ "fri" → "Friday", "mon-fri" → "Monday–Friday", in the reader's language."""
    names = Locale.parse(catalog_language(language).replace("-", "_")).days["format"]["wide"]

    def name(day: str) -> str:
        return str(names[DAY_NAMES.index(day)])

    parts = []
    for part in days.split(","):
        ends = part.split("-")
        parts.append("–".join(name(d) for d in ends))
    return ", ".join(parts)


def time_text(clock: str, language: str) -> str:
    """ "14:00" as the reader writes times ("2:00 PM", "14:00")."""
    hours, minutes = clock.split(":")
    locale = catalog_language(language).replace("-", "_")
    return format_time(dt.time(int(hours), int(minutes)), format="short", locale=locale)


PLAN_GONE = N_("This check-in no longer exists. Send /checkins to see yours.")
