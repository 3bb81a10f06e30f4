"""The providers' limits hold across a change of lease holder: a new holder waits out one
window after the previous holder's last send, and honours a pause it was asked for.

The fakes enforce the real limits (Telegram: 30 a second, 1 a second per chat; Twilio: one
message a second per sender) and answer 429 to anything over them.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Engine

from commbot.db import transaction
from commbot.dispatch import Dispatcher
from commbot.models import Channel, DeliveryStatus, RecipientKind, SenderLease
from commbot.outbox import notice

from . import test_crash_recovery as crash_recovery
from .fakes import FakeTelegram, FakeTwilio
from .support import System
from .test_crash_recovery import DiesAfterSending, drain_until_sent

CHATS = [9700 + n for n in range(6)]


@asynccontextmanager
async def limited(engine: Engine, tmp_path: Path) -> AsyncIterator[System]:
    with (
        FakeTelegram(enforce_limits=True) as telegram,
        FakeTwilio(enforce_mps=1) as twilio,
    ):
        system = System(engine, telegram, twilio, tmp_path)
        try:
            yield system
        finally:
            await system.close()


def queue_telegram(system: System, rounds: int) -> None:
    """`rounds` messages to each chat: every chat gets one in each second at most."""
    with transaction(system.engine) as session:
        for n in range(rounds):
            for chat in CHATS:
                notice(
                    session,
                    channel=Channel.TELEGRAM,
                    address=str(chat),
                    text=f"round {n} to {chat}",
                    language="en",
                    now=system.clock(),
                    recipient_kind=RecipientKind.UNKNOWN,
                )


def queue_sms(system: System, count: int) -> None:
    numbers = [f"+1617555{4000 + n}" for n in range(count)]
    crash_recovery.queue_sms(system, numbers, [f"sms {n}" for n in range(count)])


def real_limits(system: System, worker_id: str, **kwargs: object) -> Dispatcher:
    senders = {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
    }
    return system.make_dispatcher(senders, limits=None, worker_id=worker_id, **kwargs)


async def run_until(dispatcher: Dispatcher, condition: object, seconds: float = 10) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    for _ in range(int(seconds * 100)):
        if callable(condition) and condition():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task


async def test_a_graceful_hand_over_gets_no_429(engine: Engine, tmp_path: Path) -> None:
    async with limited(engine, tmp_path) as system:
        system.import_examples()
        queue_telegram(system, rounds=3)
        queue_sms(system, 3)
        first = real_limits(system, "first:run1")
        # The first worker stops right after its first sends on each channel.
        await run_until(
            first,
            lambda: (
                len(system.telegram.sent_messages()) >= len(CHATS)
                and len(system.twilio.messages) >= 1
            ),
        )
        # The first worker did send on both channels: what follows is a hand-over.
        assert len(system.telegram.sent_messages()) >= len(CHATS)
        assert len(system.twilio.messages) >= 1
        second = real_limits(system, "second:run1")
        await drain_until_sent(second, system, seconds=20)

        assert system.telegram.rejected_429_count == 0
        assert system.twilio.rejected_429_count == 0
        assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
        texts = collections.Counter(c.params["text"] for c in system.telegram.sent_messages())
        assert len(texts) == 3 * len(CHATS) and set(texts.values()) == {1}
        assert len(system.twilio.messages) == 3


async def test_a_restart_after_a_kill_gets_no_429(engine: Engine, tmp_path: Path) -> None:
    async with limited(engine, tmp_path) as system:
        system.import_examples()
        queue_telegram(system, rounds=2)
        dying = DiesAfterSending(system.telegram_sender)
        first = system.make_dispatcher(
            {Channel.TELEGRAM: dying}, limits=None, worker_name="w1", worker_id="w1:run1"
        )
        await first._fill(Channel.TELEGRAM)
        for _ in range(300):
            if len(system.telegram.sent_messages()) >= len(CHATS):
                break
            await asyncio.sleep(0.01)
        assert len(dying.on_the_wire) >= len(CHATS)  # killed mid-burst, not before it
        for task in list(first._pipes[Channel.TELEGRAM].tasks.values()):
            task.cancel()  # killed with its first sends answered, none recorded

        restarted = system.make_dispatcher(
            {Channel.TELEGRAM: system.telegram_sender},
            limits=None,
            worker_name="w1",
            worker_id="w1:run2",
        )
        await drain_until_sent(restarted, system, seconds=20)

        assert system.telegram.rejected_429_count == 0
        assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
        # What was on the wire at the kill went again; nothing else did.
        texts = collections.Counter(c.params["text"] for c in system.telegram.sent_messages())
        assert sum(texts.values()) - len(texts) <= len(dying.on_the_wire)


async def test_a_new_holder_honours_the_pause_the_provider_asked_of_the_old_one(
    system: System,
) -> None:
    queue_sms(system, 1)
    system.twilio.fail_next(1, 429, code=20429, retry_after=30)
    first = system.make_dispatcher({Channel.SMS: system.twilio_sender}, worker_id="first:run1")
    await first.tick(Channel.SMS)
    assert system.twilio.rejected_429_count == 1
    await first.release()
    queue_sms(system, 2)  # a second message, due now
    with transaction(system.engine) as session:
        lease = session.get_one(SenderLease, "channel:sms")
        assert lease.paused_until is not None
        assert (lease.paused_until - system.clock()).total_seconds() >= 30

    second = system.make_dispatcher({Channel.SMS: system.twilio_sender}, worker_id="second:run1")
    await second.drain()
    assert second.limiters[Channel.SMS].paused_for() > 25  # the old holder's pause, kept
    assert len(system.twilio.messages) == 0
