"""What the reliability experiments share: whose code runs, a scratch database, real
`commbot worker` / `commbot serve` processes, the fake providers behind a recording (and
fault-injecting) layer, seeding, and reading the outbox.

Whose code: `--code DIR` names a commbot checkout (default: this one). The experiment's own
process imports `commbot` from it (to migrate, seed and read the outbox), and every worker
and web process it starts runs with ``PYTHONPATH=DIR``, so the same script measures the
code before and after a change. The fakes always come from *this* checkout's
``tests/fakes``: the instrument stays the same whatever is measured.

Processes are started only through their command line and environment (``commbot worker``,
``commbot serve --port N`` with ``DATABASE_URL`` and the provider base URLs), never through
internal APIs, so a change inside commbot does not break the experiment.

Everything listens on 127.0.0.1 on ports the OS picks; every temporary file is in one
temporary directory, removed at exit; every process started is killed at exit, also on
Ctrl-C, SIGTERM or an error. On PostgreSQL each run works in a schema of its own (named
``reliability_<random>``, dropped at the end) through ``search_path``, so the database given
is never cleared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, quote

BENCH_ROOT = Path(__file__).resolve().parents[2]

PUBLIC_BASE_URL = "https://commbot.bench"
TELEGRAM_SECRET = "bench-secret"
SMS_FROM = "+16175550100"
MARKER = re.compile(rb"RLB(\d{6})")
FIRST_CHAT_ID = 700_000_001
FIRST_PHONE = 16_172_000_000  # +1 617 200 0000, then up
TWILIO_MPS = 30  # what the workers are told; scale-out's fake holds them to it
FINAL = ("sent", "delivered", "read", "failed", "undelivered", "cancelled")


# -- whose code --------------------------------------------------------------------------


def common_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=os.environ.get("COMMBOT_BENCH_DATABASE_URL"),
        help="PostgreSQL URL to run on (in a scratch schema, dropped afterwards); "
        "default: a new SQLite file in a temporary directory",
    )
    p.add_argument(
        "--code",
        type=Path,
        default=BENCH_ROOT,
        help="the commbot checkout to measure (default: this one)",
    )
    p.add_argument("--quick", action="store_true", help="the small, fast run CI does")
    p.add_argument("--seed", type=int, default=10, help="random seed (faults, timings)")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a correctness goal is missed (lost, doubled beyond in flight, ...)",
    )
    p.add_argument("--keep-logs", action="store_true", help="print each process's log at the end")
    return p


def use_code(code: Path) -> str:
    """Import commbot from `code` and the fakes from this checkout. Returns a description
    of the code (its commit) for the report."""
    code = code.resolve()
    sys.path.insert(0, str(code))
    import commbot

    where = Path(commbot.__file__).resolve().parent
    if where != code / "commbot":
        raise SystemExit(f"commbot was imported from {where}, not from {code}")
    sys.path.insert(0, str(BENCH_ROOT))  # tests.fakes, from the bench's own checkout
    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        os.environ.pop(name, None)  # the twilio client rewrites its host when these are set
    return describe_code(code)


def describe_code(code: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(code), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(code), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(code)
    return f"{code} at {commit[:70]}" + (" (uncommitted changes)" if dirty else "")


# -- exiting cleanly ---------------------------------------------------------------------


class Interrupted(Exception):
    """SIGTERM or SIGINT: unwind, so every process and temporary file is cleaned up."""


def exit_on_signals() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


class Deadline:
    """A phase's time bound."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at


# -- a scratch database ------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(url: str | None, tmp: Path) -> Iterator[str]:
    """A migrated, empty database; its URL (as processes get it in DATABASE_URL)."""
    from sqlalchemy import text

    from commbot.config import load_settings
    from commbot.db import make_engine
    from commbot.migrate import upgrade

    if url is None:
        url = f"sqlite:///{tmp / 'reliability.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    url = load_settings(DATABASE_URL=url).database_url  # normalise the dialect
    if not url.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    schema = f"reliability_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in url else "?"
    scoped = f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"
    try:
        engine = make_engine(scoped)
        upgrade(engine)
        engine.dispose()
        yield scoped
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def backend_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


# -- commbot processes -------------------------------------------------------------------

CLI = "import sys; from commbot.cli import main; sys.exit(main())"


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float
    port: int | None = None

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def worker_id(self) -> str | None:
        """The id the worker logs at start ("worker <id> sending on ..."), if it has."""
        found = re.search(r"worker (\S+) sending on", self.log_text())
        return found.group(1) if found else None


class Processes:
    """Starts commbot processes for `code` with `env`, and kills every one of them at the
    end, whatever happens."""

    def __init__(self, code: Path, env: dict[str, str], tmp: Path) -> None:
        self.code = code.resolve()
        self.env = env
        self.tmp = tmp
        self.all: list[Proc] = []
        self._count = 0

    def _start(self, name: str, args: list[str], port: int | None = None, **extra: str) -> Proc:
        env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_EDGE", "TWILIO_REGION")}
        env.update(self.env)
        env.update(extra)
        env["PYTHONPATH"] = str(self.code)
        env["PYTHONUNBUFFERED"] = "1"
        self._count += 1
        log = self.tmp / f"{self._count:02d}-{name}.log"
        workdir = self.tmp / "cwd"  # empty: no .env is read, nothing is written elsewhere
        workdir.mkdir(exist_ok=True)
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-c", CLI, *args],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        proc = Proc(name, popen, log, time.monotonic(), port)
        self.all.append(proc)
        return proc

    def worker(self, name: str, slot: str | None = None) -> Proc:
        """A `commbot worker`. `slot` is its process slot, as a platform names it
        ("worker.1"), passed as COMMBOT_WORKER_NAME: a replacement started in the same slot
        may take over its dead predecessor's leases at once (code that does not know the
        variable ignores it)."""
        extra = {"COMMBOT_WORKER_NAME": slot} if slot else {}
        return self._start(name, ["worker"], **extra)

    def web(self, name: str) -> Proc:
        port = free_port()
        return self._start(name, ["serve", "--host", "127.0.0.1", "--port", str(port)], port)

    def kill(self, proc: Proc) -> None:
        """SIGKILL, as a crash: nothing in the process runs after it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(10)

    def stop(self, proc: Proc, timeout: float = 30.0) -> float:
        """SIGTERM, as a deploy does; seconds it took to exit (killed after `timeout`)."""
        start = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.popen.pid, signal.SIGTERM)
        try:
            proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
        return time.monotonic() - start

    def close(self) -> None:
        for proc in self.all:
            if proc.alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.popen.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.popen.wait(10)

    def dump_logs(self) -> None:
        for proc in self.all:
            print(f"--- log of {proc.name} (exit {proc.popen.poll()}) ---")
            print(proc.log_text()[-6000:])


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be killed if the experiment dies (even by
    SIGKILL, when its own clean-up cannot run)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_web(proc: Proc, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive:
            raise RuntimeError(f"{proc.name} exited at start:\n{proc.log_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{proc.port}/healthz", timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not answer within {timeout:.0f} s")


def process_env(
    database_url: str, telegram_url: str, twilio_url: str, media: Path
) -> dict[str, str]:
    """The environment every worker and web process gets: the fakes as providers."""
    from tests.fakes.telegram import DEFAULT_TOKEN
    from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

    return {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": SMS_FROM,
        "TWILIO_API_BASE_URL": twilio_url,
        "COMMBOT_TRANSLATOR": "none",
        "COMMBOT_MEDIA_DIR": str(media),
        "COMMBOT_TWILIO_MPS": str(TWILIO_MPS),
    }


# -- the layer in front of the fakes -----------------------------------------------------


@dataclass
class SendRecord:
    """One send request as the layer in front of a fake saw it (fake's monotonic clock)."""

    channel: str  # "telegram" or "sms"
    marker: int | None  # which delivery (the RLBnnnnnn in its text)
    sender: str  # what the provider rate-limits by: the bot, or the From number
    chat: str
    received: float
    answered: float | None = None
    status: int | None = None
    fault: str | None = None  # "5xx", "429", "hang" when the layer answered, not the fake
    retry_after: float | None = None
    sid: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class FaultPlan:
    """Which sends the layer answers itself, and how. Shares are of all sends."""

    share_5xx: float = 0.0
    share_429: float = 0.0
    share_hang: float = 0.0
    hang_seconds: float = 20.0
    retry_after: tuple[int, ...] = (1, 2, 3)
    rng: random.Random = field(default_factory=random.Random)

    def pick(self) -> str | None:
        roll = self.rng.random()
        for name, share in (("5xx", self.share_5xx), ("429", self.share_429)):
            if roll < share:
                return name
            roll -= share
        return "hang" if roll < self.share_hang else None


Hook = Callable[[SendRecord], Awaitable[None]]


class SendLayer:
    """ASGI middleware in front of a fake: records every send, may answer it with a fault
    or a rate-limit 429 instead of the fake, and may add a provider's latency."""

    def __init__(
        self,
        app: Any,
        channel: str,
        *,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        window_limit: int | None = None,
        on_accepted: Hook | None = None,
    ) -> None:
        from tests.fakes.faults import RateLimiter

        self.app = app
        self.channel = channel
        self.faults = faults
        self.latency = latency
        # Twilio's MPS as "at most N accepted in any 1 s per sender" (the fake's own rule is
        # one per 1/N s, which no sender that counts per second can keep).
        self.limiter = RateLimiter(None, window_limit) if window_limit else None
        self.rejected_429 = 0
        self.on_accepted = on_accepted
        self.records: list[SendRecord] = []
        self.lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def snapshot(self) -> list[SendRecord]:
        with self.lock:
            return list(self.records)

    def _is_send(self, scope: dict[str, Any]) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        path: str = scope["path"]
        if self.channel == "telegram":
            from tests.fakes.telegram import SEND_METHODS

            return path.rsplit("/", 1)[-1] in SEND_METHODS
        return path.endswith("/Messages.json")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self._is_send(scope):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        record = self._record(body)
        fault = self.faults.pick() if self.faults else None
        if fault is None and self.limiter is not None:
            with self.lock:
                if not self.limiter.accept(record.sender, record.received):
                    self.rejected_429 += 1
                    fault = "limit"
        if fault is not None:
            await self._answer_fault(record, fault, send)
            return
        answer: list[dict[str, Any]] = []

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: dict[str, Any]) -> None:
            answer.append(message)

        await self.app(scope, replay, capture)
        if self.latency:
            await asyncio.sleep(self.latency * random.uniform(0.5, 1.5))
        for message in answer:
            if message["type"] == "http.response.start":
                record.status = int(message["status"])
        raw = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
        with contextlib.suppress(ValueError, AttributeError):
            record.sid = json.loads(raw).get("sid")
        try:
            for message in answer:
                await send(message)
        finally:
            record.answered = time.monotonic()
        if record.ok and self.on_accepted is not None:
            task = asyncio.get_running_loop().create_task(self.on_accepted(record))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _record(self, body: bytes) -> SendRecord:
        found = MARKER.search(body)
        chat = sender = ""
        if self.channel == "telegram":
            sender = "bot"
            chat_match = re.search(rb'chat_id"?\s*[:=]\s*"?(-?\d+)', body)
            if chat_match is None:
                chat_match = re.search(rb'name="chat_id"\r\n\r\n(-?\d+)', body)
            chat = chat_match.group(1).decode() if chat_match else ""
        else:
            fields = parse_qs(body.decode(errors="replace"))
            sender = (fields.get("From") or fields.get("MessagingServiceSid") or [""])[-1]
            chat = (fields.get("To") or [""])[-1]
        record = SendRecord(
            channel=self.channel,
            marker=int(found.group(1)) if found else None,
            sender=sender,
            chat=chat,
            received=time.monotonic(),
        )
        with self.lock:
            self.records.append(record)
        return record

    async def _answer_fault(self, record: SendRecord, fault: str, send: Any) -> None:
        headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
        retry_after: int | None = None
        if fault == "hang":
            assert self.faults is not None
            record.fault = "hang"
            await asyncio.sleep(self.faults.hang_seconds)  # the client gives up first
            status, body = 504, self._error_body(504, None)
        elif fault == "5xx":
            record.fault = "5xx"
            status = random.choice((500, 502, 503))
            body = self._error_body(status, None)
        else:
            record.fault = "429"
            retry_after = random.choice(self.faults.retry_after) if self.faults else 1
            if fault == "limit":
                record.fault, retry_after = "limit", 1
            status, body = 429, self._error_body(429, retry_after)
            headers.append((b"retry-after", str(retry_after).encode()))
        record.status, record.retry_after = status, retry_after
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            record.answered = time.monotonic()

    def _error_body(self, status: int, retry_after: int | None) -> bytes:
        if self.channel == "telegram":
            answer: dict[str, Any] = {
                "ok": False,
                "error_code": status,
                "description": "Too Many Requests: retry after " + str(retry_after)
                if status == 429
                else "Internal Server Error",
            }
            if retry_after is not None:
                answer["parameters"] = {"retry_after": retry_after}
            return json.dumps(answer).encode()
        code = 20429 if status == 429 else 20000 + status
        message = "Too Many Requests" if status == 429 else "Service Unavailable"
        return json.dumps(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        ).encode()


class Fakes:
    """FakeTelegram and FakeTwilio, each served behind a `SendLayer`, on 127.0.0.1."""

    def __init__(
        self,
        *,
        enforce_limits: bool = False,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        on_twilio_accepted: Hook | None = None,
    ) -> None:
        from tests.fakes import FakeTelegram, FakeTwilio
        from tests.fakes.server import ServerThread

        self.telegram = FakeTelegram(enforce_limits=enforce_limits)
        self.twilio = FakeTwilio()
        # The fakes' own apps, served behind the layer on servers of our own.
        self.telegram_layer = SendLayer(
            self.telegram._server_thread.app, "telegram", faults=faults, latency=latency
        )
        self.twilio_layer = SendLayer(
            self.twilio._server_thread.app,
            "sms",
            faults=faults,
            latency=latency,
            window_limit=TWILIO_MPS if enforce_limits else None,
            on_accepted=on_twilio_accepted,
        )
        self._servers = [ServerThread(self.telegram_layer), ServerThread(self.twilio_layer)]
        self.telegram_url = ""
        self.twilio_url = ""

    def __enter__(self) -> Fakes:
        self.telegram_url = self._servers[0].start()
        self.twilio_url = self._servers[1].start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.stop()

    def records(self) -> list[SendRecord]:
        return sorted(
            self.telegram_layer.snapshot() + self.twilio_layer.snapshot(),
            key=lambda r: r.received,
        )

    def rejected_429(self) -> dict[str, int]:
        """429s for the rate limits, by provider (not the injected faults)."""
        return {
            "Telegram": self.telegram.rejected_429_count,
            "Twilio": self.twilio_layer.rejected_429 + self.twilio.rejected_429_count,
        }


# -- seeding and reading the outbox ------------------------------------------------------


def marker_text(index: int) -> str:
    return f"Field trip form RLB{index:06d}: please sign and return it by Friday."


@dataclass
class Seeded:
    by_marker: dict[int, int]  # marker -> delivery id
    channel_of: dict[int, str]  # marker -> "telegram" / "sms"


def seed(database_url: str, telegram: int, sms: int, *, sms_fallback: bool = False) -> Seeded:
    """`telegram` + `sms` guardians, each with one contact point (SMS guardians also a
    Telegram one when `sms_fallback`), and one delivery queued to each, no quiet hours."""
    from commbot.db import make_engine, transaction
    from commbot.models import Channel, ContactPoint, Guardian, Lane, School, utcnow
    from commbot.outbox import to_guardian

    engine = make_engine(database_url)
    now = utcnow()
    seeded = Seeded({}, {})
    with transaction(engine) as session:
        school = School(name="Reliability Elementary", timezone="America/New_York")
        session.add(school)
        session.flush()
        kinds = [False] * telegram + [True] * sms
        random.Random(0).shuffle(kinds)  # the two channels interleaved, the same every run
        for index, on_sms in enumerate(kinds):
            channel = Channel.SMS if on_sms else Channel.TELEGRAM
            guardian = Guardian(
                school_id=school.id,
                external_id=f"R{index}",
                name=f"Guardian {index}",
                language="en",
                timezone="America/New_York",
                quiet_hours="",
                preferred_channel=channel,
            )
            session.add(guardian)
            session.flush()
            phone = f"+{FIRST_PHONE + index}"
            chat = str(FIRST_CHAT_ID + index)
            point = ContactPoint(
                guardian_id=guardian.id,
                channel=channel,
                address=phone if on_sms else chat,
                verified=True,
                priority=1,
            )
            session.add(point)
            if on_sms and sms_fallback:
                session.add(
                    ContactPoint(
                        guardian_id=guardian.id,
                        channel=Channel.TELEGRAM,
                        address=chat,
                        verified=True,
                        priority=2,
                    )
                )
            session.flush()
            delivery = to_guardian(
                session,
                guardian=guardian,
                now=now,
                default_timezone="America/New_York",
                header="Reliability Elementary:",
                body=marker_text(index),
                body_language="en",
                lane=Lane.BROADCAST,
                point=point,
            )
            assert delivery is not None
            session.flush()
            seeded.by_marker[index] = delivery.id
            seeded.channel_of[index] = "sms" if on_sms else "telegram"
    engine.dispose()
    return seeded


class Outbox:
    """Reads deliveries' statuses, through the measured code's own models."""

    def __init__(self, database_url: str) -> None:
        from commbot.db import make_engine

        self.engine = make_engine(database_url)

    def statuses(self) -> dict[int, str]:
        from sqlalchemy import select

        from commbot.db import transaction
        from commbot.models import Delivery

        with transaction(self.engine) as session:
            rows = session.execute(select(Delivery.id, Delivery.status)).all()
        return {delivery_id: str(status.value) for delivery_id, status in rows}

    def claims(self) -> dict[int, str | None]:
        """Deliveries being sent, and by which worker."""
        from sqlalchemy import select

        from commbot.db import transaction
        from commbot.models import Delivery, DeliveryStatus

        with transaction(self.engine) as session:
            rows = session.execute(
                select(Delivery.id, Delivery.claimed_by).where(
                    Delivery.status == DeliveryStatus.SENDING
                )
            ).all()
        return dict(rows)  # type: ignore[arg-type]

    def by_provider_id(self) -> dict[str, tuple[int, str]]:
        from sqlalchemy import select

        from commbot.db import transaction
        from commbot.models import Delivery

        with transaction(self.engine) as session:
            rows = session.execute(
                select(Delivery.provider_message_id, Delivery.id, Delivery.status).where(
                    Delivery.provider_message_id.is_not(None)
                )
            ).all()
        return {pid: (delivery_id, str(status.value)) for pid, delivery_id, status in rows}

    def lease_holders(self) -> dict[str, str]:
        from sqlalchemy import select

        from commbot.db import transaction
        from commbot.models import SenderLease

        with transaction(self.engine) as session:
            rows = session.execute(select(SenderLease.sender, SenderLease.holder)).all()
        return dict(rows)

    def close(self) -> None:
        self.engine.dispose()


def open_deliveries(statuses: dict[int, str]) -> int:
    return sum(1 for s in statuses.values() if s not in FINAL and s != "held")


def accepted_by_marker(records: list[SendRecord]) -> dict[tuple[int, str], list[SendRecord]]:
    """Accepted sends per (delivery marker, channel)."""
    out: dict[tuple[int, str], list[SendRecord]] = {}
    for record in records:
        if record.ok and record.marker is not None:
            out.setdefault((record.marker, record.channel), []).append(record)
    return out


@contextlib.contextmanager
def experiment(args: argparse.Namespace) -> Iterator[tuple[Path, str]]:
    """The temporary directory and the code's description, with signals handled."""
    exit_on_signals()
    code = use_code(args.code)
    with tempfile.TemporaryDirectory(prefix="commbot-reliability-") as tmp:
        yield Path(tmp), code


def print_table(rows: list[tuple[str, object]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
