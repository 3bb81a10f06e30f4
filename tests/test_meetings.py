"""Meetings end to end, through the real webhooks and the fake Telegram and Twilio servers:
the preview each family gets (channel, language, parts, buttons, translated words), what
they answer by number, button or in their own words, quiet-hour conflicts, confirmation
with a calendar invite, reminders outside quiet hours claimed once, reschedule and cancel
with nothing stale sent, the record of every attempt, and logs without numbers or words.

Until the meeting translations are merged the Spanish and Arabic catalogs hold English
for the meeting texts: what a family reads is asserted as `gettext(<their language>, ...)`
of the catalog message, never as literal English.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import re
import threading
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import textstat
from icalendar import Calendar
from sqlalchemy import func, select

from commbot.channels.base import Sender
from commbot.db import transaction
from commbot.features.meetings import messages as m
from commbot.features.meetings import reminders
from commbot.features.meetings.actions import (
    AttendeeSpec,
    CreatedMeeting,
    DocumentSpec,
    MeetingDraft,
    cancel_meeting,
    confirm_meeting,
    create_meeting,
    reschedule_meeting,
)
from commbot.features.meetings.choices import menu_choices
from commbot.features.meetings.models import (
    AttendeeRole,
    ContactKind,
    InputKind,
    Meeting,
    MeetingContact,
    MeetingInput,
    MeetingInvitee,
    MeetingReminder,
    Purpose,
)
from commbot.features.meetings.view import meeting_view
from commbot.i18n import gettext
from commbot.jobs import run_due
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    RecipientKind,
    Staff,
    Student,
)
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes.segments import GSM_BASIC, GSM_EXTENDED
from .fakes.translation import FakeLibreTranslate
from .support import PUBLIC, System, press

NY = "America/New_York"
BOSTON = zoneinfo.ZoneInfo(NY)
ROSA = "+16175550134"  # Alfredo's mother: Spanish, SMS, asleep 08:00-15:00 (night shifts)
KARIM = "+16175550177"  # Andrew's father: Arabic, WhatsApp
AMINA = 8001  # Andrew's mother: English, Telegram (linked in the tests)
LAN = "+16175550142"  # mother of Minh (Emily Carter's class) and Bao (David Kim's)
JIM, DONNA = "+16175550190", "+16175550191"  # Josie Lopez's parents: English, SMS
CARTER, KIM = 7001, 7002
CARTER_EMAIL, KIM_EMAIL = "ecarter@lincoln.example.org", "dkim@lincoln.example.org"
PLACE = "Room 12, Lincoln Elementary"
STRENGTHS = "Alfredo reads every day and helps his friends."
AGENDA = ["Reading goals", "Speech services"]
DOCUMENT = "Draft IEP"
CONCERN = "Alfredo tiene miedo de los examenes."


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Boston, December 2026 (the example families' zone)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BOSTON)


def utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC)


def one(session: Any, model: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(**where)).one()


def draft(session: Any, student: str = "Alfredo Pérez", **overrides: Any) -> MeetingDraft:
    values: dict[str, Any] = {
        "student_id": one(session, Student, name=student).id,
        "purpose": Purpose.ANNUAL_REVIEW,
        "slots": [local(1, 10), local(1, 16)],
        "duration_minutes": 45,
        "place": PLACE,
        "strengths": STRENGTHS,
        "agenda": list(AGENDA),
        "documents": [DocumentSpec(DOCUMENT, "https://school.example/iep.pdf")],
        "attendees": [
            AttendeeSpec(
                "Emily Carter",
                AttendeeRole.SPECIAL_EDUCATION_TEACHER,
                one(session, Staff, email=CARTER_EMAIL).id,
            ),
            AttendeeSpec("Dr. Ruth Hale", AttendeeRole.SCHOOL_PSYCHOLOGIST),
        ],
    }
    values.update(overrides)
    return MeetingDraft(**values)


def create(
    system: System, student: str = "Alfredo Pérez", organizer: str = CARTER_EMAIL, **overrides: Any
) -> CreatedMeeting:
    with transaction(system.engine) as session:
        created = create_meeting(
            session,
            one(session, Staff, email=organizer),
            draft(session, student, **overrides),
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )
        session.flush()
        session.expunge_all()
        return created


def meeting_id_of(created: CreatedMeeting) -> int:
    return created.meeting.id


async def link_amina(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(AMINA, f"/start {code}")).status_code == 200


async def karim_writes_first(system: System) -> None:
    """WhatsApp takes free text within 24 hours of the family's last message."""
    response = await system.sms(KARIM, "\u0645\u0631\u062d\u0628\u0627", whatsapp=True)
    assert response.status_code == 200


def whatsapp_to(system: System, number: str) -> list[str]:
    return [c.body or "" for c in system.twilio.messages if c.to == f"whatsapp:{number}"]


def texts_since(texts: list[str], before: int) -> list[str]:
    return texts[before:]


def unmark(text: str) -> str:
    """Arabic messages start their lines with a right-to-left mark."""
    return text.replace("\u200f", "")


def buttons_of(system: System, chat: int) -> list[tuple[str, str]]:
    markup = system.telegram.sent_messages(chat)[-1].params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def documents_to(system: System, chat: int) -> list[Calendar]:
    return [
        Calendar.from_ical(call.files["document"])
        for call in system.telegram.sent_messages(chat)
        if call.method == "sendDocument"
    ]


def event_of(calendar: Calendar) -> Any:
    [event] = calendar.walk("VEVENT")
    return event


def token_of(system: System, meeting_id: int, guardian: str) -> str:
    with transaction(system.engine) as session:
        return str(
            session.scalar(
                select(MeetingInvitee.calendar_token)
                .join(Guardian, Guardian.id == MeetingInvitee.guardian_id)
                .where(MeetingInvitee.meeting_id == meeting_id, Guardian.name == guardian)
            )
        )


def translating(system: System, service: FakeLibreTranslate) -> LibreTranslateTranslator:
    backend = LibreTranslateTranslator(service.base_url)
    senders: dict[Channel, Sender] = {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
        Channel.WHATSAPP: system.twilio_sender,
    }
    system.dispatcher = system.make_dispatcher(
        senders, translator=CachedTranslator(system.engine, backend)
    )
    return backend


def es(message: str, **values: Any) -> str:
    return gettext("es", message, **values)


# -- no numbers or words in logs ------------------------------------------------------------

PHONE_DIGITS = re.compile(r"555\D?01\d\d|617\D{0,2}555")


@pytest.fixture(autouse=True)
def _no_numbers_or_words_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="commbot")
    yield
    for record in caplog.records:
        text = record.getMessage()
        assert not PHONE_DIGITS.search(text), f"a phone number in the logs: {text!r}"
        for words in (CONCERN, "hermana", "viernes", PLACE, STRENGTHS):
            assert words not in text, f"a family's or organizer's words in the logs: {text!r}"


# -- 3. the preview ---------------------------------------------------------------------------


async def test_rosa_gets_three_spanish_sms_parts_each_naming_alfredo(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    create(system)
    await system.drain()
    parts = system.sms_to(ROSA)
    assert len(parts) == 3, parts
    for part in parts:
        assert "Alfredo" in part  # each part makes sense alone, out of order
    first, second, third = (p.splitlines() for p in parts)
    # A warm greeting, what it is for, then what is going well before anything else.
    assert first[0] == es(m.GREETING, guardian="Rosa Pérez", student="Alfredo")
    assert first[1] == es(m.PURPOSE_EXPLAINED[Purpose.ANNUAL_REVIEW], student="Alfredo")
    assert first[2].startswith(es(m.STRENGTHS))
    assert first[3] == es(m.ONE_OF_THESE)
    assert first[4] == f"1. {m.when_text(utc(local(1, 10)), NY, 'es')}"
    assert first[5] == f"2. {m.when_text(utc(local(1, 16)), NY, 'es')}"
    assert es(m.HOW_LONG, minutes=45) in first
    assert any(line.startswith(es(m.WHERE)) for line in first)
    assert second[0] == third[0] == es(m.ABOUT, student="Alfredo")
    assert second[1] == es(m.WHO)
    assert second[2] == m.role_line(AttendeeRole.SPECIAL_EDUCATION_TEACHER, "Emily Carter", "es")
    assert second[3] == m.role_line(AttendeeRole.SCHOOL_PSYCHOLOGIST, "Dr. Ruth Hale", "es")
    assert second[4] == es(m.STEPS)
    assert es(m.DOCUMENTS) in second
    assert third[1:5] == [
        es(m.BRING, student="Alfredo"),
        es(m.SUPPORT),
        es(m.ASK),
        es(m.REPLY_NUMBER),
    ]
    menu = third[5:]
    assert menu == [
        f"1. {m.when_text(utc(local(1, 10)), NY, 'es')}",
        f"2. {m.when_text(utc(local(1, 16)), NY, 'es')}",
        f"3. {es(m.NONE_WORK)}",
        *(f"{n}. {es(m.NEED_CHOICES[need])}" for n, need in enumerate(m.NEED_CHOICES, 4)),
        f"8. {es(m.BRINGING_CHOICE)}",
    ]
    assert "martes" in first[4]  # the date in Spanish, by CLDR


async def test_the_bashids_get_it_in_two_languages_on_two_channels(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await link_amina(system)
    await karim_writes_first(system)
    await system.drain()
    before_amina = len(system.telegram.sent_messages(AMINA))
    created = create(system, "Andrew Bashid")
    await system.drain()
    assert {s.guardian.name: s.channel for s in created.sent} == {
        "Amina Bashid": "telegram",
        "Karim Bashid": "whatsapp",
    }
    # Karim: Arabic, WhatsApp, three parts each naming Andrew.
    karim = [unmark(t) for t in whatsapp_to(system, KARIM)]
    assert len(karim) == 3
    assert karim[0].splitlines()[0] == gettext(
        "ar", m.GREETING, guardian="Karim Bashid", student="Andrew"
    )
    assert all("Andrew" in part for part in karim)
    assert karim[2].splitlines()[-1] == f"8. {gettext('ar', m.BRINGING_CHOICE)}"
    assert system.sms_to(KARIM) == []
    # Amina: English, Telegram, one message with one button per menu choice.
    [preview] = system.telegram.sent_messages(AMINA)[before_amina:]
    text = preview.params["text"]
    assert text.startswith(
        gettext("en", m.GREETING, guardian="Amina Bashid", student="Andrew") + "\n"
    )
    assert gettext("en", m.TAP_OR_REPLY) in text
    assert text.count(gettext("en", m.ABOUT, student="Andrew")) == 0  # one message needs none
    buttons = buttons_of(system, AMINA)
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id_of(created))
        from commbot.features.meetings.actions import slots_of

        choices = menu_choices(meeting, slots_of(session, meeting))
    assert len(buttons) == len(choices) == 8
    assert [label for label, _ in buttons] == [
        f"{n}. {c.label('en', NY)}" for n, c in enumerate(choices, 1)
    ]
    for _, data in buttons:
        assert data.startswith(f"mtg:{meeting_id_of(created)}:")
        assert len(data.encode("utf-8")) <= 64


async def test_a_guardian_who_receives_no_messages_gets_nothing(system: System) -> None:
    with transaction(system.engine) as session:
        donna = one(session, Guardian, name="Donna Lopez")
        one(session, Guardianship, guardian_id=donna.id).receives_messages = False
    created = create(
        system, "Josie Lopez", organizer=KIM_EMAIL, attendees=[], strengths="", documents=[]
    )
    await system.drain()
    assert [s.guardian.name for s in created.sent] == ["Jim Lopez"]
    assert len(system.sms_to(JIM)) == 3
    assert system.sms_to(DONNA) == []
    with transaction(system.engine) as session:
        invited = session.scalars(
            select(Guardian.name)
            .join(MeetingInvitee, MeetingInvitee.guardian_id == Guardian.id)
            .where(MeetingInvitee.meeting_id == meeting_id_of(created))
        ).all()
    assert invited == ["Jim Lopez"]


async def test_the_organizers_words_are_translated_and_fixed_text_is_not(
    system: System,
) -> None:
    with FakeLibreTranslate() as service:
        backend = translating(system, service)
        create(system)
        await system.drain()
        await backend.close()
    parts = system.sms_to(ROSA)
    whole = "\n".join(parts)
    assert f"{es(m.STRENGTHS)} [es] {STRENGTHS}" in whole
    assert f"{es(m.WHERE)} [es] {PLACE}" in whole
    assert "[es] 1. Reading goals\n2. Speech services" in whole
    assert f"[es] {DOCUMENT}" in whole
    # Only the organizer's words went to the translator; the catalog's text never did.
    sent = {text for call in service.calls for text in call.texts}
    assert sent == {STRENGTHS, PLACE, "1. Reading goals\n2. Speech services", DOCUMENT}
    assert {call.target for call in service.calls} == {"es"}
    assert whole.count("[es]") == 4


async def test_english_sms_parts_are_gsm7(system: System) -> None:
    create(
        system,
        "Josie Lopez",
        organizer=KIM_EMAIL,
        strengths="Josie loves art and is kind to others.",
        agenda=["Reading", "Math"],
        attendees=[
            AttendeeSpec("David Kim", role)
            for role in AttendeeRole
            if role is not AttendeeRole.STUDENT
        ],
        video_link="https://meet.example/abc",
        phone="+1 617 555 0100",
        place="Room 14",
        documents=[DocumentSpec("Progress report", "https://school.example/report.pdf")],
    )
    await system.drain()
    parts = system.sms_to(JIM)
    assert len(parts) == 3
    for part in parts:
        odd = sorted({c for c in part if c not in GSM_BASIC and c not in GSM_EXTENDED})
        assert odd == [], f"not GSM-7: {odd!r} in {part!r}"


# Every English text a family reads about a meeting, its placeholders filled with plain
# names (the template's own words are measured, not how long a child's name is), a time as
# `when_text` writes it, and "the link" for a link (nobody reads a URL word by word).
FILLED = {
    "guardian": "Ana Diaz",
    "student": "Sam",
    "name": "Ann Lee",
    "when": m.when_text(dt.datetime(2026, 12, 1, 21, tzinfo=dt.UTC), NY, "en"),
    "minutes": 45,
    "link": "the link",
    "phone": "555 0100",
}


def family_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in (
        "GREETING STRENGTHS WHEN ONE_OF_THESE HOW_LONG WHERE BY_VIDEO BY_PHONE ABOUT WHO "
        "STEPS DOCUMENTS BRING SUPPORT ASK REPLY_NUMBER TAP_OR_REPLY NONE_WORK "
        "TIME_DOES_NOT_WORK BRINGING_CHOICE GOT_SLOT ASK_AVAILABILITY GOT_AVAILABILITY "
        "ASK_BRINGING GOT_BRINGING GOT_CONCERN MEETING_CLOSED CONFIRMED RESCHEDULED "
        "CANCELLED_AT CANCELLED CALENDAR_LINK CALENDAR_ATTACHED REMINDER ANYTHING_ELSE"
    ).split():
        texts[name] = getattr(m, name)
    for name in ("PURPOSE_EXPLAINED", "ROLE_LINES", "NEED_CHOICES", "GOT_NEED"):
        for key, message in getattr(m, name).items():
            texts[f"{name}[{key.value}]"] = message
    for n, step in enumerate(m.DEFAULT_STEPS, 1):
        texts[f"DEFAULT_STEPS[{n}]"] = step
    return {name: message.format(**FILLED) for name, message in texts.items()}


def test_english_family_texts_read_at_grade_6_or_below() -> None:
    grades = {name: textstat.flesch_kincaid_grade(text) for name, text in family_texts().items()}
    print("\nFlesch-Kincaid grade of each English family text (textstat 0.7.4):")
    for name, grade in sorted(grades.items(), key=lambda item: -item[1]):
        print(f"  {grade:5.1f}  {name}")
    print(f"  highest {max(grades.values()):.1f}, mean {sum(grades.values()) / len(grades):.1f}")
    assert importlib.metadata.version("textstat") == "0.7.4"
    over = {name: grade for name, grade in grades.items() if grade > 6}
    assert over == {}
