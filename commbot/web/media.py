"""Photos served to Twilio under unguessable, expiring links."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..db import transaction
from ..media import MediaStore
from .context import WebContext

# Tokens are URL-safe base64 (secrets.token_urlsafe) and fit media_files.token (64): any
# other path is no link of ours, and is not looked up (PostgreSQL refuses a NUL, say).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A link may reach a child's photo: no cache keeps a copy after it expires (or is withdrawn),
# no page it is opened from learns it (Referer), no search engine lists it, and the browser
# shows the file as the type we stored, never as something it guessed.
PRIVATE = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "X-Content-Type-Options": "nosniff",
}


def routes(web: WebContext) -> list[Route]:
    async def media(request: Request) -> Response:
        token = request.path_params["token"]
        if not TOKEN.fullmatch(token):
            return PlainTextResponse("not found", status_code=404, headers=PRIVATE)

        def find() -> tuple[str, str] | None:
            with transaction(web.engine) as session:
                found = MediaStore.find(session, token, web.clock())
                return (found.path, found.content_type) if found else None

        found = await run_in_threadpool(find)
        if found is None:
            return PlainTextResponse("not found", status_code=404, headers=PRIVATE)
        return FileResponse(found[0], media_type=found[1], headers=PRIVATE)

    return [Route("/media/{token}", media, methods=["GET"])]
