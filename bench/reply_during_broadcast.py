"""Does a conversation reply jump a running broadcast? Time from its commit to Telegram.

Queues a 3,000-message Telegram broadcast (lane BROADCAST), starts commbot's `Dispatcher`
(real clock, the channels' own limits) against `FakeTelegram(enforce_limits=True)`, and ~3 s into
the broadcast commits one CONVERSATION-lane delivery to a linked staff member (`to_staff`). It
measures from that commit until the fake accepts the reply (matched by chat_id), then stops;
the broadcast need not finish. `--replies N` repeats the reply every ~3 s for more samples.

    python bench/reply_during_broadcast.py [--replies 1] [--database-url URL]
"""

from __future__ import annotations

import asyncio
import time

from _common import (
    backend_name,
    fresh_database,
    make_settings,
    parser,
    seed_telegram_broadcast,
    verdict,
)
from sqlalchemy import Engine, select

from commbot.channels.telegram import TelegramSender, make_bot
from commbot.db import transaction
from commbot.models import Channel, Lane, School, Staff, StaffRole, utcnow
from commbot.outbox import to_staff
from commbot.worker import build_dispatcher
from tests.fakes import FakeTelegram

BROADCAST_SIZE = 3000
STAFF_CHAT_ID = 900_000_001
INTO_BROADCAST = 3.0  # seconds after the broadcast's first acceptance
BETWEEN_REPLIES = 3.0
TARGET_SECONDS = 2.0
REPLY_TIMEOUT = 30.0


def add_linked_staff(engine: Engine) -> int:
    with transaction(engine) as session:
        school = session.scalar(select(School))
        staff = Staff(
            school_id=school.id if school else None,
            name="Emily Carter",
            email="ecarter@bench.example.org",
            role=StaffRole.TEACHER,
            language="en",
            telegram_chat_id=STAFF_CHAT_ID,
        )
        session.add(staff)
        session.flush()
        return staff.id


def enqueue_reply(engine: Engine, staff_id: int, n: int) -> float:
    """Commit one conversation-lane delivery to the staff member; return the commit time."""
    with transaction(engine) as session:
        staff = session.get_one(Staff, staff_id)
        to_staff(
            session,
            staff=staff,
            now=utcnow(),
            header="Rosa Pérez (mother of Alfredo Pérez) wrote:",
            body=f"Thank you, we will be there. ({n})",
            body_language="en",
            lane=Lane.CONVERSATION,
        )
    return time.monotonic()  # the fake stamps requests with time.monotonic() too


async def wait_for_accepted(fake: FakeTelegram, already: int) -> tuple[float, int]:
    """Wait until the fake has accepted `already + 1` sends to the staff chat; return when the
    last was accepted and how many sends to that chat it refused so far."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while time.monotonic() < deadline:
        calls = [c for c in fake.requests if c.chat_id == STAFF_CHAT_ID]
        accepted = [c for c in calls if c.ok]
        if len(accepted) > already:
            return accepted[already].at, sum(1 for c in calls if c.status == 429)
        await asyncio.sleep(0.005)
    raise TimeoutError(f"the reply was not sent within {REPLY_TIMEOUT:.0f} s")


def broadcast_accepted(fake: FakeTelegram) -> int:
    return sum(1 for c in fake.sent_messages() if c.chat_id != STAFF_CHAT_ID)


async def run(engine: Engine, url: str, replies: int) -> None:
    await asyncio.to_thread(seed_telegram_broadcast, engine, BROADCAST_SIZE)
    staff_id = await asyncio.to_thread(add_linked_staff, engine)
    print(f"queued a {BROADCAST_SIZE}-message BROADCAST; staff chat {STAFF_CHAT_ID} linked")
    with FakeTelegram(enforce_limits=True) as fake:
        settings = make_settings(
            url, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url
        )
        sender = TelegramSender(make_bot(settings))
        await sender.bot.initialize()  # as `commbot worker` does
        dispatcher = build_dispatcher(
            settings, engine, {Channel.TELEGRAM: sender}
        )  # as `commbot worker` builds it
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        samples: list[tuple[float, int, int]] = []
        try:
            while fake.accepted_count == 0:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            first = fake.accepted_times[0]
            print(
                f"broadcast started; enqueueing {replies} CONVERSATION reply(ies) from "
                f"{INTO_BROADCAST:g} s in",
                flush=True,
            )
            next_at = first + INTO_BROADCAST
            for n in range(replies):
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                progress = broadcast_accepted(fake)
                committed = await asyncio.to_thread(enqueue_reply, engine, staff_id, n + 1)
                accepted_at, refused = await wait_for_accepted(fake, n)
                samples.append((accepted_at - committed, progress, refused))
                print(
                    f"  reply {n + 1}: committed {committed - first:.2f} s into the broadcast, "
                    f"accepted {accepted_at - committed:.3f} s later",
                    flush=True,
                )
                next_at = committed + BETWEEN_REPLIES
            elapsed = time.monotonic() - first
        finally:
            stop.set()
            await task
            await sender.bot.shutdown()
        done = broadcast_accepted(fake)
        rejected = fake.rejected_429_count

    latency, progress, _ = samples[0]
    worst = max(s[0] for s in samples)
    print()
    print("== conversation reply during a broadcast ==")
    print(f"database:         {backend_name(url)}")
    print(
        f"reply latency:    {latency:.3f} s from commit to accepted by Telegram "
        f"(target <= {TARGET_SECONDS:g} s) [{verdict(latency <= TARGET_SECONDS)}]"
    )
    print(f"broadcast then:   {progress} of {BROADCAST_SIZE} sent when the reply was committed")
    if len(samples) > 1:
        values = ", ".join(f"{s[0]:.3f}" for s in samples)
        print(
            f"all replies:      {values} s; worst {worst:.3f} s "
            f"[{verdict(worst <= TARGET_SECONDS)}]"
        )
    print(f"reply 429s:       {samples[-1][2]} sends to the staff chat refused")
    print(
        f"broadcast at stop: {done} of {BROADCAST_SIZE} accepted {elapsed:.1f} s after its "
        "first send (run stopped once the reply was sent)"
    )
    print(f"429s received:    {rejected} (whole run)")


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--replies", type=int, default=1, help="replies to time, ~3 s apart")
    args = p.parse_args()
    with fresh_database(args.database_url) as (url, engine):
        asyncio.run(run(engine, url, max(1, args.replies)))


if __name__ == "__main__":
    main()
