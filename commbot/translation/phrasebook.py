"""A translator that knows a fixed set of sentences: the demo's stand-in for a service.

Like the sandbox channel, it replaces only the network edge; texts it does not know fail
the way a real backend fails (a failed result), so the fallback path shows too.
"""

from __future__ import annotations

from .base import TranslationResult

Phrases = dict[tuple[str, str], str]  # (text, target language) -> translation


class PhrasebookTranslator:
    name = "phrasebook"

    def __init__(self, phrases: Phrases | None = None) -> None:
        self.phrases: Phrases = dict(phrases or {})

    def add(self, text: str, target: str, translation: str) -> None:
        self.phrases[(text, target)] = translation

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        return [
            TranslationResult(self.phrases[(t, target)], True)
            if (t, target) in self.phrases
            else TranslationResult.failed(t)
            for t in texts
        ]
