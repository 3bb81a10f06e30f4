"""The Telegram webhook: verify the secret, parse the update, record it, answer."""

from __future__ import annotations

import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..channels import telegram
from ..errors import InputError
from .context import MAX_BODY, WebContext


def routes(web: WebContext) -> list[Route]:
    async def webhook(request: Request) -> Response:
        secret = web.settings.telegram_webhook_secret or ""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large", status_code=413)
        try:
            data = json.loads(body)
            inbound = telegram.parse_update(data)
        except (ValueError, RecursionError) as exc:  # InputError, bad JSON or UTF-8, too deep
            reason = str(exc) if isinstance(exc, InputError) else "body is not JSON"
            return PlainTextResponse(reason, status_code=400)
        if inbound is None:
            return JSONResponse({"ok": True, "ignored": True})
        outcome = await web.receive(inbound)
        if isinstance(outcome, Response):
            return outcome
        if inbound.callback_id:
            # Every press is answered, to stop the button's spinner. Telegram takes one Bot
            # API call as the webhook's answer, so nothing is sent from here.
            return JSONResponse(
                {"method": "answerCallbackQuery", "callback_query_id": inbound.callback_id}
            )
        return JSONResponse({"ok": True, "outcome": outcome})

    return [Route("/telegram/webhook", webhook, methods=["POST"])]
