"""Shared set-up for the benchmarks: a fresh database, settings, seeding, and figures.

Each benchmark runs as ``python bench/<name>.py`` from the repository root. By default it uses a
new SQLite file in a temporary directory; ``--database-url URL`` runs it on PostgreSQL instead,
after dropping and re-creating schema ``public`` there (everything in it is lost).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.sql.expression import TableClause

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.fakes

from commbot.config import Settings, load_settings  # noqa: E402
from commbot.db import make_engine, transaction  # noqa: E402
from commbot.migrate import upgrade  # noqa: E402
from commbot.models import (  # noqa: E402
    AuthorKind,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Lane,
    Message,
    MessageKind,
    School,
    utcnow,
)
from commbot.outbox import to_guardian  # noqa: E402

PUBLIC_BASE_URL = "https://commbot.bench"
TWILIO_ACCOUNT_SID = "AC" + "1" * 32
TWILIO_AUTH_TOKEN = "test-auth-token"
TELEGRAM_ALLOWED_PER_SECOND = 30
FIRST_CHAT_ID = 100_000_001
DEFAULT_TIMEZONE = "America/New_York"


def clean_environment() -> None:
    """The twilio client rewrites its API host when these are set; commbot reads its own."""
    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        os.environ.pop(name, None)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=None,
        help="run on this PostgreSQL database (schema public is dropped and re-created); "
        "default: a new SQLite file in a temporary directory",
    )
    return p


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[str, Engine]]:
    """A migrated, empty database: a new SQLite file, or PostgreSQL with schema public reset."""
    clean_environment()
    with tempfile.TemporaryDirectory(prefix="commbot-bench-") as tmp:
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url = load_settings(DATABASE_URL=url).database_url  # normalise the dialect
            if not url.startswith("postgresql"):
                raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
            engine = make_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()


def backend_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def make_settings(database_url: str, **overrides: str) -> Settings:
    values = {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "COMMBOT_TRANSLATOR": "none",
    }
    values.update(overrides)
    return load_settings(**values)


def chat_ids(count: int) -> list[int]:
    return list(range(FIRST_CHAT_ID, FIRST_CHAT_ID + count))


def seed_telegram_broadcast(engine: Engine, count: int) -> list[int]:
    """A school whose `count` guardians each have a Telegram chat, and one BROADCAST-lane
    delivery queued to each (no quiet hours). Returns the chat ids, in delivery order."""
    ids = chat_ids(count)
    now = utcnow()
    with transaction(engine) as session:
        school = School(name="Bench Elementary", timezone=DEFAULT_TIMEZONE)
        session.add(school)
        session.flush()
        guardians = [
            Guardian(
                school_id=school.id,
                external_id=f"G{chat_id}",
                name=f"Guardian {chat_id}",
                language="en",
                timezone=DEFAULT_TIMEZONE,
                quiet_hours="",
                preferred_channel=Channel.TELEGRAM,
            )
            for chat_id in ids
        ]
        session.add_all(guardians)
        session.flush()
        points = [
            ContactPoint(
                guardian_id=guardian.id,
                channel=Channel.TELEGRAM,
                address=str(chat_id),
                verified=True,
            )
            for guardian, chat_id in zip(guardians, ids, strict=True)
        ]
        session.add_all(points)
        session.flush()
        message = Message(
            kind=MessageKind.BROADCAST,
            author_kind=AuthorKind.SYSTEM,
            text="No school on Friday: staff development day.",
            language="en",
            created_at=now,
        )
        session.add(message)
        session.flush()
        for guardian, point in zip(guardians, points, strict=True):
            to_guardian(
                session,
                guardian=guardian,
                now=now,
                default_timezone=DEFAULT_TIMEZONE,
                message=message,
                header="Lincoln School:",
                body=message.text,
                body_language="en",
                lane=Lane.BROADCAST,
                point=point,
            )
    return ids


BULK_BATCH = 10_000  # rows per executemany while seeding


def bulk_insert(
    connection: Connection, table: TableClause, rows: Sequence[dict[str, object]]
) -> None:
    """Insert seed rows with Core executemany, `BULK_BATCH` at a time (the ORM costs ~3x)."""
    for start in range(0, len(rows), BULK_BATCH):
        connection.execute(table.insert(), list(rows[start : start + BULK_BATCH]))


def after_bulk_seed(engine: Engine, tables: Sequence[str]) -> None:
    """Seeding wrote explicit ids: on PostgreSQL move each table's id sequence past them,
    and gather planner statistics, as autovacuum would on a live database."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def count_deliveries(engine: Engine, status: DeliveryStatus | None = None) -> int:
    with transaction(engine) as session:
        query = select(func.count()).select_from(Delivery)
        if status is not None:
            query = query.where(Delivery.status == status)
        return session.scalar(query) or 0


def status_counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ).all()
    return {str(status): n for status, n in rows}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events in any half-open span of `window` seconds (the fake's own rule)."""
    ordered = sorted(times)
    best = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# -- commbot processes ------------------------------------------------------------------

CLI = "import sys; from commbot.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_commbot(
    args: Sequence[str], env: dict[str, str], log: Path, workdir: Path
) -> subprocess.Popen[bytes]:
    """Start `commbot ARGS` (`worker`, `serve --port N`) as its own process, configured by
    `env` only (as a platform runs it), its output in `log`. `workdir` should be empty: no
    `.env` is read from it."""
    full = {k: v for k, v in os.environ.items() if k not in ("TWILIO_EDGE", "TWILIO_REGION")}
    full.update(env)
    full["PYTHONPATH"] = str(REPO_ROOT)
    full["PYTHONUNBUFFERED"] = "1"
    workdir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, *args],
            cwd=workdir,
            env=full,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be killed if the benchmark dies (even by
    SIGKILL, when its own clean-up cannot run)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM (a graceful stop, as a platform sends), then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
