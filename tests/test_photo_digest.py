"""The end-of-day photo digest: a class's posts held for it go once, at the digest's time in
the school's clock, one message per family holding exactly the photos each family may see,
after their quiet hours, protected on Telegram. Posts are made as rows (the tagging flow is
tested on its own); everything after is the real job function, the dispatcher and the fake
Telegram and Twilio."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.features.photos import digest
from commbot.features.photos.consent_actions import set_photo_consent
from commbot.features.photos.messages import DIGEST_CAPTION, DIGEST_HEADER, DIGEST_SENT
from commbot.features.photos.models import (
    ConsentSource,
    PhotoDigest,
    PhotoPost,
    PhotoRecipient,
    PhotoTag,
    PostState,
    RecipientOutcome,
)
from commbot.i18n import gettext
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    Guardian,
    Guardianship,
    Lane,
    Message,
    MessageKind,
    PhotoConsent,
    RecipientKind,
    School,
    SchoolClass,
    Staff,
    Student,
)
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes.translation import FakeLibreTranslate
from .support import PUBLIC, System
from .test_dispatch import png_bytes

BOSTON = zoneinfo.ZoneInfo("America/New_York")
CARTER, KIM, AMINA = 7001, 7002, 8001
CARTER_EMAIL = "ecarter@lincoln.example.org"
ROSA = "+16175550134"  # Alfredo's mother (individual), Spanish SMS; quiet 08:00-15:00, 22:00-
LAN = "+16175550142"  # Minh's mother (group), Vietnamese SMS; quiet 21:00-06:30
LI = "+16175550153"  # Wen's father (group), Chinese SMS
MARICEL = "+16175550172"  # Jasmine's aunt (consent none), Tagalog SMS
ROOM_12_FAMILIES = {
    "Rosa Pérez",
    "Karim Bashid",
    "Amina Bashid",
    "Lan Nguyen",
    "Li Wei",
    "Ana Oliveira",
    "Maricel Santos",
}


def boston(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BOSTON).astimezone(dt.UTC)


def room(session: Any, name: str = "Room 12") -> SchoolClass:
    return session.scalars(select(SchoolClass).where(SchoolClass.name == name)).one()


def carter(session: Any) -> Staff:
    return session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()


def turn_on(system: System, at: str | None, class_name: str = "Room 12") -> None:
    with transaction(system.engine) as session:
        school_class = room(session, class_name)
        staff = carter(session) if class_name == "Room 12" else school_class.staff[0]
        digest.set_digest(
            session,
            staff,
            school_class,
            at,
            system.clock(),
            default_timezone=system.settings.default_timezone,
        )


def hold(
    system: System,
    tagged: Sequence[str],
    caption: str,
    *,
    photos: int = 1,
    class_name: str = "Room 12",
    send_at: dt.datetime | None = None,
) -> int:
    """A tagged post held for its class's digest, as `posts.add_to_digest` leaves it; its
    photos are files the fake Telegram holds (a teacher sent them)."""
    media = [
        {
            "telegram_file_id": system.telegram.add_file(png_bytes()),
            "kind": "photo",
            "content_type": "image/png",
        }
        for _ in range(photos)
    ]
    with transaction(system.engine) as session:
        school_class = room(session, class_name)
        found = session.scalar(select(PhotoDigest).where(PhotoDigest.class_id == school_class.id))
        assert found is not None
        when = send_at or digest.next_digest_time(
            session, found, system.clock(), default_timezone=system.settings.default_timezone
        )
        post = PhotoPost(
            staff_id=(school_class.staff[0]).id,
            class_id=school_class.id,
            state=PostState.DIGEST,
            caption=caption,
            caption_language="en",
            media=media,
            no_children=not tagged,
            send_at=when,
            created_at=system.clock(),
        )
        session.add(post)
        session.flush()
        for name in tagged:
            student = session.scalars(select(Student).where(Student.name == name)).one()
            session.add(PhotoTag(post_id=post.id, student_id=student.id))
        return post.id


def run_job(system: System) -> int:
    """What the `photo_digests` clock job does at the system's time."""
    with transaction(system.engine) as session:
        return digest.send_due_digests(session, system.clock(), system.settings.default_timezone)


def translating(system: System, service: FakeLibreTranslate) -> LibreTranslateTranslator:
    backend = LibreTranslateTranslator(service.base_url)
    system.dispatcher = system.make_dispatcher(
        {
            Channel.TELEGRAM: system.telegram_sender,
            Channel.SMS: system.twilio_sender,
            Channel.WHATSAPP: system.twilio_sender,
        },
        translator=CachedTranslator(system.engine, backend),
    )
    return backend


def received(system: System, number: str) -> list[Any]:
    return [m for m in system.twilio.messages if m.to == number]


def outcomes(system: System, post_id: int) -> dict[str, RecipientOutcome]:
    with transaction(system.engine) as session:
        rows = session.execute(
            select(Guardian.name, PhotoRecipient.outcome)
            .join(PhotoRecipient, PhotoRecipient.guardian_id == Guardian.id)
            .where(PhotoRecipient.post_id == post_id)
        ).all()
        return {name: outcome for name, outcome in rows}


def family_deliveries(system: System) -> list[Delivery]:
    """What was queued for families (not the dispatcher's copies on a next channel)."""
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.GUARDIAN and d.fallback_of_id is None
    ]


def carter_texts(system: System) -> list[str]:
    return system.telegram_texts(CARTER)


# -- one message per family, with exactly its photos -------------------------------------------


async def test_each_family_gets_one_message_with_the_photos_it_may_see(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.drain()
    turn_on(system, "17:00")  # Friday 20 November, 4:30 PM in Boston now
    alfredo = hold(system, ["Alfredo Pérez"], "Alfredo painted a tree")  # individual
    minh = hold(system, ["Minh Nguyen"], "Minh read to the class", photos=2)  # group
    system.clock.now = boston(20, 16, 59)
    assert run_job(system) == 0  # not yet
    assert family_deliveries(system) == []

    system.clock.now = boston(20, 17, 0)
    with FakeLibreTranslate() as service:
        backend = translating(system, service)
        assert run_job(system) == 1
        await system.drain()
        await backend.close()

    # Rosa: Alfredo's photo (her own child, individual) and Minh's (group): one MMS.
    [rosa] = received(system, ROSA)
    assert len(rosa.media_urls) == 3
    assert all(url.startswith(f"{PUBLIC}/media/") for url in rosa.media_urls)
    header = gettext("es", DIGEST_HEADER, student="Alfredo Pérez")
    first = gettext("es", DIGEST_CAPTION, number=1, staff="Emily Carter")
    second = gettext("es", DIGEST_CAPTION, number=2, staff="Emily Carter")
    assert (rosa.body or "").startswith(
        f"{header}\n{first} [es] Alfredo painted a tree\n{second} [es] Minh read to the class"
    )
    # Lan and Li Wei: only Minh's two photos; Alfredo's (individual) is not for them.
    for number, language, child in ((LAN, "vi", "Minh Nguyen"), (LI, "zh-CN", "Wen Li")):
        [message] = received(system, number)
        assert len(message.media_urls) == 2
        body = message.body or ""
        assert body.startswith(gettext(language, DIGEST_HEADER, student=child))
        assert "Minh read to the class" in body and "Alfredo" not in body
    # Jasmine's consent is none, but she is not in the photos: her aunt sees Minh's.
    [maricel] = received(system, MARICEL)
    assert len(maricel.media_urls) == 2

    assert outcomes(system, alfredo) == {"Rosa Pérez": RecipientOutcome.QUEUED} | {
        name: RecipientOutcome.SKIPPED for name in ROOM_12_FAMILIES - {"Rosa Pérez"}
    }
    minh_outcomes = outcomes(system, minh)
    assert set(minh_outcomes) == ROOM_12_FAMILIES
    assert minh_outcomes["Lan Nguyen"] is RecipientOutcome.QUEUED
    assert RecipientOutcome.SKIPPED not in minh_outcomes.values()

    deliveries = family_deliveries(system)
    by_guardian: dict[int | None, int] = {}
    for delivery in deliveries:
        by_guardian[delivery.guardian_id] = by_guardian.get(delivery.guardian_id, 0) + 1
        assert delivery.protect_content and delivery.lane == int(Lane.BROADCAST)
    assert set(by_guardian.values()) == {1}  # one message per family
    with transaction(system.engine) as session:
        for post_id in (alfredo, minh):
            post = session.get_one(PhotoPost, post_id)
            assert post.state is PostState.SENT and post.sent_at == system.clock()
            assert post.message_id is not None
            assert session.get_one(Message, post.message_id).kind is MessageKind.PHOTO
            rows = session.scalars(
                select(PhotoRecipient).where(
                    PhotoRecipient.post_id == post_id,
                    PhotoRecipient.outcome == RecipientOutcome.QUEUED,
                )
            ).all()
            assert all(row.delivery_id in {d.id for d in deliveries} for row in rows)
        row = session.scalars(select(PhotoDigest)).one()
        assert row.last_sent_on == dt.date(2026, 11, 20)

    reached = len(by_guardian)
    told = gettext("en", DIGEST_SENT, class_name="Room 12", photos=3, sent=reached)
    assert carter_texts(system).count(told) == 1  # once, for the whole digest


async def test_a_family_allowed_none_of_the_photos_gets_nothing(system: System) -> None:
    turn_on(system, "17:00")
    alfredo = hold(system, ["Alfredo Pérez"], "")  # individual: his own family only
    # Lucas's consent is individual: only his own family may see a photo he is in.
    pair = hold(system, ["Andrew Bashid", "Lucas Oliveira"], "Building blocks")
    with transaction(system.engine) as session:  # Maricel has stopped her texts
        for point in session.scalars(select(ContactPoint).where(ContactPoint.address == MARICEL)):
            point.opted_out = True
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 1
    await system.drain()

    [rosa] = received(system, ROSA)
    assert len(rosa.media_urls) == 1
    assert (rosa.body or "") == gettext("es", DIGEST_HEADER, student="Alfredo Pérez")
    for number in (LAN, LI, MARICEL):
        assert received(system, number) == []
    assert outcomes(system, pair) == {
        "Ana Oliveira": RecipientOutcome.QUEUED,
        **{name: RecipientOutcome.SKIPPED for name in ROOM_12_FAMILIES - {"Ana Oliveira"}},
    }
    # Maricel may see neither, so she is skipped, not unreachable.
    assert outcomes(system, alfredo)["Maricel Santos"] is RecipientOutcome.SKIPPED
    with transaction(system.engine) as session:
        names = {
            session.get_one(Guardian, d.guardian_id).name
            for d in session.scalars(select(Delivery).where(Delivery.guardian_id.is_not(None)))
        }
    assert names == {"Rosa Pérez", "Ana Oliveira"}


async def test_a_family_with_no_channel_left_is_counted_unreachable(system: System) -> None:
    turn_on(system, "17:00")
    post = hold(system, [], "Our class garden")  # nobody in it: the whole class
    with transaction(system.engine) as session:
        for point in session.scalars(select(ContactPoint).where(ContactPoint.address == LAN)):
            point.opted_out = True
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 1
    await system.drain()
    assert received(system, LAN) == []
    found = outcomes(system, post)
    assert found["Lan Nguyen"] is RecipientOutcome.UNREACHABLE
    assert found["Rosa Pérez"] is RecipientOutcome.QUEUED
    assert len(received(system, ROSA)) == 1


async def test_the_photos_of_a_telegram_family_are_protected(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(AMINA, f"/start {code}")).status_code == 200
    await system.drain()
    turn_on(system, "17:00")
    hold(system, ["Andrew Bashid"], "Andrew at the science fair", photos=2)
    before = len(system.telegram.sent_messages(AMINA))
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 1
    await system.drain()
    photos = system.telegram.sent_messages(AMINA)[before:]
    assert [call.method for call in photos] == ["sendPhoto", "sendPhoto"]
    caption = photos[0].params.get("caption") or ""
    assert caption.startswith(gettext("en", DIGEST_HEADER, student="Andrew Bashid"))
    assert "Andrew at the science fair" in caption
    with transaction(system.engine) as session:
        amina = session.scalars(select(Guardian).where(Guardian.name == "Amina Bashid")).one()
        [delivery] = session.scalars(
            select(Delivery).where(Delivery.guardian_id == amina.id, Delivery.protect_content)
        )
        assert delivery.channel is Channel.TELEGRAM and delivery.protect_content


# -- the clock: school time, quiet hours, once ----------------------------------------------


async def test_the_digest_waits_for_each_familys_quiet_hours(system: System) -> None:
    turn_on(system, "21:15")  # Lan's quiet hours begin at 21:00, Rosa's at 22:00
    hold(system, ["Minh Nguyen"], "Minh's first day on the drums")
    system.clock.now = boston(20, 21, 15)
    assert run_job(system) == 1
    await system.drain()
    assert len(received(system, ROSA)) == 1
    assert received(system, LAN) == []

    system.clock.now = boston(21, 6, 29)
    await system.drain()
    assert received(system, LAN) == []
    system.clock.now = boston(21, 6, 30)
    assert run_job(system) == 0  # the digest went once; only the delivery waited
    await system.drain()
    [lan] = received(system, LAN)
    assert "Minh's first day on the drums" in (lan.body or "")
    assert len(lan.media_urls) == 1


async def test_the_digest_goes_at_the_schools_time(system: System) -> None:
    with transaction(system.engine) as session:
        session.get_one(School, room(session).school_id).timezone = "America/Los_Angeles"
    turn_on(system, "15:30")
    with transaction(system.engine) as session:
        row = digest.digest_for(session, room(session).id)
        assert row is not None and row.local_time == "15:30"
        # 4:30 PM in Boston is 1:30 PM in Los Angeles: today's 15:30 there is still ahead.
        assert digest.next_digest_time(session, row, system.clock()) == dt.datetime(
            2026, 11, 20, 23, 30, tzinfo=dt.UTC
        )
    hold(system, ["Minh Nguyen"], "Minh in the library")
    system.clock.now = boston(20, 18, 29)
    assert run_job(system) == 0
    system.clock.now = boston(20, 18, 30)
    assert run_job(system) == 1
    await system.drain()
    assert len(received(system, LAN)) == 1
    with transaction(system.engine) as session:
        row = digest.digest_for(session, room(session).id)
        assert row is not None and row.last_sent_on == dt.date(2026, 11, 20)
        # Today's went: the next is tomorrow's, in Los Angeles.
        assert digest.next_digest_time(session, row, system.clock()) == dt.datetime(
            2026, 11, 21, 23, 30, tzinfo=dt.UTC
        )


async def test_a_digest_is_sent_once_by_two_workers(system: System) -> None:
    turn_on(system, "17:00")
    hold(system, ["Minh Nguyen"], "Minh and the class rabbit")
    system.clock.now = boston(20, 17, 0)
    with transaction(system.engine) as first:
        assert digest.send_due_digests(first, system.clock(), "America/New_York") == 1
        if system.engine.dialect.name == "postgresql":
            # A second worker while the first holds the digest: it skips it.
            with transaction(system.engine) as second:
                assert digest.send_due_digests(second, system.clock(), "America/New_York") == 0
    assert run_job(system) == 0  # and after it committed, nothing is left to send
    system.clock.now = boston(20, 17, 1)
    assert run_job(system) == 0
    await system.drain()
    assert len(received(system, LAN)) == 1
    assert len(received(system, ROSA)) == 1
    guardians = [d.guardian_id for d in family_deliveries(system)]
    assert len(guardians) == len(set(guardians))


async def test_only_the_days_due_posts_of_the_class_go(system: System) -> None:
    turn_on(system, "17:00")
    turn_on(system, "17:00", class_name="Room 14")
    today = hold(system, ["Minh Nguyen"], "Today in Room 12")
    later = hold(system, ["Minh Nguyen"], "Next week", send_at=boston(27, 17, 0))
    other = hold(system, ["Bao Nguyen"], "Room 14 too", class_name="Room 14")
    cancelled = hold(system, ["Minh Nguyen"], "Never mind")
    with transaction(system.engine) as session:
        session.get_one(PhotoPost, cancelled).state = PostState.CANCELLED
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 2  # Room 12's and Room 14's
    await system.drain()
    # Lan is the mother of Minh (Room 12) and Bao (Room 14): one digest from each class.
    bodies = [m.body or "" for m in received(system, LAN)]
    assert len(bodies) == 2
    assert any("Today in Room 12" in b and "Next week" not in b for b in bodies)
    assert any("Room 14 too" in b for b in bodies)
    assert not any("Never mind" in b for b in bodies)
    with transaction(system.engine) as session:
        states = {p: session.get_one(PhotoPost, p).state for p in (today, later, other)}
    assert states == {today: PostState.SENT, later: PostState.DIGEST, other: PostState.SENT}


async def test_a_long_day_goes_in_messages_of_ten_photos(system: System) -> None:
    turn_on(system, "17:00")
    posts = [hold(system, ["Minh Nguyen"], f"Part {n}", photos=4) for n in (1, 2, 3)]
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 1
    await system.drain()
    messages = received(system, LAN)
    assert [len(m.media_urls) for m in messages] == [8, 4]  # whole posts, ten at most
    assert (messages[0].body or "").startswith(gettext("vi", DIGEST_HEADER, student="Minh Nguyen"))
    assert "Part 3" in (messages[1].body or "")
    assert gettext("vi", DIGEST_CAPTION, number=3, staff="Emily Carter") in (messages[1].body or "")
    assert all(outcomes(system, p)["Lan Nguyen"] is RecipientOutcome.QUEUED for p in posts)


# -- turning it on and off ------------------------------------------------------------------


async def test_turning_the_digest_off_schedules_what_waits(system: System) -> None:
    turn_on(system, "17:00")
    post = hold(system, ["Minh Nguyen"], "Minh at recess")
    turn_on(system, "17:45")  # a new time moves what waits for it
    with transaction(system.engine) as session:
        assert session.get_one(PhotoPost, post).send_at == boston(20, 17, 45)
    turn_on(system, None)
    with transaction(system.engine) as session:
        row = session.get_one(PhotoPost, post)
        assert row.state is PostState.SCHEDULED
        assert row.send_at == boston(20, 17, 45)  # when the digest would have gone
        assert digest.digest_for(session, room(session).id) is None
    system.clock.now = boston(20, 17, 45)
    assert run_job(system) == 0  # a scheduled post is the scheduled posts' job
    assert family_deliveries(system) == []
    # On again: what was scheduled stays scheduled.
    turn_on(system, "17:00")
    with transaction(system.engine) as session:
        assert session.get_one(PhotoPost, post).state is PostState.SCHEDULED


async def test_a_malformed_time_changes_nothing(system: System) -> None:
    for bad in ("25:00", "7", "15:3", "3:30 pm", "", "15:30:00"):
        with pytest.raises(ValueError), transaction(system.engine) as session:
            digest.set_digest(session, carter(session), room(session), bad, system.clock())
    with transaction(system.engine) as session:
        assert session.scalars(select(PhotoDigest)).all() == []
    turn_on(system, "9:05")
    with transaction(system.engine) as session:
        row = digest.digest_for(session, room(session).id)
        assert row is not None and row.local_time == "09:05"
        assert digest.next_digest_time(session, row, system.clock()) == boston(21, 9, 5)


async def test_consent_is_read_when_the_digest_goes(system: System) -> None:
    turn_on(system, "17:00")
    post = hold(system, ["Minh Nguyen"], "Minh on the slide")
    with transaction(system.engine) as session:  # Lan says no photos, after it was held
        minh = session.scalars(select(Student).where(Student.name == "Minh Nguyen")).one()
        for link in session.scalars(select(Guardianship).where(Guardianship.student_id == minh.id)):
            link.photo_consent = PhotoConsent.NONE
    system.clock.now = boston(20, 17, 0)
    assert run_job(system) == 1
    await system.drain()
    assert family_deliveries(system) == []
    assert set(outcomes(system, post).values()) == {RecipientOutcome.SKIPPED}
    with transaction(system.engine) as session:
        assert session.get_one(PhotoPost, post).state is PostState.SENT
    told = gettext("en", DIGEST_SENT, class_name="Room 12", photos=1, sent=0)
    with transaction(system.engine) as session:
        headers = [d.header for d in session.scalars(select(Delivery))]
    assert headers == [told]  # Carter (not yet on Telegram) will read that nobody got it


async def test_a_withdrawal_stops_one_photo_of_a_digest_and_the_family_still_gets_the_rest(
    system: System,
) -> None:
    """Lan's digest waits for her quiet hours with Minh's photo and Wen's. Li Wei then keeps
    Wen to his own family: her digest is stopped and queued again with Minh's photo alone."""
    turn_on(system, "21:15")  # Lan's quiet hours begin at 21:00
    minh = hold(system, ["Minh Nguyen"], "Minh on the drums")
    wen = hold(system, ["Wen Li"], "Wen at the easel")
    system.clock.now = boston(20, 21, 15)
    assert run_job(system) == 1
    await system.drain()
    assert received(system, LAN) == []
    with transaction(system.engine) as session:
        li = session.scalars(select(Guardian).where(Guardian.name == "Li Wei")).one()
        wen_li = session.scalars(select(Student).where(Student.name == "Wen Li")).one()
        set_photo_consent(
            session,
            li,
            wen_li,
            PhotoConsent.INDIVIDUAL,
            source=ConsentSource.GUARDIAN,
            now=system.clock(),
        )
    assert outcomes(system, wen)["Lan Nguyen"] is RecipientOutcome.WITHDRAWN
    assert outcomes(system, minh)["Lan Nguyen"] is RecipientOutcome.QUEUED
    system.clock.now = boston(21, 6, 30)
    await system.drain()
    [lan] = received(system, LAN)
    assert "Minh on the drums" in (lan.body or "") and "Wen at the easel" not in (lan.body or "")
    assert len(lan.media_urls) == 1
