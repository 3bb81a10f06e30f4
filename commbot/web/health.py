"""`/healthz`: the process answers and the database is reachable."""

from __future__ import annotations

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .context import WebContext


def routes(web: WebContext) -> list[Route]:
    async def healthz(request: Request) -> Response:
        def check() -> None:
            with web.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(check)
        except Exception:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return [Route("/healthz", healthz, methods=["GET"])]
