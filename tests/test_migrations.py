"""The Alembic migrations build exactly the schema the models describe."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from commbot.db import make_engine
from commbot.migrate import current_revision, downgrade, head_revision, upgrade
from commbot.models import Base

from .conftest import BACKENDS, POSTGRES_URL


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_repeatable_and_reaches_head(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"guardians", "contact_points", "deliveries", "invite_codes"} <= tables


def test_sqlite_enforces_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own, to migrate step by step: a new SQLite file, or a
    PostgreSQL schema of its own (the shared one is already at head)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield engine
        engine.dispose()
        return
    schema = "migration_steps"
    admin = request.getfixturevalue("postgres_engine")
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def links(engine: Engine) -> list[tuple[int, str]]:
    """(student id, photo consent) of every guardian–student link."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT student_id, photo_consent FROM guardianships ORDER BY student_id")
        )
        return [(student_id, consent) for student_id, consent in rows]


def test_per_child_photo_consent_keeps_todays_values(blank_engine: Engine) -> None:
    upgrade(blank_engine, "0004")
    with blank_engine.begin() as connection:
        connection.execute(text("INSERT INTO schools (id, name) VALUES (1, 'Lincoln')"))
        connection.execute(
            text(
                "INSERT INTO students (id, school_id, external_id, name, created_at) VALUES "
                "(1, 1, 'S1', 'Ana', :now), (2, 1, 'S2', 'Luis', :now)"
            ),
            {"now": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO guardians (id, school_id, name, language, quiet_hours, "
                "photo_consent, preferred_channel, created_at) "
                "VALUES (1, 1, 'Carmen', 'es', '', 'group', 'sms', :now)"
            ),
            {"now": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO contact_points (guardian_id, channel, address, priority, "
                "opted_out, verified, created_at) "
                "VALUES (1, 'sms', '+16175550101', 0, false, false, :now)"
            ),
            {"now": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO guardianships (guardian_id, student_id, relationship, "
                "receives_messages) VALUES (1, 1, 'mother', true), (1, 2, 'mother', true)"
            )
        )

    upgrade(blank_engine)
    assert links(blank_engine) == [(1, "group"), (2, "group")]
    columns = {c["name"] for c in inspect(blank_engine).get_columns("guardians")}
    assert "photo_consent" not in columns
    with blank_engine.connect() as connection:
        points = connection.execute(text("SELECT count(*) FROM contact_points")).scalar()
    assert points == 1  # copying the guardians table on SQLite must not cascade-delete

    # Going back keeps the strictest of a guardian's links.
    with blank_engine.begin() as connection:
        connection.execute(
            text("UPDATE guardianships SET photo_consent = 'individual' WHERE student_id = 2")
        )
    downgrade(blank_engine, "0004")
    with blank_engine.connect() as connection:
        kept = connection.execute(text("SELECT photo_consent FROM guardians")).scalar()
        remaining = connection.execute(text("SELECT count(*) FROM guardianships")).scalar()
    assert (kept, remaining) == ("individual", 2)
