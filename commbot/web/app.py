"""The ASGI app: webhooks in, media out, health. Nothing is sent from a request.

Webhooks verify their provider, record the message and the outbox rows it causes in one
transaction, and answer. Malformed input gets a 400 with the reason, an unexpected error a
503 (`safety.py`), never a 500. Each
route group is a module with a `routes(web)` function; a new group (the dashboard, say)
is one more module and one more line here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware

from ..config import Settings
from ..features.meetings import web as meetings
from ..models import utcnow
from . import health, media, telegram, twilio
from .context import WebContext
from .safety import LastResort

ROUTE_GROUPS = (telegram, twilio, media, meetings, health)


def create_app(
    settings: Settings, engine: Engine, clock: Callable[[], dt.datetime] = utcnow
) -> Starlette:
    web = WebContext(settings, engine, clock)
    return Starlette(
        routes=[route for group in ROUTE_GROUPS for route in group.routes(web)],
        middleware=[Middleware(LastResort)],  # an unexpected error is a 503, never a 500
    )
