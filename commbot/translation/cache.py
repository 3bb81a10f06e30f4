"""A translation cache in the database, in front of any backend.

A text is translated once per language pair: a broadcast to N families in L languages
costs at most L calls. Concurrent requests for the same text share one call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy import Engine, select, tuple_

from ..db import insert_missing, transaction
from ..models import TranslationCache
from .base import TranslationResult, Translator

Key = tuple[str, str, str]  # source, target, text hash
log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedTranslator:
    def __init__(self, engine: Engine, backend: Translator) -> None:
        self.engine = engine
        self.backend = backend
        self.name = backend.name
        self._in_flight: dict[Key, asyncio.Future[TranslationResult]] = {}

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        keys = [(source, target, text_hash(t)) for t in texts]
        # Claim each text before any await: a request that arrives while another one is
        # looking the text up (or translating it) waits for that one instead of racing it.
        waiting: dict[Key, asyncio.Future[TranslationResult]] = {}
        mine: dict[Key, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in waiting or key in mine:
                continue
            if key in self._in_flight:
                waiting[key] = self._in_flight[key]
            else:
                mine[key] = text
                self._in_flight[key] = asyncio.get_running_loop().create_future()
        results: dict[Key, TranslationResult] = {}
        if mine:
            done: dict[Key, TranslationResult] = {}
            try:
                cached = await asyncio.to_thread(self._lookup, set(mine))
                done.update({k: TranslationResult(v, True) for k, v in cached.items()})
                todo = {k: t for k, t in mine.items() if k not in done}
                if todo:
                    try:
                        fresh = await self.backend.translate(list(todo.values()), source, target)
                    except Exception:  # a backend must not raise; routing must never see it
                        fresh = [TranslationResult.failed(t) for t in todo.values()]
                    new = dict(zip(todo, fresh, strict=True))
                    done.update(new)
                    try:
                        await asyncio.to_thread(
                            self._store, {k: r.text for k, r in new.items() if r.ok}
                        )
                    except Exception:  # an unsaved translation is still a good one to send
                        log.warning("could not cache translations", exc_info=False)
            finally:
                # Whatever happened, nobody waiting on these texts may wait for ever.
                for key, text in mine.items():
                    result = done.get(key) or TranslationResult.failed(text)
                    results[key] = result
                    future = self._in_flight.pop(key)
                    if not future.done():
                        future.set_result(result)
        for key, future in waiting.items():
            results[key] = await future
        return [results[k] for k in keys]

    def _lookup(self, keys: set[Key]) -> dict[Key, str]:
        if not keys:
            return {}
        with transaction(self.engine) as session:
            rows = session.execute(
                select(
                    TranslationCache.source_language,
                    TranslationCache.target_language,
                    TranslationCache.text_hash,
                    TranslationCache.translated,
                ).where(
                    tuple_(
                        TranslationCache.source_language,
                        TranslationCache.target_language,
                        TranslationCache.text_hash,
                    ).in_(list(keys))
                )
            ).all()
        return {(s, t, h): text for s, t, h, text in rows}

    def _store(self, translated: dict[Key, str]) -> None:
        """Cache these translations in one statement; a text another worker cached first
        keeps theirs, which is as good."""
        rows = [
            {
                "source_language": source,
                "target_language": target,
                "text_hash": digest,
                "translated": text,
                "backend": self.backend.name,
            }
            for (source, target, digest), text in translated.items()
        ]
        with transaction(self.engine) as session:
            insert_missing(
                session,
                TranslationCache.__table__,
                rows,
                ["source_language", "target_language", "text_hash"],
            )
