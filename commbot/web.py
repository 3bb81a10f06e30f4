"""The ASGI app: webhooks in, media out, health. Nothing is sent from a request.

Webhooks verify their provider, record the message and the outbox rows it causes in one
transaction, and answer. Malformed input gets a 400 with the reason, never a 500.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .channels import telegram, twilio
from .channels.base import Inbound
from .config import Settings
from .db import transaction
from .dispatch.outcomes import apply_status_callback
from .inbound import handle_inbound
from .media import MediaStore
from .models import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY = 1_000_000


def create_app(
    settings: Settings, engine: Engine, clock: Callable[[], dt.datetime] = utcnow
) -> Starlette:
    def process(inbound: Inbound) -> str:
        with transaction(engine) as session:
            return handle_inbound(session, inbound, settings, now=clock()).value

    # SQLite takes one writer at a time, and a webhook's transaction takes a few
    # milliseconds: doing it right here, in arrival order, beats handing it to threads that
    # queue on SQLite's lock (its busy handler sleeps in growing steps) and pass the GIL
    # back and forth. PostgreSQL writes concurrently, so there the thread pool serves.
    inline = engine.dialect.name == "sqlite"

    async def write(function: Callable[..., T], *args: Any) -> T:
        if inline:
            return function(*args)
        return await run_in_threadpool(function, *args)

    async def telegram_webhook(request: Request) -> Response:
        secret = settings.telegram_webhook_secret or ""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large", status_code=413)
        try:
            data = json.loads(body)
            inbound = telegram.parse_update(data)
        except (ValueError, UnicodeDecodeError) as exc:
            reason = str(exc) if isinstance(exc, telegram.MalformedUpdate) else "body is not JSON"
            return PlainTextResponse(reason, status_code=400)
        if inbound is None:
            return JSONResponse({"ok": True, "ignored": True})
        outcome = await write(process, inbound)
        if inbound.callback_id:
            # Stop the button's spinner. Telegram takes one Bot API call as the webhook's
            # answer, so nothing is sent from here.
            return JSONResponse(
                {"method": "answerCallbackQuery", "callback_query_id": inbound.callback_id}
            )
        return JSONResponse({"ok": True, "outcome": outcome})

    async def _twilio_form(request: Request) -> dict[str, str] | Response:
        token = settings.twilio_auth_token
        if not token or not settings.public_base_url:
            log.error("Twilio webhook called but TWILIO_AUTH_TOKEN or PUBLIC_BASE_URL is not set")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            form = await request.form()
        except Exception:  # a body multipart parsing cannot read
            return PlainTextResponse("body is not a form", status_code=400)
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        url = settings.public_base_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not twilio.signature_is_valid(token, url, params, signature):
            return PlainTextResponse("forbidden", status_code=403)
        return params

    async def twilio_inbound(request: Request) -> Response:
        params = await _twilio_form(request)
        if isinstance(params, Response):
            return params
        try:
            inbound = twilio.parse_inbound(params)
        except twilio.MalformedTwilioRequest as exc:
            return PlainTextResponse(str(exc), status_code=400)
        await write(process, inbound)
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def twilio_status(request: Request) -> Response:
        params = await _twilio_form(request)
        if isinstance(params, Response):
            return params
        try:
            report = twilio.parse_status(params)
        except twilio.MalformedTwilioRequest as exc:
            return PlainTextResponse(str(exc), status_code=400)

        def record() -> bool:
            with transaction(engine) as session:
                return apply_status_callback(
                    session,
                    report.provider_message_id,
                    report.status,
                    report.error_code,
                    clock(),
                    settings.default_timezone,
                )

        known = await write(record)
        return PlainTextResponse("ok" if known else "unknown message")

    async def media(request: Request) -> Response:
        token = request.path_params["token"]

        def find() -> tuple[str, str] | None:
            with transaction(engine) as session:
                found = MediaStore.find(session, token, clock())
                return (found.path, found.content_type) if found else None

        found = await run_in_threadpool(find)
        if found is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(found[0], media_type=found[1])

    async def healthz(request: Request) -> Response:
        def check() -> None:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(check)
        except Exception:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            Route("/twilio/inbound", twilio_inbound, methods=["POST"]),
            Route("/twilio/status", twilio_status, methods=["POST"]),
            Route("/media/{token}", media, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
