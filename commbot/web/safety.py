"""The last safety net: an error nobody expected is answered 503, never 500.

Every error commbot expects is answered where it happens (bad input is a 400, a known
failure a 503). Anything else is a bug; its request is answered 503 so that the provider
sends it again later (Telegram and Twilio retry a 5xx, and count a 500 against the
webhook), and nothing a family wrote is lost. The log names the error's type and where it
was raised, never its message or any value: those may hold a phone number or what someone
wrote.
"""

from __future__ import annotations

import logging
import traceback

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


def where(exc: BaseException) -> str:
    """The file, line and function an exception was raised in (the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown place"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


SECRET_PATHS = ("/media/", "/calendar/")  # the rest of the path is a token: a secret


def route_name(path: str) -> str:
    """The path as it may be logged: a media or calendar link's token is a secret."""
    for prefix in SECRET_PATHS:
        if path.startswith(prefix):
            return prefix + "…"
    return path[:100]


class LastResort:
    """ASGI middleware: answers 503 for an exception its app raises before answering."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            log.error(
                "%s %s failed unexpectedly: %s at %s",
                scope.get("method", "?"),
                route_name(scope.get("path", "")),
                type(exc).__name__,
                where(exc),
            )
            if started:  # half an answer has gone: the connection is closed without more
                return
            response = PlainTextResponse("not handled now; please retry", status_code=503)
            await response(scope, receive, send)
