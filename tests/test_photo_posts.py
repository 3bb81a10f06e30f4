"""A teacher's photo post through its actions, then out through the real dispatcher to the
fake Telegram and Twilio: who gets it on which channel, protected, captions translated,
quiet hours kept, scheduled posts sent once at their time, and the teacher's summary.

The Telegram buttons that call these actions are tested in tests/test_photo_telegram.py;
here the actions are called as those handlers call them, and what the families then
receive is read from the fakes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from commbot.channels.base import Media, Sender
from commbot.db import transaction
from commbot.features.photos import digest, fanout, messages, posts
from commbot.features.photos.fanout import FanOut
from commbot.features.photos.models import (
    PhotoPost,
    PhotoRecipient,
    PhotoTag,
    PostState,
    RecipientOutcome,
)
from commbot.features.photos.posts import PostError
from commbot.i18n import gettext
from commbot.jobs import JOBS, JobContext
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Lane,
    Message,
    MessageKind,
    PhotoConsent,
    SchoolClass,
    Staff,
    Student,
    class_staff,
)
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes import FakeTelegram, FakeTwilio
from .fakes.translation import FakeLibreTranslate
from .support import System
from .test_dispatch import TEMPLATE, png_bytes

TZ = "America/New_York"
CARTER = 7001
AMINA_CHAT = 7102
CARTER_EMAIL = "ecarter@lincoln.example.org"
KIM_EMAIL = "dkim@lincoln.example.org"
ROSA = "+16175550134"
KARIM = "+16175550177"
LAN = "+16175550142"
LI_WEI = "+16175550153"
ANA = "+16175550108"
MARICEL = "+16175550172"
ROOM_12_FAMILIES = {
    "Rosa Pérez",
    "Karim Bashid",
    "Amina Bashid",
    "Lan Nguyen",
    "Li Wei",
    "Ana Oliveira",
    "Maricel Santos",
}


# -- helpers ---------------------------------------------------------------------------------


def senders(system: System) -> dict[Channel, Sender]:
    return {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
        Channel.WHATSAPP: system.twilio_sender,
    }


def staff_named(session: Session, email: str) -> Staff:
    found = session.scalar(select(Staff).where(Staff.email == email))
    assert found is not None
    return found


def sid(session: Session, name: str) -> int:
    found = session.scalar(select(Student.id).where(Student.name == name))
    assert found is not None
    return found


async def ready(system: System) -> None:
    """Carter and Amina on Telegram; the WhatsApp families have written this week (their
    24-hour windows are open), as they would have in a living class."""
    await system.link_staff(CARTER_EMAIL, CARTER)
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(AMINA_CHAT, f"/start {code}")
    for number in (KARIM, ANA):
        await system.sms(number, "Hello", whatsapp=True)
    await system.drain()
    system.telegram.clear()
    system.twilio.clear()


def photo(system: System) -> dict[str, object]:
    file_id = system.telegram.add_file(png_bytes())
    return Media(telegram_file_id=file_id, content_type="image/jpeg").to_json()


def make_post(
    system: System,
    tags: Sequence[str] = (),
    *,
    caption: str = "We planted beans today.",
    no_children: bool = False,
    student: str | None = None,
    photos: int = 1,
) -> int:
    """A post as the handlers make it: started, tagged, Done (the preview's audience read)."""
    now = system.clock()
    media = [photo(system) for _ in range(photos)]
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        one = session.scalar(select(Student).where(Student.name == student)) if student else None
        post, new = posts.start_post(
            session, carter, media=media, caption=caption, now=now, student=one
        )
        assert new
        for name in tags:
            assert posts.toggle_tag(session, carter, post, sid(session, name), now)
        posts.finish_tagging(session, carter, post, now, no_children=no_children)
        return post.id


def send_now(system: System, post_id: int) -> FanOut:
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = posts.post_for(session, carter, post_id)
        assert post is not None
        return fanout.fan_out(session, post, now=system.clock(), default_timezone=TZ)


def run_job(system: System, name: str) -> int:
    [job] = [j for j in JOBS if j.name == name]
    return job.run(JobContext(system.engine, system.clock(), TZ))


def outcomes(system: System, post_id: int) -> dict[str, RecipientOutcome]:
    with transaction(system.engine) as session:
        rows = session.execute(
            select(Guardian.name, PhotoRecipient.outcome)
            .join(PhotoRecipient, PhotoRecipient.guardian_id == Guardian.id)
            .where(PhotoRecipient.post_id == post_id)
        ).all()
    return {name: outcome for name, outcome in rows}


def photo_deliveries(system: System, post_id: int) -> list[Delivery]:
    with transaction(system.engine) as session:
        post = session.get_one(PhotoPost, post_id)
        return list(
            session.scalars(
                select(Delivery).where(Delivery.message_id == post.message_id).order_by(Delivery.id)
            )
        )


def got_photo(system: System) -> set[str]:
    """Who received a picture: an MMS or WhatsApp media, or a Telegram photo."""
    numbers = {
        m.to.removeprefix("whatsapp:") for m in system.twilio.messages if m.media_urls and m.to
    }
    chats = {c.chat_id for c in system.telegram.sent_messages() if c.method == "sendPhoto"}
    with transaction(system.engine) as session:
        by_number = dict(
            session.execute(
                select(ContactPoint.address, Guardian.name).join(
                    Guardian, Guardian.id == ContactPoint.guardian_id
                )
            ).all()
        )
    names = {by_number[n] for n in numbers if n in by_number}
    names |= {by_number[str(c)] for c in chats if str(c) in by_number}
    return names


def summaries(system: System) -> list[str]:
    start = gettext("en", messages.SUMMARY, about="", sent=0, skipped=0, unreached=0)[:10]
    return [t for t in system.telegram_texts(CARTER) if t.startswith(start)]


def summary(about: str, sent: int, skipped: int, unreached: int) -> str:
    return gettext(
        "en",
        messages.SUMMARY,
        about=gettext("en", messages.SUMMARY_ABOUT, class_name=about) if about else "",
        sent=sent,
        skipped=skipped,
        unreached=unreached,
    )


# -- who gets it -----------------------------------------------------------------------------


async def test_a_photo_of_two_children_with_group_consent_reaches_every_family_of_the_class(
    system: System,
) -> None:
    await ready(system)
    post_id = make_post(system, ["Andrew Bashid", "Minh Nguyen"])
    result = send_now(system, post_id)
    assert (result.queued, result.skipped, result.unreachable) == (7, 0, 0)
    await system.drain()

    assert got_photo(system) == ROOM_12_FAMILIES
    assert set(outcomes(system, post_id).values()) == {RecipientOutcome.QUEUED}
    # Rosa's SMS number takes MMS; the WhatsApp families get the picture as media.
    [rosa] = [m for m in system.twilio.messages if m.to == ROSA]
    assert rosa.media_urls and "We planted beans today." in (rosa.body or "")
    header = gettext("es", messages.CLASS_PHOTO, student="Alfredo Pérez", staff="Emily Carter")
    assert (rosa.body or "").startswith(header)
    [karim] = [m for m in system.twilio.messages if m.to == f"whatsapp:{KARIM}"]
    assert karim.media_urls
    # Amina, on Telegram: the photo, protected from forwarding and saving.
    [amina] = [c for c in system.telegram.sent_messages(AMINA_CHAT) if c.method == "sendPhoto"]
    assert "We planted beans today." in amina.params.get("caption", "")
    deliveries = photo_deliveries(system, post_id)
    assert len(deliveries) == 7
    assert all(d.protect_content for d in deliveries)
    assert all(d.lane == Lane.REMINDER for d in deliveries)
    # Nobody in another class, and no family's words go to another family.
    assert system.sms_to("+16175550123") == []  # Margaret Ruby, Room 14
    with transaction(system.engine) as session:
        message = session.get_one(Message, result.message.id if result.message else 0)
        assert message.kind is MessageKind.PHOTO and message.student_id is None


async def test_a_child_without_group_consent_keeps_the_photo_from_other_families(
    system: System,
) -> None:
    await ready(system)
    # Alfredo: only his own family may see photos of him; Andrew: group.
    post_id = make_post(system, ["Andrew Bashid", "Alfredo Pérez"])
    result = send_now(system, post_id)
    assert (result.queued, result.skipped) == (1, 6)
    assert [s.name for s in result.blocking] == ["Alfredo Pérez"]
    await system.drain()

    assert got_photo(system) == {"Rosa Pérez"}
    assert system.telegram.sent_messages(AMINA_CHAT) == []
    assert [m for m in system.twilio.messages if m.to == f"whatsapp:{KARIM}"] == []
    found = outcomes(system, post_id)
    assert found.pop("Rosa Pérez") is RecipientOutcome.QUEUED
    assert set(found) == ROOM_12_FAMILIES - {"Rosa Pérez"}
    assert set(found.values()) == {RecipientOutcome.SKIPPED}


async def test_a_photo_with_no_children_goes_to_the_class_and_one_with_a_no_consent_child_to_nobody(
    system: System,
) -> None:
    await ready(system)
    classroom = make_post(system, no_children=True, caption="Our new reading corner.")
    assert send_now(system, classroom).queued == 7
    await system.drain()
    assert got_photo(system) == ROOM_12_FAMILIES

    system.telegram.clear()
    system.twilio.clear()
    jasmine = make_post(system, ["Jasmine Santos", "Minh Nguyen"])
    result = send_now(system, jasmine)
    assert (result.queued, result.skipped) == (0, 7)
    assert [s.name for s in result.blocking] == ["Jasmine Santos"]
    await system.drain()
    assert got_photo(system) == set()
    assert photo_deliveries(system, jasmine) == []


async def test_msg_student_with_a_photo_goes_to_that_family_only_with_its_own_header(
    system: System,
) -> None:
    await ready(system)
    alfredo = make_post(system, student="Alfredo Pérez", caption="Alfredo read to the class.")
    result = send_now(system, alfredo)
    assert (result.queued, result.skipped) == (1, 0)
    await system.drain()
    assert got_photo(system) == {"Rosa Pérez"}
    [rosa] = system.sms_to(ROSA)
    header = gettext("es", messages.ONE_FAMILY_PHOTO, student="Alfredo Pérez", staff="Emily Carter")
    assert rosa.startswith(header)
    [delivery] = photo_deliveries(system, alfredo)
    assert delivery.lane == Lane.CONVERSATION and delivery.protect_content
    with transaction(system.engine) as session:
        message = session.get_one(Message, delivery.message_id)
        assert message.student_id == sid(session, "Alfredo Pérez")

    # Jasmine's family chose no photos at all: a photo of her goes to nobody, even them.
    jasmine = make_post(system, student="Jasmine Santos")
    result = send_now(system, jasmine)
    assert (result.queued, result.skipped) == (0, 1)
    assert outcomes(system, jasmine) == {"Maricel Santos": RecipientOutcome.SKIPPED}


async def test_captions_are_translated_into_each_familys_language(system: System) -> None:
    caption = "We visited the fire station."
    with FakeLibreTranslate() as service:
        backend = LibreTranslateTranslator(service.base_url)
        system.dispatcher = system.make_dispatcher(
            senders(system), translator=CachedTranslator(system.engine, backend)
        )
        await ready(system)
        send_now(system, make_post(system, no_children=True, caption=caption))
        await system.drain()
        await backend.close()
    for number, language in ((ROSA, "es"), (LAN, "vi"), (LI_WEI, "zh"), (MARICEL, "tl")):
        [body] = system.sms_to(number)
        assert f"[{language}] {caption}" in body
    [karim] = [m for m in system.twilio.messages if m.to == f"whatsapp:{KARIM}"]
    assert f"[ar] {caption}" in (karim.body or "")
    [amina] = [c for c in system.telegram.sent_messages(AMINA_CHAT) if c.method == "sendPhoto"]
    assert caption in amina.params.get("caption", "") and "[" not in amina.params["caption"]
    # One translation per language, however many families read it.
    targets = [c.target for c in service.calls if caption in c.texts]
    assert sorted(targets) == sorted(set(targets)) and len(targets) == 6


# -- quiet hours and the summary -------------------------------------------------------------


async def test_quiet_hours_hold_a_photo_and_the_summary_waits_for_it(system: System) -> None:
    await ready(system)
    # Friday 9:40 PM in Boston: Lan (21:00-06:30) and the Bashids (21:30-07:00) are asleep.
    system.clock.now = dt.datetime(2026, 11, 21, 2, 40, tzinfo=dt.UTC)
    post_id = make_post(system, ["Minh Nguyen"], caption="Minh built a tower.")
    result = send_now(system, post_id)
    assert result.queued == 7 and result.held_quiet == 3
    await system.drain()
    assert system.sms_to(LAN) == [] and system.telegram.sent_messages(AMINA_CHAT) == []
    held = {d.address: d for d in photo_deliveries(system, post_id)}
    assert held[LAN].status is DeliveryStatus.PENDING
    assert held[LAN].not_before == dt.datetime(2026, 11, 21, 11, 30, tzinfo=dt.UTC)
    assert run_job(system, "photo_summaries") == 0  # three families still to go
    assert summaries(system) == []

    system.clock.now = dt.datetime(2026, 11, 21, 12, 5, tzinfo=dt.UTC)  # 7:05 AM
    await system.drain()
    assert len(system.sms_to(LAN)) == 1
    assert "Minh built a tower." in system.sms_to(LAN)[0]
    assert run_job(system, "photo_summaries") == 1
    assert run_job(system, "photo_summaries") == 0  # told once
    await system.drain()
    assert summaries(system) == [summary("Room 12", 7, 0, 0)]


async def test_the_summary_counts_sent_skipped_and_not_reached(system: System) -> None:
    await ready(system)
    with transaction(system.engine) as session:
        # Maricel opted out everywhere; Li Wei's number is no longer in service.
        session.execute(
            update(ContactPoint).where(ContactPoint.address == MARICEL).values(opted_out=True)
        )
    system.twilio.fail_to(LI_WEI, 21211)
    classroom = send_now(system, make_post(system, no_children=True))
    assert (classroom.queued, classroom.unreachable) == (6, 1)
    tagged = make_post(system, ["Andrew Bashid", "Alfredo Pérez"])
    send_now(system, tagged)
    await system.drain()
    assert run_job(system, "photo_summaries") == 2
    await system.drain()
    assert sorted(summaries(system)) == sorted(
        [summary("Room 12", 5, 0, 2), summary("Room 12", 1, 6, 0)]
    )
    assert outcomes(system, tagged)["Maricel Santos"] is RecipientOutcome.SKIPPED


async def test_a_family_reached_on_its_next_channel_counts_once_as_sent(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.drain()
    # Ana has not written on WhatsApp (its window is closed, and no template is set up):
    # the photo goes to her by SMS instead.
    post_id = make_post(system, ["Lucas Oliveira"])  # individual: only Ana may see it
    assert send_now(system, post_id).queued == 1
    await system.drain()
    whatsapp, sms = photo_deliveries(system, post_id)
    assert whatsapp.status is DeliveryStatus.FAILED and whatsapp.channel is Channel.WHATSAPP
    assert sms.status is DeliveryStatus.SENT and sms.fallback_of_id == whatsapp.id
    assert sms.protect_content
    assert run_job(system, "photo_summaries") == 1
    await system.drain()
    assert summaries(system) == [summary("Room 12", 1, 6, 0)]


async def test_a_summary_goes_after_a_day_even_if_a_family_never_opened_its_window(
    engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    for fake in (fake_telegram, fake_twilio):
        fake.clear()
        fake.reset_failures()
    system = System(
        engine, fake_telegram, fake_twilio, tmp_path, TWILIO_WHATSAPP_TEMPLATE_SID=TEMPLATE
    )
    try:
        system.import_examples()
        await system.link_staff(CARTER_EMAIL, CARTER)
        await system.drain()
        # With a template, Ana's photo waits for her to write on WhatsApp.
        post_id = make_post(system, ["Lucas Oliveira"])
        send_now(system, post_id)
        await system.drain()
        [ana] = photo_deliveries(system, post_id)
        assert ana.status is DeliveryStatus.HELD
        assert run_job(system, "photo_summaries") == 0
        system.clock.advance(hours=23)
        assert run_job(system, "photo_summaries") == 0
        system.clock.advance(hours=1, seconds=1)
        assert run_job(system, "photo_summaries") == 1
        await system.drain()
        assert summaries(system) == [summary("Room 12", 0, 6, 1)]
    finally:
        await system.close()


# -- scheduled posts -------------------------------------------------------------------------


async def test_a_scheduled_post_goes_once_at_its_time_with_consent_read_then(
    system: System,
) -> None:
    await ready(system)
    now = system.clock()
    first = make_post(system, ["Minh Nguyen"], caption="Minh's painting.")
    second = make_post(system, ["Andrew Bashid"], caption="Andrew's painting.")
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        for post_id in (first, second):
            post = posts.post_for(session, carter, post_id)
            assert post is not None
            posts.schedule_post(session, carter, post, now + dt.timedelta(hours=1), now)
        assert [p.id for p in posts.waiting_posts(session, carter)] == [first, second]
        # Meanwhile Andrew's family chose "only to me" (`consent_actions` does this and
        # records it; the rule only reads the link).
        session.execute(
            update(Guardianship)
            .where(Guardianship.student_id == sid(session, "Andrew Bashid"))
            .values(photo_consent=PhotoConsent.INDIVIDUAL)
        )
    assert run_job(system, "photo_posts") == 0
    await system.drain()
    assert got_photo(system) == set()

    system.clock.advance(hours=1)
    assert run_job(system, "photo_posts") == 2
    assert run_job(system, "photo_posts") == 0
    await system.drain()
    assert len(system.sms_to(LAN)) == 1  # one message per family per post: Minh's
    assert outcomes(system, first) == dict.fromkeys(ROOM_12_FAMILIES, RecipientOutcome.QUEUED)
    andrew = outcomes(system, second)
    assert {n for n, o in andrew.items() if o is RecipientOutcome.QUEUED} == {
        "Karim Bashid",
        "Amina Bashid",
    }
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        assert posts.waiting_posts(session, carter) == []
        states = session.scalars(select(PhotoPost.state).where(PhotoPost.id.in_([first, second])))
        assert set(states) == {PostState.SENT}


async def test_two_workers_never_send_one_scheduled_post_twice(system: System) -> None:
    if system.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer; the claim's SKIP LOCKED is PostgreSQL's")
    await ready(system)
    now = system.clock()
    post_id = make_post(system, ["Minh Nguyen"])
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = session.get_one(PhotoPost, post_id)
        posts.schedule_post(session, carter, post, now + dt.timedelta(minutes=5), now)
    later = now + dt.timedelta(minutes=6)
    claimed = threading.Event()
    release = threading.Event()
    counts: dict[str, int] = {}

    def first_worker() -> None:
        with transaction(system.engine) as session:
            counts["first"] = fanout.send_due_posts(session, later, TZ)
            claimed.set()
            release.wait(10)

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert claimed.wait(10)
    with transaction(system.engine) as session:  # the second worker, while the first holds it
        counts["second"] = fanout.send_due_posts(session, later, TZ)
    release.set()
    worker.join(10)
    with transaction(system.engine) as session:
        counts["after"] = fanout.send_due_posts(session, later, TZ)
    assert counts == {"first": 1, "second": 0, "after": 0}
    assert len(photo_deliveries(system, post_id)) == 7


async def test_send_now_twice_sends_once_and_a_sent_post_cannot_be_cancelled(
    system: System,
) -> None:
    await ready(system)
    post_id = make_post(system, ["Minh Nguyen"])
    send_now(system, post_id)
    with transaction(system.engine) as session:
        post = session.get_one(PhotoPost, post_id)
        with pytest.raises(PostError) as gone:
            fanout.fan_out(session, post, now=system.clock(), default_timezone=TZ)
        assert gone.value.message == messages.POST_GONE
        carter = staff_named(session, CARTER_EMAIL)
        assert posts.post_for(session, carter, post_id) is None
        with pytest.raises(PostError):
            posts.cancel_post(session, carter, post, system.clock())
    await system.drain()
    assert len(system.sms_to(LAN)) == 1


# -- the post's own rules --------------------------------------------------------------------


async def test_album_parts_join_one_post_and_only_served_children_may_be_tagged(
    system: System,
) -> None:
    now = system.clock()
    first, second, third = (photo(system) for _ in range(3))
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post, new = posts.start_post(
            session, carter, media=[first], caption="", now=now, media_group_id="13579"
        )
        assert new and post.class_id is not None  # Carter has one class: it is chosen
        again, new_again = posts.start_post(
            session, carter, media=[second], caption="Field day!", now=now, media_group_id="13579"
        )
        last, _ = posts.start_post(
            session, carter, media=[third], caption="", now=now, media_group_id="13579"
        )
        assert again.id == post.id == last.id and not new_again
        assert post.media == [first, second, third] and post.caption == "Field day!"
        assert [s.name for s in posts.taggable_students(session, carter, post)] == [
            "Alfredo Pérez",
            "Andrew Bashid",
            "Jasmine Santos",
            "Lucas Oliveira",
            "Minh Nguyen",
            "Wen Li",
        ]
        josie = session.scalar(select(Student.id).where(Student.name == "Josie Lopez"))
        assert josie is not None
        with pytest.raises(PostError):
            posts.toggle_tag(session, carter, post, josie, now)  # Room 14: not hers
        with pytest.raises(PostError) as nobody:
            posts.finish_tagging(session, carter, post, now)
        assert nobody.value.message == messages.TAP_SOMEONE_FIRST
        minh = sid(session, "Minh Nguyen")
        assert posts.toggle_tag(session, carter, post, minh, now)
        assert not posts.toggle_tag(session, carter, post, minh, now)  # untagged again
        assert posts.toggle_tag(session, carter, post, minh, now)
        audience = posts.finish_tagging(session, carter, post, now)
        assert len(audience.receive) == 7 and post.state is PostState.READY
        assert [s.name for s in posts.tagged_students(session, post)] == ["Minh Nguyen"]
        # Another teacher's post is not David Kim's to see or change.
        kim = staff_named(session, KIM_EMAIL)
        assert posts.post_for(session, kim, post.id) is None
        with pytest.raises(PostError):
            posts.cancel_post(session, kim, post, now)
        posts.cancel_post(session, carter, post, now)
        assert post.state is PostState.CANCELLED
        assert posts.post_for(session, carter, post.id) is None


async def test_a_teacher_with_two_classes_chooses_one_and_tags_follow_it(system: System) -> None:
    now = system.clock()
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        room_14 = session.scalar(select(SchoolClass).where(SchoolClass.name == "Room 14"))
        assert room_14 is not None
        session.execute(class_staff.insert().values(class_id=room_14.id, staff_id=carter.id))
        assert [c.name for c in posts.classes_for_photos(session, carter)] == ["Room 12", "Room 14"]
        post, _ = posts.start_post(session, carter, media=[photo(system)], caption="", now=now)
        assert post.class_id is None
        with pytest.raises(PostError) as which:
            posts.finish_tagging(session, carter, post, now, no_children=True)
        assert which.value.message == messages.WHICH_CLASS
        room_12 = session.scalar(select(SchoolClass).where(SchoolClass.name == "Room 12"))
        assert room_12 is not None
        posts.choose_class(session, carter, post, room_12.id, now)
        posts.toggle_tag(session, carter, post, sid(session, "Minh Nguyen"), now)
        posts.choose_class(session, carter, post, room_14.id, now)
        assert posts.tagged_students(session, post) == []  # Minh is not in Room 14
        bao = sid(session, "Bao Nguyen")
        posts.toggle_tag(session, carter, post, bao, now)
        audience = posts.finish_tagging(session, carter, post, now)
        # Lan is Bao's mother too: she is one of Room 14's families now.
        assert "Lan Nguyen" in {f.guardian.name for f in audience.receive}
        assert "Rosa Pérez" not in {f.guardian.name for f in audience.receive}
        assert session.scalars(
            select(PhotoTag.student_id).where(PhotoTag.post_id == post.id)
        ).all() == [bao]


async def test_scheduling_refuses_the_past_and_more_than_thirty_days(system: System) -> None:
    post_id = make_post(system, ["Minh Nguyen"])
    now = system.clock()
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = session.get_one(PhotoPost, post_id)
        with pytest.raises(PostError) as past:
            posts.schedule_post(session, carter, post, now - dt.timedelta(minutes=1), now)
        assert past.value.message == messages.TIME_PASSED
        with pytest.raises(PostError) as far:
            posts.schedule_post(session, carter, post, now + dt.timedelta(days=31), now)
        assert far.value.message == messages.TIME_TOO_FAR
        assert post.state is PostState.READY
        at = now + dt.timedelta(days=2)
        posts.schedule_post(session, carter, post, at, now)
        assert post.state is PostState.SCHEDULED and post.send_at == at
        posts.cancel_post(session, carter, post, now)
    system.clock.advance(days=3)
    assert run_job(system, "photo_posts") == 0  # cancelled: nothing goes
    await system.drain()
    assert got_photo(system) == set()


async def test_a_post_held_for_the_class_digest_waits_for_the_digest_time(system: System) -> None:
    post_id = make_post(system, ["Minh Nguyen"])
    now = system.clock()
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = session.get_one(PhotoPost, post_id)
        with pytest.raises(PostError) as off:
            posts.add_to_digest(session, carter, post, now)
        assert off.value.message == messages.DIGEST_HELP and post.state is PostState.READY
        room_12 = session.scalar(select(SchoolClass).where(SchoolClass.name == "Room 12"))
        assert room_12 is not None
        held = digest.set_digest(session, carter, room_12, "15:30", now)
        assert held is not None
        at = posts.add_to_digest(session, carter, post, now)
        assert at > now and at == digest.next_digest_time(session, held, now)
        assert post.state is PostState.DIGEST and post.send_at == at
        assert [p.id for p in posts.waiting_posts(session, carter)] == [post_id]
    assert run_job(system, "photo_posts") == 0  # the digest sends it, not the post clock
    # A photo for one family never joins the class's digest, however the press is made.
    family_post = make_post(system, student="Alfredo Pérez")
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = session.get_one(PhotoPost, family_post)
        with pytest.raises(PostError) as not_for_class:
            posts.add_to_digest(session, carter, post, now)
        assert not_for_class.value.message == messages.DIGEST_HELP
        assert post.state is PostState.READY


async def test_a_scheduled_post_of_a_class_its_teacher_left_is_not_sent_and_she_is_told(
    system: System,
) -> None:
    await ready(system)
    now = system.clock()
    post_id = make_post(system, ["Minh Nguyen"], caption="Minh's painting.")
    with transaction(system.engine) as session:
        carter = staff_named(session, CARTER_EMAIL)
        post = posts.post_for(session, carter, post_id)
        assert post is not None
        posts.schedule_post(session, carter, post, now + dt.timedelta(hours=1), now)
        session.execute(class_staff.delete().where(class_staff.c.staff_id == carter.id))
    system.clock.advance(hours=1)
    assert run_job(system, "photo_posts") == 0
    await system.drain()
    assert got_photo(system) == set()
    with transaction(system.engine) as session:
        assert session.get_one(PhotoPost, post_id).state is PostState.CANCELLED
    assert system.telegram_texts(CARTER)[-1] == gettext(
        "en", messages.NOT_SENT_AT_ITS_TIME, target="Room 12"
    )
