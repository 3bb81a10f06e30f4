"""Every bot-authored message exists, unfuzzy and with the same placeholders, in every language."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from commbot.i18n import gettext, po_path
from commbot.languages import CATALOG_LANGUAGES
from commbot.resources import locales_dir

PLACEHOLDER = re.compile(r"\{\w+\}")


def template_ids() -> set[str | tuple[str, ...]]:
    with (locales_dir() / "commbot.pot").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def singular(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_catalog_is_complete(language: str) -> None:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle)
    messages = {m.id: m for m in catalog if m.id}
    missing = template_ids() - messages.keys()
    assert not missing, f"{language} lacks {sorted(missing)[:3]}"
    for message_id, message in messages.items():
        assert not message.fuzzy, f"{language}: fuzzy {message_id!r}"
        assert message.string, f"{language}: untranslated {message_id!r}"
        source = message_id if isinstance(message_id, str) else message_id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), (
                f"{language}: placeholders differ in {source!r}"
            )


def test_code_and_template_agree() -> None:
    """The template holds every message the code marks (run `python -m commbot.i18n.catalogs`)."""
    from babel.messages.extract import extract_from_dir

    keywords = {"gettext": (2,), "ngettext": (2, 3), "N_": None}
    found = {
        (entry[2] if isinstance(entry[2], str) else entry[2][0])
        for entry in extract_from_dir(
            str(locales_dir().parent / "commbot"),
            method_map=[("**.py", "python")],
            keywords=keywords,
        )
    }
    assert found == {singular(i) for i in template_ids()}


def test_spanish_and_arabic_are_used() -> None:
    from commbot.conversations.family import RESUBSCRIBED

    assert gettext("es", RESUBSCRIBED) != RESUBSCRIBED
    arabic = gettext("ar", RESUBSCRIBED)
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)
    # A regional variant reads its base language's catalog.
    assert gettext("es-MX", RESUBSCRIBED) == gettext("es", RESUBSCRIBED)


@pytest.mark.parametrize("language", ["en", "es", "ru", "ar"])
def test_counts_use_the_languages_plural_forms(language: str) -> None:
    from commbot.i18n import ngettext

    def replied(n: int, total: int) -> str:
        return ngettext(
            language,
            "{n} of {total} family replied.",
            "{n} of {total} families replied.",
            total,
            n=n,
            total=total,
        )

    one, few, many = replied(1, 1), replied(2, 3), replied(4, 11)
    assert "1" in one and "3" in few and "11" in many
    if language == "en":
        assert one == "1 of 1 family replied." and many == "4 of 11 families replied."
    else:
        assert one != "1 of 1 family replied."  # translated, not the English fallback
