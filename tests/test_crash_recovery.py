"""A worker that dies, stops, or loses its lease: its claims go out at once through the next
holder of the lease, and nothing is sent twice but what was on the wire when it died.

A "killed" worker is one whose tasks are cancelled where they stand, with nothing recorded
and nothing given back, as `kill -9` leaves it; the sends it had under way got as far as
the fake provider (accepted there) and no further.
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

from sqlalchemy import select

from commbot.channels.base import ChannelLimits, Media, Outbound, Sender, SendResult
from commbot.db import transaction
from commbot.dispatch import ChannelSettings, Dispatcher
from commbot.dispatch.recovery import RECLAIMED
from commbot.models import (
    Channel,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    RecipientKind,
    SenderLease,
)
from commbot.outbox import notice

from .support import System

NUMBERS = [f"+1617555{3000 + n}" for n in range(12)]


class DiesAfterSending:
    """Passes sends to the real sender, then never comes back: the provider accepted them,
    and the worker died before it could record that."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.on_the_wire: list[str] = []

    def limits(self, channel: Channel) -> ChannelLimits:
        return self.sender.limits(channel)

    def can_fetch(self, media: Media) -> bool:
        return False

    async def fetch_media(self, media: Media) -> bytes:
        raise NotImplementedError

    async def send(self, outbound: Outbound) -> SendResult:
        self.on_the_wire.append(outbound.address)
        await self.sender.send(outbound)
        await asyncio.Event().wait()  # dead
        raise AssertionError("unreachable")


def queue_sms(system: System, numbers: list[str], texts: list[str] | None = None) -> None:
    """One SMS notice to each number (`texts[n]`, or "notice n")."""
    with transaction(system.engine) as session:
        for n, number in enumerate(numbers):
            notice(
                session,
                channel=Channel.SMS,
                address=number,
                text=texts[n] if texts else f"notice {n}",
                language="en",
                now=system.clock(),
                recipient_kind=RecipientKind.UNKNOWN,
            )


async def start_and_kill(system: System, name: str | None, per_second: float) -> DiesAfterSending:
    """A worker claims a burst, gets some sends onto the wire, and is killed."""
    dying = DiesAfterSending(system.twilio_sender)
    limits = {channel: ChannelSettings(per_second=per_second) for channel in Channel}
    worker = system.make_dispatcher(
        {Channel.SMS: dying}, worker_name=name, worker_id=f"{name or 'host'}:run1", limits=limits
    )
    await worker._fill(Channel.SMS)
    for _ in range(200):  # until the limiter's window is full of sends on the wire
        if len(system.twilio.messages) >= worker.limiters[Channel.SMS].capacity:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    for task in list(worker._pipes[Channel.SMS].tasks.values()):
        task.cancel()  # kill -9: nothing recorded, nothing given back
    await asyncio.sleep(0)
    return dying


def sends_by_number(system: System) -> collections.Counter[str]:
    return collections.Counter(m.to for m in system.twilio.messages if m.to)


async def drain_until_sent(dispatcher: Dispatcher, system: System, seconds: float = 10) -> float:
    """Drain until every delivery is sent; the real seconds that took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        await dispatcher.drain()
        if all(d.status is DeliveryStatus.SENT for d in system.deliveries()):
            break
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def reclaimed_events(system: System) -> list[DeliveryEvent]:
    with transaction(system.engine) as session:
        return list(
            session.scalars(
                select(DeliveryEvent).where(
                    DeliveryEvent.kind == DeliveryEventKind.RETRY,
                    DeliveryEvent.detail == RECLAIMED,
                )
            )
        )


async def test_a_restarted_worker_sends_its_dead_predecessors_claims_at_once(
    system: System,
) -> None:
    queue_sms(system, NUMBERS)
    dead = await start_and_kill(system, "worker.1", per_second=3)
    claimed = [d for d in system.deliveries() if d.status is DeliveryStatus.SENDING]
    assert len(claimed) == 6 and len(dead.on_the_wire) == 3  # 3 on the wire, 3 waiting

    # The same worker, restarted: no clock moves, no lease or claim has expired.
    restarted = system.make_dispatcher(system_senders(system), worker_name="worker.1")
    await drain_until_sent(restarted, system)

    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
    counts = sends_by_number(system)
    assert set(counts) == set(NUMBERS)
    doubled = [number for number, n in counts.items() if n > 1]
    # Only what was on the wire when it died may have gone twice.
    assert set(doubled) <= set(dead.on_the_wire)
    assert all(n <= 2 for n in counts.values())
    assert len(reclaimed_events(system)) == 6


async def test_another_worker_takes_over_when_the_lease_runs_out_not_the_claim(
    system: System,
) -> None:
    queue_sms(system, NUMBERS)
    dead = await start_and_kill(system, None, per_second=3)
    other = system.make_dispatcher(system_senders(system), worker_id="other:run1")
    assert await other.drain() == 0  # the dead worker's lease still stands

    system.clock.advance(seconds=6)  # its 5-second lease, not the 5-minute claim
    await drain_until_sent(other, system)

    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
    counts = sends_by_number(system)
    assert set(counts) == set(NUMBERS)
    assert sum(counts.values()) - len(NUMBERS) <= len(dead.on_the_wire)
    assert len(reclaimed_events(system)) == 6


async def test_a_graceful_stop_gives_back_its_claims_and_its_lease(system: System) -> None:
    queue_sms(system, NUMBERS)
    limits = {channel: ChannelSettings(per_second=2) for channel in Channel}
    first = system.make_dispatcher(system_senders(system), worker_id="first:run1", limits=limits)
    stop = asyncio.Event()
    running = asyncio.create_task(first.run(stop))
    for _ in range(300):
        if len(system.twilio.messages) >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running

    assert not [d for d in system.deliveries() if d.status is DeliveryStatus.SENDING]
    with transaction(system.engine) as session:
        lease = session.get_one(SenderLease, "channel:sms")
        assert lease.released and lease.last_send_at is not None
    sent_by_first = len(system.twilio.messages)

    second = system.make_dispatcher(system_senders(system), worker_id="second:run1")
    await drain_until_sent(second, system)  # at once: no lease or claim to wait out
    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
    assert sends_by_number(system) == collections.Counter(NUMBERS)  # each exactly once
    assert sent_by_first < len(NUMBERS)
    assert all(d.attempts == 1 for d in system.deliveries())


async def test_a_worker_that_lost_its_lease_starts_no_send(system: System) -> None:
    queue_sms(system, NUMBERS[:4])
    paused = system.make_dispatcher(system_senders(system), worker_id="paused:run1")
    await paused._fill(Channel.SMS)  # claimed; then the process stalls before sending
    system.clock.advance(seconds=10)

    other = system.make_dispatcher(system_senders(system), worker_id="other:run1")
    await drain_until_sent(other, system)
    await paused._settle(Channel.SMS)  # the stalled worker wakes up

    assert sends_by_number(system) == collections.Counter(NUMBERS[:4])
    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())


def system_senders(system: System) -> dict[Channel, Any]:
    return {Channel.SMS: system.twilio_sender}
