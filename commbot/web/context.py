"""What every route group gets: settings, the database, the clock, and how to write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from ..channels.base import Inbound
from ..config import Settings
from ..conversations import handle_inbound
from ..db import transaction

T = TypeVar("T")
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    engine: Engine
    clock: Callable[[], dt.datetime]

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """Run a database write for a request.

        SQLite takes one writer at a time, and a webhook's transaction takes a few
        milliseconds: doing it right here, in arrival order, beats handing it to threads
        that queue on SQLite's lock (its busy handler sleeps in growing steps) and pass the
        GIL back and forth. PostgreSQL writes concurrently, so there the thread pool serves.
        """
        if self.engine.dialect.name == "sqlite":
            return function(*args)
        return await run_in_threadpool(function, *args)

    def process(self, inbound: Inbound) -> str:
        """Record and route one inbound message in its own transaction."""
        with transaction(self.engine) as session:
            return handle_inbound(session, inbound, self.settings, now=self.clock()).value
