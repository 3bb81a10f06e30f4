"""The words a recipient reads: bot header, the person's words in their language, and,
for staff, the original when it was translated."""

from __future__ import annotations

from ..i18n import N_, gettext
from ..languages import english_name, native_name
from ..models import Delivery
from ..translation import TranslationResult

ORIGINAL = N_("Original ({language}):")
NOT_TRANSLATED = N_("(We could not translate this message. It is shown as it was written.)")


def needs_translation(delivery: Delivery) -> bool:
    return (
        bool(delivery.body)
        and bool(delivery.body_language)
        and (_base(delivery.body_language or "") != _base(delivery.language))
    )


def _base(code: str) -> str:
    return code.split("-")[0].lower()


def compose(delivery: Delivery, translated: TranslationResult | None) -> str:
    parts = [delivery.header] if delivery.header else []
    if delivery.body:
        if translated is None:
            parts.append(delivery.body)
        elif translated.ok:
            parts.append(translated.text)
            if delivery.show_original and delivery.body_language:
                label = gettext(delivery.language, ORIGINAL, language=_language_name(delivery))
                parts.append(f"— {label}\n{delivery.body}")
        else:
            parts.append(delivery.body)
            parts.append(gettext(delivery.language, NOT_TRANSLATED))
    return "\n".join(part for part in parts if part)


def _language_name(delivery: Delivery) -> str:
    code = delivery.body_language or ""
    return english_name(code) if _base(delivery.language) == "en" else native_name(code)
