"""How close commbot's dispatcher gets to Telegram's 30 messages/s without a single 429.

Seeds 3,000 guardians, each with their own Telegram chat, queues one BROADCAST-lane delivery
to each, and runs commbot's `Dispatcher` (real clock, the channels' own limits, the real
python-telegram-bot client) against `FakeTelegram(enforce_limits=True)`, which answers 429 to
more than 30 sends in any 1 s window or more than 1 per chat per second. Then it sends the same
3,000 messages with python-telegram-bot's own `AIORateLimiter` (3,000 `send_message` calls
under `asyncio.gather`) for comparison.

    python bench/dispatch_rate.py [--messages 3000] [--which both|commbot|ptb]
        [--ptb-max-retries 0] [--database-url URL]

Achieved rate is messages accepted by the fake divided by the time from the start of sending to
the last acceptance; "allowed" is Telegram's 30 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from _common import (
    TELEGRAM_ALLOWED_PER_SECOND,
    backend_name,
    count_deliveries,
    fresh_database,
    make_settings,
    max_in_window,
    parser,
    seed_telegram_broadcast,
    status_counts,
    verdict,
)
from sqlalchemy import Engine
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from commbot.channels.telegram import TelegramSender, make_bot
from commbot.config import Settings
from commbot.models import Channel, DeliveryStatus
from commbot.worker import build_dispatcher
from tests.fakes import FakeTelegram

TARGET_RATIO = 0.95
COMMBOT_TIMEOUT = 150.0  # seconds; 3,000 messages need ~100 s at 30/s
PTB_TIMEOUT = 150.0


@dataclass
class Result:
    name: str
    messages: int
    elapsed: float  # start of sending to the last acceptance at the fake
    accepted: int
    rejected_429: int
    peak_per_second: int
    all_sent: bool
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.accepted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / TELEGRAM_ALLOWED_PER_SECOND


def _finish(
    name: str, fake: FakeTelegram, messages: int, start: float, all_sent: bool, notes: list[str]
) -> Result:
    times = fake.accepted_times
    last = max(times) if times else start
    return Result(
        name=name,
        messages=messages,
        elapsed=last - start,
        accepted=len(times),
        rejected_429=fake.rejected_429_count,
        peak_per_second=max_in_window(times),
        all_sent=all_sent,
        notes=notes,
    )


async def run_commbot(engine: Engine, settings: Settings, fake: FakeTelegram, n: int) -> Result:
    fake.clear()
    sender = TelegramSender(make_bot(settings))
    await sender.bot.initialize()  # as `commbot worker` does
    dispatcher = build_dispatcher(
        settings, engine, {Channel.TELEGRAM: sender}
    )  # as `commbot worker` builds it
    stop = asyncio.Event()
    notes: list[str] = []
    start = time.monotonic()
    task = asyncio.create_task(dispatcher.run(stop))
    sent = 0
    try:
        while True:
            await asyncio.sleep(0.25)
            if task.done():
                task.result()  # raises what stopped it
                notes.append("dispatcher stopped by itself")
                break
            if fake.accepted_count >= n:
                sent = await asyncio.to_thread(count_deliveries, engine, DeliveryStatus.SENT)
                if sent >= n:
                    break
            if time.monotonic() - start > COMMBOT_TIMEOUT:
                notes.append(f"gave up after {COMMBOT_TIMEOUT:.0f} s")
                break
        recorded = time.monotonic() - start
    finally:
        stop.set()
        await task
        await sender.bot.shutdown()
    sent = await asyncio.to_thread(count_deliveries, engine, DeliveryStatus.SENT)
    counts = await asyncio.to_thread(status_counts, engine)
    notes.append(f"all {n} recorded as sent {recorded:.1f} s after start" if sent == n else "")
    notes.append("delivery statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return _finish("commbot Dispatcher", fake, n, start, sent == n, [x for x in notes if x])


async def run_ptb(
    settings: Settings, fake: FakeTelegram, chat_ids: list[int], max_retries: int
) -> Result:
    fake.clear()
    base = settings.telegram_api_base_url
    bot = ExtBot(
        fake.token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        # The same HTTP client settings as commbot's make_bot, so only the limiter differs.
        request=HTTPXRequest(connection_pool_size=64, read_timeout=15, write_timeout=30),
        rate_limiter=AIORateLimiter(max_retries=max_retries),
    )
    await bot.initialize()
    text = "Lincoln School:\nNo school on Friday: staff development day."
    start = time.monotonic()
    try:
        results = await asyncio.wait_for(
            asyncio.gather(
                *(bot.send_message(chat_id, text) for chat_id in chat_ids),
                return_exceptions=True,
            ),
            PTB_TIMEOUT,
        )
    finally:
        await bot.shutdown()
    errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    notes = [f"AIORateLimiter(max_retries={max_retries})"]
    if errors:
        notes.append(
            "send_message raised: " + ", ".join(f"{k} x{v}" for k, v in errors.most_common())
        )
        if errors.get(RetryAfter.__name__):
            notes.append("messages that raised RetryAfter were not delivered (no retry left)")
    return _finish(
        "python-telegram-bot AIORateLimiter", fake, len(chat_ids), start, not errors, notes
    )


def report(results: list[Result]) -> None:
    for r in results:
        print()
        print(f"== {r.name} ==")
        print(f"messages:         {r.messages}")
        print(f"elapsed:          {r.elapsed:.1f} s (start of sending to last acceptance)")
        print(f"accepted:         {r.accepted}")
        print(
            f"achieved rate:    {r.rate:.1f} msg/s ({r.ratio:.2f} of allowed "
            f"{TELEGRAM_ALLOWED_PER_SECOND}/s; target >= {TARGET_RATIO}) "
            f"[{verdict(r.ratio >= TARGET_RATIO)}]"
        )
        print(f"429s received:    {r.rejected_429} (target 0) [{verdict(r.rejected_429 == 0)}]")
        print(
            f"peak in any 1 s:  {r.peak_per_second} accepted (limit {TELEGRAM_ALLOWED_PER_SECOND})"
        )
        print(f"all sent:         {'yes' if r.all_sent else 'no'}")
        for note in r.notes:
            print(f"note:             {note}")
    print()
    print("== side by side ==")
    print(f"{'':36} {'elapsed s':>9} {'msg/s':>6} {'of 30/s':>7} {'429s':>5} {'all sent':>8}")
    for r in results:
        print(
            f"{r.name:36} {r.elapsed:9.1f} {r.rate:6.1f} {r.ratio:7.2f} {r.rejected_429:5d} "
            f"{'yes' if r.all_sent else 'no':>8}"
        )


async def main_async(args: argparse.Namespace) -> None:
    n: int = args.messages
    with fresh_database(args.database_url) as (url, engine):
        print(f"database: {backend_name(url)}")
        with FakeTelegram(enforce_limits=True) as fake:
            settings = make_settings(
                url, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url
            )
            seed_start = time.monotonic()
            chat_ids = await asyncio.to_thread(seed_telegram_broadcast, engine, n)
            print(
                f"seeded {n} guardians and {n} BROADCAST deliveries in "
                f"{time.monotonic() - seed_start:.1f} s"
            )
            results = []
            if args.which in ("both", "commbot"):
                print("sending with commbot's Dispatcher ...", flush=True)
                results.append(await run_commbot(engine, settings, fake, n))
            if args.which == "both":
                await asyncio.sleep(1.5)  # let every chat's 1 s per-chat window pass
            if args.which in ("both", "ptb"):
                print("sending with python-telegram-bot's AIORateLimiter ...", flush=True)
                results.append(await run_ptb(settings, fake, chat_ids, args.ptb_max_retries))
    report(results)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=3000)
    p.add_argument(
        "--ptb-max-retries",
        type=int,
        default=0,
        help="AIORateLimiter(max_retries=...) for the comparison run (library default 0)",
    )
    p.add_argument(
        "--which",
        choices=("both", "commbot", "ptb"),
        default="both",
        help="which sender(s) to run (default both, one after the other)",
    )
    args = p.parse_args()
    # The rate limiter logs every 429 it retries; keep the report readable.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
