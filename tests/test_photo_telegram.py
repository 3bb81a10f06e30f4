"""Class photos from Telegram, the teacher's side: a photo (an album, an image file) with no
command starts a post; buttons say who is in it and which class; the preview says who will
get it before anything is sent; Send now, Send at (a preset or a typed time on the school's
clock), the digest, Cancel; `/photos` lists what waits. Through the real webhook, the
dispatcher and the fake Telegram and Twilio."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from commbot.conversations.registry import COMMANDS
from commbot.db import transaction
from commbot.features.photos import messages as m
from commbot.features.photos.models import PhotoPost, PostState
from commbot.features.photos.send_time import TimeRefused, typed_time
from commbot.i18n import gettext
from commbot.jobs import run_due
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    Guardian,
    Message,
    RecipientKind,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffDialog,
    StaffRole,
    Student,
    class_staff,
)

from .support import System, press
from .test_dispatch import png_bytes

NEW_YORK = "America/New_York"
CARTER, KIM, SAM, AMINA = 7001, 7002, 7003, 8001
ROSA = "+16175550134"
ROOM_12 = (
    "Alfredo Pérez",
    "Andrew Bashid",
    "Jasmine Santos",
    "Lucas Oliveira",
    "Minh Nguyen",
    "Wen Li",
)


def en(message: str, **values: object) -> str:
    return gettext("en", message, **values)


class Teacher:
    """One staff member on Telegram: what they send and tap, and what they read back."""

    def __init__(self, system: System, chat: int) -> None:
        self.system, self.chat, self.presses = system, chat, 0

    def _since(self, before: int) -> list[str]:
        return self.system.telegram_texts(self.chat)[before:]

    async def say(self, text: str) -> list[str]:
        before = len(self.system.telegram_texts(self.chat))
        assert (await self.system.telegram_update(self.chat, text)).status_code == 200
        await self.system.drain()
        return self._since(before)

    async def photo(
        self, caption: str | None = None, *, album: str | None = None, document: bool = False
    ) -> list[str]:
        """A photo as Telegram posts it: compressed, or as a file, or an album's part."""
        before = len(self.system.telegram_texts(self.chat))
        file_id = self.system.telegram.add_file(png_bytes())
        payload = self.system.telegram_payload(self.chat, caption, photo_file_id=file_id)
        message = payload["message"]
        if document:
            del message["photo"]
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": "IMG_0042.JPG",
                "mime_type": "image/jpeg",
            }
        if album is not None:
            message["media_group_id"] = album
        assert (await self.system.post_telegram(payload)).status_code == 200
        await self.system.drain()
        return self._since(before)

    async def tap(self, data: str) -> list[str]:
        before = len(self.system.telegram_texts(self.chat))
        self.presses += 1
        response = await self.system.post_telegram(
            press(self.chat, data, 100_000 * self.chat + self.presses)
        )
        assert response.status_code == 200
        # Every press is answered (the button's spinner stops).
        assert response.json()["method"] == "answerCallbackQuery"
        await self.system.drain()
        return self._since(before)

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.system.telegram.sent_messages(self.chat)[-1].params.get("reply_markup")
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b["callback_data"]) for row in rows for b in row]

    async def tap_label(self, label: str) -> list[str]:
        found = [data for text, data in self.buttons() if text == label]
        assert found, (label, self.buttons())
        return await self.tap(found[0])


async def linked(system: System, email: str, chat: int) -> Teacher:
    await system.link_staff(email, chat)
    await system.drain()
    return Teacher(system, chat)


def amina_on_telegram(system: System) -> None:
    with transaction(system.engine) as session:
        amina = session.scalars(select(Guardian).where(Guardian.name == "Amina Bashid")).one()
        session.add(ContactPoint(guardian_id=amina.id, channel=Channel.TELEGRAM, address="8001"))


def family_deliveries(system: System) -> list[Delivery]:
    """What was queued for families (not the copies moved to another channel after)."""
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.GUARDIAN and d.fallback_of_id is None
    ]


def families_sent_to(system: System) -> list[str]:
    with transaction(system.engine) as session:
        return sorted(
            session.get_one(Guardian, d.guardian_id).name for d in family_deliveries(system)
        )


def posts(system: System) -> list[PhotoPost]:
    with transaction(system.engine) as session:
        return list(session.scalars(select(PhotoPost).order_by(PhotoPost.id)))


def tag_data_of(post_id: int, name: str, system: System) -> str:
    with transaction(system.engine) as session:
        student = session.scalars(select(Student).where(Student.name == name)).one()
        return f"pht:{post_id}:{student.id}"


def tag_data(teacher: Teacher, name: str) -> str:
    [data] = [d for text, d in teacher.buttons() if text.removeprefix("✓ ") == name]
    return data


async def test_an_album_is_one_post_and_the_preview_says_exactly_who_then_gets_it(
    system: System,
) -> None:
    amina_on_telegram(system)
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    # Three parts of one album, the caption on the first, as Telegram sends them.
    asked = await carter.photo("Our pumpkin day!", album="13370001")
    assert asked == [en(m.WHO_IS_IN_THEM)]
    assert await carter.photo(album="13370001") == []
    assert await carter.photo(album="13370001") == []
    [post] = posts(system)
    assert len(post.media) == 3 and post.caption == "Our pumpkin day!"
    labels = [text for text, _ in carter.buttons()]
    assert labels == [*ROOM_12, en(m.NO_CHILDREN), en(m.DONE)]
    assert await carter.tap_label(en(m.DONE)) == [en(m.TAP_SOMEONE_FIRST)]

    [question] = await carter.tap(tag_data(carter, "Andrew Bashid"))
    assert question == en(m.WHO_IS_IN_THEM) + "\n" + en(m.TAGGED_SO_FAR, names="Andrew Bashid")
    assert "✓ Andrew Bashid" in [text for text, _ in carter.buttons()]
    await carter.tap(tag_data(carter, "Minh Nguyen"))
    await carter.tap(tag_data(carter, "Wen Li"))
    await carter.tap(tag_data(carter, "Wen Li"))  # pressed again: not in it after all
    assert family_deliveries(system) == []  # nothing before Send

    [preview] = await carter.tap_label(en(m.DONE))
    families = [
        "Alfredo Pérez: Rosa Pérez",
        "Andrew Bashid: Amina Bashid, Karim Bashid",
        "Jasmine Santos: Maricel Santos",
        "Lucas Oliveira: Ana Oliveira",
        "Minh Nguyen: Lan Nguyen",
        "Wen Li: Li Wei",
    ]
    assert preview.splitlines() == [
        en(m.PREVIEW_FOR_CLASS, class_name="Room 12"),
        en(m.PREVIEW_IN_IT, names="Andrew Bashid, Minh Nguyen"),
        en(m.PREVIEW_RECEIVE, count=7),
        *families,
    ]
    assert [text for text, _ in carter.buttons()] == [en(m.SEND_NOW), en(m.SEND_AT), en(m.CANCEL)]
    assert family_deliveries(system) == []

    assert (await carter.tap_label(en(m.SEND_NOW)))[0] == en(m.SENDING, count=7)
    sent = family_deliveries(system)
    assert families_sent_to(system) == [
        "Amina Bashid",
        "Ana Oliveira",
        "Karim Bashid",
        "Lan Nguyen",
        "Li Wei",
        "Maricel Santos",
        "Rosa Pérez",
    ]
    assert all(d.protect_content and len(d.media) == 3 for d in sent)
    assert [p.state for p in posts(system)] == [PostState.SENT]
    assert await carter.tap(tag_data_of(post.id, "Wen Li", system)) == [en(m.POST_GONE)]
    # The preview's buttons are spent: a second Send changes nothing.
    assert await carter.tap(f"phs:{post.id}:now") == [en(m.POST_GONE)]
    assert len(family_deliveries(system)) == 7


async def test_consent_blocks_show_in_the_preview_and_only_allowed_families_get_it(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    assert await carter.photo() == [en(m.WHO_IS_IN_IT)]
    await carter.tap(tag_data(carter, "Andrew Bashid"))
    await carter.tap(tag_data(carter, "Jasmine Santos"))  # consent: none
    [preview] = await carter.tap_label(en(m.DONE))
    assert preview.splitlines()[-1] == en(m.PREVIEW_NOBODY, names="Jasmine Santos")
    assert [text for text, _ in carter.buttons()] == [en(m.CANCEL)]
    assert await carter.tap_label(en(m.CANCEL)) == [en(m.POST_CANCELLED)]

    await carter.photo("Reading corner", document=True)  # an image sent as a file
    await carter.tap(tag_data(carter, "Andrew Bashid"))
    await carter.tap(tag_data(carter, "Lucas Oliveira"))  # consent: only his own family
    [preview] = await carter.tap_label(en(m.DONE))
    assert preview.splitlines()[2:] == [
        en(m.PREVIEW_RECEIVE, count=1),
        "Lucas Oliveira: Ana Oliveira",
        en(m.PREVIEW_SKIPPED, names="Lucas Oliveira", count=6),
    ]
    assert "Rosa" not in preview and "Karim" not in preview  # skipped families are not named
    assert (await carter.tap_label(en(m.SEND_NOW)))[0] == en(m.SENDING, count=1)
    assert families_sent_to(system) == ["Ana Oliveira"]


async def test_send_at_a_typed_time_on_the_school_clock_then_the_job_sends_it(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.photo("Field trip")
    await carter.tap_label(en(m.NO_CHILDREN))
    [asked] = await carter.tap_label(en(m.SEND_AT))
    assert asked == en(m.WHEN_TO_SEND)
    # Friday 4:30 PM in Boston: today's presets have passed; tomorrow's are offered.
    assert [text for text, _ in carter.buttons()] == [
        en(m.TOMORROW_AT, time="8:00 AM"),
        en(m.TOMORROW_AT, time="3:30 PM"),
        en(m.CANCEL),
    ]
    assert await carter.say("3:30 pm") == [en(m.TIME_PASSED)]
    assert await carter.say("soon") == [en(m.TIME_NOT_UNDERSTOOD)]
    assert await carter.say("2027-02-01 9:00") == [en(m.TIME_TOO_FAR)]
    assert await carter.say("tomorrow 9:15") == [en(m.SCHEDULED, when="Saturday 9:15 AM")]
    [post] = posts(system)
    assert post.state is PostState.SCHEDULED
    assert post.send_at == dt.datetime(2026, 11, 21, 14, 15, tzinfo=dt.UTC)  # 9:15 EST
    with transaction(system.engine) as session:
        assert session.get(StaffDialog, post.staff_id) is None

    [listed] = await carter.say("/photos")
    assert listed.splitlines() == [
        en(m.WAITING_HEADER),
        en(
            m.WAITING_LINE,
            number=1,
            when="Saturday 9:15 AM",
            class_name="Room 12",
            count=1,
            caption="Field trip",
        ),
    ]
    run_due(system.engine, system.clock(), NEW_YORK)
    await system.drain()
    assert family_deliveries(system) == []
    system.clock.advance(hours=17)  # Saturday 9:30 AM
    run_due(system.engine, system.clock(), NEW_YORK)
    run_due(system.engine, system.clock(), NEW_YORK)  # once only
    await system.drain()
    assert len(family_deliveries(system)) == 7
    assert await carter.say("/photos") == [en(m.NOTHING_WAITING)]


async def test_photos_lists_waiting_posts_and_cancels_them(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    await carter.photo("Art")
    await carter.tap_label(en(m.NO_CHILDREN))
    await carter.tap_label(en(m.SEND_AT))
    assert await carter.tap_label(en(m.TOMORROW_AT, time="8:00 AM")) == [
        en(m.SCHEDULED, when="Saturday 8:00 AM")
    ]
    [post] = posts(system)
    await carter.say("/photos")
    assert carter.buttons() == [(en(m.CANCEL_NUMBER, number=1), f"phx:{post.id}")]
    # Another teacher's press of it, and every other button of it: gone, nothing changed.
    for data in (f"phx:{post.id}", f"phs:{post.id}:cancel", f"pha:{post.id}:m0800"):
        assert await kim.tap(data) == [en(m.POST_GONE)]
    assert posts(system)[0].state is PostState.SCHEDULED
    assert await carter.tap(f"phx:{post.id}") == [en(m.POST_CANCELLED)]
    assert await carter.tap(f"phx:{post.id}") == [en(m.POST_GONE)]
    assert posts(system)[0].state is PostState.CANCELLED
    system.clock.advance(days=1)
    run_due(system.engine, system.clock(), NEW_YORK)
    await system.drain()
    assert family_deliveries(system) == []


async def test_msg_with_a_photo_is_a_post_for_that_family_under_the_same_rule(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    file_id = system.telegram.add_file(png_bytes())
    await system.telegram_update(CARTER, "/msg Alfredo Look at this tower", photo_file_id=file_id)
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == "\n".join(
        [en(m.WHO_IS_IN_IT), en(m.TAGGED_SO_FAR, names="Alfredo Pérez")]
    )
    assert family_deliveries(system) == []  # the words did not go on their own
    await carter.tap(tag_data(carter, "Andrew Bashid"))  # Andrew allows class photos
    [preview] = await carter.tap_label(en(m.DONE))
    assert preview.splitlines() == [
        en(m.PREVIEW_FOR_STUDENT, student="Alfredo Pérez"),
        en(m.PREVIEW_IN_IT, names="Alfredo Pérez, Andrew Bashid"),
        en(m.PREVIEW_RECEIVE, count=1),
        "Alfredo Pérez: Rosa Pérez",
    ]
    await carter.tap_label(en(m.SEND_NOW))
    [sent] = family_deliveries(system)
    assert sent.address == ROSA and sent.body == "Look at this tower"

    # The draft way: /msg, then the photo.
    await carter.say("/msg Jasmine")
    [question] = await carter.photo("Painting")
    assert question.endswith(en(m.TAGGED_SO_FAR, names="Jasmine Santos"))
    [preview] = await carter.tap_label(en(m.DONE))
    assert preview.splitlines()[-1] == en(m.PREVIEW_NOBODY, names="Jasmine Santos")
    assert len(family_deliveries(system)) == 1


async def test_a_teacher_with_two_classes_is_asked_which_and_a_dialog_does_not_eat_photos(
    system: System,
) -> None:
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.name == "Emily Carter")).one()
        room_14 = session.scalars(select(SchoolClass).where(SchoolClass.name == "Room 14")).one()
        session.execute(insert(class_staff).values(staff_id=carter.id, class_id=room_14.id))
        room_14_id = room_14.id
    teacher = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await teacher.say("/checkin")  # a dialog is open
    assert await teacher.photo("Music") == [en(m.WHICH_CLASS)]
    assert [text for text, _ in teacher.buttons()] == ["Room 12", "Room 14", en(m.CANCEL)]
    [post] = posts(system)
    assert await teacher.tap(f"phk:{post.id}:999999") == [en(m.POST_GONE)]
    assert await teacher.tap(f"phk:{post.id}:{room_14_id}") == [en(m.WHO_IS_IN_IT)]
    assert "Tyrell Ruby" in [text for text, _ in teacher.buttons()]
    assert "Andrew Bashid" not in [text for text, _ in teacher.buttons()]


async def test_a_specialist_tags_only_the_children_they_serve(system: System) -> None:
    with transaction(system.engine) as session:
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        andrew = session.scalars(select(Student).where(Student.name == "Andrew Bashid")).one()
        sam = Staff(
            name="Sam Rivera",
            email="srivera@lincoln.example.org",
            role=StaffRole.SPECIALIST,
            school_id=alfredo.school_id,
        )
        session.add(sam)
        session.flush()
        session.add(ServiceAssignment(staff_id=sam.id, student_id=alfredo.id, service="speech"))
        andrew_id = andrew.id
    specialist = await linked(system, "srivera@lincoln.example.org", SAM)
    assert await specialist.photo() == [en(m.NO_CLASS)]  # no class of their own
    assert posts(system) == []
    await specialist.say("/msg Alfredo")
    await specialist.photo("Our session")
    assert [text for text, _ in specialist.buttons()] == ["✓ Alfredo Pérez", en(m.DONE)]
    [post] = posts(system)
    assert await specialist.tap(f"pht:{post.id}:{andrew_id}") == [en(m.POST_GONE)]
    [preview] = await specialist.tap(f"phs:{post.id}:done")
    assert en(m.PREVIEW_IN_IT, names="Alfredo Pérez") in preview


async def test_the_class_digest_is_turned_on_offered_and_off(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    assert await carter.say("/photos digest") == [en(m.DIGEST_HELP)]
    assert await carter.say("/photos digest 25:00") == [en(m.DIGEST_HELP)]
    assert await carter.say("/photos digest 17:45") == [
        en(m.DIGEST_ON, class_name="Room 12", time="5:45 PM")
    ]
    await carter.photo()
    await carter.tap_label(en(m.NO_CHILDREN))
    label = en(m.ADD_TO_DIGEST, time="5:45 PM")
    assert label in [text for text, _ in carter.buttons()]
    assert await carter.tap_label(label) == [en(m.IN_DIGEST, time="5:45 PM")]
    [listed] = await carter.say("/photos")
    assert en(m.WAITING_DIGEST, time="5:45 PM") in listed
    assert await carter.say("/photos digest off room 12") == [
        en(m.DIGEST_OFF, class_name="Room 12")
    ]
    assert await carter.say("/photos digest off Room 14") == [en(m.DIGEST_WHICH_CLASS)]
    assert family_deliveries(system) == []


async def test_photos_help_is_listed_for_staff(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    [help_text] = await carter.say("/help")
    assert en(m.PHOTOS_HELP) in help_text.splitlines()


def test_typed_times_are_read_on_the_school_clock() -> None:
    now = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)  # 9:00 AM in Boston
    boston = dt.timezone(dt.timedelta(hours=-5))

    def at(text: str) -> dt.datetime:
        return typed_time(text, NEW_YORK, now).astimezone(boston).replace(tzinfo=None)

    assert at("15:30") == dt.datetime(2026, 11, 20, 15, 30)
    assert at("3:30 pm") == at("3:30PM") == at("at 3:30 p.m.") == dt.datetime(2026, 11, 20, 15, 30)
    assert at("3 pm") == dt.datetime(2026, 11, 20, 15, 0)
    assert at("tomorrow 8:00") == at("Tomorrow at 8:00 am") == dt.datetime(2026, 11, 21, 8, 0)
    assert at("2026-12-01 9:00") == dt.datetime(2026, 12, 1, 9, 0)
    for text, reason in (
        ("8:59", m.TIME_PASSED),
        ("12:00 am", m.TIME_PASSED),
        ("2026-12-21 9:00", m.TIME_TOO_FAR),
        ("25:00", m.TIME_NOT_UNDERSTOOD),
        ("13 pm", m.TIME_NOT_UNDERSTOOD),
        ("8", m.TIME_NOT_UNDERSTOOD),
        ("next week", m.TIME_NOT_UNDERSTOOD),
        ("2026-02-30 9:00", m.TIME_NOT_UNDERSTOOD),
    ):
        try:
            typed_time(text, NEW_YORK, now)
        except TimeRefused as refused:
            assert refused.message == reason, text
        else:
            raise AssertionError(text)


async def test_the_preview_counts_quiet_hours_and_families_who_cannot_be_reached(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    with transaction(system.engine) as session:  # Li Wei has said STOP
        li_wei = session.scalars(select(Guardian).where(Guardian.name == "Li Wei")).one()
        for point in session.scalars(
            select(ContactPoint).where(ContactPoint.guardian_id == li_wei.id)
        ):
            point.opted_out = True
    system.clock.advance(hours=6)  # Friday 10:30 PM in Boston
    await carter.photo("Good night from the sleepover")
    await carter.tap(tag_data(carter, "Andrew Bashid"))
    [preview] = await carter.tap_label(en(m.DONE))
    lines = preview.splitlines()
    # Rosa, Karim, Amina, Lan, Ana and Maricel are all in their quiet hours at 10:30 PM.
    assert lines[2] == en(m.PREVIEW_RECEIVE, count=6)
    assert "Wen Li: Li Wei" not in lines
    assert lines[-2:] == [
        en(m.PREVIEW_QUIET, count=6),
        en(m.PREVIEW_UNREACHABLE, count=1),
    ]
    assert (await carter.tap_label(en(m.SEND_NOW)))[0] == en(m.SENDING, count=6)
    held = family_deliveries(system)
    assert len(held) == 6 and all(d.not_before > system.clock() for d in held)


async def rosa_answered(system: System, carter: Teacher) -> int:
    """Carter writes to Rosa, Rosa answers: the Telegram id of her message as relayed."""
    await carter.say("/msg Alfredo How was the weekend?")
    assert (await system.sms(ROSA, "Great, we built a fort.")).status_code == 200
    await system.drain()
    with transaction(system.engine) as session:
        relayed = session.scalars(
            select(Delivery)
            .join(Message, Message.id == Delivery.message_id)
            .where(
                Delivery.recipient_kind == RecipientKind.STAFF,
                Message.text == "Great, we built a fort.",
            )
        ).one()
        return int(relayed.provider_message_id or 0)


async def test_a_photo_in_reply_to_a_family_is_a_post_for_their_child(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    message_id = await rosa_answered(system, carter)
    file_id = system.telegram.add_file(png_bytes())
    await system.telegram_update(
        CARTER, "Ours at school", photo_file_id=file_id, reply_to=message_id
    )
    await system.drain()
    assert system.telegram_texts(CARTER)[-1].endswith(en(m.TAGGED_SO_FAR, names="Alfredo Pérez"))
    [post] = posts(system)
    with transaction(system.engine) as session:
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
    assert post.caption == "Ours at school" and post.student_id == alfredo.id
    assert len(family_deliveries(system)) == 1  # only "How was the weekend?"


async def test_cancel_leaves_the_time_question_and_the_preview_still_sends(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.photo()
    await carter.tap_label(en(m.NO_CHILDREN))
    [post] = posts(system)
    await carter.tap_label(en(m.SEND_AT))
    assert await carter.say("/cancel") == [en(m.NOTHING_SENT)]
    assert posts(system)[0].state is PostState.READY
    # The dialog is closed: the words are no time for the post (no draft: the help).
    help_text = COMMANDS.help_text(StaffRole.TEACHER, "en")
    assert await carter.say("tomorrow 9:00") == [help_text]
    assert posts(system)[0].state is PostState.READY
    assert (await carter.tap(f"phs:{post.id}:now"))[0] == en(m.SENDING, count=7)
    assert len(family_deliveries(system)) == 7


async def test_a_reply_to_a_family_while_the_time_question_is_open_reaches_the_family(
    system: System,
) -> None:
    """The time question waits for a time; a Telegram reply to Rosa's message is hers."""
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    message_id = await rosa_answered(system, carter)
    await carter.photo()
    await carter.tap_label(en(m.NO_CHILDREN))
    await carter.tap_label(en(m.SEND_AT))
    await system.telegram_update(CARTER, "What a fort! See you Monday.", reply_to=message_id)
    await system.drain()
    assert any("What a fort! See you Monday." in text for text in system.sms_to(ROSA))
    assert posts(system)[0].state is PostState.READY  # the post still waits for its time


async def test_a_video_follows_the_same_consent_as_a_photo(system: System) -> None:
    """A class video may show the children as a photo does: Jasmine's family allows no
    photos, so a video for them goes nowhere; Alfredo's allows his own, so it reaches Rosa,
    protected."""
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    for name in ("Jasmine", "Alfredo"):
        file_id = system.telegram.add_file(b"a short class video")
        payload = system.telegram_payload(CARTER, f"/msg {name} Our song")
        payload["message"]["video"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": 9,
            "width": 720,
            "height": 1280,
            "mime_type": "video/mp4",
        }
        payload["message"]["caption"] = payload["message"].pop("text")
        assert (await system.post_telegram(payload)).status_code == 200
        await system.drain()
        await carter.tap_label(en(m.DONE))
        if name == "Jasmine":
            assert not any(label == en(m.SEND_NOW) for label, _ in carter.buttons())
            await carter.tap_label(en(m.CANCEL))
        else:
            await carter.tap_label(en(m.SEND_NOW))
    sent = family_deliveries(system)
    assert len(sent) == 1 and sent[0].protect_content
    with transaction(system.engine) as session:
        assert session.get_one(Guardian, sent[0].guardian_id).name == "Rosa Pérez"
