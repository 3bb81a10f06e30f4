"""The bot's own words, from gettext catalogs in `locales/`.

Catalogs are compiled in memory from their `.po` files the first time a language is used,
so a fresh clone works without a build step and an edited catalog takes effect on restart.
A language without a catalog of its own reads English (`catalog_language`); a shipped
catalog that is missing from the install is an error, never a silent switch to English.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ..languages import catalog_language
from ..resources import MissingResource, locales_dir

DOMAIN = "commbot"


def po_path(language: str) -> Path:
    return locales_dir() / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> NullTranslations:
    """gettext translations for `language`, or for the shipped catalog that fits it best."""
    code = catalog_language(language)
    path = po_path(code)
    if not path.is_file():
        raise MissingResource(f"{code} message catalog", [path])
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=None)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(language: str, message: str, /, **values: object) -> str:
    """`message` in `language`, with `{placeholders}` filled from `values`."""
    text = translations(language).gettext(message)
    return text.format(**values) if values else text


def ngettext(language: str, singular: str, plural: str, n: int, /, **values: object) -> str:
    text = translations(language).ngettext(singular, plural, n)
    values.setdefault("n", n)
    return text.format(**values)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message
