"""Broadcasts through their actions, then out through the real dispatcher to the fake
Telegram and Twilio: who each audience reaches and who may send to whom; the preview's
numbers against what is then queued and sent; quiet hours held or gone through (urgent);
WhatsApp's window; opted-out and unreachable families; scheduling and cancelling; progress;
and a family's reply reaching the sender, with the class teacher copied.

The Telegram dialog that calls these actions is tested in tests/test_broadcast_telegram.py
and the command line in tests/test_broadcast_cli.py; here the actions are called as they do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from commbot.db import transaction
from commbot.features.broadcasts import actions, audiences, preview, replies
from commbot.features.broadcasts import messages as m
from commbot.features.broadcasts.audiences import Audience, AudienceError, AudienceKind
from commbot.features.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    RecipientOutcome,
)
from commbot.features.broadcasts.progress import progress
from commbot.features.meetings.models import Meeting, MeetingSlot, MeetingState, Purpose
from commbot.i18n import gettext
from commbot.logs import quiet_libraries
from commbot.models import (
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Lane,
    RecipientKind,
    School,
    Staff,
    StaffRole,
    Student,
)
from commbot.roster.importer import DEFAULT_SCHOOL

from .fakes import FakeTelegram, FakeTwilio
from .fakes.segments import sms_segments
from .support import System
from .test_dispatch import TEMPLATE

assert replies.answer_to_broadcast  # registered on relay.RELAY_COPIES (handlers import it)

CARTER, KIM, GRACE, OLGA, AMINA = 7001, 7002, 7004, 7006, 8001
CARTER_EMAIL = "ecarter@lincoln.example.org"
KIM_EMAIL = "dkim@lincoln.example.org"
GRACE_EMAIL = "gortiz@lincoln.example.org"
OLGA_EMAIL = "oberg@hillside.example.org"
ROSA, KARIM, JIM, LAN = "+16175550134", "+16175550177", "+16175550190", "+16175550142"
ANA, FAADUMO, MARICEL = "+16175550108", "+16175550165", "+16175550172"
TEXT = "The school picnic is on Friday at noon. Families are welcome."
ROOM_12 = {
    "Rosa Pérez",
    "Karim Bashid",
    "Amina Bashid",
    "Lan Nguyen",
    "Li Wei",
    "Ana Oliveira",
    "Maricel Santos",
}
ROOM_14 = {"Jim Lopez", "Donna Lopez", "Margaret Ruby", "Lan Nguyen", "Faadumo Warsame"}
ROOM_14 |= {"Marie Joseph", "Irina Volkova"}
SCHOOL = ROOM_12 | ROOM_14


async def ready(system: System) -> None:
    """The example school: Carter and Kim on Telegram, a coordinator (Grace) and another
    school's (Olga), Amina linked on Telegram, and Karim who wrote on WhatsApp this
    afternoon (his window is open; Ana's and Faadumo's are not)."""
    with transaction(system.engine) as session:
        school = session.scalar(select(School.id).where(School.name == DEFAULT_SCHOOL))
        other = School(name="Hillside Elementary")
        session.add(other)
        session.flush()
        session.add_all(
            [
                Staff(
                    name="Grace Ortiz",
                    email=GRACE_EMAIL,
                    role=StaffRole.COORDINATOR,
                    school_id=school,
                    telegram_chat_id=GRACE,
                ),
                Staff(
                    name="Olga Berg",
                    email=OLGA_EMAIL,
                    role=StaffRole.COORDINATOR,
                    school_id=other.id,
                    telegram_chat_id=OLGA,
                ),
            ]
        )
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(AMINA, f"/start {code}")
    system.clock.advance(hours=-3)
    await system.sms(KARIM, "Hello", whatsapp=True)
    system.clock.advance(hours=3)
    await system.drain()
    system.telegram.clear()
    system.twilio.clear()


def staff(session: Any, email: str) -> Staff:
    found = session.scalar(select(Staff).where(Staff.email == email))
    assert found is not None
    return found


def names(members: list[audiences.Member]) -> set[str]:
    return {member.guardian.name for member in members}


def resolve(system: System, email: str, spec: str) -> audiences.Resolved:
    with transaction(system.engine) as session:
        return audiences.resolve(
            session, staff(session, email), audiences.parse(spec), system.clock()
        )


def build(
    system: System, email: str, spec: str, text: str = TEXT, **kwargs: Any
) -> preview.Preview:
    options: dict[str, Any] = {"urgent": False, "settings": system.settings} | kwargs
    with transaction(system.engine) as session:
        sender = staff(session, email)
        return preview.build(
            session,
            sender,
            audiences.parse(spec),
            text=text,
            language="en",
            now=system.clock(),
            **options,
        )


def send(system: System, email: str, spec: str, text: str = TEXT, **kwargs: Any) -> actions.Fanned:
    settings = kwargs.pop("settings", system.settings)
    with transaction(system.engine) as session:
        sender = staff(session, email)
        draft = actions.create(
            session, sender, audiences.parse(spec), text=text, now=system.clock(), **kwargs
        )
        return actions.send_now(session, sender, draft, settings=settings, now=system.clock())


def family_deliveries(system: System, broadcast_id: int) -> list[Delivery]:
    with transaction(system.engine) as session:
        message_id = session.get_one(Broadcast, broadcast_id).message_id
        return list(
            session.scalars(
                select(Delivery)
                .where(
                    Delivery.message_id == message_id,
                    Delivery.recipient_kind == RecipientKind.GUARDIAN,
                )
                .order_by(Delivery.id)
            )
        )


def guardian_names(system: System, deliveries: list[Delivery]) -> list[str]:
    with transaction(system.engine) as session:
        return [session.get_one(Guardian, d.guardian_id).name for d in deliveries]


def refused(system: System, email: str, spec: str, **kwargs: Any) -> str:
    with pytest.raises(actions.BroadcastError) as caught:
        send(system, email, spec, **kwargs)
    return str(caught.value)


def en(message: str, **values: Any) -> str:
    return gettext("en", message, **values)


def sms_bodies(system: System) -> dict[str, list[str]]:
    bodies: dict[str, list[str]] = {}
    for message in system.twilio.messages:
        if message.to and not message.to.startswith("whatsapp:"):
            bodies.setdefault(message.to, []).append(message.body or "")
    return bodies


# -- audiences -------------------------------------------------------------------------------


def test_parse_reads_each_kind_and_names_what_is_wrong() -> None:
    parse = audiences.parse
    assert parse("school") == Audience(AudienceKind.SCHOOL)
    assert parse(" class: Room 12 , Room 14,Room 12") == Audience(
        AudienceKind.CLASSES, ("Room 12", "Room 14")
    )
    assert parse("students:Ana Diaz; S1002") == Audience(
        AudienceKind.STUDENTS, ("Ana Diaz", "S1002")
    )
    assert parse("language:zh-cn,es") == Audience(AudienceKind.LANGUAGE, ("zh-CN", "es"))
    assert parse("meeting:7") == Audience(AudienceKind.MEETING_WITHIN, days=7)
    assert parse("not-reached:30") == Audience(AudienceKind.NOT_REACHED, days=30)
    for spec in ("school", "class:Room 12", "students:Ana;Leo", "language:es", "meeting:3"):
        assert Audience.from_json(parse(spec).to_json()) == parse(spec)
    wrong = {
        "everyone": en(m.BAD_AUDIENCE, text="everyone"),
        "school:3A": en(m.BAD_AUDIENCE, text="school:3A"),
        "class:": en(m.NO_VALUES, kind="classes", example="class:3A,4B"),
        "students: ; ": en(m.NO_VALUES, kind="students", example="students:Ana Diaz;Leo Park"),
        "meeting:0": en(m.BAD_DAYS, value="0"),
        "not-reached:a week": en(m.BAD_DAYS, value="a week"),
        "meeting:400": en(m.BAD_DAYS, value="400"),
        "language:klingon": en(m.BAD_LANGUAGE, value="klingon"),
    }
    for spec, error in wrong.items():
        with pytest.raises(AudienceError) as caught:
            parse(spec)
        assert str(caught.value) == error
    assert parse("class:3A").describe("en") == "Classes: 3A"
    assert parse("language:es").describe("en") == "Families who read Spanish"


async def test_each_audience_names_the_families_it_means(system: System) -> None:
    await ready(system)
    now = system.clock()
    school = resolve(system, GRACE_EMAIL, "school")
    assert names(school.members) == SCHOOL and len(school.members) == 13  # Lan once
    about = {mb.guardian.name: mb.student.name for mb in school.members}
    assert about["Lan Nguyen"] == "Bao Nguyen"  # the first of her children by name
    # In Room 12 alone, she is Minh's mother.
    room_12 = resolve(system, GRACE_EMAIL, "class:room 12")
    assert names(room_12.members) == ROOM_12 and room_12.unknown == []
    assert {mb.guardian.name: mb.student.name for mb in room_12.members}["Lan Nguyen"] == (
        "Minh Nguyen"
    )
    both = resolve(system, GRACE_EMAIL, "class:Room 12,Room 99")
    assert names(both.members) == ROOM_12 and both.unknown == ["Room 99"]
    listed = resolve(system, GRACE_EMAIL, "students:josie lopez;S1001;Nobody Here")
    assert names(listed.members) == {"Jim Lopez", "Donna Lopez", "Rosa Pérez"}
    assert listed.unknown == ["Nobody Here"]
    assert names(resolve(system, GRACE_EMAIL, "language:es").members) == {"Rosa Pérez"}
    assert names(resolve(system, GRACE_EMAIL, "language:zh,ru").members) == {
        "Li Wei",
        "Irina Volkova",
    }
    with transaction(system.engine) as session:

        def student(name: str) -> int:
            return session.scalar(select(Student.id).where(Student.name == name)) or 0

        organizer = staff(session, KIM_EMAIL).id
        common = {"organizer_id": organizer, "purpose": Purpose.ANNUAL_REVIEW, "timezone": "UTC"}
        soon = Meeting(
            student_id=student("Tyrell Ruby"),
            state=MeetingState.SCHEDULED,
            starts_at=now + dt.timedelta(days=3),
            uid="a",
            **common,
        )
        later = Meeting(student_id=student("Hodan Warsame"), uid="b", **common)
        gone = Meeting(
            student_id=student("Josie Lopez"),
            state=MeetingState.CANCELLED,
            starts_at=now + dt.timedelta(days=2),
            uid="c",
            **common,
        )
        session.add_all([soon, later, gone])
        session.flush()
        session.add(
            MeetingSlot(meeting_id=later.id, position=1, starts_at=now + dt.timedelta(days=10))
        )
    assert names(resolve(system, GRACE_EMAIL, "meeting:7").members) == {"Margaret Ruby"}
    assert names(resolve(system, GRACE_EMAIL, "meeting:14").members) == {
        "Margaret Ruby",
        "Faadumo Warsame",
    }
    # Reached: a delivery the carrier delivered, or one Telegram took, within the days.
    await system.telegram_update(CARTER, "/msg Alfredo Thank you for the boots.")
    await system.telegram_update(CARTER, "/msg Andrew See you Monday.")
    await system.telegram_update(KIM, "/msg Josie See you Monday.")
    await system.drain()
    [rosa] = [c for c in system.twilio.messages if c.to == ROSA]
    assert rosa.sid is not None
    await system.post_twilio(
        "/twilio/status", system.twilio.status_callback_params(rosa.sid, "delivered")
    )
    not_reached = names(resolve(system, GRACE_EMAIL, "not-reached:30").members)
    # Rosa's was delivered, Amina's went by Telegram; the Lopezes' only sent, Karim's by
    # WhatsApp too (no report yet).
    assert not_reached == SCHOOL - {"Rosa Pérez", "Amina Bashid"}
    system.clock.advance(days=31)
    assert names(resolve(system, GRACE_EMAIL, "not-reached:30").members) == SCHOOL


# -- who may reach whom ----------------------------------------------------------------------


async def test_a_teacher_reaches_only_the_families_they_serve_and_never_urgently(
    system: System,
) -> None:
    await ready(system)
    assert names(resolve(system, CARTER_EMAIL, "school").members) == ROOM_12
    room_14 = resolve(system, CARTER_EMAIL, "class:Room 14")
    assert room_14.members == [] and room_14.unknown == ["Room 14"]
    assert refused(system, CARTER_EMAIL, "class:Room 14") == en(m.UNKNOWN_NAMES, names="Room 14")
    assert refused(system, CARTER_EMAIL, "students:Josie Lopez") == en(
        m.UNKNOWN_NAMES, names="Josie Lopez"
    )
    assert names(resolve(system, CARTER_EMAIL, "language:ht").members) == set()  # Marie: Room 14
    assert refused(system, CARTER_EMAIL, "class:Room 12", urgent=True) == en(m.URGENT_NOT_ALLOWED)
    # Lan, mother of children in both rooms, is one of Carter's families about Minh only.
    fanned = send(system, CARTER_EMAIL, "school")
    assert fanned.queued == 7
    await system.drain()
    assert sms_bodies(system)[LAN] == [
        gettext("vi", m.FAMILY_HEADER, staff="Emily Carter", student="Minh Nguyen")
        + "\n"
        + TEXT
        + "\n"
        + gettext("vi", "(We could not translate this message. It is shown as it was written.)")
    ]
    assert JIM not in sms_bodies(system)
    # A broadcast is its sender's: another staff member cannot send or cancel it.
    with transaction(system.engine) as session:
        draft = actions.create(
            session,
            staff(session, CARTER_EMAIL),
            audiences.parse("school"),
            text=TEXT,
            now=system.clock(),
        )
        with pytest.raises(actions.BroadcastError, match="not yours"):
            actions.send_now(
                session,
                staff(session, GRACE_EMAIL),
                draft,
                settings=system.settings,
                now=system.clock(),
            )
        with pytest.raises(actions.BroadcastError, match="not yours"):
            actions.cancel(session, staff(session, KIM_EMAIL), draft, now=system.clock())


async def test_a_coordinator_reaches_every_family_of_their_school_and_no_other(
    system: System,
) -> None:
    await ready(system)
    assert names(resolve(system, GRACE_EMAIL, "school").members) == SCHOOL
    assert resolve(system, OLGA_EMAIL, "school").members == []
    assert refused(system, OLGA_EMAIL, "school") == en(m.NOBODY)
    assert refused(system, OLGA_EMAIL, "class:Room 12") == en(m.UNKNOWN_NAMES, names="Room 12")
    assert refused(system, OLGA_EMAIL, "students:S1001") == en(m.UNKNOWN_NAMES, names="S1001")
    assert send(system, GRACE_EMAIL, "class:Room 14", urgent=True).queued == 7
    await system.drain()
    with transaction(system.engine) as session:
        reads = {p.address: p.guardian.language for p in session.scalars(select(ContactPoint))}

    def urgent_header(language: str) -> str:  # the header up to the child's name
        return gettext(language, m.FAMILY_HEADER_URGENT, staff="Grace Ortiz", student="\0")

    assert system.twilio.messages and all(
        (c.body or "").startswith(urgent_header(reads[c.to]).split("\0")[0])
        for c in system.twilio.messages
    )
    assert urgent_header("en").startswith("URGENT message from Grace Ortiz")


# -- the preview against what is sent -------------------------------------------------------


async def test_the_preview_counts_what_is_then_queued_and_sent(system: System) -> None:
    await ready(system)
    await system.sms(ROSA, "STOP")
    with transaction(system.engine) as session:  # and Maricel has no number any more
        maricel = session.scalar(select(Guardian.id).where(Guardian.name == "Maricel Santos"))
        session.execute(delete(ContactPoint).where(ContactPoint.guardian_id == maricel))
    shown = build(system, GRACE_EMAIL, "school")
    assert (shown.families, shown.students, shown.opted_out, shown.unreachable) == (11, 9, 1, 1)
    # Ana and Faadumo have not written on WhatsApp: no template, so their next channel, SMS.
    assert shown.by_channel == {"sms": 9, "telegram": 1, "whatsapp": 1}
    assert (shown.whatsapp_window, shown.whatsapp_fallback) == (2, {"sms": 2})
    assert shown.quiet_held == 0 and shown.quiet_until is None
    fanned = send(system, GRACE_EMAIL, "school")
    assert (fanned.queued, fanned.opted_out, fanned.unreachable) == (11, 1, 1)
    queued = family_deliveries(system, fanned.broadcast.id)
    assert all(d.lane == Lane.BROADCAST and d.status is DeliveryStatus.PENDING for d in queued)
    assert Counter(d.channel.value for d in queued) == shown.by_channel
    with transaction(system.engine) as session:
        languages = Counter(session.get_one(Guardian, d.guardian_id).language for d in queued)
    assert languages == shown.by_language
    await system.drain()
    sent = family_deliveries(system, fanned.broadcast.id)
    assert [d.status for d in sent] == [DeliveryStatus.SENT] * 11  # no fallback was needed
    bodies = sms_bodies(system)
    assert len(bodies) == 9 and ROSA not in bodies and MARICEL not in bodies
    assert sum(sms_segments(b) for texts in bodies.values() for b in texts) == shown.sms_segments
    by_language = {c.language: c for c in shown.costs}
    assert by_language["en"].sms_families == 3 and by_language["en"].segments_each == 1
    assert by_language["vi"].encoding.value == "ucs2"
    [karim] = [c for c in system.twilio.messages if c.to == f"whatsapp:{KARIM}"]
    assert TEXT in (karim.body or "")
    [amina] = system.telegram_texts(AMINA)
    assert amina == en(m.FAMILY_HEADER, staff="Grace Ortiz", student="Andrew Bashid") + "\n" + TEXT
    # The same numbers, in words, as Telegram and the command line show them.
    lines = preview.render(shown, "en", "America/New_York").splitlines()
    assert lines[:4] == [
        "Broadcast to: All your families",
        "Goes to 11 guardians of 9 students.",
        "By language: Arabic 1, Chinese 1, English 4, Haitian Creole 1, Portuguese 1, "
        "Russian 1, Somali 1, Vietnamese 1",
        "By channel: SMS 9, Telegram 1, WhatsApp 1",
    ]
    assert "Opted out, will not get it: 1" in lines and "No way to reach them: 1" in lines
    assert "Not on WhatsApp in the last 24 hours, and no template: 2. Instead: SMS 2" in lines
    assert f"SMS segments: {shown.sms_segments} in all" in lines
    with transaction(system.engine) as session:
        rows = session.scalars(
            select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == fanned.broadcast.id)
        ).all()
        outcomes = Counter(r.outcome for r in rows)
    assert outcomes == {
        RecipientOutcome.QUEUED: 11,
        RecipientOutcome.OPTED_OUT: 1,
        RecipientOutcome.UNREACHABLE: 1,
    }


async def test_cached_translations_are_counted_exactly_and_others_about(system: System) -> None:
    await ready(system)
    settings = system.settings.model_copy(update={"translator": "libretranslate"})
    first = build(system, GRACE_EMAIL, "language:es,vi", settings=settings)
    assert {c.language: c.estimated for c in first.costs} == {"es": True, "vi": True}
    assert "about" in preview.render(first, "en", "America/New_York")
    with transaction(system.engine) as session:
        from commbot.models import TranslationCache
        from commbot.translation.cache import text_hash

        session.add(
            TranslationCache(
                source_language="en",
                target_language="es",
                text_hash=text_hash(TEXT),
                translated="El picnic de la escuela es el viernes a mediodía. ¡Bienvenidas!",
                backend="libretranslate",
            )
        )
    second = build(system, GRACE_EMAIL, "language:es,vi", settings=settings)
    spanish = {c.language: c for c in second.costs}["es"]
    assert not spanish.estimated and spanish.encoding.value == "ucs2"
    header = gettext("es", m.FAMILY_HEADER, staff="Grace Ortiz", student="Alfredo Pérez")
    read = header + "\nEl picnic de la escuela es el viernes a mediodía. ¡Bienvenidas!"
    assert spanish.segments == sms_segments(read)


# -- quiet hours and urgent ------------------------------------------------------------------


async def test_quiet_hours_hold_families_until_they_end_unless_urgent(system: System) -> None:
    await ready(system)
    system.clock.now = dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC)  # 10:30 PM in Boston
    shown = build(system, GRACE_EMAIL, "school")
    # Awake: Li Wei (7:30 PM in Los Angeles) and Irina (quiet from 11 PM). The last to
    # wake is Margaret Ruby, 8 AM in Chicago.
    assert shown.quiet_held == 11
    assert shown.quiet_until == dt.datetime(2026, 11, 21, 14, 0, tzinfo=dt.UTC)
    assert "Held for quiet hours: 11, the last until 11/21/26, 9:00 AM" in preview.render(
        shown, "en", "America/New_York"
    )
    # The sending itself takes seconds (13 families at 1 a second); the wait is said apart.
    assert 13 <= shown.send_seconds < 120
    fanned = send(system, GRACE_EMAIL, "school")
    assert fanned.quiet_held == 11
    await system.drain()
    assert set(sms_bodies(system)) == {"+16175550153", "+16175550186"}  # Li Wei, Irina
    done = progress_of(system, fanned.broadcast.id)
    assert (done.sent, done.waiting) == (2, 11) and not done.done
    system.clock.now = dt.datetime(2026, 11, 21, 14, 1, tzinfo=dt.UTC)
    await system.drain()
    # All but Rosa: free from midnight, she slept through it and is quiet again from 8 AM
    # (at work) to 3 PM; the dispatcher holds her copy until then.
    assert len(sms_bodies(system)) == 10 and len(system.telegram_texts(AMINA)) == 1
    assert ROSA not in sms_bodies(system) and progress_of(system, fanned.broadcast.id).waiting == 1
    system.clock.now = dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)
    await system.drain()
    assert ROSA in sms_bodies(system) and progress_of(system, fanned.broadcast.id).done

    system.twilio.clear()
    system.clock.now = dt.datetime(2026, 11, 22, 3, 30, tzinfo=dt.UTC)
    urgent = build(system, GRACE_EMAIL, "school", urgent=True)
    assert urgent.quiet_held == 0
    assert "Urgent: it goes now, even in quiet hours." in preview.render(urgent, "en", "UTC")
    send(system, GRACE_EMAIL, "school", text="The school is closed tomorrow.", urgent=True)
    await system.drain()
    # Everyone at once, in the night (Karim's WhatsApp window has closed since: by SMS).
    assert len(sms_bodies(system)) == 12 and len(system.telegram_texts(AMINA)) == 2


def progress_of(system: System, broadcast_id: int) -> Any:
    with transaction(system.engine) as session:
        return progress(session, session.get_one(Broadcast, broadcast_id))


# -- WhatsApp's window -----------------------------------------------------------------------


@asynccontextmanager
async def template_system(
    engine: Engine, telegram: FakeTelegram, twilio: FakeTwilio, tmp_path: Path
) -> AsyncIterator[System]:
    for fake in (telegram, twilio):
        fake.clear()
        fake.reset_failures()
    system = System(engine, telegram, twilio, tmp_path, TWILIO_WHATSAPP_TEMPLATE_SID=TEMPLATE)
    try:
        yield system
    finally:
        await system.close()


async def test_with_a_template_whatsapp_families_outside_the_window_wait_for_their_reply(
    engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    async with template_system(engine, fake_telegram, fake_twilio, tmp_path) as system:
        system.import_examples()
        await ready(system)
        shown = build(system, GRACE_EMAIL, "school")
        assert (shown.whatsapp_held, shown.whatsapp_window) == (2, 0)
        assert shown.by_channel["whatsapp"] == 3
        fanned = send(system, GRACE_EMAIL, "school")
        await system.drain()
        [template] = [c for c in fake_twilio.messages if c.to == f"whatsapp:{ANA}"]
        assert template.content_sid == TEMPLATE and not template.body
        done = progress_of(system, fanned.broadcast.id)
        assert done.waiting == 2 and done.sent == 11
        await system.sms(ANA, "Olá", whatsapp=True)
        await system.drain()
        [_, message] = [c for c in fake_twilio.messages if c.to == f"whatsapp:{ANA}"]
        assert TEXT in (message.body or "")


# -- replies ---------------------------------------------------------------------------------


async def test_a_reply_reaches_the_sender_and_the_class_teacher_when_the_sender_is_not_on_the_team(
    system: System,
) -> None:
    await ready(system)
    fanned = send(system, GRACE_EMAIL, "class:Room 12")
    await system.drain()
    system.clock.advance(minutes=30)
    await system.sms(ROSA, "Gracias, vamos a ir.")
    await system.drain()
    relayed = "Rosa Pérez (mother of Alfredo Pérez) wrote:"
    assert system.telegram_texts(GRACE)[-1].startswith(relayed)
    assert "Gracias, vamos a ir." in system.telegram_texts(GRACE)[-1]
    copy = system.telegram_texts(CARTER)[-1]
    assert copy.startswith(
        "For you to know: Rosa Pérez (mother of Alfredo Pérez) wrote to Grace Ortiz:"
    )
    assert "Gracias, vamos a ir." in copy
    assert system.telegram_texts(KIM) == []  # not Alfredo's teacher
    with transaction(system.engine) as session:
        rosa = session.scalar(
            select(BroadcastRecipient)
            .join(Guardian, Guardian.id == BroadcastRecipient.guardian_id)
            .where(Guardian.name == "Rosa Pérez")
        )
        assert rosa is not None and rosa.replied_at == system.clock()
    assert progress_of(system, fanned.broadcast.id).replied == 1
    # Once Grace has answered her, it is their conversation: no more copies.
    await system.telegram_update(GRACE, "/msg Alfredo See you there.")
    await system.drain()
    system.clock.advance(minutes=5)
    before = len(system.telegram_texts(CARTER))
    await system.sms(ROSA, "Perfecto.")
    await system.drain()
    assert system.telegram_texts(GRACE)[-1].startswith(relayed)
    assert len(system.telegram_texts(CARTER)) == before


async def test_a_reply_to_a_teachers_own_broadcast_reaches_only_them(system: System) -> None:
    await ready(system)
    send(system, KIM_EMAIL, "class:Room 14")
    await system.drain()
    await system.sms(JIM, "We will bring a salad.")
    await system.drain()
    assert system.telegram_texts(KIM)[-1].startswith("Jim Lopez (father of Josie Lopez) wrote:")
    assert system.telegram_texts(CARTER) == system.telegram_texts(GRACE) == []


# -- scheduling, cancelling, progress ----------------------------------------------------------


async def test_a_scheduled_broadcast_goes_once_at_its_time(system: System) -> None:
    await ready(system)
    now = system.clock()
    with transaction(system.engine) as session:
        grace = staff(session, GRACE_EMAIL)
        at = actions.parse_time("17:00", "America/New_York", now)
        assert at == dt.datetime(2026, 11, 20, 22, 0, tzinfo=dt.UTC)
        assert actions.parse_time("16:00", "America/New_York", now) == at + dt.timedelta(hours=23)
        assert actions.parse_time("2026-11-23 08:15", "America/New_York", now) == dt.datetime(
            2026, 11, 23, 13, 15, tzinfo=dt.UTC
        )
        with pytest.raises(actions.BroadcastError, match="is not a time"):
            actions.parse_time("tomorrow", "America/New_York", now)
        draft = actions.create(session, grace, audiences.parse("class:Room 14"), text=TEXT, now=now)
        with pytest.raises(actions.BroadcastError, match="already passed"):
            actions.schedule(session, grace, draft, now - dt.timedelta(minutes=1), now=now)
        actions.schedule(session, grace, draft, at, now=now)
        broadcast_id = draft.id
    with transaction(system.engine) as session:
        assert actions.send_due(session, settings=system.settings, now=now) == 0
    system.clock.now = at
    with transaction(system.engine) as session:
        assert actions.send_due(session, settings=system.settings, now=at) == 1
        assert actions.send_due(session, settings=system.settings, now=at) == 0
    await system.drain()
    assert len(family_deliveries(system, broadcast_id)) == 7
    assert [len(texts) for texts in sms_bodies(system).values()] == [1] * 7  # each once
    with transaction(system.engine) as session:
        sent = session.get_one(Broadcast, broadcast_id)
        assert sent.state is BroadcastState.SENDING and sent.sent_at == at
        with pytest.raises(actions.BroadcastError, match="already been sent"):
            actions.send_now(
                session, staff(session, GRACE_EMAIL), sent, settings=system.settings, now=at
            )


async def test_a_scheduled_broadcast_that_may_no_longer_go_is_cancelled_and_its_sender_told(
    system: System,
) -> None:
    await ready(system)
    now = system.clock()
    with transaction(system.engine) as session:
        carter = staff(session, CARTER_EMAIL)
        draft = actions.create(
            session, carter, audiences.parse("class:Room 12"), text=TEXT, now=now
        )
        actions.schedule(session, carter, draft, now + dt.timedelta(hours=1), now=now)
        carter.classes.clear()  # Carter no longer teaches Room 12
    later = system.clock.now = now + dt.timedelta(hours=1)
    with transaction(system.engine) as session:
        assert actions.send_due(session, settings=system.settings, now=later) == 0
        assert session.get_one(Broadcast, draft.id).state is BroadcastState.CANCELLED
    await system.drain()
    assert system.telegram_texts(CARTER)[-1].startswith("Your broadcast for 11/20/26, 5:30 PM")
    assert system.twilio.messages == []


async def test_cancelling_stops_what_has_not_gone_and_progress_counts_each_family(
    system: System,
) -> None:
    await ready(system)
    system.clock.now = dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC)  # most are asleep
    fanned = send(system, GRACE_EMAIL, "school")
    await system.drain()
    with transaction(system.engine) as session:
        broadcast = session.get_one(Broadcast, fanned.broadcast.id)
        grace = staff(session, GRACE_EMAIL)
        assert actions.cancel(session, grace, broadcast, now=system.clock()) == 11
        assert broadcast.state is BroadcastState.CANCELLED
    done = progress_of(system, fanned.broadcast.id)
    assert (done.sent, done.cancelled, done.waiting, done.done) == (2, 11, 0, True)
    system.clock.now = dt.datetime(2026, 11, 21, 15, 0, tzinfo=dt.UTC)
    await system.drain()
    assert len(sms_bodies(system)) == 2


async def test_progress_takes_each_familys_best_copy_and_finish_marks_it_sent(
    system: System,
) -> None:
    await ready(system)
    system.twilio.fail_to(JIM, 30003)  # accepted, then undelivered: his wife's phone works
    fanned = send(system, KIM_EMAIL, "class:Room 14")
    await system.drain()
    for call in list(system.twilio.messages):
        assert call.sid is not None
        status = "undelivered" if call.to == JIM else "delivered"
        await system.post_twilio(
            "/twilio/status", system.twilio.status_callback_params(call.sid, status)
        )
    await system.drain()
    done = progress_of(system, fanned.broadcast.id)
    # Jim has no other channel: failed. Irina's Telegram-less SMS and the rest: delivered.
    assert (done.families, done.delivered, done.failed, done.waiting) == (7, 6, 1, 0)
    with transaction(system.engine) as session:
        broadcast = session.get_one(Broadcast, fanned.broadcast.id)
        assert actions.finish(session, broadcast, system.clock())
        assert broadcast.state is BroadcastState.SENT and broadcast.finished_at == system.clock()
        assert not actions.finish(session, broadcast, system.clock())


async def test_a_broadcast_and_its_replies_log_no_numbers_or_words(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # more than production logs, our records included
    quiet_libraries()  # as every commbot process does
    await ready(system)
    send(system, GRACE_EMAIL, "class:Room 12")
    system.twilio.fail_to(KARIM, 21610)  # a failure, whose message quotes the number
    await system.drain()
    system.clock.advance(minutes=30)
    await system.sms(ROSA, "Gracias, vamos a ir.")
    await system.drain()
    assert "Gracias, vamos a ir." in system.telegram_texts(GRACE)[-1]  # it did go through
    logged = caplog.text
    for private in (ROSA, ROSA[1:], KARIM, KARIM[1:], TEXT, "Gracias, vamos a ir."):
        assert private not in logged
