"""An asynchronous HTTP client for the twilio library, built on httpx.

twilio's own async client needs aiohttp; httpx is already here (python-telegram-bot uses it).
It also lets us point the client at `TWILIO_API_BASE_URL` (a proxy, or a local fake in tests):
every request to `https://api.twilio.com` is sent to that base instead.

The twilio library turns an error answer into `TwilioRestException`, which keeps the status,
code and message but drops the headers, and with them `Retry-After`. So an error answer
that carries `Retry-After` is raised here as `TwilioThrottled`, with the seconds asked for.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import math

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from ... import ratelimit

TWILIO_API_HOST = "https://api.twilio.com"

_logger = logging.getLogger(__name__)


class TwilioThrottled(Exception):
    """An error answer with a `Retry-After` header: send nothing before it has passed."""

    def __init__(self, status: int, code: int | None, message: str, retry_after: float) -> None:
        super().__init__(f"HTTP {status} ({code}): retry after {retry_after:g} s")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """A Retry-After header's wait in seconds (it may be seconds or an HTTP date); None
    for a value that is neither, or not finite ("inf", "nan")."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _error_fields(text: str) -> tuple[int | None, str]:
    """Twilio's error code and message from an error answer's JSON, where it has them."""
    try:
        body = json.loads(text)
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    code = body.get("code")
    message = body.get("message")
    return (code if isinstance(code, int) else None), (message if isinstance(message, str) else "")


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Sends twilio's requests with one pooled `httpx.AsyncClient`."""

    def __init__(self, base_url: str = TWILIO_API_HOST, timeout: float = 15.0) -> None:
        super().__init__(_logger, True, timeout)
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout)

    def rewrite(self, url: str) -> str:
        """Send requests meant for api.twilio.com to the configured base URL."""
        if url.startswith(TWILIO_API_HOST):
            return self.base_url + url[len(TWILIO_API_HOST) :]
        return url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        ratelimit.request_started()
        response = await self._client.request(
            method,
            self.rewrite(url),
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        ratelimit.answer_arrived()
        if response.status_code >= 400:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None:
                code, message = _error_fields(response.text)
                raise TwilioThrottled(response.status_code, code, message, retry_after)
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()
