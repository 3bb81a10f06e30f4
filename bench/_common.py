"""Shared set-up for the benchmarks: a fresh database, settings, seeding, and figures.

Each benchmark runs as ``python bench/<name>.py`` from the repository root. By default it uses a
new SQLite file in a temporary directory; ``--database-url URL`` runs it on PostgreSQL instead,
after dropping and re-creating schema ``public`` there (everything in it is lost).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select, text

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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
