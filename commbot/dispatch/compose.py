"""The words a recipient reads.

- bot-authored header, already in the recipient's language;
- the person's words, machine-translated into the recipient's language at send time, with
  a one-line note in that language when translation fails or is off;
- for families, jargon explained from the glossary;
- for staff, the original under a translation, or (for back-translations) what the family
  will read, turned back into the staff member's language.
"""

from __future__ import annotations

from ..glossary import Glossary, load_glossary
from ..i18n import N_, gettext
from ..languages import is_rtl, name_in
from ..models import Delivery
from ..outbox import WORDS
from ..translation import TranslationResult, Translator

ORIGINAL = N_("Original ({language}):")
NOT_TRANSLATED = N_("(We could not translate this message. It is shown as it was written.)")
BACK_NOT_TRANSLATED = N_(
    "Machine translation is not available, so the family gets your words as written, "
    "with a note in their language."
)


def base(code: str) -> str:
    return code.split("-")[0].lower()


def same_language(a: str, b: str) -> bool:
    return base(a) == base(b)


async def render(
    delivery: Delivery, translator: Translator, glossary: Glossary | None = None
) -> str:
    glossary = glossary or load_glossary()
    parts = [delivery.header] if delivery.header else []
    if delivery.pieces:
        parts.append(await _pieces(delivery, translator, glossary))
    if delivery.body:
        if delivery.back_translate_via:
            parts.append(await _back_translation(delivery, translator, glossary))
        else:
            parts.extend(await _body(delivery, translator, glossary))
    text = "\n".join(part for part in parts if part)
    return right_to_left(text) if is_rtl(delivery.language) else text


RLM = "\u200f"


def right_to_left(text: str) -> str:
    """Start every line with a right-to-left mark.

    Phone apps pick each line's direction from its first letter; a line that opens with a
    Latin name ("Emily Carter، بخصوص …") would otherwise be laid out left to right.
    """
    return "\n".join(line if line.startswith(RLM) else RLM + line for line in text.split("\n"))


async def family_version(
    text: str, source: str, target: str, translator: Translator, glossary: Glossary, explain: bool
) -> TranslationResult:
    """What a family reading `target` gets for `text`: translated, jargon explained."""
    if same_language(source, target):
        result = TranslationResult(text, True)
    else:
        [result] = await translator.translate([text], source, target)
    if explain and base(source) == "en":
        terms = glossary.find(text)
        if terms:
            result = TranslationResult(glossary.explain(result.text, target, terms), result.ok)
    return result


async def _body(delivery: Delivery, translator: Translator, glossary: Glossary) -> list[str]:
    source = delivery.body_language or delivery.language
    result = await family_version(
        delivery.body, source, delivery.language, translator, glossary, delivery.explain_terms
    )
    if not result.ok:
        return [result.text, gettext(delivery.language, NOT_TRANSLATED)]
    parts = [result.text]
    if delivery.show_original and not same_language(source, delivery.language):
        label = gettext(
            delivery.language, ORIGINAL, language=_language_name(source, delivery.language)
        )
        parts.append(f"— {label}\n{delivery.body}")
    return parts


async def _pieces(delivery: Delivery, translator: Translator, glossary: Glossary) -> str:
    """Fixed text and people's words in turn, the words in the reader's language. Words
    that cannot be translated stay as written, with one note at the end."""
    source = delivery.body_language or delivery.language
    out: list[str] = []
    failed = False
    for kind, text in delivery.pieces:
        if kind != WORDS or not text:
            out.append(str(text))
            continue
        result = await family_version(
            str(text), source, delivery.language, translator, glossary, delivery.explain_terms
        )
        failed = failed or not result.ok
        out.append(result.text)
    if failed:
        out.append("\n" + gettext(delivery.language, NOT_TRANSLATED))
    return "".join(out)


async def _back_translation(delivery: Delivery, translator: Translator, glossary: Glossary) -> str:
    assert delivery.back_translate_via is not None
    source = delivery.body_language or delivery.language
    forward = await family_version(
        delivery.body, source, delivery.back_translate_via, translator, glossary, explain=True
    )
    if not forward.ok:
        return gettext(delivery.language, BACK_NOT_TRANSLATED)
    [back] = await translator.translate(
        [forward.text], delivery.back_translate_via, delivery.language
    )
    if not back.ok:
        return forward.text
    return back.text


def _language_name(code: str, reader: str) -> str:
    return name_in(code, reader)
