"""Fake translation services speaking the real wire formats.

- `GoogleWebMock`: an httpx MockTransport answering googletrans-py's `batchexecute` RPC in
  the format Google's web endpoint uses, so googletrans-py's own parsing code runs.
- `FakeLibreTranslate`: a LibreTranslate server (`POST /translate`) on 127.0.0.1.

Both "translate" with a phrasebook, else by tagging the text with the target language, and
count the calls they receive.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .server import FakeServer

Phrasebook = dict[tuple[str, str], str]  # (text, target) -> translation


def tagged(text: str, target: str) -> str:
    return f"[{target}] {text}"


@dataclass(frozen=True)
class TranslationCall:
    texts: tuple[str, ...]
    source: str
    target: str


class GoogleWebMock:
    def __init__(self, phrasebook: Phrasebook | None = None, fail: bool = False) -> None:
        self.phrasebook = phrasebook or {}
        self.fail = fail
        self.calls: list[TranslationCall] = []
        self._lock = threading.Lock()
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if self.fail:
            return httpx.Response(503, text="Service Unavailable")
        form = parse_qs(request.content.decode())
        outer = json.loads(form["f.req"][0])
        text, source, target, _ = json.loads(outer[0][0][1])[0]
        with self._lock:
            self.calls.append(TranslationCall((text,), source, target))
        translated = self.phrasebook.get((text, target), tagged(text, target))
        parsed = [
            [None, None, source],
            [[[None, None, None, True, None, [[translated, None]]]], target],
            source,
        ]
        line = json.dumps([["wrb.fr", "MkEWBc", json.dumps(parsed), None, None, None, "generic"]])
        return httpx.Response(
            200, text=f')]}}\'\n\n{len(line)}\n{line}\n25\n[["e",4,null,null,123]]\n'
        )


class FakeLibreTranslate(FakeServer):
    def __init__(
        self,
        phrasebook: Phrasebook | None = None,
        api_key: str | None = None,
        translate: Callable[[str, str], str] = tagged,
    ) -> None:
        self.phrasebook = phrasebook or {}
        self.api_key = api_key
        self.fail = False
        self.calls: list[TranslationCall] = []
        self._translate = translate
        super().__init__(Starlette(routes=[Route("/translate", self._handle, methods=["POST"])]))

    async def _handle(self, request: Request) -> JSONResponse:
        body = await request.json()
        if self.api_key and body.get("api_key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        if self.fail:
            return JSONResponse({"error": "Translation failed"}, status_code=500)
        q = body["q"]
        texts = q if isinstance(q, list) else [q]
        self.calls.append(TranslationCall(tuple(texts), body["source"], body["target"]))
        out = [
            self.phrasebook.get((t, body["target"]), self._translate(t, body["target"]))
            for t in texts
        ]
        return JSONResponse({"translatedText": out if isinstance(q, list) else out[0]})
