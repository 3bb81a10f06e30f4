"""The Telegram webhook: verify the secret, parse the update, record it, answer."""

from __future__ import annotations

import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..channels import telegram
from ..errors import InputError
from .context import WebContext, read_body

# Telegram's updates are a few KB (a text is at most 4,096 characters); 1 MB leaves room
# for any update with many entities, and is all a forged body can cost before it is refused.
BODY_LIMIT = 1_000_000


def _no_constants(name: str) -> float:
    raise InputError(f"not a Telegram update: {name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InputError("not a Telegram update: a number is beyond any float")
    return value


def _int(text: str) -> int:
    # Converting thousands of digits takes time; the update's checks name any field whose
    # number is beyond 64 bits (19 digits), so only the absurd is refused here.
    if len(text) > 1000:
        raise InputError("not a Telegram update: a number of more than 1,000 digits")
    return int(text)


def decode(body: bytes) -> object:
    """The body as JSON, refusing what JSON parsers disagree on or Python would carry too
    far: NaN and Infinity (not JSON), numbers that overflow, bytes that are not UTF-8."""
    try:
        return json.loads(
            body.decode("utf-8"),
            parse_constant=_no_constants,
            parse_float=_finite,
            parse_int=_int,
        )
    except InputError:
        raise
    except RecursionError:
        raise InputError("not a Telegram update: nested too deeply") from None
    except ValueError:  # not UTF-8, not JSON
        raise InputError("body is not JSON") from None


def routes(web: WebContext) -> list[Route]:
    async def webhook(request: Request) -> Response:
        secret = web.settings.telegram_webhook_secret or ""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await read_body(request, BODY_LIMIT)  # only once the secret is known good
        if isinstance(body, Response):
            return body
        try:
            inbound = telegram.parse_update(decode(body))
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
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
