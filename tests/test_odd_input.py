"""Odd input answered plainly, end to end: update shapes Telegram never sends, days no
schedule can be made of, digits from other scripts, presses without data, empty replies."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from commbot.conversations.language_menu import confirmation
from commbot.db import transaction
from commbot.features.checkins.models import CheckinPlan
from commbot.models import Delivery, Message, PendingChoice, RecipientKind

from .support import System, press

CARTER = 7001
CARTER_EMAIL = "ecarter@lincoln.example.org"
KIM_EMAIL = "dkim@lincoln.example.org"
KIM = 7002
LAN = "+16175550142"  # mother of Bao (David Kim's class) and Minh (Emily Carter's)


def _with(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("message", "text"), 5),
        (("message", "text"), ["a"]),
        (("message", "from", "first_name"), {"x": 1}),
        (("message", "date"), 10**20),
        (("message", "chat", "id"), "abc"),
        (("message", "chat", "id"), 10**30),
        (("message", "chat", "id"), True),
        (("message", "document"), {"file_id": "d", "file_unique_id": "d", "mime_type": 7}),
    ],
)
async def test_update_shapes_telegram_never_sends_get_a_400(
    system: System, path: tuple[str, ...], value: Any
) -> None:
    payload = _with(system.telegram_payload(CARTER, "hello"), path, value)
    response = await system.post_telegram(payload)
    assert response.status_code == 400
    assert "not a Telegram update" in response.text or "chat.id" in response.text
    assert system.deliveries() == []


async def test_a_press_without_data_has_expired(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    update = {
        "update_id": 95_001,
        "callback_query": {
            "id": "cb-nodata",
            "from": {"id": CARTER, "is_bot": False, "first_name": "E"},
            "chat_instance": "x",
            "game_short_name": "a-game",  # a press that carries no callback data
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": CARTER, "type": "private"},
                "text": "menu",
            },
        },
    }
    response = await system.post_telegram(update)
    assert response.status_code == 200
    assert response.json()["method"] == "answerCallbackQuery"
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == "This button has expired. Please begin again."
    assert system.twilio.messages == []


@pytest.mark.parametrize("days", ["fri-mon", "sun-mon", "mon-tue-wed", "someday"])
async def test_days_no_schedule_can_be_made_of_are_not_understood(
    system: System, days: str
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.telegram_update(CARTER, "/checkin")
    await system.drain()
    keyboard = system.telegram.sent_messages(CARTER)[-1].params["reply_markup"]
    student = next(
        b["callback_data"]
        for row in keyboard["inline_keyboard"]
        for b in row
        if b["callback_data"] == "ck:student"
    )
    await system.post_telegram(press(CARTER, student, 96_001))
    await system.telegram_update(CARTER, "Alfredo")
    response = await system.telegram_update(CARTER, days)
    assert response.status_code == 200
    await system.drain()
    assert "did not understand" in system.telegram_texts(CARTER)[-1]
    # The dialog still stands: proper days now move it on.
    await system.telegram_update(CARTER, "mon-fri")
    await system.drain()
    assert "At what time?" in system.telegram_texts(CARTER)[-1]


async def test_a_class_button_with_a_superscript_digit_is_not_understood(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.telegram_update(CARTER, "/checkin")
    response = await system.post_telegram(press(CARTER, "ck:class:²", 96_101))
    assert response.status_code == 200
    await system.drain()
    assert "did not understand" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        assert session.scalar(select(func.count()).select_from(CheckinPlan)) == 0


@pytest.mark.parametrize("two", ["٢", "２", "2"])
async def test_a_number_in_any_script_answers_which_child(system: System, two: str) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    await system.sms(LAN, "Mai con tôi nghỉ học.")
    await system.sms(LAN, two)
    await system.drain()
    carter = system.telegram_texts(CARTER)
    assert "Mai con tôi nghỉ học." in carter[-1]  # 2. Minh Nguyen (Emily Carter)
    with transaction(system.engine) as session:
        assert two not in [m.text for m in session.scalars(select(Message))]


async def test_a_language_menu_stored_without_options_still_takes_a_number(
    system: System,
) -> None:
    await system.sms(LAN, "LANGUAGE")
    with transaction(system.engine) as session:  # as menus were stored before options were
        session.scalars(select(PendingChoice)).one().options = []
    await system.sms(LAN, "2")
    await system.drain()
    assert system.sms_to(LAN)[-1] == confirmation("es")  # the second language listed


async def test_an_empty_reply_to_a_family_is_not_sent(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.sms("+16175550134", "Hola")
    await system.drain()
    relayed = system.telegram.sent_messages(CARTER)[-1].result["message_id"]
    await system.telegram_update(CARTER, None, reply_to=relayed)  # a sticker, say: no text
    await system.drain()
    assert "nothing to send" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        to_families = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.recipient_kind == RecipientKind.GUARDIAN, Delivery.body == "")
            .where(Delivery.header.contains("Emily Carter"))
        )
    assert to_families == 0
    assert system.twilio.messages == []


@pytest.mark.parametrize("update_id", [2**64, -1, 10**200])
async def test_an_update_id_out_of_range_gets_a_400(system: System, update_id: int) -> None:
    payload = system.telegram_payload(CARTER, "hello", update_id=update_id)
    response = await system.post_telegram(payload)
    assert response.status_code == 400 and "update_id" in response.text
    assert system.deliveries() == []


@pytest.mark.parametrize("sid", ["SM" + "a" * 200, "SM-1 2", "SM\u00e9"])
async def test_a_message_sid_twilio_never_sends_gets_a_400(system: System, sid: str) -> None:
    for path in ("/twilio/inbound", "/twilio/status"):
        form = system.twilio_form("+16175550134", "Hola", sid=sid)
        form["MessageStatus"] = "delivered"
        response = await system.post_twilio(path, form)
        assert response.status_code == 400 and "MessageSid" in response.text
    assert system.deliveries() == []
