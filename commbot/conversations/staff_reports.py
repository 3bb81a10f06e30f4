"""Telling a staff member plainly what happened to their message to a family.

The report names who gets it, on which channel and language, and whether it is going now or
queued; who opted out or cannot be
reached; when quiet hours hold it; which jargon is explained for the family; when the text
reads above grade 8; and, unless switched off, what each family will read, translated back.
"""

from __future__ import annotations

import datetime as dt

from ..actions.send_to_family import FamilySend, SendStatus
from ..dispatch.compose import same_language
from ..i18n import N_, gettext
from ..i18n.times import arrival_text
from ..languages import name_in
from ..models import Staff, Student
from ..outbox import to_staff
from .context import Context

NOT_YOUR_STUDENT = N_("You can only write to families of students you work with.")
NO_FAMILY = N_("{student} has no family member who gets messages.")
# Said when the message is queued: the worker sends it within seconds, or after the family's
# quiet hours. Which channel it finally went by is told only if it changes (a fallback).
SENDING_TO = N_("Sending to {recipients}.")
QUEUED_FOR = N_("Queued for {recipients}.")
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
NOTHING_TO_SEND = N_("There was nothing to send: write a message or add a photo.")
BACK_TRANSLATION = N_("What {names} will read ({language}), translated back:")
URGENT_ONLY = N_(
    "Only coordinators can send urgent messages, which reach families even in their quiet "
    "hours. Use /msg instead."
)


def report_family_send(
    context: Context, staff: Staff, student: Student, text: str, result: FamilySend
) -> None:
    language = staff.language
    if result.status is SendStatus.NOT_SERVED:
        context.reply(gettext(language, NOT_YOUR_STUDENT))
        return
    if result.status is SendStatus.NO_FAMILY:
        context.reply(gettext(language, NO_FAMILY, student=student.name))
        return
    if result.status is SendStatus.NOT_ALLOWED:
        context.reply(gettext(language, URGENT_ONLY))
        return
    if result.status is SendStatus.NOTHING_TO_SEND:
        context.reply(gettext(language, NOTHING_TO_SEND))
        return
    sending: list[str] = []
    queued: list[str] = []
    notes: list[str] = []
    readers: dict[str, list[str]] = {}
    for outcome in result.outcomes:
        guardian, delivery = outcome.guardian, outcome.delivery
        if delivery is None:
            template = OPTED_OUT if outcome.opted_out_somewhere else UNREACHABLE
            notes.append(gettext(language, template, name=guardian.name))
            continue
        if outcome.opted_out_somewhere:
            channel = delivery.channel.label
            notes.append(
                gettext(language, OPTED_OUT_ELSEWHERE, name=guardian.name, channel=channel)
            )
        reads = name_in(guardian.language, language)
        who = f"{guardian.name} ({delivery.channel.label}, {reads})"
        held = delivery.not_before > context.now + dt.timedelta(minutes=1)
        (queued if held else sending).append(who)
        if held:
            zone = guardian.timezone or context.default_timezone
            when = arrival_text(delivery.not_before, zone, language, context.now)
            notes.append(gettext(language, QUIET_HOURS, name=guardian.name, when=when))
        if text and not same_language(guardian.language, language):
            readers.setdefault(guardian.language, []).append(guardian.name)
    if result.explained_terms:
        notes.append(gettext(language, EXPLAINED, terms=", ".join(result.explained_terms)))
    if result.reading_grade is not None:
        notes.append(gettext(language, HARD_TO_READ, grade=round(result.reading_grade)))
    lines = [
        gettext(language, template, recipients="; ".join(names))
        for template, names in ((SENDING_TO, sending), (QUEUED_FOR, queued))
        if names
    ]
    context.reply("\n".join(lines + notes))
    if staff.show_back_translation:
        for family_language, names in readers.items():
            header = gettext(
                language,
                BACK_TRANSLATION,
                names=", ".join(names),
                language=name_in(family_language, language),
            )
            to_staff(
                context.session,
                staff=staff,
                now=context.now,
                message=result.message,
                header=header,
                body=text,
                body_language=language,
                back_translate_via=family_language,
            )
    context.events.append(f"staff message to {len(sending) + len(queued)} guardians")
