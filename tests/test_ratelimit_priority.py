"""A send of a lower lane waiting at a sender's limiter goes before the broadcast sends
that were waiting there first (a conversation reply never queues behind a broadcast)."""

from __future__ import annotations

import asyncio

from commbot.models import Lane
from commbot.ratelimit import SenderLimiter


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
