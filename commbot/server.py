"""Running the web app under uvicorn: what `commbot serve` (and its benchmark) starts."""

from __future__ import annotations

import gc
import logging
import socket

import uvicorn
from sqlalchemy import Engine

from .config import Settings
from .web import create_app


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
    logging.getLogger(__name__).info("serving on %s:%s", host, port)
    uvicorn.Server(config).run(sockets=[sock] if sock else None)
