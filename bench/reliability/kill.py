"""Crash recovery: `kill -9` a real `commbot worker` mid-burst, start another, repeat.

Queues a burst of deliveries (half Telegram, half SMS, each text marked uniquely with
``RLBnnnnnn``), starts one `commbot worker` against the fake Telegram and Twilio (which
answer after a provider-like latency), and when it has sent part of the burst kills it with
SIGKILL and at once starts a new worker; `--kills` times. For each kill it prints:

- in flight: sends the fake had received but not yet answered at the kill, plus sends it had
  accepted whose delivery was not recorded as sent (the worker died in between). These are
  the duplicates no at-least-once sender can avoid;
- claimed: deliveries the dead worker held (status "sending" after the kill);
- duplicates: extra copies the fake accepted of the dead worker's deliveries;
- restart → first send: from starting the new worker to the first send the fakes receive;
- restart → claimed out: until every delivery the dead worker had claimed is recorded sent.

And in total: lost (never accepted by a fake) and doubled deliveries.

    python bench/reliability/kill.py [--quick] [--database-url URL] [--code DIR]
        [--deliveries 1000] [--kills 3] [--latency 0.05] [--check]
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field

from harness import (
    Deadline,
    Fakes,
    Outbox,
    Processes,
    SendRecord,
    accepted_by_marker,
    backend_name,
    common_parser,
    experiment,
    open_deliveries,
    print_table,
    process_env,
    scratch_database,
    seed,
)

SENT = ("sent", "delivered", "read")
DONE = (*SENT, "failed", "undelivered", "cancelled")
# Requests a dead worker wrote just before the kill may reach the fake a moment later; a
# new worker cannot send this soon after it is started (Python and commbot take longer).
ARRIVAL_GRACE = 0.3


@dataclass
class Kill:
    number: int
    at: float
    restart: float
    claimed: set[int]  # markers
    open_requests: set[int] = field(default_factory=set)
    answered_unrecorded: set[int] = field(default_factory=set)
    first_send: float | None = None
    all_out: float | None = None
    duplicates: int = 0

    @property
    def in_flight(self) -> int:
        return len(self.open_requests | self.answered_unrecorded)


def figures(value: float | None, since: float) -> str:
    return "not within the bound" if value is None else f"{value - since:.1f} s"


def run(args: object, fakes: Fakes, procs: Processes, url: str, n: int, kills: int) -> int:
    seeded = seed(url, n // 2, n - n // 2)
    delivery_of = seeded.by_marker
    marker_of = {d: m for m, d in delivery_of.items()}
    outbox = Outbox(url)
    rng = random.Random(getattr(args, "seed", 10))
    quick = getattr(args, "quick", False)
    segment = n / (kills + 1)
    start = time.monotonic()
    slot = None if getattr(args, "unnamed", False) else "worker.1"
    worker = procs.worker("worker-1", slot)
    done: list[Kill] = []
    threshold = int(segment * rng.uniform(0.4, 0.8))
    deadline = Deadline(75 if quick else 480)  # the old code reclaims after 5 minutes
    finished = None
    try:
        while not deadline.passed:
            time.sleep(0.1)
            now = time.monotonic()
            records = fakes.records()
            statuses = outbox.statuses()
            for kill in done:
                if kill.first_send is None:
                    later = [r.received for r in records if r.received >= kill.restart]
                    kill.first_send = min(later) if later else None
                if kill.all_out is None and all(
                    statuses[delivery_of[m]] in DONE for m in kill.claimed
                ):
                    kill.all_out = now
            if not worker.alive:
                print(f"the worker exited by itself:\n{worker.log_text()[-3000:]}")
                return 1
            if len(done) < kills:
                mine = [r for r in records if r.received >= worker.started and r.ok]
                if len(mine) >= threshold:
                    done.append(
                        kill_and_restart(procs, worker, fakes, outbox, marker_of, len(done), slot)
                    )
                    worker = procs.all[-1]
                    threshold = int(segment * rng.uniform(0.4, 0.8))
                continue
            if open_deliveries(statuses) == 0 and all(k.all_out for k in done):
                finished = now
                break
        records = fakes.records()
        statuses = outbox.statuses()
    finally:
        outbox.close()
    return report(args, done, records, statuses, seeded.by_marker, start, finished, deadline)


def kill_and_restart(
    procs: Processes,
    worker: object,
    fakes: Fakes,
    outbox: Outbox,
    marker_of: dict[int, int],
    number: int,
    slot: str | None,
) -> Kill:
    from harness import Proc

    assert isinstance(worker, Proc)
    at = time.monotonic()
    procs.kill(worker)
    statuses = outbox.statuses()  # the dead worker can record nothing more
    claims = outbox.claims()
    replacement = procs.worker(f"worker-{number + 2}", slot)  # restarted in the same slot
    dead = worker.worker_id()  # None if its log does not say: then every claim is its own
    claimed = {
        marker_of[d] for d, holder in claims.items() if d in marker_of and dead in (None, holder)
    }
    delivery_of = {m: d for d, m in marker_of.items()}
    time.sleep(ARRIVAL_GRACE)
    records = fakes.records()
    records = [r for r in records if r.received >= worker.started]  # the dead worker's
    opened = {
        r.marker
        for r in records
        if r.marker is not None
        and r.received <= at + ARRIVAL_GRACE
        and r.received < replacement.started + ARRIVAL_GRACE
        and (r.answered is None or r.answered > at)
    }
    unrecorded = {
        r.marker
        for r in records
        if r.ok
        and r.marker is not None
        and r.answered is not None
        and r.answered <= at
        and statuses.get(delivery_of[r.marker], "") not in SENT
    }
    return Kill(number + 1, at, replacement.started, claimed, opened, unrecorded)


def report(
    args: object,
    kills: list[Kill],
    records: list[SendRecord],
    statuses: dict[int, str],
    by_marker: dict[int, int],
    start: float,
    finished: float | None,
    deadline: Deadline,
) -> int:
    accepted = accepted_by_marker(records)
    copies: dict[int, int] = {}
    unattributed = 0
    for (marker, _channel), sends in accepted.items():
        copies[marker] = copies.get(marker, 0) + len(sends)
        for extra in sends[1:]:
            # An extra copy is the doing of the last kill before it whose dead worker had
            # claimed this delivery.
            blamed = [k for k in kills if k.at < extra.received and marker in k.claimed]
            if blamed:
                blamed[-1].duplicates += 1
            else:
                unattributed += 1
    lost = [m for m in by_marker if copies.get(m, 0) == 0]
    doubled = sum(max(0, c - 1) for c in copies.values())
    print()
    print(
        f"{'kill':>4} {'in flight':>9} {'(open+unrec.)':>13} {'claimed':>7} {'duplicates':>10} "
        f"{'restart→first send':>18} {'restart→claimed out':>19}"
    )
    for k in kills:
        print(
            f"{k.number:>4} {k.in_flight:>9} "
            f"{f'{len(k.open_requests)}+{len(k.answered_unrecorded - k.open_requests)}':>13} "
            f"{len(k.claimed):>7} {k.duplicates:>10} {figures(k.first_send, k.restart):>18} "
            f"{figures(k.all_out, k.restart):>19}"
        )
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    print()
    print_table(
        [
            ("deliveries", len(by_marker)),
            ("lost (never accepted by a fake)", len(lost)),
            ("duplicates in all (extra copies)", doubled),
            ("duplicates not after a kill", unattributed),
            ("sends in flight at the kills, in all", sum(k.in_flight for k in kills)),
            (
                "time, first worker start to all recorded",
                f"{finished - start:.1f} s"
                if finished
                else f"not within the bound ({deadline.seconds:.0f} s)",
            ),
            ("statuses", ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))),
        ]
    )
    worst = max((k.all_out - k.restart for k in kills if k.all_out), default=0.0)
    ok = (
        not lost
        and not unattributed
        and all(k.duplicates <= k.in_flight for k in kills)
        and all(k.all_out for k in kills)
    )
    print(f"  goal (none lost, duplicates ≤ in flight, claims out): {'met' if ok else 'MISSED'}")
    print(f"  slowest recovery of a dead worker's claims: {worst:.1f} s")
    return 0 if ok or not getattr(args, "check", False) else 1


def main() -> int:
    p = common_parser(__doc__.splitlines()[0])
    p.add_argument("--deliveries", type=int, default=None, help="default 1000 (quick: 300)")
    p.add_argument("--kills", type=int, default=None, help="default 3 (quick: 2)")
    p.add_argument(
        "--latency", type=float, default=0.05, help="the fakes' answer time, s (default 0.05)"
    )
    p.add_argument(
        "--unnamed",
        action="store_true",
        help="start workers without COMMBOT_WORKER_NAME (a replacement cannot know it "
        "replaces the dead one, and waits out its lease)",
    )
    args = p.parse_args()
    n = args.deliveries or (300 if args.quick else 1000)
    kills = args.kills or (2 if args.quick else 3)
    with experiment(args) as (tmp, code):
        print(f"== kill: {n} deliveries, {kills} kills (SIGKILL) ==")
        named = "without names" if args.unnamed else "restarted in the same slot (worker.1)"
        print(f"workers: {named}")
        print(f"code: {code}")
        with scratch_database(args.database_url, tmp) as url, Fakes(latency=args.latency) as fakes:
            print(f"database: {backend_name(url)}")
            env = process_env(url, fakes.telegram_url, fakes.twilio_url, tmp / "media")
            procs = Processes(args.code, env, tmp)
            try:
                return run(args, fakes, procs, url, n, kills)
            finally:
                procs.close()
                if args.keep_logs:
                    procs.dump_logs()


if __name__ == "__main__":
    sys.exit(main())
