"""Health checks, for the platform and for an uptime monitor.

- `/healthz`: this web process answers and the database is reachable (503 if not). The body
  also says, per configured channel, whether a worker holds its sender lease and how long
  ago it renewed it. A missing worker does not make this 503: the platform routes webhooks
  by it, and webhooks still record every message while no worker runs.
- `/healthz/worker`: 503 unless a worker holds the lease of every configured channel: the
  URL for an uptime monitor, so a dead worker (or a channel whose provider has not answered
  since the worker started) is noticed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..config import Settings
from ..db import transaction
from ..dispatch.leases import LEASE_TIME
from ..models import Channel, SenderLease
from .context import WebContext


def configured_channels(settings: Settings) -> list[Channel]:
    """The channels a worker sends on with these settings (as `worker.build_senders`)."""
    channels = []
    if settings.telegram_bot_token:
        channels.append(Channel.TELEGRAM)
    if settings.twilio_account_sid and settings.twilio_auth_token:
        if settings.twilio_from_number or settings.twilio_messaging_service_sid:
            channels.append(Channel.SMS)
        if settings.twilio_whatsapp_from:
            channels.append(Channel.WHATSAPP)
    return channels


def report(web: WebContext) -> dict[str, Any]:
    """The database's state and each channel's lease. Raises if the database is down."""
    now = web.clock()
    with transaction(web.engine) as session:
        session.execute(text("SELECT 1"))
        held = {lease.sender: lease for lease in session.scalars(select(SenderLease))}
    channels: dict[str, dict[str, Any]] = {}
    for channel in configured_channels(web.settings):
        lease = held.get(f"channel:{channel.value}")
        channels[channel.value] = _lease_state(lease, now)
    workers_ok = all(state["worker"] for state in channels.values())
    return {
        "status": "ok" if workers_ok else "degraded",
        "database": "ok",
        "channels": channels,
    }


def _lease_state(lease: SenderLease | None, now: dt.datetime) -> dict[str, Any]:
    if lease is None:
        return {"worker": False, "renewed_seconds_ago": None}
    renewed = lease.expires_at - LEASE_TIME
    return {
        "worker": lease.expires_at > now,
        "renewed_seconds_ago": round(max(0.0, (now - renewed).total_seconds()), 1),
    }


def routes(web: WebContext) -> list[Route]:
    async def checked() -> dict[str, Any] | None:
        try:
            return await run_in_threadpool(report, web)
        except Exception:  # any failure to read is the database being unavailable
            return None

    async def healthz(request: Request) -> Response:
        state = await checked()
        if state is None:
            return JSONResponse(
                {"status": "database unavailable", "database": "unavailable"}, status_code=503
            )
        return JSONResponse(state)

    async def worker(request: Request) -> Response:
        state = await checked()
        if state is None:
            return JSONResponse(
                {"status": "database unavailable", "database": "unavailable"}, status_code=503
            )
        return JSONResponse(state, status_code=200 if state["status"] == "ok" else 503)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/healthz/worker", worker, methods=["GET"]),
    ]
