"""Sending: retries, fallbacks, provider callbacks, WhatsApp's window, limits and access.

Every test runs commbot end to end against the fake Telegram and Twilio servers, with the
example roster, and checks what a teacher or a family would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import itertools
import re
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from commbot.channels.base import Sender
from commbot.conversations.family import HELP_TEXT, RESUBSCRIBED
from commbot.db import transaction
from commbot.dispatch import ChannelSettings
from commbot.i18n import gettext
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Lane,
    Message,
    RecipientKind,
)
from commbot.outbox import notice, to_guardian
from commbot.ratelimit import SenderLimiter

from .conftest import EXAMPLES
from .fakes import FakeTelegram, FakeTwilio
from .support import PUBLIC, System

CARTER = 7001  # Emily Carter, Room 12
KIM = 7002  # David Kim, Room 14
AMINA_CHAT = 8001
ROSA = "+16175550134"  # Spanish, SMS only
KARIM = "+16175550177"  # Arabic, WhatsApp then SMS
AMINA_SMS = "+16175550178"
MARGARET = "+16175550123"  # English, SMS only, grandmother of Tyrell Ruby (Room 14)


# -- helpers ------------------------------------------------------------------------------


def guardian_deliveries(system: System, name: str) -> list[Delivery]:
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == name))
        assert guardian is not None
        return list(
            session.scalars(
                select(Delivery).where(Delivery.guardian_id == guardian.id).order_by(Delivery.id)
            )
        )


def staff_deliveries(system: System, chat_id: int) -> list[Delivery]:
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.STAFF and d.address == str(chat_id)
    ]


def contact_point(system: System, channel: Channel, address: str) -> ContactPoint:
    with transaction(system.engine) as session:
        point = session.scalar(
            select(ContactPoint).where(
                ContactPoint.channel == channel, ContactPoint.address == address
            )
        )
        assert point is not None
        return point


def twilio_to(fake: FakeTwilio, to: str) -> list[Any]:
    """Every create request to `to`, accepted or refused."""
    return [call for call in fake.requests if call.to == to]


def seconds_after(when: dt.datetime, now: dt.datetime) -> float:
    return (when - now).total_seconds()


def normalise(text: str) -> str:
    return " ".join(text.split())


def png_bytes() -> bytes:
    """A real 1 x 1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def senders_of(system: System) -> dict[Channel, Sender]:
    return {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
        Channel.WHATSAPP: system.twilio_sender,
    }


async def link_amina(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    response = await system.telegram_update(AMINA_CHAT, f"/start {code}")
    assert response.status_code == 200
    await system.drain()
    assert any("Amina Bashid" in t for t in system.telegram_texts(AMINA_CHAT))


async def carter_linked(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()


async def status_callback(system: System, params: dict[str, str]) -> Any:
    return await system.post_twilio("/twilio/status", params)


# -- 1. retryable failures -----------------------------------------------------------------


async def test_telegram_500_is_retried_after_backoff(system: System) -> None:
    await carter_linked(system)
    system.telegram.fail_next(1, 500, chat_id=CARTER)
    await system.sms(ROSA, "Hola maestra")
    await system.drain()

    [relay] = [d for d in staff_deliveries(system, CARTER) if d.message_id is not None]
    assert relay.status is DeliveryStatus.PENDING
    assert relay.attempts == 1
    assert relay.error_code == "telegram-network"
    wait = seconds_after(relay.next_attempt_at, system.clock())
    assert 2.5 <= wait <= 5.0
    assert not any("Hola maestra" in t for t in system.telegram_texts(CARTER))

    system.clock.advance(seconds=5)
    await system.drain()
    [relay] = [d for d in staff_deliveries(system, CARTER) if d.message_id is not None]
    assert relay.status is DeliveryStatus.SENT
    assert relay.attempts == 2
    assert any("Hola maestra" in t for t in system.telegram_texts(CARTER))


async def test_twilio_500_is_retried_after_backoff(system: System) -> None:
    await carter_linked(system)
    system.twilio.fail_next(1, 500)
    await system.telegram_update(CARTER, "/msg Alfredo Great work today")
    await system.drain()

    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.error_code == "20500"
    wait = seconds_after(delivery.next_attempt_at, system.clock())
    assert 2.5 <= wait <= 5.0
    assert system.sms_to(ROSA) == []

    system.clock.advance(seconds=5)
    await system.drain()
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.SENT
    [sms] = system.sms_to(ROSA)
    assert "Great work today" in sms


async def test_telegram_429_waits_at_least_retry_after(system: System) -> None:
    await carter_linked(system)
    system.telegram.fail_next(1, 429, retry_after=7, chat_id=CARTER)
    await system.sms(ROSA, "Hola otra vez")
    await system.drain()

    [relay] = [d for d in staff_deliveries(system, CARTER) if d.message_id is not None]
    assert relay.status is DeliveryStatus.PENDING
    assert relay.error_code == "telegram-429"
    assert seconds_after(relay.next_attempt_at, system.clock()) >= 7.0

    system.clock.advance(seconds=6.5)
    await system.drain()
    assert not any("Hola otra vez" in t for t in system.telegram_texts(CARTER))

    # The dispatcher also paused its Telegram limiter for 7 real seconds; rather than wait
    # for that here, give it a fresh limiter (the pause itself is not under test).
    system.dispatcher.limiters[Channel.TELEGRAM] = SenderLimiter(1000)
    system.clock.advance(seconds=0.5)
    await system.drain()
    assert any("Hola otra vez" in t for t in system.telegram_texts(CARTER))


# -- 2. a retry budget in time -----------------------------------------------------------------


async def drain_through_retries(system: System, hours: float) -> None:
    """Send, then move the clock to the next retry, until `hours` have passed."""
    end = system.clock() + dt.timedelta(hours=hours)
    while system.clock() < end:
        await system.drain()
        waiting = [
            max(d.next_attempt_at, d.not_before)  # quiet hours may hold a retry too
            for d in system.deliveries()
            if d.status is DeliveryStatus.PENDING
        ]
        if not waiting:
            break
        system.clock.now = max(system.clock(), min(waiting))
    await system.drain()


async def test_twilio_500s_are_retried_for_the_budget_then_the_teacher_is_told(
    system: System,
) -> None:
    await carter_linked(system)
    system.twilio.fail_next(1000, 500)
    await system.telegram_update(CARTER, "/msg Alfredo Field trip tomorrow")
    await drain_through_retries(system, hours=5.5)

    # Five and a half hours of 500s: still being retried, nobody told it failed.
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts > 6
    assert not any("could not reach" in t for t in system.telegram_texts(CARTER))
    assert len(twilio_to(system.twilio, ROSA)) == delivery.attempts

    await drain_through_retries(system, hours=1)
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.FAILED
    assert system.sms_to(ROSA) == []
    texts = system.telegram_texts(CARTER)
    assert any("could not reach Rosa Pérez" in t and "Alfredo Pérez" in t for t in texts)
    system.twilio.reset_failures()


async def test_an_outage_shorter_than_the_budget_never_fails_the_message(system: System) -> None:
    await carter_linked(system)
    await link_amina(system)
    system.telegram.fail_next(25, 500, chat_id=AMINA_CHAT)  # about two hours of failures
    await system.telegram_update(CARTER, "/msg Andrew Bring boots")
    await drain_through_retries(system, hours=6)

    deliveries = guardian_deliveries(system, "Amina Bashid")
    telegram = [d for d in deliveries if d.channel is Channel.TELEGRAM and d.message_id]
    assert [d.status for d in telegram] == [DeliveryStatus.SENT]
    assert telegram[0].attempts == 26
    assert not any(d.channel is Channel.SMS and d.message_id for d in deliveries)
    assert any("Bring boots" in t for t in system.telegram_texts(AMINA_CHAT))
    system.telegram.reset_failures()


async def test_when_the_budget_runs_out_the_family_next_channel_is_tried(
    system: System,
) -> None:
    await carter_linked(system)
    await link_amina(system)
    system.telegram.fail_next(1000, 500, chat_id=AMINA_CHAT)
    await system.telegram_update(CARTER, "/msg Andrew Bring boots")
    await drain_through_retries(system, hours=7)

    deliveries = guardian_deliveries(system, "Amina Bashid")
    telegram = [d for d in deliveries if d.channel is Channel.TELEGRAM and d.message_id]
    assert [d.status for d in telegram] == [DeliveryStatus.FAILED]
    [sms] = system.sms_to(AMINA_SMS)
    assert "Bring boots" in sms
    system.telegram.reset_failures()


# -- 3. permanent failures -------------------------------------------------------------------


async def test_whatsapp_21610_falls_back_to_sms(system: System) -> None:
    await carter_linked(system)
    await system.sms(KARIM, "Hello from WhatsApp", whatsapp=True)  # opens the 24-hour window
    await system.drain()
    system.twilio.fail_to("whatsapp:" + KARIM, 21610)
    await system.telegram_update(CARTER, "/msg Andrew Picture day is Monday")
    await system.drain()

    [refused] = twilio_to(system.twilio, "whatsapp:" + KARIM)
    assert refused.error_code == 21610
    deliveries = guardian_deliveries(system, "Karim Bashid")
    whatsapp = [d for d in deliveries if d.channel is Channel.WHATSAPP]
    sms = [d for d in deliveries if d.channel is Channel.SMS]
    assert [(d.status, d.error_code) for d in whatsapp] == [(DeliveryStatus.FAILED, "21610")]
    assert [d.status for d in sms] == [DeliveryStatus.SENT]
    assert sms[0].fallback_of_id == whatsapp[0].id
    [text] = system.sms_to(KARIM)
    assert "Picture day is Monday" in text


async def test_invalid_only_number_makes_family_unreachable_and_teacher_is_told(
    system: System,
) -> None:
    await carter_linked(system)
    system.twilio.fail_to(ROSA, 21211)
    await system.telegram_update(CARTER, "/msg Alfredo Please call me")
    await system.drain()

    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.error_code == "21211"
    assert delivery.attempts == 1  # permanent: not retried
    assert system.sms_to(ROSA) == []
    last = system.telegram_texts(CARTER)[-1]
    assert "could not reach Rosa Pérez (family of Alfredo Pérez)" in last
    assert "not delivered" in last


async def test_telegram_blocked_guardian_falls_back_to_sms(system: System) -> None:
    await carter_linked(system)
    await link_amina(system)
    system.telegram.block_chat(AMINA_CHAT)
    await system.telegram_update(CARTER, "/msg Andrew Library books due")
    await system.drain()

    deliveries = guardian_deliveries(system, "Amina Bashid")
    telegram = [d for d in deliveries if d.channel is Channel.TELEGRAM and d.message_id]
    assert [(d.status, d.error_code) for d in telegram] == [(DeliveryStatus.FAILED, "telegram-403")]
    assert telegram[0].attempts == 1
    [text] = system.sms_to(AMINA_SMS)
    assert "Library books due" in text


# -- 4. Twilio status callbacks ----------------------------------------------------------------


async def test_status_callbacks_never_move_backwards(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Alfredo Hello")
    await system.drain()
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    sid = delivery.provider_message_id
    assert sid is not None and system.twilio.message(sid).to == ROSA

    response = await status_callback(system, system.twilio.status_callback_params(sid, "delivered"))
    assert response.status_code == 200
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.DELIVERED

    response = await status_callback(system, system.twilio.status_callback_params(sid, "sent"))
    assert response.status_code == 200
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.DELIVERED


async def test_undelivered_30006_falls_back_to_next_channel(system: System) -> None:
    await carter_linked(system)
    await system.sms(KARIM, "Salam", whatsapp=True)
    await system.drain()
    system.twilio.fail_to("whatsapp:" + KARIM, 30006)  # accepted now, fails at the carrier
    await system.telegram_update(CARTER, "/msg Andrew Concert at 6")
    await system.drain()
    [whatsapp] = [d for d in guardian_deliveries(system, "Karim Bashid")]
    assert whatsapp.channel is Channel.WHATSAPP and whatsapp.status is DeliveryStatus.SENT
    assert system.sms_to(KARIM) == []

    params = system.twilio.status_callback_params(whatsapp.provider_message_id, "undelivered")
    assert params["ErrorCode"] == "30006"
    response = await status_callback(system, params)
    assert response.status_code == 200
    await system.drain()

    deliveries = guardian_deliveries(system, "Karim Bashid")
    assert [(d.channel, d.status) for d in deliveries] == [
        (Channel.WHATSAPP, DeliveryStatus.UNDELIVERED),
        (Channel.SMS, DeliveryStatus.SENT),
    ]
    assert deliveries[0].error_code == "30006"
    [text] = system.sms_to(KARIM)
    assert "Concert at 6" in text


async def test_status_callback_for_unknown_message_changes_nothing(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Alfredo Hello")
    await system.drain()
    before = [(d.id, d.status) for d in system.deliveries()]
    params = {
        "MessageSid": "SM" + "0" * 32,
        "SmsSid": "SM" + "0" * 32,
        "MessageStatus": "undelivered",
        "SmsStatus": "undelivered",
        "ErrorCode": "30006",
        "AccountSid": system.twilio.account_sid,
        "To": ROSA,
    }
    response = await status_callback(system, params)
    assert response.status_code == 200
    await system.drain()
    assert [(d.id, d.status) for d in system.deliveries()] == before


async def test_status_callback_with_bad_signature_is_refused(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Alfredo Hello")
    await system.drain()
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    params = system.twilio.status_callback_params(
        delivery.provider_message_id, "undelivered", 30006
    )
    response = await system.post_twilio("/twilio/status", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    # Signed for different parameters: also refused.
    other = system.twilio.sign(PUBLIC + "/twilio/status", {**params, "ErrorCode": "30003"})
    response = await system.post_twilio("/twilio/status", params, signature=other)
    assert response.status_code == 403
    [delivery] = guardian_deliveries(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.SENT


# -- 5. WhatsApp's 24-hour window ----------------------------------------------------------------


async def test_closed_whatsapp_window_without_template_goes_by_sms(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Andrew Early dismissal Friday")
    await system.drain()

    assert twilio_to(system.twilio, "whatsapp:" + KARIM) == []
    deliveries = guardian_deliveries(system, "Karim Bashid")
    assert [(d.channel, d.status) for d in deliveries] == [
        (Channel.WHATSAPP, DeliveryStatus.FAILED),
        (Channel.SMS, DeliveryStatus.SENT),
    ]
    assert deliveries[0].error_code == "whatsapp-window"
    [text] = system.sms_to(KARIM)
    assert "Early dismissal Friday" in text


TEMPLATE = "HX" + "a" * 32


@contextlib.asynccontextmanager
async def template_system(
    engine: Engine, telegram: FakeTelegram, twilio: FakeTwilio, tmp_path: Path
) -> AsyncIterator[System]:
    for fake in (telegram, twilio):
        fake.clear()
        fake.reset_failures()
    system = System(engine, telegram, twilio, tmp_path, TWILIO_WHATSAPP_TEMPLATE_SID=TEMPLATE)
    try:
        system.import_examples()
        await carter_linked(system)
        yield system
    finally:
        await system.close()


async def test_closed_whatsapp_window_with_template_holds_until_family_replies(
    engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    async with template_system(engine, fake_telegram, fake_twilio, tmp_path) as system:
        await system.telegram_update(CARTER, "/msg Andrew First note")
        await system.drain()
        await system.telegram_update(CARTER, "/msg Andrew Second note")
        await system.drain()

        [template] = twilio_to(fake_twilio, "whatsapp:" + KARIM)  # once, not per message
        assert template.ok
        assert template.content_sid == TEMPLATE
        assert not template.body
        karim = guardian_deliveries(system, "Karim Bashid")
        assert [(d.channel, d.status) for d in karim] == [
            (Channel.WHATSAPP, DeliveryStatus.HELD),
            (Channel.WHATSAPP, DeliveryStatus.HELD),
        ]
        assert system.sms_to(KARIM) == []

        system.clock.advance(hours=2)
        await system.sms(KARIM, "hi", whatsapp=True)
        await system.drain()

        calls = twilio_to(fake_twilio, "whatsapp:" + KARIM)
        assert len(calls) == 3
        free = calls[1:]
        assert all(c.ok and c.content_sid is None for c in free)
        bodies = " ".join(c.body or "" for c in free)
        assert "First note" in bodies and "Second note" in bodies
        karim = guardian_deliveries(system, "Karim Bashid")
        assert [d.status for d in karim] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
        assert system.sms_to(KARIM) == []


# -- 6. splitting long texts ---------------------------------------------------------------------


def long_text(length: int) -> str:
    words = []
    index = 0
    while sum(len(w) + 1 for w in words) < length:
        words.append(f"word{index}." if index % 12 == 11 else f"word{index}")
        index += 1
    return " ".join(words)[:length].rstrip()


async def test_long_sms_is_split_into_parts_that_add_up(system: System) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.drain()
    body = long_text(3500)
    assert len(body) >= 3490
    await system.telegram_update(KIM, f"/msg Tyrell {body}")
    await system.drain()

    parts = system.sms_to(MARGARET)
    assert len(parts) == 3
    assert all(0 < len(p) <= 1600 for p in parts)
    [delivery] = guardian_deliveries(system, "Margaret Ruby")
    assert delivery.status is DeliveryStatus.SENT
    assert normalise(" ".join(parts)) == normalise(delivery.header + " " + body)


async def test_long_telegram_text_is_split_into_two_messages(system: System) -> None:
    await carter_linked(system)
    before = len(system.telegram.sent_messages(CARTER))
    body = long_text(5000)
    await system.sms(ROSA, body)
    await system.drain()

    sent = system.telegram.sent_messages(CARTER)[before:]
    assert [c.method for c in sent] == ["sendMessage", "sendMessage"]
    assert all(len(c.params["text"]) <= 4096 for c in sent)
    joined = normalise(" ".join(c.params["text"] for c in sent))
    assert normalise(body) in joined


# -- 7. lanes ----------------------------------------------------------------------------------


async def test_conversation_lane_is_claimed_before_broadcasts(system: System) -> None:
    with transaction(system.engine) as session:
        margaret = session.scalar(select(Guardian).where(Guardian.name == "Margaret Ruby"))
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        assert margaret is not None and rosa is not None
        for n in range(40):
            to_guardian(
                session,
                guardian=margaret,
                now=system.clock(),
                default_timezone="America/New_York",
                header=f"Broadcast {n}",
                lane=Lane.BROADCAST,
            )
        to_guardian(
            session,
            guardian=rosa,
            now=system.clock(),
            default_timezone="America/New_York",
            header="Conversation reply",
            lane=Lane.CONVERSATION,
        )
    # One per second: the pipeline holds two sends, and one address takes one at a time.
    limits = {channel: ChannelSettings(per_second=1) for channel in Channel}
    dispatcher = system.make_dispatcher(senders_of(system), limits=limits)
    assert await dispatcher.tick(Channel.SMS) == 2

    first, second = system.twilio.messages
    assert first.to == ROSA and first.body == "Conversation reply"
    assert second.to == MARGARET and second.body == "Broadcast 0"
    pending = [d for d in system.deliveries() if d.status is DeliveryStatus.PENDING]
    assert len(pending) == 39 and {d.address for d in pending} == {MARGARET}


# -- 8. rate limits with the real limiter -------------------------------------------------------


async def test_real_limiter_keeps_under_telegram_flood_limits(
    engine: Engine, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    """38 sends, 3 of them to one chat: no one-second span holds more than 30 sends, no chat
    gets two within a second, no 429 comes back, and everything is sent.
    """
    with FakeTelegram(enforce_limits=True) as fake:
        system = System(engine, fake, fake_twilio, tmp_path)
        try:
            with transaction(engine) as session:
                for n in range(3):
                    notice(
                        session,
                        channel=Channel.TELEGRAM,
                        address="9000",
                        text=f"same chat {n}",
                        language="en",
                        now=system.clock(),
                        recipient_kind=RecipientKind.UNKNOWN,
                    )
                for n in range(35):
                    notice(
                        session,
                        channel=Channel.TELEGRAM,
                        address=str(9100 + n),
                        text=f"chat {n}",
                        language="en",
                        now=system.clock(),
                        recipient_kind=RecipientKind.UNKNOWN,
                    )
            # No override: the limits the channels state (Telegram's 30/s and 1/s per chat).
            dispatcher = system.make_dispatcher(senders_of(system), limits=None)
            for _ in range(200):
                await dispatcher.drain()
                if all(d.status is DeliveryStatus.SENT for d in system.deliveries()):
                    break
                system.clock.advance(seconds=1.1)
                await asyncio.sleep(0.05)
            assert fake.rejected_429_count == 0
            # What Telegram enforces, judged on the arrival times of every send.
            arrivals = [c for c in fake.requests if c.method == "sendMessage"]
            times = sorted(c.at for c in arrivals)
            assert all(
                sum(1 for t in times[i:] if t - start < 1.0) <= 30 for i, start in enumerate(times)
            )
            for chat in {c.chat_id for c in arrivals}:
                chat_times = sorted(c.at for c in arrivals if c.chat_id == chat)
                assert all(b - a >= 1.0 for a, b in itertools.pairwise(chat_times))
            assert [d.status for d in system.deliveries()] == [DeliveryStatus.SENT] * 38
            assert len(fake.sent_messages()) == 38
            same_chat = [c.params["text"] for c in fake.sent_messages(9000)]
            assert same_chat == ["same chat 0", "same chat 1", "same chat 2"]
        finally:
            await system.close()


# -- 9. concurrent dispatchers ------------------------------------------------------------------


async def test_two_dispatchers_never_send_a_delivery_twice(system: System) -> None:
    with transaction(system.engine) as session:
        for n in range(25):
            notice(
                session,
                channel=Channel.SMS,
                address=f"+1617555{2000 + n}",
                text=f"sms {n}",
                language="en",
                now=system.clock(),
                recipient_kind=RecipientKind.UNKNOWN,
            )
            notice(
                session,
                channel=Channel.TELEGRAM,
                address=str(9500 + n),
                text=f"telegram {n}",
                language="en",
                now=system.clock(),
                recipient_kind=RecipientKind.UNKNOWN,
            )
    small = {channel: ChannelSettings(per_second=8) for channel in Channel}  # claims of 4
    one = system.make_dispatcher(senders_of(system), worker_id="worker-one", limits=small)
    two = system.make_dispatcher(senders_of(system), worker_id="worker-two", limits=small)
    for _ in range(5):
        await asyncio.gather(one.drain(), two.drain())
        if all(d.status is DeliveryStatus.SENT for d in system.deliveries()):
            break
        system.clock.advance(seconds=20)  # let a lease held by the other worker expire

    deliveries = system.deliveries()
    assert len(deliveries) == 50
    assert all(d.status is DeliveryStatus.SENT for d in deliveries)
    assert all(d.attempts == 1 for d in deliveries)
    sms = system.twilio.messages
    telegram = system.telegram.sent_messages()
    assert len(sms) == 25 and len(telegram) == 25
    assert len({m.body for m in sms}) == 25
    assert len({c.params["text"] for c in telegram}) == 25


# -- 10. duplicate webhooks ---------------------------------------------------------------------


async def test_repeated_twilio_webhook_is_handled_once(system: System) -> None:
    await carter_linked(system)
    form = system.twilio_form(ROSA, "Hola, una pregunta", sid="SM" + "b" * 32)
    first = await system.post_twilio("/twilio/inbound", form)
    second = await system.post_twilio("/twilio/inbound", form)
    assert first.status_code == second.status_code == 200
    await system.drain()

    with transaction(system.engine) as session:
        texts = list(session.scalars(select(Message.text)))
    assert texts.count("Hola, una pregunta") == 1
    relayed = [t for t in system.telegram_texts(CARTER) if "Hola, una pregunta" in t]
    assert len(relayed) == 1


async def test_repeated_telegram_update_is_handled_once(system: System) -> None:
    await carter_linked(system)
    payload = system.telegram_payload(CARTER, "/msg Alfredo See you Monday", update_id=424242)
    first = await system.post_telegram(payload)
    second = await system.post_telegram(payload)
    assert first.status_code == second.status_code == 200
    assert first.json()["outcome"] == "handled"
    assert second.json()["outcome"] == "duplicate"
    await system.drain()

    assert len(guardian_deliveries(system, "Rosa Pérez")) == 1
    assert len(system.sms_to(ROSA)) == 1
    confirmations = [t for t in system.telegram_texts(CARTER) if t.startswith("Sending to")]
    assert len(confirmations) == 1


# -- 11. malformed input ------------------------------------------------------------------------


async def post_raw_telegram(system: System, body: bytes, secret: str = "telegram-secret") -> Any:
    return await system.http.post(
        "/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"},
    )


async def test_malformed_telegram_webhooks_get_400_or_403(system: System) -> None:
    bad_json = await post_raw_telegram(system, b'{"update_id": 1, "message": ')
    assert bad_json.status_code == 400 and "JSON" in bad_json.text

    no_id = await system.post_telegram({"message": {"text": "hi"}})
    assert no_id.status_code == 400 and "update_id" in no_id.text

    a_list = await system.post_telegram([{"update_id": 1}])
    assert a_list.status_code == 400 and a_list.text

    wrong_secret = await system.post_telegram(system.telegram_payload(CARTER, "hi"), "nope")
    assert wrong_secret.status_code == 403

    no_secret = await system.http.post("/telegram/webhook", json={"update_id": 3})
    assert no_secret.status_code == 403
    assert system.deliveries() == []


async def test_malformed_twilio_webhooks_get_400_or_403(system: System) -> None:
    form = system.twilio_form(ROSA, "hola")
    del form["From"]
    missing_from = await system.post_twilio("/twilio/inbound", form)
    assert missing_from.status_code == 400 and "From" in missing_from.text

    form = system.twilio_form(ROSA, "hola")
    form["NumMedia"] = "two"
    bad_media = await system.post_twilio("/twilio/inbound", form)
    assert bad_media.status_code == 400 and "NumMedia" in bad_media.text

    url = PUBLIC + "/twilio/inbound"
    as_json = await system.http.post(
        "/twilio/inbound",
        json={"From": ROSA, "Body": "hola"},
        headers={"X-Twilio-Signature": system.twilio.sign(url, {})},
    )
    assert as_json.status_code == 400 and as_json.text

    broken_multipart = await system.http.post(
        "/twilio/inbound",
        content=b"--x\r\nnot a part",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "X-Twilio-Signature": system.twilio.sign(url, {}),
        },
    )
    assert broken_multipart.status_code in (400, 403) and broken_multipart.text

    unsigned = await system.post_twilio(
        "/twilio/inbound", system.twilio_form(ROSA, "hola"), signature=""
    )
    assert unsigned.status_code == 403
    assert system.deliveries() == []


# -- 12. SMS keywords ---------------------------------------------------------------------------


async def test_stop_opts_out_and_teacher_is_told(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Alfredo Queued before stop")
    response = await system.sms(ROSA, "stop")
    assert response.status_code == 200
    await system.drain()

    assert contact_point(system, Channel.SMS, ROSA).opted_out
    [queued] = guardian_deliveries(system, "Rosa Pérez")
    assert queued.status is DeliveryStatus.CANCELLED
    assert system.sms_to(ROSA) == []

    await system.telegram_update(CARTER, "/msg Alfredo After stop")
    await system.drain()
    assert system.sms_to(ROSA) == []
    assert [d.status for d in guardian_deliveries(system, "Rosa Pérez")] == [
        DeliveryStatus.CANCELLED
    ]
    assert "Rosa Pérez has opted out" in system.telegram_texts(CARTER)[-1]


async def test_stop_moves_pending_deliveries_to_next_channel(system: System) -> None:
    await carter_linked(system)
    await system.sms(KARIM, "Salam", whatsapp=True)  # window open: WhatsApp would be used
    await system.drain()
    await system.telegram_update(CARTER, "/msg Andrew Queued for WhatsApp")
    await system.sms(KARIM, "STOP", whatsapp=True)
    await system.drain()

    assert contact_point(system, Channel.WHATSAPP, KARIM).opted_out
    assert not contact_point(system, Channel.SMS, KARIM).opted_out
    deliveries = guardian_deliveries(system, "Karim Bashid")
    assert [(d.channel, d.status) for d in deliveries] == [
        (Channel.WHATSAPP, DeliveryStatus.CANCELLED),
        (Channel.SMS, DeliveryStatus.SENT),
    ]
    assert twilio_to(system.twilio, "whatsapp:" + KARIM) == []
    [text] = system.sms_to(KARIM)
    assert "Queued for WhatsApp" in text


async def test_start_opts_back_in_and_help_replies(system: System) -> None:
    await carter_linked(system)
    await system.sms(ROSA, "Stop")
    await system.sms(ROSA, "start")
    await system.drain()
    assert not contact_point(system, Channel.SMS, ROSA).opted_out
    resubscribed = gettext("es", RESUBSCRIBED)
    assert system.sms_to(ROSA) == [resubscribed]
    assert resubscribed in (
        "You will get text messages from the school again.",
        gettext("es", RESUBSCRIBED),
    )

    await system.sms(ROSA, "HELP")
    await system.drain()
    assert system.sms_to(ROSA)[-1] == gettext("es", HELP_TEXT)
    assert "STOP" in system.sms_to(ROSA)[-1]

    await system.telegram_update(CARTER, "/msg Alfredo Welcome back")
    await system.drain()
    assert "Welcome back" in system.sms_to(ROSA)[-1]
    # Keywords are not messages for the teacher.
    assert not any(
        word in t for t in system.telegram_texts(CARTER) for word in ("Stop", "start", "HELP")
    )


# -- 13. unknown senders ------------------------------------------------------------------------


def roster_names() -> set[str]:
    names: set[str] = set()
    with (EXAMPLES / "roster.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column in ("student_name", "teacher_name", "guardian_name"):
                names.update(row[column].split())
    return {n for n in names if len(n) > 2}


async def test_unknown_sender_gets_one_reply_a_day_and_learns_nothing(system: System) -> None:
    stranger = "+16175559999"
    await carter_linked(system)
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.drain()
    staff_before = len(system.telegram.sent_messages())

    await system.sms(stranger, "Is Alfredo Pérez in Room 12?")
    system.clock.advance(hours=3)
    await system.sms(stranger, "Hello??")
    await system.drain()
    replies = system.sms_to(stranger)
    assert len(replies) == 1

    system.clock.advance(hours=25)
    await system.sms(stranger, "Anyone?")
    await system.drain()
    replies = system.sms_to(stranger)
    assert len(replies) == 2

    assert len(system.telegram.sent_messages()) == staff_before
    words = set(re.findall(r"[\wÀ-ÿ-]+", " ".join(replies)))
    assert words.isdisjoint(roster_names())


# -- 14. staff access ---------------------------------------------------------------------------

PHONE_DIGITS = re.compile(r"555|\d{3}[\s.-]?\d{4}")


async def test_teacher_cannot_write_to_another_class(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Tyrell hello")
    await system.drain()

    assert guardian_deliveries(system, "Margaret Ruby") == []
    assert system.twilio.requests == []
    answer = system.telegram_texts(CARTER)[-1]
    assert "could not find" in answer
    assert "Margaret" not in answer and "Room 14" not in answer


async def test_families_lists_only_own_students_without_phone_numbers(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/families")
    await system.drain()

    listing = system.telegram_texts(CARTER)[-1]
    for own in ("Alfredo Pérez", "Andrew Bashid", "Minh Nguyen", "Rosa Pérez", "Karim Bashid"):
        assert own in listing
    for other in ("Tyrell Ruby", "Josie Lopez", "Hodan Warsame", "Bao Nguyen", "Margaret Ruby"):
        assert other not in listing
    assert not PHONE_DIGITS.search(listing)


# -- 15. photos ---------------------------------------------------------------------------------


async def test_family_mms_reaches_teacher_as_telegram_photo(system: System) -> None:
    await carter_linked(system)
    image = png_bytes()
    url = system.twilio.add_media(image, "image/png")
    response = await system.sms(ROSA, "Mire esto", media=[url])
    assert response.status_code == 200
    await system.drain()

    photos = [c for c in system.telegram.sent_messages(CARTER) if c.method == "sendPhoto"]
    assert len(photos) == 1
    assert photos[0].files.get("photo") == image
    assert any("Mire esto" in t for t in system.telegram_texts(CARTER))


async def test_teacher_photo_goes_to_sms_family_as_mms(system: System) -> None:
    await carter_linked(system)
    image = png_bytes()
    file_id = system.telegram.add_file(image)
    await system.telegram_update(CARTER, "/msg Alfredo Our class picture", photo_file_id=file_id)
    await system.drain()
    await system.send_photo_post(CARTER)  # a photo post: Done, Send now

    [mms] = [m for m in system.twilio.messages if m.to == ROSA]
    assert "Our class picture" in (mms.body or "")
    [media_url] = mms.media_urls
    assert media_url.startswith(f"{PUBLIC}/media/")
    token = media_url.removeprefix(f"{PUBLIC}/media/")
    assert token and "/" not in token
    response = await system.http.get(f"/media/{token}")
    assert response.status_code == 200
    assert response.content == image
    missing = await system.http.get("/media/not-a-token")
    assert missing.status_code == 404


async def test_expired_media_files_are_removed(system: System) -> None:
    from commbot.db import transaction as tx
    from commbot.media import MediaStore, remove_expired

    store = MediaStore(system.settings.media_dir)
    with tx(system.engine) as session:
        token = store.save(session, b"\x89PNG...", "image/png", system.clock())
    path = next(iter(Path(system.settings.media_dir).iterdir()))
    assert (await system.http.get(f"/media/{token}")).status_code == 200
    system.clock.advance(days=8)
    assert (await system.http.get(f"/media/{token}")).status_code == 404
    with tx(system.engine) as session:
        assert remove_expired(session, system.clock()) == 1
    assert not path.exists()
