"""The `Translator` interface. Backends never raise into routing: failures are results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TranslationResult:
    text: str
    ok: bool  # False: `text` is the original, untranslated

    @classmethod
    def failed(cls, original: str) -> TranslationResult:
        return cls(original, False)


class Translator(Protocol):
    name: str

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        """Translate every text from `source` to `target`, one result per text, in order."""
        ...


class NoTranslator:
    """`COMMBOT_TRANSLATOR=none`: people's words are delivered as written."""

    name = "none"

    async def translate(
        self, texts: list[str], source: str, target: str
    ) -> list[TranslationResult]:
        return [TranslationResult.failed(text) for text in texts]
