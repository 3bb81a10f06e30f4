"""Families and staff choose their language; jargon reaches families explained."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.glossary import load_glossary
from commbot.languages import UnknownLanguage, normalize_language
from commbot.models import Guardian, Staff

from .support import System

CARTER = 7001
ROSA = "+16175550134"


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("en", "en"),
        ("ZH-cn", "zh-CN"),
        ("tl", "tl"),
        ("es-mx", "es-MX"),
        ("zh-hant-tw", "zh-Hant-TW"),
    ],
)
def test_language_codes_are_normalised(code: str, canonical: str) -> None:
    assert normalize_language(code) == canonical


@pytest.mark.parametrize("code", ["xx", "klingon", "en-ZZZ", ""])
def test_unknown_language_codes_are_refused(code: str) -> None:
    with pytest.raises(UnknownLanguage):
        normalize_language(code)


@pytest.mark.parametrize("keyword", ["idioma", "LANGUAGE", "Ngôn ngữ", "语言", "لغة", "Langue"])
async def test_family_switches_language_by_keyword(system: System, keyword: str) -> None:
    await system.sms(ROSA, keyword)
    await system.drain()
    menu = system.sms_to(ROSA)[-1]
    assert "1. English" in menu and "2. Español" in menu and "العربية" in menu
    await system.sms(ROSA, "5")  # Arabic is fifth
    await system.drain()
    with transaction(system.engine) as session:
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        assert rosa is not None and rosa.language == "ar"
    assert "العربية" in system.sms_to(ROSA)[-1]


async def test_a_number_after_the_menu_closes_is_a_message(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.sms(ROSA, "IDIOMA")
    await system.sms(ROSA, "Gracias")  # not a choice: the menu closes, this goes to the teacher
    await system.sms(ROSA, "3")
    await system.drain()
    with transaction(system.engine) as session:
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        assert rosa is not None and rosa.language == "es"
    relayed = [t for t in system.telegram_texts(CARTER) if "wrote:" in t]
    assert [t.splitlines()[1] for t in relayed] == ["Gracias", "3"]


async def test_telegram_family_gets_language_buttons(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(8001, f"/start {code}")
    await system.telegram_update(8001, "language")
    await system.drain()
    menu = system.telegram.sent_messages(8001)[-1]
    keyboard = menu.params["reply_markup"]["inline_keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert "Español" in labels and "Soomaali" in labels
    await system.post_telegram(
        {
            "update_id": 99001,
            "callback_query": {
                "id": "cb1",
                "from": {"id": 8001, "is_bot": False, "first_name": "A"},
                "chat_instance": "x",
                "data": "lang:so",
                "message": {
                    "message_id": menu.result["message_id"],
                    "date": 0,
                    "chat": {"id": 8001, "type": "private"},
                    "text": "menu",
                },
            },
        }
    )
    await system.drain()
    with transaction(system.engine) as session:
        amina = session.scalar(select(Guardian).where(Guardian.name == "Amina Bashid"))
        assert amina is not None and amina.language == "so"


async def test_staff_set_their_own_and_a_familys_language(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/language es")
    await system.telegram_update(CARTER, "/setlanguage Karim Bashid en")
    await system.telegram_update(CARTER, "/setlanguage Margaret Ruby es")  # not her family
    await system.drain()
    with transaction(system.engine) as session:
        carter = session.scalar(select(Staff).where(Staff.telegram_chat_id == CARTER))
        karim = session.scalar(select(Guardian).where(Guardian.name == "Karim Bashid"))
        ruby = session.scalar(select(Guardian).where(Guardian.name == "Margaret Ruby"))
        assert carter is not None and carter.language == "es"
        assert karim is not None and karim.language == "en"
        assert ruby is not None and ruby.language == "en"
    assert "Margaret Ruby" in system.telegram_texts(CARTER)[-1]


def test_glossary_has_every_required_term_in_every_language() -> None:
    glossary = load_glossary()
    assert len(glossary.terms) >= 40
    keys = {term.key for term in glossary.terms}
    for required in (
        "IEP",
        "IFSP",
        "FAPE",
        "LRE",
        "IDEA",
        "BIP",
        "FBA",
        "ESY",
        "OT",
        "PT",
        "SLP",
        "SDI",
    ):
        assert required in keys
    languages = {"en", "es", "zh-CN", "vi", "ar", "so", "ht", "pt", "ru", "tl"}
    for term in glossary.terms:
        assert set(term.explain) == languages, term.key
        assert all(term.explain.values()), term.key


def test_glossary_finds_terms_in_order_and_ignores_ordinary_words() -> None:
    glossary = load_glossary()
    found = [
        t.key for t in glossary.find("We will meet at 3 to review the IEP and the FBA results.")
    ]
    assert found == ["IEP", "FBA"]
    assert glossary.find("Look at the photos from art class!") == []


def test_glossary_explains_first_appearance_only() -> None:
    glossary = load_glossary()
    text = "Your child's IEP is ready. Please read the IEP before Monday."
    terms = glossary.find(text)
    explained = glossary.explain(text, "en", terms)
    iep = next(t for t in glossary.terms if t.key == "IEP")
    assert explained.count(f"({iep.explanation('en')})") == 1
    assert explained.index(iep.explanation("en")) < explained.index("Please")


def test_glossary_prefers_the_longest_term_and_skips_shouting_and_numbers() -> None:
    glossary = load_glossary()
    assert [t.key for t in glossary.find("See you at the IEP meeting.")] == ["IEP meeting"]
    assert glossary.find("MEET AT THE GYM, GREAT IDEA") == []
    assert glossary.find("Come to room 504.") == []


def test_explanation_lands_in_the_translated_text_or_as_a_note() -> None:
    glossary = load_glossary()
    terms = glossary.find("Andrew's IEP is ready.")
    iep = terms[0]
    arabic = glossary.explain("خطة IEP الخاصة بأندرو جاهزة.", "ar", terms)
    assert f"IEP ({iep.explanation('ar')})" in arabic
    spanish = glossary.explain("El plan de Andrew está listo.", "es", terms)
    assert spanish.endswith(f"• IEP: {iep.explanation('es')}")


async def test_arabic_lines_are_laid_out_right_to_left(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/msg Andrew Andrew sang today.")
    await system.drain()
    [arabic] = [m.body for m in system.twilio.messages if m.to == "+16175550177"]
    assert arabic is not None
    lines = arabic.splitlines()
    assert all(line.startswith("\u200f") for line in lines)
    assert "Emily Carter" in lines[0]  # a Latin name first, still in a right-to-left line
    [english] = system.sms_to("+16175550178")  # Amina, in English
    assert "\u200f" not in english
