"""Stories from home, end to end: a family's photo (MMS, WhatsApp, Telegram) or an answer
to the "story" check-in reaches the teacher with a "Say thank you" button and goes on the
child's timeline; the press sends the catalog's thank-you once, in the family's language,
on their channel, after their quiet hours; `/timeline` shows a served child's recent
stories and photos both ways, and never another child's family's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from commbot.conversations import staff as staff_chat
from commbot.db import transaction
from commbot.features.checkins import messages as checkin_text
from commbot.features.checkins.firing import fire_due
from commbot.features.checkins.models import CheckinPlan
from commbot.features.stories import messages as m
from commbot.features.stories import on_relay
from commbot.features.stories.models import Story
from commbot.i18n import gettext
from commbot.languages import name_in
from commbot.models import Channel, Delivery, DeliveryStatus, Guardian, SchoolClass, Student

from .support import System, press
from .test_dispatch import png_bytes

CARTER, KIM = 7001, 7002
CARTER_EMAIL, KIM_EMAIL = "ecarter@lincoln.example.org", "dkim@lincoln.example.org"
AMINA_CHAT = 8001  # Amina Bashid, English, Telegram; mother of Andrew Bashid (Room 12)
ROSA = "+16175550134"  # Rosa Pérez, Spanish, SMS; mother of Alfredo Pérez (Room 12)
KARIM = "+16175550177"  # Karim Bashid, Arabic, WhatsApp; father of Andrew Bashid
LAN = "+16175550142"  # Lan Nguyen: Minh (Emily Carter's class) and Bao (David Kim's)
RLM = "\u200f"  # right-to-left lines start with it


def en(text: str, **values: Any) -> str:
    return gettext("en", text, **values)


async def setup(system: System, *, amina: bool = False, kim: bool = False) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    if kim:
        await system.link_staff(KIM_EMAIL, KIM)
    if amina:
        code = system.invite(guardian="Amina Bashid")
        assert (await system.telegram_update(AMINA_CHAT, f"/start {code}")).status_code == 200
    await system.drain()
    system.telegram.clear()
    system.twilio.clear()


_presses = iter(range(60_000, 70_000))


async def tap(system: System, chat: int, data: str) -> None:
    response = await system.post_telegram(press(chat, data, next(_presses)))
    assert response.status_code == 200
    # Every press is answered (the button's spinner stops), whatever it does.
    assert response.json()["method"] == "answerCallbackQuery"
    await system.drain()


def keyboard(call: Any) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def stories(system: System) -> list[tuple[str, str, int]]:
    """(guardian, student, message id) of every story, oldest first."""
    with transaction(system.engine) as session:
        rows = session.execute(
            select(Guardian.name, Student.name, Story.message_id)
            .join(Guardian, Guardian.id == Story.guardian_id)
            .join(Student, Student.id == Story.student_id)
            .order_by(Story.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def thank_button(system: System, chat: int = CARTER) -> str:
    """The thank-you button on the last thing the teacher got: its callback data."""
    [(label, data)] = keyboard(system.telegram.sent_messages(chat)[-1])
    assert label == en(m.THANK_BUTTON)
    assert data.startswith("sty:")
    return data


def whatsapp_to(system: System, number: str) -> list[str]:
    return [c.body or "" for c in system.twilio.messages if c.to == "whatsapp:" + number]


def thank_you(language: str, student: str = "Andrew Bashid") -> str:
    return gettext(language, m.THANK_YOU, student=student, staff="Emily Carter")


# -- a family's photo is a story -----------------------------------------------------------


async def test_an_mms_photo_from_a_family_reaches_the_teacher_as_a_story(system: System) -> None:
    await setup(system)
    url = system.twilio.add_media(png_bytes(), "image/png")
    form = system.twilio_form(ROSA, "Alfredo hizo pan con su abuela.", media=[url])
    assert form["NumMedia"] == "1" and form["MediaUrl0"] == url  # as Twilio posts an MMS
    assert (await system.post_twilio("/twilio/inbound", form)).status_code == 200
    await system.drain()

    [photo] = system.telegram.sent_messages(CARTER)
    assert photo.method == "sendPhoto" and photo.files["photo"] == png_bytes()
    assert photo.params["caption"].startswith("Rosa Pérez (mother of Alfredo Pérez) wrote:")
    assert "Alfredo hizo pan con su abuela." in photo.params["caption"]
    thank_button(system)
    [(guardian, student, _)] = stories(system)
    assert (guardian, student) == ("Rosa Pérez", "Alfredo Pérez")


async def test_a_whatsapp_photo_from_a_family_is_a_story(system: System) -> None:
    await setup(system)
    url = system.twilio.add_media(png_bytes(), "image/jpeg")
    form = system.twilio_form(KARIM, "", whatsapp=True, media=[url])
    form["MediaContentType0"] = "image/jpeg"
    assert (await system.post_twilio("/twilio/inbound", form)).status_code == 200
    await system.drain()

    [photo] = system.telegram.sent_messages(CARTER)
    assert photo.method == "sendPhoto"
    assert photo.params["caption"].startswith("Karim Bashid (father of Andrew Bashid) wrote:")
    thank_button(system)
    assert [(g, s) for g, s, _ in stories(system)] == [("Karim Bashid", "Andrew Bashid")]


async def test_a_telegram_photo_from_a_family_is_a_story(system: System) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(png_bytes())
    payload = system.telegram_payload(AMINA_CHAT, "Andrew at the park", photo_file_id=file_id)
    assert (await system.post_telegram(payload)).status_code == 200
    await system.drain()

    [photo] = system.telegram.sent_messages(CARTER)
    assert photo.method == "sendPhoto" and photo.params["photo"] == file_id
    assert "Andrew at the park" in photo.params["caption"]
    thank_button(system)
    assert [(g, s) for g, s, _ in stories(system)] == [("Amina Bashid", "Andrew Bashid")]


async def test_plain_words_or_a_voice_note_are_messages_not_stories(system: System) -> None:
    await setup(system)
    await system.sms(ROSA, "Alfredo tiene tos hoy.")
    voice = system.twilio.add_media(b"OggS voice", "audio/ogg")
    form = system.twilio_form(KARIM, "", whatsapp=True, media=[voice])
    form["MediaContentType0"] = "audio/ogg"
    await system.post_twilio("/twilio/inbound", form)
    await system.drain()

    relayed = system.telegram.sent_messages(CARTER)
    assert len(relayed) == 2
    assert all(keyboard(call) == [] for call in relayed)
    assert stories(system) == []


async def test_the_family_still_reaches_the_teacher_when_recording_the_story_fails(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup(system)

    def broken(*args: Any) -> None:
        raise RuntimeError("the stories table is not there")

    monkeypatch.setattr(on_relay, "record_story", broken)
    url = system.twilio.add_media(png_bytes(), "image/png")
    await system.sms(ROSA, "Mire su dibujo.", media=[url])
    await system.drain()

    [photo] = system.telegram.sent_messages(CARTER)
    assert "Mire su dibujo." in photo.params["caption"]
    assert photo.files["photo"] == png_bytes()
    assert keyboard(photo) == []  # no button, but the words and the photo arrived
    assert stories(system) == []


# -- the "story" check-in -------------------------------------------------------------------


async def test_the_story_checkin_goes_out_and_its_answer_becomes_a_story(system: System) -> None:
    await setup(system)
    await system.telegram_update(CARTER, "/checkin")
    await system.drain()
    classes = dict(keyboard(system.telegram.sent_messages(CARTER)[-1]))
    for data in (classes["Room 12"], "ck:days:fri", "ck:time:16:00"):
        await tap(system, CARTER, data)
    offered = dict(keyboard(system.telegram.sent_messages(CARTER)[-1]))
    story_label = en(checkin_text.QUESTION_LABELS["story"])
    assert offered[story_label] == "ck:q:story"  # the dialog offers the story question
    await tap(system, CARTER, "ck:q:story")
    assert system.telegram_texts(CARTER)[-1].startswith("Check-in set for Room 12: Friday")
    with transaction(system.engine) as session:
        assert session.scalars(select(CheckinPlan.template)).one() == "story"

    # Friday 27 November, 4:05 PM in Boston: the check-in fires, once.
    system.clock.now = dt.datetime(2026, 11, 27, 21, 5, tzinfo=dt.UTC)
    report = fire_due(system.engine, system.clock(), default_timezone="America/New_York")
    assert len(report.fired) == 1
    await system.drain()
    asked = gettext("es", checkin_text.TEMPLATES["story"], student="Alfredo Pérez")
    assert any(asked in text for text in system.sms_to(ROSA)), system.sms_to(ROSA)

    system.clock.advance(minutes=20)
    await system.sms(ROSA, "Alfredo plantó frijoles en el jardín.")
    await system.drain()
    relayed = system.telegram.sent_messages(CARTER)[-1]
    assert "Alfredo plantó frijoles en el jardín." in relayed.params["text"]
    thank_button(system)
    [(guardian, student, _)] = stories(system)
    assert (guardian, student) == ("Rosa Pérez", "Alfredo Pérez")

    # A week and a day later the same words are a message again, not an answer.
    system.clock.advance(days=8)
    await system.sms(ROSA, "Gracias por todo.")
    await system.drain()
    assert keyboard(system.telegram.sent_messages(CARTER)[-1]) == []
    assert len(stories(system)) == 1


async def test_another_familys_checkin_makes_nobody_elses_words_a_story(system: System) -> None:
    """A story check-in for Alfredo only: Karim's words that week are an ordinary message."""
    await setup(system)
    with transaction(system.engine) as session:
        from commbot.features.checkins.actions import create_checkin
        from commbot.models import Staff

        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        create_checkin(
            session,
            carter,
            days="fri",
            time="16:00",
            now=system.clock(),
            default_timezone="America/New_York",
            student_id=alfredo.id,
            template="story",
        )
    system.clock.now = dt.datetime(2026, 11, 27, 21, 5, tzinfo=dt.UTC)
    fire_due(system.engine, system.clock(), default_timezone="America/New_York")
    await system.sms(KARIM, "Andrew is excited for Monday.", whatsapp=True)
    await system.drain()
    relayed = [c for c in system.telegram.sent_messages(CARTER) if "Andrew is excited" in str(c)]
    assert len(relayed) == 1 and keyboard(relayed[0]) == []
    assert stories(system) == []


# -- the thank-you --------------------------------------------------------------------------


async def _karim_shares_a_photo(system: System, words: str = "Andrew drew our family.") -> str:
    url = system.twilio.add_media(png_bytes(), "image/jpeg")
    form = system.twilio_form(KARIM, words, whatsapp=True, media=[url])
    form["MediaContentType0"] = "image/jpeg"
    assert (await system.post_twilio("/twilio/inbound", form)).status_code == 200
    await system.drain()
    return thank_button(system)


async def test_the_thank_you_reaches_karim_in_arabic_by_whatsapp_once(system: System) -> None:
    await setup(system)
    button = await _karim_shares_a_photo(system)
    await tap(system, CARTER, button)

    told = en(m.THANKED, guardian="Karim Bashid", language=name_in("ar", "en"))
    assert system.telegram_texts(CARTER)[-1] == told
    [sent] = whatsapp_to(system, KARIM)
    assert sent.replace(RLM, "") == thank_you("ar")
    assert sent.startswith(RLM)  # laid out right to left, as Arabic is
    assert system.sms_to(KARIM) == []  # WhatsApp, his channel; nothing by SMS
    with transaction(system.engine) as session:
        [delivery] = session.scalars(
            select(Delivery).where(Delivery.address == KARIM, Delivery.header != "")
        ).all()
        assert (delivery.channel, delivery.language) == (Channel.WHATSAPP, "ar")
        assert delivery.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
        story = session.scalars(select(Story)).one()
        assert story.thanked_at is not None and story.thanked_by_id is not None

    # A second press (the same teacher, or the button pressed twice): nothing sent again.
    await tap(system, CARTER, button)
    assert system.telegram_texts(CARTER)[-1] == en(m.ALREADY_THANKED, guardian="Karim Bashid")
    assert len(whatsapp_to(system, KARIM)) == 1


async def test_the_thank_you_waits_for_the_familys_quiet_hours(system: System) -> None:
    await setup(system)
    system.clock.now = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)  # 10 PM in Boston
    button = await _karim_shares_a_photo(system, "Bedtime story with Andrew.")
    await tap(system, CARTER, button)
    assert system.telegram_texts(CARTER)[-1].startswith("Your thank-you is on its way")
    assert whatsapp_to(system, KARIM) == []  # 21:30 to 07:00 are his quiet hours

    system.clock.now = dt.datetime(2026, 11, 21, 12, 5, tzinfo=dt.UTC)  # 7:05 AM
    await system.drain()
    [sent] = whatsapp_to(system, KARIM)
    assert sent.replace(RLM, "") == thank_you("ar")


async def test_a_teacher_who_does_not_serve_the_child_cannot_thank(system: System) -> None:
    await setup(system, kim=True)
    button = await _karim_shares_a_photo(system)
    await tap(system, KIM, button)
    assert system.telegram_texts(KIM)[-1] == en(m.STORY_GONE)
    await tap(system, KIM, "sty:999999")  # no such story: the same answer
    assert system.telegram_texts(KIM)[-1] == en(m.STORY_GONE)
    assert whatsapp_to(system, KARIM) == []
    with transaction(system.engine) as session:
        assert session.scalars(select(Story.thanked_at)).one() is None
    # The teacher who does serve Andrew still can.
    await tap(system, CARTER, button)
    assert len(whatsapp_to(system, KARIM)) == 1


async def test_a_family_that_opted_out_everywhere_is_not_thanked(system: System) -> None:
    await setup(system)
    url = system.twilio.add_media(png_bytes(), "image/png")
    await system.sms(ROSA, "Mire su dibujo.", media=[url])
    await system.drain()
    button = thank_button(system)
    await system.sms(ROSA, "STOP")  # her only channel
    await system.drain()
    before = len(system.sms_to(ROSA))
    await tap(system, CARTER, button)
    assert system.telegram_texts(CARTER)[-1] == en(m.THANK_NOT_REACHED, guardian="Rosa Pérez")
    assert len(system.sms_to(ROSA)) == before
    with transaction(system.engine) as session:
        assert session.scalars(select(Story.thanked_at)).one() is None


# -- the timeline ---------------------------------------------------------------------------


async def test_the_timeline_shows_both_ways_and_never_another_childs_family(
    system: System,
) -> None:
    await setup(system, kim=True)
    button = await _karim_shares_a_photo(system, "Andrew drew our family.")
    system.clock.advance(minutes=5)
    await tap(system, CARTER, button)
    system.clock.advance(minutes=5)
    await system.sms(ROSA, "Alfredo ayudó a cocinar.")  # another child's family
    await system.telegram_update(CARTER, "/msg Andrew Thank you for the drawing!")
    # Lan writes about Bao (David Kim's class): never on Minh's timeline.
    await system.sms(LAN, "Bao lost a tooth.")
    await system.drain()
    await system.sms(LAN, "1")  # 1. Bao Nguyen (David Kim)
    await system.drain()
    assert any("Bao lost a tooth." in t for t in system.telegram_texts(KIM))
    system.telegram.clear()

    await system.telegram_update(CARTER, "/timeline Andrew")
    await system.drain()
    [shown] = system.telegram_texts(CARTER)
    lines = shown.splitlines()
    assert lines[0] == en(m.TIMELINE_HEADER, student="Andrew Bashid", days=30)
    assert "Andrew drew our family." in lines
    assert en(m.TIMELINE_MEDIA, count=1) in lines
    assert thank_you("ar") in lines  # the thank-you, as Karim read it
    assert "Thank you for the drawing!" in lines
    from_family = [line for line in lines if line.endswith("Karim Bashid to school:")]
    from_school = [line for line in lines if line.endswith("Emily Carter to the family:")]
    assert len(from_family) == 1 and len(from_school) == 2
    # Newest first: the /msg, then the thank-you, then Karim's photo.
    assert lines.index("Thank you for the drawing!") < lines.index(thank_you("ar"))
    assert lines.index(thank_you("ar")) < lines.index("Andrew drew our family.")
    assert "Alfredo" not in shown and "Rosa" not in shown
    assert "555" not in shown

    await system.telegram_update(CARTER, "/timeline Minh")
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == en(m.TIMELINE_EMPTY, student="Minh Nguyen", days=30)


async def test_a_teacher_who_does_not_serve_the_child_gets_not_found(system: System) -> None:
    await setup(system, kim=True)
    await _karim_shares_a_photo(system, "Andrew drew our family.")
    await system.telegram_update(KIM, "/timeline Andrew")
    await system.telegram_update(KIM, "/timeline Andrew Bashid")
    await system.telegram_update(KIM, "/timeline Nobody Here")
    await system.telegram_update(KIM, "/timeline")
    await system.drain()
    assert system.telegram_texts(KIM) == [
        en(staff_chat.NO_SUCH_STUDENT, name="Andrew"),
        en(staff_chat.NO_SUCH_STUDENT, name="Andrew Bashid"),
        en(staff_chat.NO_SUCH_STUDENT, name="Nobody Here"),
        en(m.TIMELINE_WHICH),
    ]


async def test_the_timeline_keeps_to_thirty_days(system: System) -> None:
    await setup(system)
    await _karim_shares_a_photo(system, "Andrew drew our family.")
    system.clock.advance(days=31)
    await system.telegram_update(CARTER, "/timeline Andrew Bashid")
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == en(
        m.TIMELINE_EMPTY, student="Andrew Bashid", days=30
    )


async def test_the_timeline_lists_class_photos_the_child_is_in(system: System) -> None:
    """A class photo sent with Andrew tagged is on his timeline, not on Alfredo's. The
    post is written as fan-out leaves it (sending is tested with the photo posts)."""
    from commbot.features.photos.models import PhotoPost, PhotoTag, PostState
    from commbot.models import Staff

    await setup(system)
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        room = session.scalars(select(SchoolClass).where(SchoolClass.name == "Room 12")).one()
        andrew = session.scalars(select(Student).where(Student.name == "Andrew Bashid")).one()
        post = PhotoPost(
            staff_id=carter.id,
            class_id=room.id,
            state=PostState.SENT,
            caption="Our pumpkin patch trip",
            caption_language="en",
            media=[{"kind": "photo", "telegram_file_id": "F1"}] * 2,
            sent_at=system.clock(),
        )
        session.add(post)
        session.flush()
        session.add(PhotoTag(post_id=post.id, student_id=andrew.id))
    await system.telegram_update(CARTER, "/timeline Andrew")
    await system.telegram_update(CARTER, "/timeline Alfredo")
    await system.drain()
    andrews, alfredos = system.telegram_texts(CARTER)
    assert "Our pumpkin patch trip" in andrews.splitlines()
    assert any(line.endswith("a class photo from Emily Carter:") for line in andrews.splitlines())
    assert en(m.TIMELINE_MEDIA, count=2) in andrews.splitlines()
    assert alfredos == en(m.TIMELINE_EMPTY, student="Alfredo Pérez", days=30)
