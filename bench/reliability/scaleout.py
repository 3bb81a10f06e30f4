"""Scale-out: 2 `commbot serve` + 3 `commbot worker` on PostgreSQL, workers stopped and
killed mid-run, Twilio status callbacks racing the sends' recording.

Queues deliveries (half Telegram, half SMS; SMS families also have Telegram as their next
channel) and runs two web processes and three workers against the fakes, which hold them to
the providers' rate limits: Telegram 30 messages/s and 1 per chat per second (the fake's
own), Twilio ``COMMBOT_TWILIO_MPS`` (30) per sender in any second. As soon as the fake
Twilio accepts a message, its status callback ("delivered", or "undelivered" with 30003 for
one in ten) is POSTed, validly signed, to one of the web processes, half of them at once
(racing the worker's recording of the send), the rest within half a second. A quarter of the
way through, the worker holding the Telegram lease is stopped (SIGTERM); half-way, the one
holding the SMS lease is killed (SIGKILL); each is replaced at once. It prints:

- lost: deliveries no fake ever accepted; doubled: extra copies on the same channel, against
  the sends in flight at the kill (only those may go twice);
- 429s from each fake (rate limits), and how many came within 5 s of a stop or kill;
- status reports left unapplied: a delivery still "sent" after its callback was answered;
- callbacks answered 5xx, and the time until everything was settled.

    python bench/reliability/scaleout.py --database-url URL [--quick] [--code DIR]
        [--deliveries 3000] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from harness import (
    PUBLIC_BASE_URL,
    Deadline,
    Fakes,
    Outbox,
    Proc,
    Processes,
    SendRecord,
    accepted_by_marker,
    common_parser,
    experiment,
    open_deliveries,
    print_table,
    process_env,
    scratch_database,
    seed,
    wait_for_web,
)

SENT = ("sent", "delivered", "read")
WORKERS = 3
WEBS = 2
UNDELIVERED_SHARE = 0.1
RACING_SHARE = 0.5


@dataclass
class Callback:
    sid: str
    status: str
    answered: int | None = None
    text: str = ""


class Callbacks:
    """Posts the fake Twilio's status callbacks to the web processes."""

    def __init__(self, fakes: Fakes | None, rng: random.Random) -> None:
        self.fakes = fakes
        self.rng = rng
        self.ports: list[int] = []
        self.sent: list[Callback] = []
        self.pending = 0
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, record: SendRecord) -> None:
        import httpx

        if self.fakes is None or record.sid is None or not self.ports:
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
            self._loop = asyncio.get_running_loop()
        self.pending += 1
        try:
            undelivered = self.rng.random() < UNDELIVERED_SHARE
            status = "undelivered" if undelivered else "delivered"
            if self.rng.random() >= RACING_SHARE:
                await asyncio.sleep(self.rng.uniform(0, 0.5))
            params = self.fakes.twilio.status_callback_params(
                record.sid, status, 30003 if undelivered else None
            )
            path = "/twilio/status"
            signature = self.fakes.twilio.sign(PUBLIC_BASE_URL + path, params)
            callback = Callback(record.sid, status)
            self.sent.append(callback)
            port = self.ports[len(self.sent) % len(self.ports)]
            try:
                response = await self._client.post(
                    f"http://127.0.0.1:{port}{path}",
                    data=params,
                    headers={"X-Twilio-Signature": signature},
                )
                callback.answered = response.status_code
                callback.text = response.text[:40]
            except httpx.HTTPError:
                callback.answered = -1
        finally:
            self.pending -= 1

    def close(self) -> None:
        if self._client is not None and self._loop is not None and self._loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop)
            future.result(10)


def holder_of(procs: list[Proc], lease: str, holders: dict[str, str]) -> Proc:
    """The live worker holding `lease` (found by the id it logged), else the oldest."""
    alive = [p for p in procs if p.alive and p.name.startswith("worker")]
    holder = holders.get(lease)
    for proc in alive:
        if holder is not None and proc.worker_id() == holder:
            return proc
    return alive[0]


def run(args: argparse.Namespace, fakes: Fakes, callbacks: Callbacks, url: str, tmp: Any) -> int:
    n = args.deliveries or (300 if args.quick else 3000)
    seeded = seed(url, n // 2, n - n // 2, sms_fallback=True)
    env = process_env(url, fakes.telegram_url, fakes.twilio_url, tmp / "media")
    procs = Processes(args.code, env, tmp)
    outbox = Outbox(url)
    events: list[tuple[float, str]] = []
    deadline = Deadline(120 if args.quick else 480)
    finished = None
    try:
        webs = [procs.web(f"web-{i + 1}") for i in range(WEBS)]
        for web in webs:
            wait_for_web(web)
        callbacks.ports = [w.port for w in webs if w.port]
        workers = [procs.worker(f"worker-{i + 1}", f"worker.{i + 1}") for i in range(WORKERS)]
        slots = {w.name: f"worker.{i + 1}" for i, w in enumerate(workers)}
        start = min(w.started for w in workers)
        plan = [(0.25, "stop", "channel:telegram"), (0.5, "kill", "channel:sms")]
        kills: list[tuple[float, str, dict[int, str]]] = []  # when, channel, statuses then
        while not deadline.passed:
            time.sleep(0.2)
            accepted = sum(1 for r in fakes.records() if r.ok)
            if plan and accepted >= plan[0][0] * n:
                _, how, lease = plan.pop(0)
                victim = holder_of(procs.all, lease, outbox.lease_holders())
                at = time.monotonic()
                if how == "stop":
                    took = procs.stop(victim)
                    events.append(
                        (at, f"SIGTERM {victim.name} (held {lease}; exited in {took:.1f} s)")
                    )
                else:
                    procs.kill(victim)
                    statuses_at_kill = outbox.statuses()  # the dead worker records nothing more
                    events.append((at, f"SIGKILL {victim.name} (held {lease})"))
                    kills.append((at, lease.removeprefix("channel:"), statuses_at_kill))
                # The platform restarts the process in the same slot (same worker name).
                replacement = procs.worker(f"worker-{len(workers) + 1}", slots[victim.name])
                slots[replacement.name] = slots[victim.name]
                workers.append(replacement)
                continue
            if not plan and open_deliveries(outbox.statuses()) == 0 and callbacks.pending == 0:
                time.sleep(1.0)  # a report that raced the last send is applied by now
                if open_deliveries(outbox.statuses()) == 0 and callbacks.pending == 0:
                    finished = time.monotonic()
                    break
        statuses = outbox.statuses()
        by_sid = outbox.by_provider_id()
        for web in webs:
            if not web.alive:
                events.append((time.monotonic(), f"{web.name} had exited"))
    finally:
        outbox.close()
        procs.close()
        if args.keep_logs:
            procs.dump_logs()
    return report(
        args,
        fakes,
        callbacks,
        seeded.by_marker,
        statuses,
        by_sid,
        events,
        kills,
        start,
        finished,
        deadline,
    )


def sends_in_flight(
    records: list[SendRecord], by_marker: dict[int, int], kill: tuple[float, str, dict[int, str]]
) -> int:
    """Sends on the killed worker's channel whose outcome it could not record: still open at
    the kill, or answered but not yet recorded as sent. Only these may go twice."""
    at, channel, statuses = kill
    mine = [r for r in records if r.channel == channel and r.marker is not None]
    open_ = {r.marker for r in mine if r.received <= at and (r.answered is None or r.answered > at)}
    unrecorded = {
        r.marker
        for r in mine
        if r.ok
        and r.answered is not None
        and r.answered <= at
        and statuses.get(by_marker.get(r.marker or 0, -1), "") not in SENT
    }
    return len(open_ | unrecorded)


def report(
    args: argparse.Namespace,
    fakes: Fakes,
    callbacks: Callbacks,
    by_marker: dict[int, int],
    statuses: dict[int, str],
    by_sid: dict[str, tuple[int, str]],
    events: list[tuple[float, str]],
    kills: list[tuple[float, str, dict[int, str]]],
    start: float,
    finished: float | None,
    deadline: Deadline,
) -> int:
    records = fakes.records()
    accepted = accepted_by_marker(records)
    got = {marker for marker, _ in accepted}
    lost = [m for m in by_marker if m not in got]
    doubled = sum(len(sends) - 1 for sends in accepted.values())
    in_flight = sum(sends_in_flight(records, by_marker, kill) for kill in kills)
    rejected = fakes.rejected_429()
    limit_429s = [r for r in records if r.status == 429]
    near = sum(1 for r in limit_429s if any(0 <= r.received - at <= 5 for at, _ in events))
    expected = {"delivered": ("delivered", "read"), "undelivered": ("undelivered", "failed")}
    unapplied = 0
    unknown = 0
    for callback in callbacks.sent:
        if callback.answered != 200:
            continue
        found = by_sid.get(callback.sid)
        if found is None:
            unknown += 1
        elif found[1] not in expected[callback.status]:
            unapplied += 1
            if args.keep_logs:
                print(f"unapplied: {callback} -> delivery {found}")
    errors = sum(1 for c in callbacks.sent if c.answered is None or not 200 <= c.answered < 500)
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    print()
    for at, what in events:
        print(f"  at {at - start:6.1f} s: {what}")
    print_table(
        [
            (
                "deliveries queued (+ fallbacks made)",
                f"{len(by_marker)} (+{len(statuses) - len(by_marker)})",
            ),
            ("lost", len(lost)),
            ("doubled (extra copies on one channel)", doubled),
            ("sends in flight at the kill (open, or answered unrecorded)", in_flight),
            ("429s from fake Telegram", rejected["Telegram"]),
            ("429s from fake Twilio", rejected["Twilio"]),
            ("429s within 5 s of a stop or kill", f"{near} of {len(limit_429s)}"),
            ("status callbacks posted", len(callbacks.sent)),
            ("status reports left unapplied", unapplied),
            ("callbacks whose message was never recorded", unknown),
            ("callbacks answered 5xx or not at all", errors),
            (
                "time, workers start to all settled",
                f"{finished - start:.1f} s"
                if finished
                else f"not within the bound ({deadline.seconds:.0f} s)",
            ),
            ("statuses", ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))),
        ]
    )
    ok = not lost and doubled <= in_flight and unapplied == 0 and errors == 0
    ok = ok and finished is not None
    ok = ok and sum(rejected.values()) == 0
    print(
        "  goal (none lost, doubled ≤ in flight at the kill, zero 429s, every report applied):",
        "met" if ok else "MISSED",
    )
    return 0 if ok or not args.check else 1


def main() -> int:
    p = common_parser(__doc__.splitlines()[0])
    p.add_argument("--deliveries", type=int, default=None, help="default 3000 (quick: 300)")
    args = p.parse_args()
    if not args.database_url:
        print("== scale-out: skipped (it needs PostgreSQL: --database-url URL) ==")
        return 0
    with experiment(args) as (tmp, code):
        n = args.deliveries or (300 if args.quick else 3000)
        print(
            f"== scale-out: {n} deliveries, {WEBS} web + {WORKERS} workers,"
            " one stopped, one killed =="
        )
        print(f"code: {code}")
        callbacks = Callbacks(None, random.Random(args.seed))
        with scratch_database(args.database_url, tmp) as url:
            print("database: PostgreSQL")
            with Fakes(enforce_limits=True, latency=0.02, on_twilio_accepted=callbacks) as fakes:
                callbacks.fakes = fakes
                try:
                    return run(args, fakes, callbacks, url, tmp)
                finally:
                    callbacks.close()


if __name__ == "__main__":
    sys.exit(main())
