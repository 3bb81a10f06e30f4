"""Webhook latency for inbound SMS: Twilio's POST to the committed outbox row.

Starts commbot's web app (`create_app`) under uvicorn on 127.0.0.1 in a child process (as
`commbot serve` runs it, INFO logging included), with the example roster imported, then posts
signed Twilio inbound SMS from a known family (+16175550134, Rosa Pérez) at a steady rate,
open-loop: each request starts at its scheduled time whether or not earlier ones have been
answered. The app commits the inbound message and the delivery it causes (a relay to the
child's teacher) before it answers, so request start to response is webhook to committed
outbox row.

    python bench/inbound_latency.py [--rate 100] [--duration 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import (
    PUBLIC_BASE_URL,
    REPO_ROOT,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    backend_name,
    clean_environment,
    count_deliveries,
    fresh_database,
    make_settings,
    parser,
    percentile,
    verdict,
)
from twilio.request_validator import RequestValidator

from commbot.db import make_engine, transaction
from commbot.roster import import_roster

FAMILY_NUMBER = "+16175550134"  # Rosa Pérez in examples/roster.csv: one child, one teacher
SCHOOL_NUMBER = "+16175550100"
PATH = "/twilio/inbound"
WARMUP_REQUESTS = 50
TARGET_P99_MS = 50.0
START_TIMEOUT = 30.0


# -- the server (child process) ---------------------------------------------------------------


def serve(database_url: str) -> None:
    """Run commbot's web app as `commbot serve` does, on a port the OS picks; print the port."""
    from commbot.logs import configure as configure_logging
    from commbot.server import serve as run_server

    clean_environment()
    configure_logging()  # as `commbot serve` does
    settings = make_settings(database_url)
    # Name the protocol so asyncio sets TCP_NODELAY, as it does on sockets uvicorn opens itself.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    run_server(settings, make_engine(settings.database_url), sock=sock)


def start_server(database_url: str, log_path: Path) -> tuple[subprocess.Popen[str], str]:
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", database_url],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"the server did not start; see {log_path}:\n{log_path.read_text()}")
    return proc, f"http://127.0.0.1:{line.split()[1]}"


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# -- the load generator -----------------------------------------------------------------------


@dataclass
class Outcome:
    latency: float  # seconds, request start to response
    lag: float  # seconds the request started after its scheduled time
    status: int | None  # None when the request raised
    error: str | None = None


def signed_requests(count: int, prefix: str) -> list[tuple[dict[str, str], str]]:
    """`count` inbound SMS forms from the family, each with its own MessageSid, and signatures."""
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    items = []
    for i in range(count):
        form = {
            "MessageSid": f"SM{prefix}{i:030d}",
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": FAMILY_NUMBER,
            "To": SCHOOL_NUMBER,
            "Body": f"Is the field trip still on for tomorrow? ({prefix}-{i})",
            "NumMedia": "0",
        }
        items.append((form, validator.compute_signature(PUBLIC_BASE_URL + PATH, form)))
    return items


async def post(
    client: httpx.AsyncClient, form: dict[str, str], signature: str, at: float
) -> Outcome:
    start = time.monotonic()
    try:
        response = await client.post(PATH, data=form, headers={"X-Twilio-Signature": signature})
    except httpx.HTTPError as exc:
        return Outcome(time.monotonic() - start, start - at, None, type(exc).__name__)
    latency = time.monotonic() - start
    error = None if response.status_code == 200 else f"HTTP {response.status_code}"
    return Outcome(latency, start - at, response.status_code, error)


async def open_loop(
    client: httpx.AsyncClient, items: list[tuple[dict[str, str], str]], rate: float
) -> tuple[list[Outcome], float]:
    """Start request i at t0 + i / rate, never waiting for answers; return outcomes and the
    time from the first start to the last answer."""
    tasks = []
    t0 = time.monotonic() + 0.05
    for i, (form, signature) in enumerate(items):
        at = t0 + i / rate
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(client, form, signature, at)))
    outcomes = await asyncio.gather(*tasks)
    return list(outcomes), time.monotonic() - t0


async def wait_healthy(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the server did not answer /healthz")
        await asyncio.sleep(0.1)


async def load(base_url: str, rate: float, duration: float, engine_url: str) -> None:
    engine = make_engine(engine_url)
    total = round(rate * duration)
    warmup = signed_requests(WARMUP_REQUESTS, "W")
    measured = signed_requests(total, "M")
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        await wait_healthy(client)
        warm, _ = await open_loop(client, warmup, rate)
        warm_errors = sum(1 for o in warm if o.error)
        before = await asyncio.to_thread(count_deliveries, engine)
        print(f"warm-up: {len(warm)} requests ({warm_errors} errors), not counted", flush=True)
        print(f"measuring: {total} requests at {rate:g}/s for {duration:g} s ...", flush=True)
        outcomes, span = await open_loop(client, measured, rate)
    after = await asyncio.to_thread(count_deliveries, engine)
    engine.dispose()

    ok = [o for o in outcomes if o.error is None]
    errors = Counter(o.error for o in outcomes if o.error)
    ms = [o.latency * 1000 for o in outcomes]
    lags = [o.lag * 1000 for o in outcomes]
    p99 = percentile(ms, 99)
    new = after - before
    print()
    print("== inbound SMS webhook latency (request start to response = committed outbox row) ==")
    print(
        f"requests:         {len(outcomes)} at {rate:g}/s open-loop, done in {span:.1f} s "
        f"({len(outcomes) / span:.1f} req/s answered)"
    )
    print(f"latency p50:      {percentile(ms, 50):.1f} ms")
    print(f"latency p95:      {percentile(ms, 95):.1f} ms")
    print(
        f"latency p99:      {p99:.1f} ms (target <= {TARGET_P99_MS:g} ms) "
        f"[{verdict(p99 <= TARGET_P99_MS)}]"
    )
    print(f"latency max:      {max(ms):.1f} ms")
    print(f"latency mean:     {sum(ms) / len(ms):.1f} ms")
    error_text = ", ".join(f"{k} x{v}" for k, v in errors.most_common())
    print(f"errors:           {sum(errors.values())}" + (f" ({error_text})" if errors else ""))
    print(
        f"start lag p99:    {percentile(lags, 99):.1f} ms, max {max(lags):.1f} ms "
        "(how late the generator started requests)"
    )
    print(
        f"new deliveries:   {new} for {len(outcomes)} requests ({len(ok)} answered 200) "
        f"[{verdict(new == len(outcomes) == len(ok))}]"
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=100.0, help="requests per second")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    p.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)  # the child process
    args = p.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with fresh_database(args.database_url) as (url, engine):
        print(f"database: {backend_name(url)}")
        with transaction(engine) as session:
            import_roster(session, REPO_ROOT / "examples" / "roster.csv")
        engine.dispose()  # the server process opens its own connections
        with tempfile.TemporaryDirectory(prefix="commbot-bench-log-") as tmp:
            log_path = Path(tmp) / "server.log"
            proc, base_url = start_server(url, log_path)
            print(f"commbot web app (uvicorn) at {base_url}, pid {proc.pid}")
            try:
                asyncio.run(load(base_url, args.rate, args.duration, url))
            finally:
                stop_server(proc)
            problems = [
                line
                for line in log_path.read_text().splitlines()
                if " ERROR " in line or "Traceback" in line
            ]
            if problems:
                print(f"server log: {len(problems)} error lines, first: {problems[0]}")


if __name__ == "__main__":
    main()
