"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL.

Set COMMBOT_TEST_DATABASE_URL (for example
`postgresql+psycopg://postgres@127.0.0.1:5432/test`) to run every database test on
PostgreSQL as well. When it is set and the server cannot be reached, tests fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from commbot.db import make_engine, session_factory
from commbot.migrate import upgrade
from commbot.models import Base

POSTGRES_URL = os.environ.get("COMMBOT_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The twilio client rewrites its host when these are set; commbot reads its own names.
    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TWILIO_", "COMMBOT_", "LIBRETRANSLATE_")) and (
            name != "COMMBOT_TEST_DATABASE_URL"
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:  # fails loudly when the server is unreachable
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    """A migrated, empty database: a copied SQLite file, or the truncated PostgreSQL one."""
    if request.param == "sqlite":
        path = tmp_path / "commbot.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        pg = request.getfixturevalue("postgres_engine")
        _truncate(pg)
        yield pg


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[Any]:
    from .fakes import FakeTelegram

    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[Any]:
    from .fakes import FakeTwilio

    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def system(engine: Engine, fake_telegram: Any, fake_twilio: Any, tmp_path: Path) -> Any:
    """commbot end to end: web app, dispatcher, and both fakes, with the example roster."""
    from .support import System

    fake_telegram.clear()
    fake_telegram.reset_failures()
    fake_twilio.clear()
    fake_twilio.reset_failures()
    system = System(engine, fake_telegram, fake_twilio, tmp_path)
    system.import_examples()
    yield system
    await system.close()
