"""Language codes (BCP 47), as the roster and the catalogs use them."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# Languages whose catalogs ship with commbot; the bot's own words exist in each of these.
CATALOG_LANGUAGES: tuple[str, ...] = ("en", "es", "zh-CN", "vi", "ar", "so", "ht", "pt", "ru", "tl")
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "ps", "yi"})
_ENGLISH = Locale("en")
# Filipino is the standardised form of Tagalog: same catalog.
_ALIASES = {"fil": "tl"}


class UnknownLanguage(ValueError):
    pass


def normalize_language(code: str) -> str:
    """Return the canonical BCP 47 form of `code` (`zh-cn` → `zh-CN`) or raise `UnknownLanguage`.

    Subtags are checked against CLDR's lists of languages, scripts and regions, and kept as
    written: `tl` stays `tl` (Babel's parser would widen it to `fil-PH`).
    """
    text = code.strip().replace("_", "-")
    if not text:
        raise UnknownLanguage("language is empty")
    subtags = text.split("-")
    language = subtags[0].lower()
    if language not in _ENGLISH.languages:
        raise UnknownLanguage(f"{code!r} is not a known language code")
    canonical = [language]
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.title() in _ENGLISH.scripts:
            canonical.append(subtag.title())
        elif subtag.upper() in _ENGLISH.territories:
            canonical.append(subtag.upper())
        else:
            raise UnknownLanguage(f"{code!r} is not a known language code")
    return "-".join(canonical)


def catalog_language(code: str) -> str:
    """The shipped catalog that fits `code` best: exact, then the bare language, else English."""
    if code in CATALOG_LANGUAGES:
        return code
    base = _ALIASES.get(code.split("-")[0], code.split("-")[0])
    for candidate in CATALOG_LANGUAGES:
        if candidate.split("-")[0] == base:
            return candidate
    return "en"


def native_name(code: str) -> str:
    """The language's name in itself ("Español", "العربية"), for menus."""
    language = code.split("-")[0]
    try:
        name = Locale.parse(language).languages.get(language) or english_name(code)
    except (UnknownLocaleError, ValueError):
        name = english_name(code)
    return name[:1].upper() + name[1:]


def name_in(code: str, reader: str) -> str:
    """The name of language `code` as a reader of `reader` calls it ("árabe" for Spanish)."""
    language = code.split("-")[0]
    try:
        names = Locale.parse(catalog_language(reader).replace("-", "_")).languages
    except (UnknownLocaleError, ValueError):
        names = _ENGLISH.languages
    name = names.get(language) or english_name(code)
    return name[:1].upper() + name[1:] if reader.startswith("en") else name


def english_name(code: str) -> str:
    language = code.split("-")[0]
    return str(_ENGLISH.languages.get(language, code))


def is_rtl(code: str) -> bool:
    return code.split("-")[0] in RIGHT_TO_LEFT
