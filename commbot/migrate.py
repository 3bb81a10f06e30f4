"""Run Alembic migrations from code (`commbot db upgrade`, tests, the demo)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from .errors import CommbotError
from .resources import migrations_dir


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's settings for commbot's migrations (`MissingResource` if they are not installed)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision` (the latest by default)."""
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database behind `engine` back to `revision`."""
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


class ForeignKeyViolation(CommbotError):
    """A migration left rows pointing at rows that are gone; it was rolled back."""


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for running migrations.

    SQLite alters a table by copying it and dropping the original, and with foreign keys on
    that drop deletes every row referencing it through ON DELETE CASCADE (a guardian's
    links and contact points). So foreign keys are off while migrating, which SQLite only
    allows outside a transaction, and checked before committing.
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise ForeignKeyViolation(
                        f"migration left a row in {broken[0]} pointing at a missing {broken[2]} row"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
