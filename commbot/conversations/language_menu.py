"""Choosing a language: a numbered list (or Telegram buttons), each language in its own name."""

from __future__ import annotations

from ..callback_data import ButtonData, Choice
from ..i18n import N_, gettext
from ..languages import CATALOG_LANGUAGES, native_name

# What people type to ask for the menu, in each supported language (compared casefolded).
LANGUAGE_WORDS = frozenset(
    word.casefold()
    for word in (
        "LANGUAGE",
        "IDIOMA",
        "LANGUE",
        "LANG",
        "NGÔN NGỮ",
        "NGON NGU",
        "语言",
        "語言",
        "لغة",
        "اللغة",
        "LUQADDA",
        "LÍNGUA",
        "LINGUA",
        "ЯЗЫК",
        "WIKA",
    )
)
LANGUAGE_BUTTON = ButtonData("lang", Choice("code", *CATALOG_LANGUAGES))

CHOOSE = N_("Reply with the number of your language:")
CHOSEN = N_("From now on, we will write to you in {language}.")


def is_language_request(text: str) -> bool:
    return text.strip().casefold() in LANGUAGE_WORDS


def menu_text(current_language: str) -> str:
    lines = [gettext(current_language, CHOOSE)]
    lines += [f"{n}. {native_name(code)}" for n, code in enumerate(CATALOG_LANGUAGES, 1)]
    return "\n".join(lines)


def menu_buttons() -> list[list[dict[str, str]]]:
    """Two buttons a row, each naming its language in that language."""
    buttons = [
        {"text": native_name(code), "callback_data": LANGUAGE_BUTTON.encode(code=code)}
        for code in CATALOG_LANGUAGES
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def confirmation(language: str) -> str:
    return gettext(language, CHOSEN, language=native_name(language))
