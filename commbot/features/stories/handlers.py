"""Stories on Telegram: the "Say thank you" press under a family's story, and
`/timeline <student>` (the recent stories and photos, both ways). The rules are in
`actions`; this module only talks."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date, format_time

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.registry import BUTTONS, COMMANDS
from ...conversations.staff import NO_SUCH_STUDENT, find_student
from ...i18n import gettext
from ...languages import catalog_language, name_in
from ...models import Staff
from ...schools import school_timezone
from . import messages as m
from . import on_relay as _on_relay  # noqa: F401  (registers the Thank you button)
from .actions import TimelineEntry, thank_family, timeline
from .buttons import THANK

DAYS = 30
SHOWN = 20
TEXT_SHOWN = 500  # a timeline is a glance: very long messages are cut, the thread has them


@BUTTONS.on(THANK)
def _thank(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    result = thank_family(
        context.session,
        staff,
        int(values["story"]),
        now=context.now,
        default_timezone=context.default_timezone,
    )
    language = staff.language
    if result is None:
        context.reply(gettext(language, m.STORY_GONE))
        context.events.append("stale story button")
        return
    name = result.guardian.name
    if result.already:
        context.reply(gettext(language, m.ALREADY_THANKED, guardian=name))
    elif not result.reached:
        context.reply(gettext(language, m.THANK_NOT_REACHED, guardian=name))
    else:
        reads = name_in(result.guardian.language, language)
        context.reply(gettext(language, m.THANKED, guardian=name, language=reads))
        context.events.append("family thanked")


@COMMANDS.command("/timeline", m.TIMELINE_HELP)
def _timeline(context: Context, staff: Staff, argument: str) -> None:
    language = staff.language
    if not argument.strip():
        context.reply(gettext(language, m.TIMELINE_WHICH))
        return
    student, _ = find_student(context, staff, argument)
    entries = (
        None
        if student is None
        else timeline(context.session, staff, student, now=context.now, days=DAYS, limit=SHOWN)
    )
    if student is None or entries is None:
        # As /msg: a student not served gets the same answer as one who does not exist.
        name = argument.split("\n")[0][:60]
        context.reply(gettext(language, NO_SUCH_STUDENT, name=name))
        return
    if not entries:
        context.reply(gettext(language, m.TIMELINE_EMPTY, student=student.name, days=DAYS))
        return
    zone = school_timezone(context.session, student.school_id, context.default_timezone)
    lines = [gettext(language, m.TIMELINE_HEADER, student=student.name, days=DAYS)]
    for entry in entries:
        lines += ["", *_entry_lines(entry, language, zone)]
    if len(entries) >= SHOWN:
        lines += ["", gettext(language, m.TIMELINE_MORE, count=SHOWN)]
    context.reply("\n".join(lines))


def _entry_lines(entry: TimelineEntry, language: str, zone: str) -> list[str]:
    when = _when(entry.at, language, zone)
    if entry.class_photo:
        title = gettext(language, m.TIMELINE_CLASS_PHOTO, when=when, staff=entry.author)
    elif entry.from_family:
        title = gettext(language, m.TIMELINE_FROM_FAMILY, when=when, guardian=entry.author)
    else:
        title = gettext(language, m.TIMELINE_FROM_SCHOOL, when=when, staff=entry.author)
    lines = [title]
    text = entry.text.strip()
    if text:
        # The words as written (the teacher read them translated when they came).
        lines.append(text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN].rstrip() + "…")
    if entry.media_count:
        lines.append(gettext(language, m.TIMELINE_MEDIA, count=entry.media_count))
    return lines


def _when(at: dt.datetime, language: str, zone: str) -> str:
    """ "Fri 20 Nov, 4:30 PM" as the reader writes dates and times, in the school's zone."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    locale = catalog_language(language).replace("-", "_")
    day = format_date(local, "EEE d MMM", locale=locale)
    return f"{day}, {format_time(local, format='short', locale=locale)}"
