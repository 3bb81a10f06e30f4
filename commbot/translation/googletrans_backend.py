"""googletrans-py: Google Translate's web endpoint, no account needed.

Its client is synchronous (httpx.Client), so every call runs in a worker thread, never on
the event loop, and is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from googletrans import Translator as GoogleTranslator

from .base import TranslationResult

log = logging.getLogger(__name__)


def _google_code(language: str) -> str:
    """googletrans names Chinese by script region (zh-cn, zh-tw) and the rest by language."""
    lowered = language.lower()
    if lowered.startswith("zh"):
        return "zh-tw" if ("hant" in lowered or lowered.endswith(("-tw", "-hk"))) else "zh-cn"
    return lowered.split("-")[0]


class GoogleTransTranslator:
    name = "googletrans"

    def __init__(self, timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.timeout = timeout
        self._client = GoogleTranslator(timeout=httpx.Timeout(timeout))
        if transport is not None:
            # Tests answer in the service's own format through an httpx MockTransport.
            headers = self._client.client.headers
            self._client.client = httpx.Client(
                transport=transport, headers=headers, timeout=timeout
            )

    def _translate_all(self, texts: list[str], source: str, target: str) -> list[TranslationResult]:
        results = []
        for text in texts:
            try:
                translated = self._client.translate(
                    text, dest=_google_code(target), src=_google_code(source)
                )
                results.append(TranslationResult(translated.text, True))
            except Exception as exc:  # the web endpoint fails in many shapes
                log.warning("googletrans failed: %s", type(exc).__name__)
                results.append(TranslationResult.failed(text))
        return results

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._translate_all, texts, source, target),
                timeout=self.timeout * max(1, len(texts)),
            )
        except TimeoutError:
            log.warning("googletrans timed out")
            return [TranslationResult.failed(text) for text in texts]
