"""Provider faults: a hanging send holds up only itself, timeouts are retried, Retry-After is
honoured to the second on both providers, and a message that fails for good tells the
staff member who wrote it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from commbot.channels.twilio.http import retry_after_seconds
from commbot.db import transaction
from commbot.dispatch import ChannelSettings
from commbot.dispatch.retries import MAX_RETRY_AFTER, backoff
from commbot.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    RecipientKind,
    SenderLease,
)
from commbot.outbox import notice

from .fakes import FakeTelegram, FakeTwilio
from .support import System
from .test_dispatch import (
    CARTER,
    KARIM,
    ROSA,
    carter_linked,
    guardian_deliveries,
    template_system,
    twilio_to,
)

HUNG = 9800


def queue_telegram(system: System, chats: list[int]) -> dict[int, int]:
    """One notice to each chat; their delivery ids by chat."""
    ids = {}
    with transaction(system.engine) as session:
        for chat in chats:
            delivery = notice(
                session,
                channel=Channel.TELEGRAM,
                address=str(chat),
                text=f"to {chat}",
                language="en",
                now=system.clock(),
                recipient_kind=RecipientKind.UNKNOWN,
            )
            session.flush()
            ids[chat] = delivery.id
    return ids


def delivery(system: System, delivery_id: int) -> Delivery:
    with transaction(system.engine) as session:
        return session.get_one(Delivery, delivery_id)


async def test_a_hanging_send_does_not_hold_up_the_others_of_its_channel(
    system: System,
) -> None:
    others = [9810 + n for n in range(50)]
    ids = queue_telegram(system, [HUNG, *others])
    system.telegram.hang_next(1, seconds=8, chat_id=HUNG)
    # 20 a second, so the pipeline has to keep claiming while the hung send waits.
    limits = {channel: ChannelSettings(per_second=20) for channel in Channel}
    dispatcher = system.make_dispatcher(
        {Channel.TELEGRAM: system.telegram_sender}, limits=limits, send_timeout=5.0
    )
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        for _ in range(1000):
            if len(system.telegram.sent_messages()) == len(others):
                break
            await asyncio.sleep(0.01)
        # Every other message went out while the hung one was still waiting for its answer.
        assert len(system.telegram.sent_messages()) == len(others)
        assert delivery(system, ids[HUNG]).status is DeliveryStatus.SENDING
    finally:
        stop.set()
        await running

    hung = delivery(system, ids[HUNG])
    assert (hung.status, hung.error_code) == (DeliveryStatus.PENDING, "timeout")
    system.clock.advance(seconds=10)
    await dispatcher.drain()
    assert delivery(system, ids[HUNG]).status is DeliveryStatus.SENT


async def test_a_twilio_send_that_times_out_is_retried(system: System) -> None:
    await carter_linked(system)
    system.twilio.hang_next(1, seconds=3, to=ROSA)
    system.dispatcher.send_timeout = 0.5
    await system.telegram_update(CARTER, "/msg Alfredo Picture day")
    await system.drain()
    [sent] = guardian_deliveries(system, "Rosa Pérez")
    assert (sent.status, sent.error_code) == (DeliveryStatus.PENDING, "timeout")

    system.clock.advance(seconds=10)
    await system.drain()
    [sent] = guardian_deliveries(system, "Rosa Pérez")
    assert sent.status is DeliveryStatus.SENT
    assert any("Picture day" in body for body in system.sms_to(ROSA))


async def test_twilio_retry_after_is_honoured_for_the_delivery_and_the_sender(
    system: System,
) -> None:
    await carter_linked(system)
    system.twilio.fail_next(1, 429, code=20429, retry_after=120)
    await system.telegram_update(CARTER, "/msg Alfredo Field trip form")
    await system.drain()

    [throttled] = guardian_deliveries(system, "Rosa Pérez")
    assert throttled.status is DeliveryStatus.PENDING
    assert throttled.error_code == "20429"
    assert (throttled.next_attempt_at - system.clock()).total_seconds() >= 120
    # The sender is paused as long as Twilio asked (not cut short), and that is kept for
    # whoever holds the lease next.
    assert system.dispatcher.limiters[Channel.SMS].paused_for() > 110
    with transaction(system.engine) as session:
        lease = session.get_one(SenderLease, "channel:sms")
        assert lease.paused_until is not None
        assert (lease.paused_until - system.clock()).total_seconds() >= 119

    system.clock.advance(seconds=119)  # not yet
    await system.drain()
    assert len(twilio_to(system.twilio, ROSA)) == 1


async def test_a_permanent_twilio_error_is_permanent_even_with_a_retry_after_header(
    system: System,
) -> None:
    await carter_linked(system)
    system.twilio.fail_next(1, 400, code=21211, retry_after=60)  # not a valid number
    await system.telegram_update(CARTER, "/msg Alfredo Field trip form")
    await system.drain()
    first = guardian_deliveries(system, "Rosa Pérez")[0]
    assert first.error_code == "21211"
    assert first.status is DeliveryStatus.FAILED  # not retried for hours


def test_an_absurd_retry_after_cannot_break_the_retry_time() -> None:
    assert retry_after_seconds("inf") is None
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds("120") == 120.0
    # A finite but huge wait is honoured up to a day, and stays a valid datetime.
    wait = backoff(1, 5.0, retry_after_seconds("1e300"))
    assert wait == MAX_RETRY_AFTER
    assert dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait) > dt.datetime.now(dt.UTC)


async def test_twilio_14107_without_a_header_still_pauses_the_sender(system: System) -> None:
    await carter_linked(system)
    system.twilio.fail_next(1, 429, code=14107)
    await system.telegram_update(CARTER, "/msg Alfredo Hello")
    await system.drain()
    [throttled] = guardian_deliveries(system, "Rosa Pérez")
    assert throttled.error_code == "14107"
    assert throttled.status is DeliveryStatus.PENDING
    assert (throttled.next_attempt_at - system.clock()).total_seconds() >= 1


async def test_telegram_retry_after_beyond_a_minute_is_honoured_in_full(system: System) -> None:
    ids = queue_telegram(system, [HUNG])
    system.telegram.fail_next(1, 429, retry_after=300, chat_id=HUNG)
    await system.drain()
    throttled = delivery(system, ids[HUNG])
    assert throttled.error_code == "telegram-429"
    assert (throttled.next_attempt_at - system.clock()).total_seconds() >= 300
    assert system.dispatcher.limiters[Channel.TELEGRAM].paused_for() > 290


async def test_a_template_that_cannot_be_sent_moves_the_message_on_and_tells_the_teacher(
    engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    async with template_system(engine, fake_telegram, fake_twilio, tmp_path) as system:
        fake_twilio.fail_to("whatsapp:" + KARIM, 21211)  # the template is refused for good
        await system.telegram_update(CARTER, "/msg Andrew Bring a coat")
        await system.drain()

        karim = guardian_deliveries(system, "Karim Bashid")
        assert [(d.channel, d.status) for d in karim] == [
            (Channel.WHATSAPP, DeliveryStatus.FAILED),
            (Channel.SMS, DeliveryStatus.SENT),
        ]
        assert any("Bring a coat" in body for body in system.sms_to(KARIM))
        assert any("going to them by" in t for t in system.telegram_texts(CARTER))


async def test_a_claim_abandoned_past_its_budget_tells_the_teacher(system: System) -> None:
    await carter_linked(system)
    await system.telegram_update(CARTER, "/msg Alfredo Conference on Monday")
    [queued] = guardian_deliveries(system, "Rosa Pérez")
    await system.dispatcher.release()
    with transaction(system.engine) as session:
        row = session.get_one(Delivery, queued.id)
        row.status = DeliveryStatus.SENDING
        row.claimed_by = "dead:run1"
        row.claimed_until = system.clock() + dt.timedelta(minutes=5)
        row.first_attempt_at = system.clock() - dt.timedelta(hours=7)
        row.attempts = 30
        lease = session.get(SenderLease, "channel:sms") or SenderLease(sender="channel:sms")
        lease.holder = "dead:run1"
        lease.expires_at = system.clock() - dt.timedelta(seconds=1)
        lease.released = False
        session.add(lease)
    system.dispatcher = system.make_dispatcher(  # a fresh worker, after the dead one
        {Channel.SMS: system.twilio_sender, Channel.TELEGRAM: system.telegram_sender}
    )
    await system.drain()

    [failed] = guardian_deliveries(system, "Rosa Pérez")
    assert (failed.status, failed.error_code) == (DeliveryStatus.FAILED, "abandoned")
    last = system.telegram_texts(CARTER)[-1]
    assert "could not reach Rosa Pérez" in last
