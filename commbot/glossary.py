"""Plain-language explanations of special-education jargon, in every family's language.

Terms are found in the staff member's English text; the explanation is then added after
the term's first appearance in the family's version ("IEP (your child's learning plan)").
When the translation renders the term in a way we cannot find, the explanation is added as
a note at the end instead, so it is never lost.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .languages import catalog_language
from .resources import MissingResource, glossary_path

# Scripts written without spaces between words: match forms as plain substrings.
UNSPACED = ("zh", "ja", "th")


@dataclass(frozen=True)
class Term:
    key: str
    patterns: tuple[re.Pattern[str], ...]
    explain: dict[str, str]
    forms: dict[str, tuple[str, ...]]

    def explanation(self, language: str) -> str:
        return self.explain.get(catalog_language(language)) or self.explain["en"]


def _pattern(phrase: str, unspaced: bool = False) -> re.Pattern[str]:
    escaped = re.escape(phrase).replace(r"\ ", r"\s+")
    if unspaced:
        return re.compile(escaped, re.IGNORECASE)
    # Acronyms (IEP, 504, ESY) match as written, so "AT" is never the word "at".
    flags = 0 if phrase.upper() == phrase else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){escaped}(?![\w-])", flags)


class Glossary:
    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = tuple(terms)
        # A broadcast's text is looked up once per family as it is sent; every term's
        # patterns over it each time cost a fifth of a busy worker's loop. A few recent
        # texts are remembered (in this process only, never stored).
        self._recent = functools.lru_cache(maxsize=64)(self._find)

    def find(self, english: str) -> list[Term]:
        """Terms used in `english`, in order of first appearance.

        The longest match wins where terms overlap ("IEP meeting" is one term, not two), and
        in a message typed in capitals, acronyms that are also words (AT, IDEA) are not read
        as jargon.
        """
        return list(self._recent(english))

    def _find(self, english: str) -> tuple[Term, ...]:
        shouting = sum(c.isupper() for c in english) > 0.6 * max(
            1, sum(c.isalpha() for c in english)
        )
        spans: list[tuple[int, int, Term]] = []
        for term in self.terms:
            matches = [
                m
                for p in term.patterns
                if not (shouting and p.flags & re.IGNORECASE == 0)
                if (m := p.search(english))
            ]
            if matches:
                first = min(matches, key=lambda m: (m.start(), -m.end()))
                spans.append((first.start(), first.end(), term))
        spans.sort(key=lambda span: (span[0], -span[1]))
        kept: list[tuple[int, int, Term]] = []
        for start, end, term in spans:
            if any(start >= s and end <= e for s, e, _ in kept):
                continue  # inside a longer term already found
            kept.append((start, end, term))
        return tuple(term for _, _, term in kept)

    def explain(self, text: str, language: str, terms: list[Term]) -> str:
        """Add each term's explanation after its first appearance in `text` (or as a note)."""
        catalog = catalog_language(language)
        unspaced = catalog.split("-")[0] in UNSPACED
        notes: list[str] = []
        for term in terms:
            explanation = term.explanation(language)
            forms = sorted(
                term.forms.get(catalog, ()) or term.forms.get("en", ()), key=len, reverse=True
            )
            match = None
            for form in forms:
                match = _pattern(form, unspaced).search(text)
                if match:
                    break
            if match is None:
                notes.append(f"{term.key}: {explanation}")
                continue
            end = match.end()
            # A trailing plural "s" belongs to the term ("IEPs (…)").
            if text[end : end + 1] == "s" and not text[end + 1 : end + 2].isalpha():
                end += 1
            if explanation in text[end : end + len(explanation) + 4]:
                continue
            text = f"{text[:end]} ({explanation}){text[end:]}"
        if notes:
            text = text + "\n\n" + "\n".join(f"• {note}" for note in notes)
        return text


@functools.cache
def load_glossary(path: Path | None = None) -> Glossary:
    """The glossary at `path` (the installed one by default); `MissingResource` if absent."""
    path = path or glossary_path()
    if not path.is_file():
        raise MissingResource("glossary", [path])
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    terms = []
    for entry in data.get("term", []):
        terms.append(
            Term(
                key=entry["key"],
                # A bare number ("504") is more often a room or a street than jargon.
                patterns=tuple(_pattern(m) for m in entry["match"] if not m.isdigit()),
                explain=dict(entry["explain"]),
                forms={lang: tuple(forms) for lang, forms in entry.get("forms", {}).items()},
            )
        )
    return Glossary(terms)
