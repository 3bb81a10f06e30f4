"""Running the web app under uvicorn: what `commbot serve` (and its benchmark) starts."""

from __future__ import annotations

import gc
import logging
import socket

import uvicorn
from sqlalchemy import Engine

from .config import Settings
from .web import create_app

log = logging.getLogger(__name__)


def missing_secrets(settings: Settings) -> list[str]:
    """One sentence per missing setting that makes a webhook refuse every request (403)."""
    problems = []
    if not settings.telegram_webhook_secret:
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET is not set: /telegram/webhook will answer 403 to every update"
        )
    if not settings.twilio_auth_token:
        problems.append(
            "TWILIO_AUTH_TOKEN is not set: /twilio/inbound and /twilio/status will answer 403 "
            "(the token checks Twilio's signature)"
        )
    if not settings.public_base_url:
        problems.append(
            "PUBLIC_BASE_URL is not set: /twilio/inbound and /twilio/status will answer 403 "
            "(Twilio signs the public URL)"
        )
    return problems


def warn_missing_secrets(settings: Settings) -> None:
    for problem in missing_secrets(settings):
        log.warning("%s", problem)


def serve(
    settings: Settings,
    engine: Engine,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    sock: socket.socket | None = None,
) -> None:
    app = create_app(settings, engine)
    # Everything built so far lives as long as the process: keep the garbage collector from
    # walking it again on every full collection (pauses that show up as latency spikes).
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", access_log=False, lifespan="off"
    )
    log.info("serving on %s:%s", host, port)
    uvicorn.Server(config).run(sockets=[sock] if sock else None)
