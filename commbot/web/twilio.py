"""Twilio webhooks: inbound SMS, MMS and WhatsApp, and delivery status callbacks."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..channels import twilio
from ..db import transaction
from ..dispatch.outcomes import apply_status_callback
from ..errors import InputError
from .context import WebContext

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def routes(web: WebContext) -> list[Route]:
    settings = web.settings

    async def verified_form(request: Request) -> dict[str, str] | Response:
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

    async def inbound(request: Request) -> Response:
        params = await verified_form(request)
        if isinstance(params, Response):
            return params
        try:
            message = twilio.parse_inbound(params)
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        outcome = await web.receive(message)
        if isinstance(outcome, Response):
            return outcome
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(request: Request) -> Response:
        params = await verified_form(request)
        if isinstance(params, Response):
            return params
        try:
            report = twilio.parse_status(params)
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)

        def record() -> bool:
            with transaction(web.engine) as session:
                return apply_status_callback(
                    session,
                    report.provider_message_id,
                    report.status,
                    report.error_code,
                    web.clock(),
                    settings.default_timezone,
                )

        known = await web.write(record)
        return PlainTextResponse("ok" if known else "unknown message")

    return [
        Route("/twilio/inbound", inbound, methods=["POST"]),
        Route("/twilio/status", status, methods=["POST"]),
    ]
