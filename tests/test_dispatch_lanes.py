"""A conversation reply never queues behind a broadcast already under way: a pipeline
full of broadcast sends still claims it, and it waits at the sender's limiter before the
broadcast sends that were waiting there first."""

from __future__ import annotations

import asyncio
from typing import Any

from commbot.db import transaction
from commbot.dispatch import ChannelSettings
from commbot.models import Channel, Lane, RecipientKind
from commbot.outbox import DeliverySpec, enqueue_many
from commbot.ratelimit import SenderLimiter

REPLY_CHAT = 990_000_001


def queue(system: Any, lane: Lane, chats: list[int]) -> None:
    now = system.clock()
    specs = [
        DeliverySpec(
            recipient_kind=RecipientKind.STAFF,
            channel=Channel.TELEGRAM,
            address=str(chat),
            language="en",
            not_before=now,
            lane=lane,
            header=f"{lane.name} to {chat}",
        )
        for chat in chats
    ]
    with transaction(system.engine) as session:
        enqueue_many(session, specs, now)


async def test_a_reply_is_claimed_and_sent_while_a_broadcast_fills_the_pipeline(
    system: Any,
) -> None:
    dispatcher = system.make_dispatcher(
        {Channel.TELEGRAM: system.telegram_sender},
        limits={Channel.TELEGRAM: ChannelSettings(per_second=5)},
        max_in_flight=8,
    )
    queue(system, Lane.BROADCAST, list(range(980_000_001, 980_000_021)))
    assert await dispatcher._fill(Channel.TELEGRAM) == 8  # the pipeline is full
    queue(system, Lane.CONVERSATION, [REPLY_CHAT])
    system.clock.advance(seconds=1)
    assert await dispatcher._fill(Channel.TELEGRAM) == 1  # the reply, not more broadcast
    await dispatcher._settle(Channel.TELEGRAM)
    chats = [c.chat_id for c in system.telegram.sent_messages()]
    assert len(chats) == 9
    assert chats.index(REPLY_CHAT) <= 2  # behind at most the sends already started


async def test_a_conversation_send_goes_before_broadcast_sends_already_waiting() -> None:
    limiter = SenderLimiter(20)  # one start every 50 ms
    order: list[str] = []

    async def send(name: str, lane: Lane) -> None:
        async with limiter.slot(name, int(lane)):
            order.append(name)

    broadcast = [asyncio.create_task(send(f"family {i}", Lane.BROADCAST)) for i in range(6)]
    await asyncio.sleep(0.06)  # two have started; four wait for their turn
    reply = asyncio.create_task(send("teacher", Lane.CONVERSATION))
    await asyncio.gather(reply, *broadcast)
    assert order.index("teacher") <= 3  # the one waiting for the window now, then the reply
    assert order[-1].startswith("family")
    assert sorted(order) == sorted(["teacher"] + [f"family {i}" for i in range(6)])


async def test_a_cancelled_wait_hands_the_turn_on() -> None:
    limiter = SenderLimiter(20)
    order: list[str] = []

    async def send(name: str) -> None:
        async with limiter.slot(name, int(Lane.BROADCAST)):
            order.append(name)

    first = asyncio.create_task(send("a"))
    waiting = asyncio.create_task(send("b"))
    last = asyncio.create_task(send("c"))
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.wait_for(asyncio.gather(first, last), 2)
    assert order == ["a", "c"]
