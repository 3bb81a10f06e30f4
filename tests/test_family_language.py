"""What families read: translation at send time, one call per language, notes when it fails,
jargon explained; and what staff are shown about it."""

from __future__ import annotations

from sqlalchemy import select

from commbot.channels.base import Sender
from commbot.db import transaction
from commbot.dispatch.compose import NOT_TRANSLATED
from commbot.i18n import gettext
from commbot.models import Channel, Guardian, Lane
from commbot.outbox import to_guardian
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes.translation import FakeLibreTranslate
from .support import System

CARTER = 7001


def senders(system: System) -> dict[Channel, Sender]:
    return {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
        Channel.WHATSAPP: system.twilio_sender,
    }


async def test_a_broadcast_costs_one_translation_per_language(system: System) -> None:
    text = "School is closed on Monday for a teacher workday."
    with FakeLibreTranslate() as service:
        backend = LibreTranslateTranslator(service.base_url)
        system.dispatcher = system.make_dispatcher(
            senders(system), translator=CachedTranslator(system.engine, backend)
        )
        with transaction(system.engine) as session:
            families = session.scalars(select(Guardian).order_by(Guardian.id)).all()
            for guardian in families:
                to_guardian(
                    session,
                    guardian=guardian,
                    now=system.clock(),
                    default_timezone="America/New_York",
                    body=text,
                    body_language="en",
                    lane=Lane.BROADCAST,
                )
            languages = {g.language for g in families if g.language != "en"}
        await system.drain()
        await backend.close()
    assert len(families) == 13 and len(languages) == 9
    assert len(service.calls) == len(languages)
    assert sorted(c.target for c in service.calls) == sorted(
        {"zh" if lang == "zh-CN" else lang for lang in languages}
    )
    rosa = system.sms_to("+16175550134")
    assert rosa == [f"[es] {text}"]


async def test_failed_translation_delivers_the_original_with_a_note_in_their_language(
    system: System,
) -> None:
    with FakeLibreTranslate() as service:
        service.fail = True
        backend = LibreTranslateTranslator(service.base_url)
        system.dispatcher = system.make_dispatcher(
            senders(system), translator=CachedTranslator(system.engine, backend)
        )
        await system.link_staff("ecarter@lincoln.example.org", CARTER)
        await system.telegram_update(CARTER, "/msg Alfredo Alfredo read two books today!")
        await system.telegram_update(CARTER, "/msg Minh Minh helped a friend today.")
        await system.telegram_update(CARTER, "/msg Andrew Andrew sang today.")
        await system.drain()
        await backend.close()
    readers = {"+16175550134": "es", "+16175550142": "vi", "+16175550177": "ar"}
    for number, language in readers.items():
        [body] = system.sms_to(number)
        note = gettext(language, NOT_TRANSLATED)
        assert note != NOT_TRANSLATED  # really in their language
        assert body.splitlines()[-1].lstrip("\u200f") == note
    assert "Alfredo read two books today!" in system.sms_to("+16175550134")[0]


async def test_jargon_is_explained_in_spanish_and_staff_are_told(system: System) -> None:
    with FakeLibreTranslate(
        {
            (
                "Alfredo's IEP meeting is on Friday.",
                "es",
            ): "La reunión del IEP de Alfredo es el viernes.",
        }
    ) as service:
        backend = LibreTranslateTranslator(service.base_url)
        system.dispatcher = system.make_dispatcher(
            senders(system), translator=CachedTranslator(system.engine, backend)
        )
        await system.link_staff("ecarter@lincoln.example.org", CARTER)
        await system.telegram_update(CARTER, "/msg Alfredo Alfredo's IEP meeting is on Friday.")
        await system.drain()
        await backend.close()
    [rosa] = system.sms_to("+16175550134")
    assert "reunión del IEP (" in rosa and "plan de aprendizaje" in rosa
    told = system.telegram_texts(CARTER)
    assert any("Explained in plain words for the family: IEP meeting." in t for t in told)
    back = [t for t in told if "translated back" in t]
    assert back and "What Rosa Pérez will read (Spanish), translated back:" in back[0]


async def test_staff_can_switch_back_translation_off(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/backtranslation off")
    await system.telegram_update(CARTER, "/msg Alfredo Good news today.")
    await system.drain()
    texts = system.telegram_texts(CARTER)
    assert "You will no longer get back-translations." in texts
    assert not any("translated back" in t for t in texts)


async def test_hard_english_gets_a_gentle_note(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    hard = (
        "/msg Alfredo Notwithstanding the aforementioned considerations, the multidisciplinary "
        "evaluation team recommends comprehensive individualized instructional modifications "
        "commensurate with documented educational performance characteristics."
    )
    await system.telegram_update(CARTER, hard)
    await system.telegram_update(
        CARTER,
        "/msg Alfredo Alfredo had fun at recess. He played tag with his friends and laughed a lot.",
    )
    await system.drain()
    reports = [t for t in system.telegram_texts(CARTER) if t.startswith("Sending to")]
    assert "Tip: this reads at about grade" in reports[0]
    assert "Tip:" not in reports[1]
