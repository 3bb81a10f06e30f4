"""What every route group gets: settings, the database, the clock, and how to write."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..channels.base import Inbound
from ..config import Settings
from ..conversations import handle_inbound
from ..db import transaction
from ..errors import CommbotError, InputError

log = logging.getLogger(__name__)
T = TypeVar("T")


async def read_body(request: Request, limit: int) -> bytes | Response:
    """The request's body, or a 413 as soon as it passes `limit` bytes.

    Read chunk by chunk as it arrives, so a large body costs at most `limit` bytes of
    memory whatever its Content-Length says (or when it has none: chunked).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> Response:
    return PlainTextResponse(f"request too large: at most {limit} bytes", status_code=413)


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

    async def receive(self, inbound: Inbound) -> str | Response:
        """Handle one inbound message: its outcome, or the answer for an error we know.

        The error tree is caught here, once: bad input is a 400; anything else commbot
        raises (a broken install, say) is a 503, so the provider sends the message again
        and no family's words are lost.
        """
        try:
            return await self.write(self.process, inbound)
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        except CommbotError as exc:
            log.error("inbound %s not handled: %s", inbound.channel.value, type(exc).__name__)
            return PlainTextResponse("not handled now; please retry", status_code=503)

    def process(self, inbound: Inbound) -> str:
        """Record and route one inbound message in its own transaction."""
        with transaction(self.engine) as session:
            return handle_inbound(session, inbound, self.settings, now=self.clock()).value
