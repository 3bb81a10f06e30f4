"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL.

Set COMMBOT_TEST_DATABASE_URL (for example
`postgresql+psycopg://postgres@127.0.0.1:5432/test`) to run every database test on
PostgreSQL as well. When it is set and the server cannot be reached, tests fail.

Set-up that every test would repeat is done once per session: the schema is migrated once,
the example roster is imported once, and each test starts from a copy (SQLite) or a reset
of the shared database (PostgreSQL) that is exactly what a fresh migration and import give.
"""

from __future__ import annotations

import functools
import os
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from commbot.db import make_engine, session_factory, transaction
from commbot.migrate import upgrade
from commbot.models import Base
from commbot.roster import import_roster

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


@pytest.fixture(scope="session", autouse=True)
def _one_ssl_context() -> Iterator[None]:
    """Share one default SSL context between the HTTP clients tests build.

    Every httpx client (two in each python-telegram-bot Bot, one in the twilio client)
    loads a whole CA bundle (certifi's, or SSL_CERT_FILE) into a new context, 0.05-0.15 s
    each; a System builds three. The tests speak plain HTTP to local fakes, so the
    context is never used; one per CA file is as good as one per client.
    """
    original = ssl.create_default_context
    shared = functools.cache(original)

    def create_default_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        if not args and set(kwargs) <= {"cafile", "capath"}:
            return shared(**kwargs)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ssl, "create_default_context", create_default_context)
        yield


def import_examples(engine: Engine) -> None:
    """Import examples/roster.csv, as `commbot roster import` would."""
    with transaction(engine) as session:
        import_roster(session, EXAMPLES / "roster.csv")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_roster_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated template with the example roster imported."""
    path = tmp_path_factory.mktemp("roster-template") / "roster.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    import_examples(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


class PostgresReset:
    """Puts the shared PostgreSQL database back to "just migrated" or "roster imported".

    TRUNCATE of every table takes about 0.6 s; DELETE of the few rows a test leaves, with
    each table's id sequence set back, takes about 10 ms and leaves the same state
    (TRUNCATE ... RESTART IDENTITY). The roster is imported once into a snapshot schema and
    copied back with INSERT ... SELECT, ids and sequence positions included.
    """

    SNAPSHOT = "roster_snapshot"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables = [t.name for t in Base.metadata.sorted_tables]
        with engine.connect() as connection:
            sequences = [
                connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": f'"{table.name}"', "column": column.name},
                ).scalar()
                for table in Base.metadata.sorted_tables
                for column in table.primary_key.columns
            ]
        self.sequences = [s for s in sequences if s]
        deletes = [f'DELETE FROM "{table}"' for table in reversed(self.tables)]
        restarts = [f"SELECT setval('{s}', 1, false)" for s in self.sequences]
        self.empty_sql = "; ".join(deletes + restarts)
        self._roster_sql: str | None = None

    def empty(self) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self.empty_sql)

    def roster(self) -> None:
        if self._roster_sql is None:
            self._roster_sql = self._snapshot()
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self._roster_sql)

    def _snapshot(self) -> str:
        self.empty()
        import_examples(self.engine)
        inserts, positions = [], []
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.SNAPSHOT} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {self.SNAPSHOT}")
            for table in self.tables:
                copy = f'{self.SNAPSHOT}."{table}"'
                connection.exec_driver_sql(f'CREATE TABLE {copy} AS SELECT * FROM "{table}"')
                if connection.exec_driver_sql(f"SELECT count(*) FROM {copy}").scalar():
                    inserts.append(f'INSERT INTO "{table}" SELECT * FROM {copy}')
            for sequence in self.sequences:
                value, called = connection.exec_driver_sql(
                    f"SELECT last_value, is_called FROM {sequence}"
                ).one()
                positions.append(f"SELECT setval('{sequence}', {value}, {called})")
        return "; ".join([self.empty_sql, *inserts, *positions])


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:  # fails loudly when the server is unreachable
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PostgresReset.SNAPSHOT} CASCADE"))
    upgrade(engine)
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PostgresReset.SNAPSHOT} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_reset(postgres_engine: Engine) -> PostgresReset:
    return PostgresReset(postgres_engine)


def _wants_roster(request: pytest.FixtureRequest) -> bool:
    # `system` tests start from the example roster; it is imported once per session.
    return "system" in request.fixturenames


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: a copied SQLite file, or the reset PostgreSQL one. Empty, or for
    tests that use `system`, holding the example roster."""
    roster = _wants_roster(request)
    if request.param == "sqlite":
        template = "sqlite_roster_template" if roster else "sqlite_template"
        path = tmp_path / "commbot.db"
        shutil.copy(request.getfixturevalue(template), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        reset: PostgresReset = request.getfixturevalue("postgres_reset")
        if roster:
            reset.roster()
        else:
            reset.empty()
        yield reset.engine


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
    """commbot end to end: web app, dispatcher, and both fakes, with the example roster
    (already in `engine`, see `_wants_roster`)."""
    from .support import System

    fake_telegram.clear()
    fake_telegram.reset_failures()
    fake_twilio.clear()
    fake_twilio.reset_failures()
    system = System(engine, fake_telegram, fake_twilio, tmp_path)
    yield system
    await system.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The wheel tests build and install a wheel (about 27 s): CI (CI=true) always runs them;
    elsewhere they run with COMMBOT_TEST_WHEEL=1, so the everyday loop stays short."""
    if os.environ.get("CI") or os.environ.get("COMMBOT_TEST_WHEEL"):
        return
    skip = pytest.mark.skip(reason="builds the wheel: runs in CI, or set COMMBOT_TEST_WHEEL=1")
    for item in items:
        if "wheel" in item.keywords:
            item.add_marker(skip)
