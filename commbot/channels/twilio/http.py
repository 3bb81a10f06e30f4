"""An asynchronous HTTP client for the twilio library, built on httpx.

twilio's own async client needs aiohttp; httpx is already here (python-telegram-bot uses it).
It also lets us point the client at `TWILIO_API_BASE_URL` (a proxy, or a local fake in tests):
every request to `https://api.twilio.com` is sent to that base instead.
"""

from __future__ import annotations

import logging

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

TWILIO_API_HOST = "https://api.twilio.com"

_logger = logging.getLogger(__name__)


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
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()
