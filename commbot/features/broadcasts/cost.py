"""What a broadcast costs by SMS, family by family: the text each family will read (the
catalog header in its language, then the sender's words as the dispatcher renders them),
counted by `commbot.sms.billed_segments` exactly as the sender bills it.

Translation happens at send time, and nothing here may call a translator: a language whose
translation is already cached is counted exactly; with no translator configured the words
go as written with a note, also exact; otherwise the cost is estimated from the source
text's length, scaled for the language, in the alphabet that language needs ("about").
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...config import Settings, TranslatorName
from ...dispatch.compose import NOT_TRANSLATED, base, right_to_left, same_language
from ...glossary import load_glossary
from ...i18n import gettext
from ...languages import is_rtl
from ...models import Staff, TranslationCache
from ...sms import JOINED, SINGLE, Encoding, billed_segments, encoding_of, is_gsm7, keep_gsm7
from ...translation.cache import text_hash
from . import messages as m

# Languages whose everyday text fits GSM-7 (Spanish and Portuguese need accents it lacks:
# á, í, ó, ú, ã, ç); any other language is assumed to need UCS-2.
GSM7_LANGUAGES = frozenset({"en", "so", "tl", "fil", "ht"})
# How long a translation runs against its English source, in characters (Chinese packs a
# word into a character or two).
LENGTH_RATIO = {"zh": 0.35, "ja": 0.4, "ko": 0.5, "ar": 0.95, "ru": 1.1, "vi": 1.15}
DEFAULT_RATIO = 1.2


class SmsCost:
    """Segments per family for one broadcast text; each language's words looked up once."""

    def __init__(
        self,
        session: Session,
        sender: Staff,
        text: str,
        language: str,
        urgent: bool,
        settings: Settings,
    ) -> None:
        self.session = session
        self.sender = sender
        self.text = text
        self.language = language
        self.header = m.FAMILY_HEADER_URGENT if urgent else m.FAMILY_HEADER
        self.translator_off = settings.translator is TranslatorName.NONE
        self.terms = load_glossary().find(text) if text and base(language) == "en" else []
        self._bodies: dict[str, str | None] = {}  # None: not translated yet, estimated
        self._counted: dict[str, int] = {}
        self._encodings: dict[str, Encoding] = {}

    def segments(self, language: str, student: str) -> int:
        header = gettext(language, self.header, staff=self.sender.name, student=student)
        body = self.body(language)
        if body is None:
            return self._estimate(language, header)
        text = "\n".join(part for part in (header, body) if part)
        if is_rtl(language):
            text = right_to_left(text)
        if text not in self._counted:
            self._counted[text] = billed_segments(text)
            self._encodings.setdefault(language, encoding_of(keep_gsm7(text)))
        return self._counted[text]

    def encoding(self, language: str) -> Encoding:
        return self._encodings.get(language, Encoding.UCS2)

    def estimated(self, language: str) -> bool:
        return self.body(language) is None

    def body(self, language: str) -> str | None:
        """The words as a family reading `language` will get them, None if unknown yet."""
        if language not in self._bodies:
            self._bodies[language] = self._body(language)
        return self._bodies[language]

    def _body(self, language: str) -> str | None:
        if not self.text:
            return ""
        if same_language(self.language, language):
            return self._explained(self.text, language)
        if self.translator_off:  # delivered as written, with a note in their language
            note = gettext(language, NOT_TRANSLATED)
            return self._explained(self.text, language) + "\n" + note
        cached = self.session.scalar(
            select(TranslationCache.translated).where(
                TranslationCache.source_language == self.language,
                TranslationCache.target_language == language,
                TranslationCache.text_hash == text_hash(self.text),
            )
        )
        return None if cached is None else self._explained(cached, language)

    def _explained(self, text: str, language: str) -> str:
        if not self.terms:
            return text
        return load_glossary().explain(text, language, self.terms)

    def _estimate(self, language: str, header: str) -> int:
        """The source's length scaled for the language, in the alphabet it needs."""
        gsm7 = base(language) in GSM7_LANGUAGES and is_gsm7(keep_gsm7(header))
        encoding = Encoding.GSM7 if gsm7 else Encoding.UCS2
        self._encodings.setdefault(language, encoding)
        words = self._explained(self.text, language)
        ratio = LENGTH_RATIO.get(base(language), DEFAULT_RATIO)
        units = len(header) + 1 + math.ceil(len(words) * ratio)
        if is_rtl(language):
            units += 1 + header.count("\n") + words.count("\n")  # a mark opens each line
        if units <= SINGLE[encoding]:
            return 1
        return math.ceil(units / JOINED[encoding])
