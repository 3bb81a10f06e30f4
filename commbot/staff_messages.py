"""A staff member's message to a student's family: queue it for each guardian, on the
right thread, and tell the staff member plainly what will happen.

The report names who gets it, on which channel and language; who opted out or cannot be
reached; which jargon is explained for the family; when the text reads above grade 8; and,
unless switched off, what each family will read, translated back.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import TYPE_CHECKING

import textstat
from babel.dates import format_date, format_time

from .dispatch.compose import same_language
from .glossary import load_glossary
from .i18n import N_, gettext
from .languages import catalog_language, name_in
from .models import AuthorKind, Guardian, Message, MessageKind, Staff, Student
from .outbox import to_guardian, to_staff
from .policy import receiving_guardians, serves
from .threads import thread_for

if TYPE_CHECKING:  # the inbound package imports this module
    from .inbound.context import Context

FAMILY_HEADER = N_("{staff}, about {student}:")
NOT_YOUR_STUDENT = N_("You can only write to families of students you work with.")
NO_FAMILY = N_("{student} has no family member who gets messages.")
SENT_TO = N_("Sent to {recipients}.")
OPTED_OUT = N_("{name} has opted out of messages (replied STOP). They will not get this.")
OPTED_OUT_ELSEWHERE = N_(
    "{name} opted out of one channel (replied STOP), so this goes by {channel} instead."
)
QUIET_HOURS = N_("It is quiet time for {name}, so it will arrive {when}, their time.")
UNREACHABLE = N_("{name} cannot be reached on any channel. Please call the family.")
EXPLAINED = N_("Explained in plain words for the family: {terms}.")
HARD_TO_READ = N_(
    "Tip: this reads at about grade {grade}. Shorter sentences and everyday words help "
    "every family."
)
BACK_TRANSLATION = N_("What {names} will read ({language}), translated back:")

# Readability scores swing wildly on a line or two; judge only texts long enough to mean it.
READABILITY_MIN_WORDS = 15
READABILITY_GRADE = 8


def write_to_family(
    context: Context,
    staff: Staff,
    student: Student,
    text: str,
    *,
    reply: Callable[[Context, Staff, str], None],
    only: list[Guardian] | None = None,
    urgent: bool = False,
) -> None:
    session = context.session
    if not serves(session, staff, student):
        reply(context, staff, gettext(staff.language, NOT_YOUR_STUDENT))
        return
    guardians = only or receiving_guardians(session, student)
    if not guardians:
        reply(context, staff, gettext(staff.language, NO_FAMILY, student=student.name))
        return
    message = Message(
        kind=MessageKind.CONVERSATION,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=student.id,
        text=text,
        language=staff.language,
        media=[m.to_json() for m in context.inbound.media],
        urgent=urgent,
        created_at=context.now,
    )
    session.add(message)
    session.flush()
    sent: list[str] = []
    notes: list[str] = []
    readers: dict[str, list[str]] = {}
    for guardian in guardians:
        thread = thread_for(session, student, guardian, staff, context.now)
        thread.last_staff_message_at = context.now
        thread.last_message_at = context.now
        message.thread_id = message.thread_id or thread.id
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=context.now,
            default_timezone=context.default_timezone,
            message=message,
            header=gettext(
                guardian.language, FAMILY_HEADER, staff=staff.name, student=student.name
            ),
            body=text,
            body_language=staff.language,
            media=message.media,
            explain_terms=True,
            urgent=urgent,
        )
        opted_out = any(p.opted_out for p in guardian.contact_points)
        if delivery is None:
            template = OPTED_OUT if opted_out else UNREACHABLE
            notes.append(gettext(staff.language, template, name=guardian.name))
            continue
        if opted_out:
            notes.append(
                gettext(
                    staff.language,
                    OPTED_OUT_ELSEWHERE,
                    name=guardian.name,
                    channel=delivery.channel.label,
                )
            )
        reads = name_in(guardian.language, staff.language)
        sent.append(f"{guardian.name} ({delivery.channel.label}, {reads})")
        if delivery.not_before > context.now + dt.timedelta(minutes=1):
            zone = guardian.timezone or context.default_timezone
            when = arrival_text(delivery.not_before, zone, staff.language, context.now)
            notes.append(gettext(staff.language, QUIET_HOURS, name=guardian.name, when=when))
        if text and not same_language(guardian.language, staff.language):
            readers.setdefault(guardian.language, []).append(guardian.name)
    notes.extend(_plain_language_notes(staff, text))
    lines = [gettext(staff.language, SENT_TO, recipients="; ".join(sent))] if sent else []
    reply(context, staff, "\n".join(lines + notes))
    if staff.show_back_translation:
        for language, names in readers.items():
            to_staff(
                session,
                staff=staff,
                now=context.now,
                message=message,
                header=gettext(
                    staff.language,
                    BACK_TRANSLATION,
                    names=", ".join(names),
                    language=name_in(language, staff.language),
                ),
                body=text,
                body_language=staff.language,
                back_translate_via=language,
            )
    context.events.append(f"staff message to {len(sent)} guardians")


def arrival_text(
    when: dt.datetime, timezone: str, reader: str, now: dt.datetime, with_day: bool = False
) -> str:
    """ "at 3:00 PM" today, else "Saturday 7:00 AM", in the family's zone, in the reader's words."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = when.astimezone(zone)
    locale = catalog_language(reader).replace("-", "_")
    time = format_time(local, format="short", locale=locale)
    if local.date() == now.astimezone(zone).date() and not with_day:
        return time
    return f"{format_date(local, 'EEEE', locale=locale)} {time}"


def _plain_language_notes(staff: Staff, text: str) -> list[str]:
    """Which jargon families will see explained, and a gentle note on hard English."""
    if not text or not staff.language.startswith("en"):
        return []
    notes = []
    terms = load_glossary().find(text)
    if terms:
        notes.append(gettext(staff.language, EXPLAINED, terms=", ".join(t.key for t in terms)))
    if len(text.split()) >= READABILITY_MIN_WORDS:
        grade = textstat.flesch_kincaid_grade(text)
        if grade > READABILITY_GRADE:
            notes.append(gettext(staff.language, HARD_TO_READ, grade=round(grade)))
    return notes
