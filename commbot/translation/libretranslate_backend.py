"""A self-hosted LibreTranslate server: translation that never leaves the district."""

from __future__ import annotations

import logging

import httpx

from .base import TranslationResult

log = logging.getLogger(__name__)


def _libre_code(language: str) -> str:
    lowered = language.lower()
    if lowered.startswith("zh"):
        return "zt" if ("hant" in lowered or lowered.endswith(("-tw", "-hk"))) else "zh"
    return lowered.split("-")[0]


class LibreTranslateTranslator:
    name = "libretranslate"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        payload: dict[str, object] = {
            "q": texts,
            "source": _libre_code(source),
            "target": _libre_code(target),
            "format": "text",
        }
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            response = await self._client.post(f"{self.url}/translate", json=payload)
            response.raise_for_status()
            translated = response.json()["translatedText"]
            if isinstance(translated, str):
                translated = [translated]
            if not isinstance(translated, list) or len(translated) != len(texts):
                raise ValueError("answer does not match the question")
            return [TranslationResult(str(t), True) for t in translated]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("libretranslate failed: %s", type(exc).__name__)
            return [TranslationResult.failed(text) for text in texts]

    async def close(self) -> None:
        await self._client.aclose()
