"""Twilio webhooks: inbound SMS, MMS and WhatsApp, and delivery status callbacks."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..channels import twilio
from ..channels.twilio.webhooks import parse_form
from ..db import transaction
from ..dispatch.outcomes import apply_status_callback
from ..errors import InputError
from .context import WebContext, read_body

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's forms are a few KB: an inbound message has a body of at most 1,600 characters
# (WhatsApp: 4,096), some 30 short fields, and up to 10 media URL and type pairs; a status
# callback is smaller still. Every character may come percent-encoded, 12 bytes for an
# emoji: even 4,096 of them (48 KiB) and the other fields fit in 64 KiB. The signature can
# only be checked over the parsed form, so this limit is all an unsigned body can cost.
BODY_LIMIT = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


def routes(web: WebContext) -> list[Route]:
    settings = web.settings

    async def verified_form(request: Request) -> dict[str, str] | Response:
        token = settings.twilio_auth_token
        if not token or not settings.public_base_url:
            log.error("Twilio webhook called but TWILIO_AUTH_TOKEN or PUBLIC_BASE_URL is not set")
            return PlainTextResponse("forbidden", status_code=403)
        content_type = request.headers.get("content-type", FORM_TYPE)
        if content_type.split(";")[0].strip().lower() != FORM_TYPE:
            return PlainTextResponse(f"the body is not {FORM_TYPE}", status_code=400)
        body = await read_body(request, BODY_LIMIT)
        if isinstance(body, Response):
            return body
        try:
            params = parse_form(body)
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
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
