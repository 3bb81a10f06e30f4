"""Engines and sessions (SQLite gets foreign keys, WAL and a busy timeout on every
connection), and the statements that let concurrent transactions create and meet rows
without colliding."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .config import get_settings

M = TypeVar("M")
Insert = postgresql.Insert | sqlite.Insert


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. Statement parameters (phone numbers, message texts) are kept out
    of error messages and logs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
            **kwargs,
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (below), so writers queue instead of deadlocking.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _is_memory(dbapi_connection: Any) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[2] == "" for row in rows)


def _begin_immediate(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two workers claiming the same rows
    # wait for each other instead of failing on lock upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together, or not at all."""
    with session_factory(engine).begin() as session:
        yield session


# -- find or create, without a race -------------------------------------------------------
#
# "Look the row up, insert it if missing" lets two transactions both see nothing and both
# insert: on PostgreSQL the second one fails on the unique constraint (SQLite cannot race,
# its writers queue at BEGIN IMMEDIATE). INSERT ... ON CONFLICT DO NOTHING cannot collide:
# PostgreSQL waits for the transaction holding a conflicting row and, once that commits,
# inserts nothing, so the read after it (a new snapshot under READ COMMITTED, PostgreSQL's
# default and ours) finds the row.


def dialect_insert(session: Session, target: Any) -> Insert:
    """INSERT for `target` (a model or a table) in the session's dialect, which can say
    ON CONFLICT: PostgreSQL's and SQLite's take the same arguments."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


def insert_if_absent(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True if the row is new, in one statement."""
    statement = dialect_insert(session, table).values(**values).on_conflict_do_nothing()
    # RETURNING says whether a row went in; rowcount is not reliable with it on PostgreSQL.
    return session.execute(statement.returning(*table.primary_key.columns)).first() is not None


def insert_missing(
    session: Session, table: Any, rows: Sequence[dict[str, Any]], index_elements: Sequence[str]
) -> None:
    """Insert each of `rows` whose key (`index_elements`) is not taken yet, in one
    statement; rows another transaction has inserted meanwhile are left as they are."""
    if rows:
        statement = dialect_insert(session, table).on_conflict_do_nothing(
            index_elements=index_elements
        )
        session.execute(statement, list(rows))


def find_or_create(
    session: Session,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any] | None = None,
    *,
    lock: bool = False,
) -> tuple[M, bool]:
    """The `model` row whose unique key is `key`, created with `values` if there is none;
    and whether it was created here. Safe against a concurrent creator of the same row.

    `key` must be exactly the columns of one unique constraint (or the primary key).
    With `lock`, the row is also locked (FOR UPDATE) until the transaction ends, for a
    read-modify-write that must see the other writer's change, not overwrite it.
    """
    query = select(model).filter_by(**key)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()  # the common case: it exists; no insert tried
    if row is not None:
        return row, False
    insert = dialect_insert(session, model).values(**key, **(values or {}))
    insert = insert.on_conflict_do_nothing(index_elements=list(key))
    for _ in range(3):
        row = session.scalars(insert.returning(model)).first()
        if row is not None:
            return row, True
        # Another transaction holds the key, now committed: read its row.
        row = session.scalars(query).first()
        if row is not None:
            return row, False
        # ...and deleted it again between our two statements: try once more.
    # The key's names only: its values may be a family's phone number.
    raise RuntimeError(f"{model.__name__} by {', '.join(key)} kept appearing and vanishing")


def transaction_lock(session: Session, scope: str, key: str) -> None:
    """Hold a lock on (`scope`, `key`) until this transaction ends: two transactions that
    both take it run one after the other, each seeing what the other committed.

    PostgreSQL: a transaction-scoped advisory lock, keyed by the two strings' hashes (a
    collision only makes two unrelated transactions wait for each other; two-key advisory
    locks never meet single-bigint ones). SQLite needs nothing: every transaction here
    began with BEGIN IMMEDIATE, so it already holds the database's one write lock, and it
    took it before reading anything.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:scope), hashtext(:key))"),
            {"scope": scope, "key": key},
        )
