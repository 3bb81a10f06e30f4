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
    create_meeting,
)
from commbot.features.meetings.changes import cancel_meeting, confirm_meeting, reschedule_meeting
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
    ServiceAssignment,
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
    for name in [
        "GREETING",
        "STRENGTHS",
        "WHEN",
        "ONE_OF_THESE",
        "HOW_LONG",
        "WHERE",
        "BY_VIDEO",
        "BY_PHONE",
        "ABOUT",
        "WHO",
        "STEPS",
        "DOCUMENTS",
        "BRING",
        "SUPPORT",
        "ASK",
        "REPLY_NUMBER",
        "TAP_OR_REPLY",
        "NONE_WORK",
        "TIME_DOES_NOT_WORK",
        "BRINGING_CHOICE",
        "GOT_SLOT",
        "ASK_AVAILABILITY",
        "GOT_AVAILABILITY",
        "ASK_BRINGING",
        "GOT_BRINGING",
        "GOT_CONCERN",
        "MEETING_CLOSED",
        "CONFIRMED",
        "RESCHEDULED",
        "CANCELLED_AT",
        "CANCELLED",
        "CALENDAR_LINK",
        "CALENDAR_ATTACHED",
        "REMINDER",
        "ANYTHING_ELSE",
    ]:
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


# -- 4. answers ------------------------------------------------------------------------------


def view_of(system: System, meeting_id: int) -> Any:
    with transaction(system.engine) as session:
        return meeting_view(session, session.get_one(Meeting, meeting_id))


def family(view: Any, name: str) -> Any:
    return next(f for f in view.families if f.name == name)


def inputs_of(system: System, meeting_id: int) -> list[tuple[str, str]]:
    view = view_of(system, meeting_id)
    return [(w.kind, w.text) for f in view.families for w in f.words]


async def test_rosa_picks_a_time_asks_for_help_and_writes_her_concerns(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    carter_before = len(system.telegram_texts(CARTER))
    for answer in ("2", "4", "5", CONCERN):
        assert (await system.sms(ROSA, answer)).status_code == 200
    await system.drain()
    afternoon = m.when_text(utc(local(1, 16)), NY, "es")
    assert system.sms_to(ROSA)[3:] == [
        es(m.GOT_SLOT, when=afternoon),
        es(m.GOT_NEED[m.Need.INTERPRETER]),
        es(m.GOT_NEED[m.Need.TRANSPORT]),
        es(m.GOT_CONCERN),
    ]
    names = {"guardian": "Rosa Pérez", "student": "Alfredo Pérez"}
    told = system.telegram_texts(CARTER)[carter_before:]
    assert told[0] == gettext(
        "en", m.FAMILY_PICKED, when=m.when_text(utc(local(1, 16)), NY, "en"), **names
    )
    assert told[1] == gettext("en", m.FAMILY_NEEDS[m.Need.INTERPRETER], **names)
    assert told[2] == gettext("en", m.FAMILY_NEEDS[m.Need.TRANSPORT], **names)
    assert told[3].startswith(gettext("en", m.FAMILY_CONCERN, **names))
    assert CONCERN in told[3]
    # The organizer may settle the picked time with one press.
    [(_, data)] = buttons_of_message(system, CARTER, told[0])
    assert data == f"mtc:{meeting_id}:2"
    rosa = family(view_of(system, meeting_id), "Rosa Pérez")
    assert (rosa.chosen_slot, rosa.needs, rosa.unanswered) == (
        2,
        ["interpreter", "transport"],
        False,
    )
    assert [(w.kind, w.text) for w in rosa.words] == [("concern", CONCERN)]


async def test_concerns_reach_the_organizer_translated_with_the_original(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    with FakeLibreTranslate() as service:
        backend = translating(system, service)
        meeting_id = meeting_id_of(create(system))
        await system.drain()
        await system.sms(ROSA, CONCERN)
        await system.drain()
        await backend.close()
    relayed = system.telegram_texts(CARTER)[-1]
    assert f"[en] {CONCERN}" in relayed and relayed.count(CONCERN) == 2  # translated + original
    with transaction(system.engine) as session:
        [kept] = session.scalars(select(MeetingInput).where(MeetingInput.meeting_id == meeting_id))
        assert kept.kind is InputKind.CONCERN and kept.message_id is not None


async def test_none_of_these_times_then_what_suits_them_reaches_the_organizer(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    await system.sms(ROSA, "3")
    await system.sms(ROSA, "Los viernes despues de las 4.")
    await system.sms(ROSA, CONCERN)  # the question was answered: words are concerns again
    await system.drain()
    assert system.sms_to(ROSA)[3:] == [
        es(m.ASK_AVAILABILITY),
        es(m.GOT_AVAILABILITY),
        es(m.GOT_CONCERN),
    ]
    names = {"guardian": "Rosa Pérez", "student": "Alfredo Pérez"}
    told = system.telegram_texts(CARTER)
    assert gettext("en", m.FAMILY_NONE_WORK, **names) in told
    availability = next(
        t for t in told if t.startswith(gettext("en", m.FAMILY_AVAILABILITY, **names))
    )
    assert "Los viernes despues de las 4." in availability
    assert inputs_of(system, meeting_id) == [
        ("availability", "Los viernes despues de las 4."),
        ("concern", CONCERN),
    ]
    rosa = family(view_of(system, meeting_id), "Rosa Pérez")
    assert rosa.none_work and rosa.chosen_slot is None


async def test_i_will_bring_someone_then_who(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    await system.sms(ROSA, "8")
    await system.sms(ROSA, "Mi hermana Lucia, ella cuida a Alfredo.")
    await system.drain()
    assert system.sms_to(ROSA)[3:] == [
        es(m.ASK_BRINGING, student="Alfredo"),
        es(m.GOT_BRINGING),
    ]
    header = gettext("en", m.FAMILY_BRINGING, guardian="Rosa Pérez", student="Alfredo Pérez")
    assert any(t.startswith(header) and "hermana Lucia" in t for t in system.telegram_texts(CARTER))
    assert inputs_of(system, meeting_id) == [
        ("bringing", "Mi hermana Lucia, ella cuida a Alfredo.")
    ]


async def test_karim_asks_for_childcare_and_to_join_by_phone_on_whatsapp(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await karim_writes_first(system)
    meeting_id = meeting_id_of(create(system, "Andrew Bashid"))
    await system.drain()
    await system.sms(KARIM, "6", whatsapp=True)
    await system.sms(KARIM, "\u0667", whatsapp=True)  # seven, in Arabic-Indic digits
    await system.drain()
    replies = [unmark(t) for t in whatsapp_to(system, KARIM)[3:]]
    assert replies == [
        gettext("ar", m.GOT_NEED[m.Need.CHILDCARE]),
        gettext("ar", m.GOT_NEED[m.Need.PHONE]),
    ]
    karim = family(view_of(system, meeting_id), "Karim Bashid")
    assert karim.needs == ["childcare", "phone"]
    names = {"guardian": "Karim Bashid", "student": "Andrew Bashid"}
    told = system.telegram_texts(CARTER)
    assert gettext("en", m.FAMILY_NEEDS[m.Need.CHILDCARE], **names) in told
    assert gettext("en", m.FAMILY_NEEDS[m.Need.PHONE], **names) in told


async def test_amina_answers_by_button(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await link_amina(system)
    meeting_id = meeting_id_of(create(system, "Andrew Bashid"))
    await system.drain()
    before = len(system.telegram_texts(AMINA))
    for n, code in enumerate(("s1", "interpreter", "bring")):
        response = await system.post_telegram(press(AMINA, f"mtg:{meeting_id}:{code}", 90_000 + n))
        assert response.status_code == 200
    await system.telegram_update(AMINA, "My brother Omar, Andrew's uncle.")
    await system.drain()
    morning = m.when_text(utc(local(1, 10)), NY, "en")
    assert system.telegram_texts(AMINA)[before:] == [
        gettext("en", m.GOT_SLOT, when=morning),
        gettext("en", m.GOT_NEED[m.Need.INTERPRETER]),
        gettext("en", m.ASK_BRINGING, student="Andrew"),
        gettext("en", m.GOT_BRINGING),
    ]
    names = {"guardian": "Amina Bashid", "student": "Andrew Bashid"}
    picked = gettext("en", m.FAMILY_PICKED, when=m.when_text(utc(local(1, 10)), NY, "en"), **names)
    assert picked in system.telegram_texts(CARTER)
    [confirm] = [b for b in buttons_of_message(system, CARTER, picked)]
    assert confirm[1] == f"mtc:{meeting_id}:1"
    amina = family(view_of(system, meeting_id), "Amina Bashid")
    assert (amina.chosen_slot, amina.needs) == (1, ["interpreter"])
    assert [(w.kind, w.text) for w in amina.words] == [
        ("bringing", "My brother Omar, Andrew's uncle.")
    ]


def buttons_of_message(system: System, chat: int, text: str) -> list[tuple[str, str]]:
    call = next(c for c in system.telegram.sent_messages(chat) if c.params.get("text") == text)
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


async def test_a_number_not_on_the_menu_is_passed_on_as_words(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    await system.sms(ROSA, "9")
    await system.sms(ROSA, "0")
    await system.drain()
    assert system.sms_to(ROSA)[3:] == [es(m.GOT_CONCERN), es(m.GOT_CONCERN)]
    assert inputs_of(system, meeting_id) == [("concern", "9"), ("concern", "0")]
    assert family(view_of(system, meeting_id), "Rosa Pérez").chosen_slot is None


async def test_stop_still_opts_out_while_a_meeting_is_open(system: System) -> None:
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    await system.sms(ROSA, "STOP")
    await system.drain()
    with transaction(system.engine) as session:
        point = one(session, ContactPoint, channel=Channel.SMS, address=ROSA)
        assert point.opted_out
    assert inputs_of(system, meeting_id) == []


async def test_lan_with_two_children_the_most_recent_question_wins(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    await system.sms(LAN, "Is the trip on Friday?")  # which child? 1. Bao 2. Minh
    await system.drain()
    system.clock.advance(minutes=5)
    meeting_id = meeting_id_of(create(system, "Minh Nguyen", attendees=[], documents=[]))
    await system.drain()
    await system.sms(LAN, "2")  # the meeting's menu came last: its second time
    await system.sms(LAN, "Minh likes mornings.")
    await system.drain()
    lan = family(view_of(system, meeting_id), "Lan Nguyen")
    assert lan.chosen_slot == 2
    assert [(w.kind, w.text) for w in lan.words] == [("concern", "Minh likes mornings.")]
    assert not any("trip" in t for t in system.telegram_texts(KIM))
    # The meeting's menu stays open and keeps being the latest: "1" is still its first time.
    await system.sms(LAN, "1")
    await system.drain()
    assert family(view_of(system, meeting_id), "Lan Nguyen").chosen_slot == 1


# -- 4. quiet-hour conflicts ------------------------------------------------------------------


def test_a_time_in_rosas_sleep_is_marked_for_the_organizer(system: System) -> None:
    created = create(system, slots=[local(1, 10), local(1, 16)])
    assert [(c.guardian, c.starts_at) for c in created.conflicts] == [
        ("Rosa Pérez", utc(local(1, 10)))
    ]
    [conflict] = created.conflicts
    assert conflict.text == gettext(
        "en",
        m.QUIET_CONFLICT,
        guardian="Rosa Pérez",
        end=m.clock_text(15 * 60, "en"),
        slot=m.when_text(utc(local(1, 10)), NY, "en"),
    )


def test_a_meeting_that_runs_into_quiet_hours_is_marked_too(system: System) -> None:
    # Asleep 8:00-15:00 and 22:00-midnight: 7:00 and 15:00 for 45 minutes suit her;
    # 7:30 runs into 8:00, 21:30 into 22:00.
    created = create(
        system,
        slots=[local(1, 7), local(1, 7, 30), local(1, 15), local(1, 21, 30)],
        duration_minutes=45,
    )
    assert [c.starts_at for c in created.conflicts] == [utc(local(1, 7, 30)), utc(local(1, 21, 30))]


# -- 5. confirmation and the calendar invite ----------------------------------------------------


def confirm(system: System, meeting_id: int, slot: int, by: str | None = CARTER_EMAIL) -> None:
    with transaction(system.engine) as session:
        actor = one(session, Staff, email=by) if by else None
        confirm_meeting(
            session,
            actor,
            session.get_one(Meeting, meeting_id),
            slot=slot,
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )


def uid_of(system: System, meeting_id: int) -> str:
    with transaction(system.engine) as session:
        return session.get_one(Meeting, meeting_id).uid


def link_in(text: str) -> str:
    found = re.search(re.escape(PUBLIC) + r"/calendar/[A-Za-z0-9_-]+\.ics", text)
    assert found, text
    return found.group(0)


async def bashid_meeting(system: System, **overrides: Any) -> int:
    """Andrew's meeting, Carter organising and David Kim attending (he teaches Andrew
    reading, outside Room 12), both on Telegram; Amina on Telegram, Karim on WhatsApp;
    everything sent so far delivered."""
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    await link_amina(system)
    await karim_writes_first(system)
    with transaction(system.engine) as session:
        session.add(
            ServiceAssignment(
                staff_id=one(session, Staff, email=KIM_EMAIL).id,
                student_id=one(session, Student, name="Andrew Bashid").id,
                service="reading",
            )
        )
        session.flush()
        attendees = [
            AttendeeSpec(
                "Emily Carter",
                AttendeeRole.SPECIAL_EDUCATION_TEACHER,
                one(session, Staff, email=CARTER_EMAIL).id,
            ),
            AttendeeSpec(
                "David Kim",
                AttendeeRole.GENERAL_EDUCATION_TEACHER,
                one(session, Staff, email=KIM_EMAIL).id,
            ),
        ]
    meeting_id = meeting_id_of(create(system, "Andrew Bashid", attendees=attendees, **overrides))
    await system.drain()
    return meeting_id


async def test_the_organizer_confirms_and_everyone_gets_the_time_and_an_invite(
    system: System,
) -> None:
    meeting_id = await bashid_meeting(system)
    await system.post_telegram(press(AMINA, f"mtg:{meeting_id}:s2", 91_000))
    await system.drain()
    counts = {chat: len(system.telegram.sent_messages(chat)) for chat in (AMINA, CARTER, KIM)}
    karim_before = len(whatsapp_to(system, KARIM))
    confirm(system, meeting_id, 2)
    await system.drain()
    start, end = utc(local(1, 16)), utc(local(1, 16, 45))
    # Karim, on WhatsApp: the final time in his language and a calendar link.
    [karim] = [unmark(t) for t in whatsapp_to(system, KARIM)[karim_before:]]
    assert karim.startswith(
        gettext("ar", m.CONFIRMED, student="Andrew", when=m.when_text(start, NY, "ar"))
    )
    assert link_in(karim) == f"{PUBLIC}/calendar/{token_of(system, meeting_id, 'Karim Bashid')}.ics"
    # Amina and both staff on Telegram: the time, and the invite as a document.
    uid = uid_of(system, meeting_id)
    for chat in (AMINA, CARTER, KIM):
        new = system.telegram.sent_messages(chat)[counts[chat] :]
        text = "\n".join(c.params.get("text") or c.params.get("caption") or "" for c in new)
        if chat == AMINA:
            assert (
                gettext("en", m.CONFIRMED, student="Andrew", when=m.when_text(start, NY, "en"))
                in text
            )
        else:
            assert (
                gettext(
                    "en",
                    m.STAFF_CONFIRMED,
                    student="Andrew Bashid",
                    when=m.when_text(start, NY, "en"),
                )
                in text
            )
        [calendar] = documents_to(system, chat)[-1:]
        assert str(calendar["METHOD"]) == "PUBLISH"
        event = event_of(calendar)
        assert str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == start and event.decoded("DTEND") == end
        assert str(event["STATUS"]) == "CONFIRMED"
        [document] = [c for c in new if c.method == "sendDocument"]
        ics = document.files["document"]
        assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
        assert b"\r\nDTSTART:20261201T210000Z\r\n" in ics  # in UTC, marked Z
        assert b"\r\nDTEND:20261201T214500Z\r\n" in ics
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        assert meeting.state.value == "scheduled" and meeting.starts_at == start


async def test_the_first_family_pick_settles_it_when_the_organizer_asked(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system, auto_confirm=True))
    await system.drain()
    await system.sms(ROSA, "2")
    await system.drain()
    start = utc(local(1, 16))
    settled = system.sms_to(ROSA)[-1]
    assert settled.startswith(es(m.CONFIRMED, student="Alfredo", when=m.when_text(start, NY, "es")))
    assert link_in(settled)
    staff = gettext(
        "en", m.STAFF_CONFIRMED, student="Alfredo Pérez", when=m.when_text(start, NY, "en")
    )
    assert any(t.startswith(staff) for t in system.telegram_texts(CARTER))
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        assert meeting.starts_at == start and meeting.state.value == "scheduled"
        assert session.scalar(
            select(func.count())
            .select_from(MeetingReminder)
            .where(MeetingReminder.meeting_id == meeting_id)
        )


async def test_the_calendar_link_serves_the_invite_until_the_meeting_is_over(
    system: System,
) -> None:
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    await system.drain()
    link = link_in(system.sms_to(ROSA)[0])
    response = await system.http.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    event = event_of(Calendar.from_ical(response.content))
    assert str(event["UID"]) == uid_of(system, meeting_id)
    assert event.decoded("DTSTART") == utc(local(1, 16))
    for other in ("A" * 32, "x", "..%2f..%2fetc", token_of(system, meeting_id, "Rosa Pérez")[:-1]):
        assert (await system.http.get(f"/calendar/{other}.ics")).status_code == 404
    system.clock.now = utc(local(1, 16, 44))
    assert (await system.http.get(link)).status_code == 200
    system.clock.now = utc(local(1, 16, 45))
    assert (await system.http.get(link)).status_code == 404


# -- 6. and 8. reminders -------------------------------------------------------------------------


async def tick(system: System, when: dt.datetime) -> None:
    """The worker at `when`: every clock job, then the dispatcher."""
    system.clock.now = utc(when)
    run_due(system.engine, system.clock(), NY)
    await system.drain()


def reminder_rows(system: System, meeting_id: int) -> list[MeetingReminder]:
    with transaction(system.engine) as session:
        rows = session.scalars(
            select(MeetingReminder)
            .where(MeetingReminder.meeting_id == meeting_id)
            .order_by(MeetingReminder.recipient, MeetingReminder.due_at)
        ).all()
        session.expunge_all()
        return list(rows)


def rosa_reminders(system: System) -> list[str]:
    prefix = es(m.REMINDER, student="Alfredo", when="")[:8]
    return [t for t in system.sms_to(ROSA) if t.startswith(prefix)]


def sent_times(system: System, guardian: str) -> list[dt.datetime]:
    with transaction(system.engine) as session:
        return [
            when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
            for when in session.scalars(
                select(Delivery.sent_at)
                .join(Guardian, Guardian.id == Delivery.guardian_id)
                .where(Guardian.name == guardian, Delivery.sent_at.is_not(None))
            )
        ]


async def test_reminders_go_once_each_in_language_and_never_in_quiet_hours(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    await system.drain()
    rows = reminder_rows(system, meeting_id)
    rosa = [r for r in rows if r.guardian_id is not None]
    due = sorted(r.due_at.replace(tzinfo=dt.UTC) for r in rosa)
    # 7 days and 1 day before 4 PM; 2 hours before is 2 PM, in her sleep: 7:30 AM instead.
    assert due == [
        utc(dt.datetime(2026, 11, 24, 16, tzinfo=BOSTON)),
        utc(dt.datetime(2026, 11, 30, 16, tzinfo=BOSTON)),
        utc(local(1, 7, 30)),
    ]
    staff_due = sorted(r.due_at.replace(tzinfo=dt.UTC) for r in rows if r.staff_id is not None)
    assert staff_due[-1] == utc(local(1, 14))  # staff have no quiet hours here
    when_es = m.when_text(utc(local(1, 16)), NY, "es")
    expected = es(m.REMINDER, student="Alfredo", when=when_es)
    carter_before = len(system.telegram_texts(CARTER))
    seen: list[tuple[str, int]] = []
    for moment in (
        dt.datetime(2026, 11, 24, 15, 59, tzinfo=BOSTON),
        dt.datetime(2026, 11, 24, 16, 0, tzinfo=BOSTON),
        dt.datetime(2026, 11, 24, 16, 1, tzinfo=BOSTON),
        dt.datetime(2026, 11, 30, 16, 0, tzinfo=BOSTON),
        local(1, 7, 29),
        local(1, 7, 30),
        local(1, 7, 31),
        local(1, 14, 0),
        local(1, 15, 59),
    ):
        await tick(system, moment)
        seen.append((moment.strftime("%d %H:%M"), len(rosa_reminders(system))))
    assert seen == [
        ("24 15:59", 0),
        ("24 16:00", 1),
        ("24 16:01", 1),
        ("30 16:00", 2),
        ("01 07:29", 2),
        ("01 07:30", 3),
        ("01 07:31", 3),
        ("01 14:00", 3),
        ("01 15:59", 3),
    ]
    for text in rosa_reminders(system):
        assert text.startswith(expected)
    for sent in sent_times(system, "Rosa Pérez"):  # nothing ever reached her asleep
        clock = sent.astimezone(BOSTON).time()
        assert not (dt.time(8) <= clock < dt.time(15)) and clock < dt.time(22), sent
    staff = gettext(
        "en",
        m.STAFF_REMINDER,
        student="Alfredo Pérez",
        when=m.when_text(utc(local(1, 16)), NY, "en"),
    )
    assert (
        len([t for t in system.telegram_texts(CARTER)[carter_before:] if t.startswith(staff)]) == 3
    )
    assert all(r.done_at is not None for r in reminder_rows(system, meeting_id))
    with transaction(system.engine) as session:
        kinds = session.scalars(
            select(MeetingContact.kind).where(
                MeetingContact.meeting_id == meeting_id, MeetingContact.guardian_id.is_not(None)
            )
        ).all()
    assert sorted(k.value for k in kinds).count("reminder") == 3


async def test_each_meeting_sets_its_own_reminders(system: System) -> None:
    meeting_id = meeting_id_of(
        create(system, slots=[], fixed_time=local(1, 16), reminder_minutes=[3 * 24 * 60, 60])
    )
    rows = reminder_rows(system, meeting_id)
    assert sorted({r.minutes_before for r in rows}) == [60, 3 * 24 * 60]
    rosa = sorted(r.due_at.replace(tzinfo=dt.UTC) for r in rows if r.guardian_id is not None)
    # An hour before 4 PM is 3 PM, the minute she wakes: allowed.
    assert rosa == [utc(dt.datetime(2026, 11, 28, 16, tzinfo=BOSTON)), utc(local(1, 15))]


async def test_a_reminder_that_cannot_go_before_the_meeting_is_dropped_and_logged(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    # A meeting at 2:30 PM; Rosa sleeps from 8 AM to 3 PM, so its 2-hour reminder is moved
    # to 7:30 AM. The worker is down from 7 to 9 AM: at 9:01 the reminder is within the
    # grace window, but she sleeps past the start, so it is dropped, not sent late.
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 14, 30)))
    await system.drain()
    [row] = [
        r for r in reminder_rows(system, meeting_id) if r.guardian_id and r.minutes_before == 120
    ]
    assert row.due_at == utc(local(1, 7, 30))
    await tick(system, local(1, 9, 1))
    [row] = [
        r for r in reminder_rows(system, meeting_id) if r.guardian_id and r.minutes_before == 120
    ]
    assert row.outcome == "dropped: quiet until the meeting"
    assert rosa_reminders(system) == []
    assert any(
        "dropped" in r.getMessage() and f"meeting {meeting_id}" in r.getMessage()
        for r in caplog.records
    )


def test_reminders_moved_onto_the_same_moment_come_once(system: System) -> None:
    # 3 and 2 hours before a 2:30 PM meeting are both in Rosa's sleep (8 AM to 3 PM): both
    # would move to 7:30 AM and arrive as twins, so she gets one; the staff get both.
    meeting_id = meeting_id_of(
        create(system, slots=[], fixed_time=local(1, 14, 30), reminder_minutes=[180, 120])
    )
    rows = reminder_rows(system, meeting_id)
    hers = [(r.minutes_before, r.due_at) for r in rows if r.guardian_id is not None]
    assert hers == [(180, utc(local(1, 7, 30)))]
    staff = sorted(r.minutes_before for r in rows if r.staff_id is not None)
    assert staff == [120, 180]


def test_no_reminder_is_made_for_a_moment_already_past(system: System) -> None:
    # Set at 9 AM for 10 AM the same day: the 2-hour reminder's moment has passed, and the
    # family is being told the time now. Staff reminders are made the same way.
    system.clock.now = utc(local(1, 9))
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 10)))
    assert reminder_rows(system, meeting_id) == []


async def test_after_downtime_reminders_catch_up_within_the_grace_window(system: System) -> None:
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    await system.drain()
    # Down from before the 7-day reminder; back an hour after it was due: it still goes.
    await tick(system, dt.datetime(2026, 11, 24, 17, tzinfo=BOSTON))
    assert len(rosa_reminders(system)) == 1
    # Down again over the 1-day reminder, back 7 hours late (grace is 6): skipped.
    late = dt.datetime(2026, 11, 30, 16, tzinfo=BOSTON) + reminders.GRACE + dt.timedelta(hours=1)
    await tick(system, late)
    assert len(rosa_reminders(system)) == 1
    outcomes = {
        r.minutes_before: r.outcome
        for r in reminder_rows(system, meeting_id)
        if r.guardian_id is not None
    }
    assert outcomes == {
        7 * 24 * 60: "sent",
        24 * 60: "dropped: past the grace window",
        120: None,
    }
    await tick(system, local(1, 7, 30))
    assert len(rosa_reminders(system)) == 2


async def test_two_workers_at_once_send_each_reminder_once(system: System) -> None:
    meeting_ids = [
        meeting_id_of(
            create(system, slots=[], fixed_time=local(1, 16, 5 * n), reminder_minutes=[60, 30])
        )
        for n in range(6)
    ]
    system.clock.now = utc(local(1, 15, 59))  # all 24 due (Rosa's and Carter's), none late
    due = sum(len(reminder_rows(system, i)) for i in meeting_ids)
    assert due == 24
    barrier = threading.Barrier(2)
    reports: list[reminders.SendReport] = []

    def worker() -> None:
        barrier.wait()
        reports.append(
            reminders.send_due(system.engine, system.clock(), default_timezone=NY, batch=3)
        )

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == due and sum(r.dropped for r in reports) == 0
    with transaction(system.engine) as session:
        contacts = session.scalar(
            select(func.count())
            .select_from(MeetingContact)
            .where(MeetingContact.kind == ContactKind.REMINDER)
        )
        open_rows = session.scalar(
            select(func.count())
            .select_from(MeetingReminder)
            .where(MeetingReminder.done_at.is_(None))
        )
    assert contacts == sum(r.sent for r in reports)
    assert open_rows == 0


# -- 6. reschedule and cancel: nothing stale ------------------------------------------------------


def reschedule(system: System, meeting_id: int, when: dt.datetime) -> None:
    with transaction(system.engine) as session:
        reschedule_meeting(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            starts_at=when,
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )


def cancel(system: System, meeting_id: int) -> None:
    with transaction(system.engine) as session:
        cancel_meeting(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )


async def a_reminder_held_by_quiet_hours(system: System) -> int:
    """Alfredo's 5 PM meeting on December 1; the worker was down over the 1-day reminder and
    came back at 10:30 PM (within the grace window), when Rosa sleeps: the reminder is
    queued, held until her quiet hours end."""
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 17)))
    await system.drain()
    await tick(system, dt.datetime(2026, 11, 24, 17, tzinfo=BOSTON))
    await tick(system, dt.datetime(2026, 11, 30, 22, 30, tzinfo=BOSTON))
    assert len(rosa_reminders(system)) == 1
    with transaction(system.engine) as session:
        held = session.scalars(
            select(Delivery)
            .join(MeetingContact, MeetingContact.delivery_id == Delivery.id)
            .where(
                MeetingContact.meeting_id == meeting_id,
                MeetingContact.kind == ContactKind.REMINDER,
                Delivery.recipient_kind == RecipientKind.GUARDIAN,
                Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.HELD]),
            )
        ).all()
        assert len(held) == 1
        return held[0].id


def calendar_event(text: bytes) -> Any:
    calendar = Calendar.from_ical(text)
    return calendar, event_of(calendar)


async def test_a_reschedule_tells_everyone_and_nothing_stale_is_sent(system: System) -> None:
    held_id = await a_reminder_held_by_quiet_hours(system)
    meeting_id = int(reminder_rows(system, 1)[0].meeting_id)
    link = link_in(system.sms_to(ROSA)[0])
    _, before = calendar_event((await system.http.get(link)).content)
    old_es = m.when_text(utc(local(1, 17)), NY, "es")
    old_en = m.when_text(utc(local(1, 17)), NY, "en")
    rosa_before = len(system.sms_to(ROSA))
    carter_before = len(system.telegram.sent_messages(CARTER))
    system.clock.advance(minutes=15)
    reschedule(system, meeting_id, local(3, 16))
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, held_id).status is DeliveryStatus.CANCELLED
    # Past every old due time and the old meeting itself; then the new reminders.
    for moment in (
        dt.datetime(2026, 12, 1, 0, 1, tzinfo=BOSTON),
        local(1, 15),
        local(1, 17, 30),
        local(2, 16),
        local(3, 7, 30),
        local(3, 14),
        local(3, 15, 59),
    ):
        await tick(system, moment)
    after = system.sms_to(ROSA)[rosa_before:]
    new_es = m.when_text(utc(local(3, 16)), NY, "es")
    assert after[0].startswith(es(m.RESCHEDULED, student="Alfredo", when=new_es))
    assert [t for t in after if t.startswith(es(m.REMINDER, student="Alfredo", when="")[:8])] == [
        t for t in after[1:]
    ]
    assert len(after) == 3  # the new time, then its 1-day and 2-hour reminders
    for text in after:
        assert old_es not in text
        assert new_es in text
    staff_after = system.telegram.sent_messages(CARTER)[carter_before:]
    staff_texts = [c.params.get("text") or c.params.get("caption") or "" for c in staff_after]
    assert not any(old_en in t for t in staff_texts)
    assert gettext(
        "en",
        m.STAFF_RESCHEDULED,
        student="Alfredo Pérez",
        when=m.when_text(utc(local(3, 16)), NY, "en"),
    ) in "\n".join(staff_texts)
    # The calendar keeps its event: same UID, a higher SEQUENCE, the new time.
    system.clock.now = utc(local(2, 12))
    _, moved = calendar_event((await system.http.get(link)).content)
    assert str(moved["UID"]) == str(before["UID"])
    assert int(moved["SEQUENCE"]) > int(before["SEQUENCE"])
    assert moved.decoded("DTSTART") == utc(local(3, 16))
    [staff_ics] = documents_to(system, CARTER)[-1:]
    assert str(event_of(staff_ics)["UID"]) == str(before["UID"])
    outcomes = {
        (r.starts_at.replace(tzinfo=dt.UTC), r.outcome) for r in reminder_rows(system, meeting_id)
    }
    assert (utc(local(1, 17)), "sent") in outcomes and (utc(local(1, 17)), None) not in outcomes


async def test_a_cancel_tells_everyone_and_nothing_stale_is_sent(system: System) -> None:
    held_id = await a_reminder_held_by_quiet_hours(system)
    meeting_id = int(reminder_rows(system, 1)[0].meeting_id)
    link = link_in(system.sms_to(ROSA)[0])
    _, before = calendar_event((await system.http.get(link)).content)
    rosa_before = len(system.sms_to(ROSA))
    system.clock.advance(minutes=15)
    cancel(system, meeting_id)
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, held_id).status is DeliveryStatus.CANCELLED
    assert {r.outcome for r in reminder_rows(system, meeting_id)} <= {"sent", "cancelled"}
    for moment in (dt.datetime(2026, 12, 1, 0, 1, tzinfo=BOSTON), local(1, 15), local(1, 16)):
        await tick(system, moment)
    after = system.sms_to(ROSA)[rosa_before:]
    old_es = m.when_text(utc(local(1, 17)), NY, "es")
    assert len(after) == 1
    assert after[0].startswith(es(m.CANCELLED_AT, student="Alfredo", when=old_es))
    cancelled = gettext("en", m.STAFF_CANCELLED, student="Alfredo Pérez")
    assert cancelled in system.telegram_texts(CARTER)
    # Every calendar that has the event drops it: the same UID, METHOD:CANCEL.
    for calendar in (
        Calendar.from_ical((await system.http.get(link)).content),
        documents_to(system, CARTER)[-1],
    ):
        event = event_of(calendar)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == str(before["UID"])
        assert int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    # Her old menu is closed: a number is an ordinary message now, not an answer.
    await system.sms(ROSA, "2")
    await system.drain()
    assert inputs_of(system, meeting_id) == []
    assert family(view_of(system, meeting_id), "Rosa Pérez").chosen_slot is None


# -- 7. the record and the organizer's view ------------------------------------------------------


async def test_every_message_about_the_meeting_is_a_recorded_contact(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await link_amina(system)
    await karim_writes_first(system)
    meeting_id = meeting_id_of(create(system, "Andrew Bashid"))
    await system.drain()
    await system.sms(KARIM, "2", whatsapp=True)
    await system.sms(KARIM, "4", whatsapp=True)
    await system.sms(
        KARIM,
        "\u0623\u0646\u062f\u0631\u0648 \u064a\u062d\u0628 \u0627\u0644\u0631\u0633\u0645",
        whatsapp=True,
    )
    await system.drain()
    confirm(system, meeting_id, 2)
    await system.drain()
    with transaction(system.engine) as session:
        to_families = session.scalars(
            select(Delivery.id).where(
                Delivery.recipient_kind == RecipientKind.GUARDIAN,
                Delivery.guardian_id.in_(
                    select(MeetingInvitee.guardian_id).where(
                        MeetingInvitee.meeting_id == meeting_id
                    )
                ),
                Delivery.created_at >= utc(dt.datetime(2026, 11, 20, 16, 30, tzinfo=BOSTON)),
            )
        ).all()
        recorded = session.execute(
            select(MeetingContact.delivery_id, MeetingContact.kind).where(
                MeetingContact.meeting_id == meeting_id, MeetingContact.guardian_id.is_not(None)
            )
        ).all()
        link_reply = session.scalar(  # Amina's linking welcome is not about the meeting
            select(func.count()).select_from(Delivery).where(Delivery.address == str(AMINA))
        )
    recorded_ids = {d for d, _ in recorded}
    assert None not in recorded_ids
    unrecorded = set(to_families) - recorded_ids
    assert len(unrecorded) == 1 and link_reply  # only the welcome when Amina linked
    kinds = sorted({k.value for _, k in recorded})
    assert kinds == ["confirmation", "preview", "received"]
    view = view_of(system, meeting_id)
    karim, amina = family(view, "Karim Bashid"), family(view, "Amina Bashid")
    assert karim.channel == "whatsapp" and amina.channel == "telegram"
    assert karim.preview_status in ("sent", "delivered") and amina.preview_status == "sent"
    assert (karim.chosen_slot, karim.needs, karim.unanswered) == (2, ["interpreter"], False)
    assert [w.kind for w in karim.words] == ["concern"] and karim.words[0].language == "ar"
    assert amina.unanswered and amina.chosen_slot is None and amina.words == []
    assert karim.contacts == 3 + 3 + 1  # the preview's parts, three "received", the time
    assert amina.contacts == 1 + 1  # the preview, the time
    assert view.state == "scheduled" and view.reminders_pending > 0


async def test_an_old_time_number_after_the_time_is_set(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    await system.sms(ROSA, "2")
    await system.drain()
    confirm(system, meeting_id, 2)
    await system.drain()
    set_for = es(m.CONFIRMED, student="Alfredo", when=m.when_text(utc(local(1, 16)), NY, "es"))
    # Her menu still numbers the times it offered: 2 is the time that was set...
    await system.sms(ROSA, "2")
    await system.drain()
    assert system.sms_to(ROSA)[-1] == set_for
    carter_before = len(system.telegram_texts(CARTER))
    # ... and 1 is the morning: the time stands, she is told so, and Carter hears she
    # would rather have the morning (he may reschedule), with no button to confirm it.
    await system.sms(ROSA, "1")
    await system.drain()
    assert system.sms_to(ROSA)[-1] == set_for + "\n" + es(m.ANYTHING_ELSE)
    morning = m.when_text(utc(local(1, 10)), NY, "en")
    picked = gettext(
        "en", m.FAMILY_PICKED, guardian="Rosa Pérez", student="Alfredo Pérez", when=morning
    )
    assert system.telegram_texts(CARTER)[carter_before:] == [picked]
    assert buttons_of_message(system, CARTER, picked) == []
    rosa = family(view_of(system, meeting_id), "Rosa Pérez")
    assert rosa.chosen_slot == 2  # her pick of the meeting as it stands
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).starts_at == utc(local(1, 16))


async def test_a_menu_button_pressed_after_the_meeting_began_is_refused(system: System) -> None:
    await link_amina(system)
    meeting_id = meeting_id_of(create(system, "Andrew Bashid", slots=[], fixed_time=local(1, 16)))
    await system.drain()
    system.clock.now = utc(local(1, 16, 10))
    before = len(system.telegram_texts(AMINA))
    response = await system.post_telegram(press(AMINA, f"mtg:{meeting_id}:interpreter", 92_000))
    assert response.status_code == 200
    await system.drain()
    assert system.telegram_texts(AMINA)[before:] == [gettext("en", m.MEETING_CLOSED)]
    assert family(view_of(system, meeting_id), "Amina Bashid").needs == []
