"""End to end: a Spanish-speaking SMS parent and an English-speaking Telegram teacher."""

from __future__ import annotations

from sqlalchemy import select

from commbot.db import transaction
from commbot.models import DeliveryStatus, Message, Staff

from .support import System

CARTER = 7001
ROSA = "+16175550134"


async def test_parent_and_teacher_hold_a_conversation(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    assert "Welcome, Emily Carter" in system.telegram_texts(CARTER)[0]

    response = await system.sms(ROSA, "Hola, ¿cómo estuvo Alfredo hoy?")
    assert response.status_code == 200
    assert "<Response>" in response.text
    assert system.telegram.sent_messages(CARTER)[1:] == []  # nothing is sent from the request
    await system.drain()

    relayed = system.telegram.sent_messages(CARTER)[-1]
    text = relayed.params["text"]
    assert "Rosa Pérez (mother of Alfredo Pérez) wrote:" in text
    assert "Hola, ¿cómo estuvo Alfredo hoy?" in text
    relayed_id = relayed.result["message_id"]

    await system.telegram_update(CARTER, "Alfredo had a great day!", reply_to=relayed_id)
    await system.drain()
    [sms] = system.twilio.messages
    assert sms.to == ROSA and sms.from_ == "+16175550100"
    assert "Emily Carter" in (sms.body or "") and "Alfredo had a great day!" in (sms.body or "")
    assert sms.status_callback == "https://commbot.test/twilio/status"
    assert "Sending to Rosa Pérez (SMS, Spanish)." in system.telegram_texts(CARTER)[-2]
    # No translator is configured here, and the teacher is told what that means for Rosa.
    assert "translated back" in system.telegram_texts(CARTER)[-1]
    assert "gets your words as written" in system.telegram_texts(CARTER)[-1]

    # Her reply comes back to the same teacher, on the same thread.
    await system.sms(ROSA, "¡Gracias!")
    await system.drain()
    assert "¡Gracias!" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        threads = {m.thread_id for m in session.scalars(select(Message))}
        assert len(threads) == 1
    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())


async def test_unlinked_teacher_gets_messages_after_linking(system: System) -> None:
    await system.sms(ROSA, "Hola")
    await system.drain()
    [held] = [d for d in system.deliveries() if d.staff_id]
    assert held.status is DeliveryStatus.HELD
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    texts = system.telegram_texts(CARTER)
    assert any("Hola" in t for t in texts)
    with transaction(system.engine) as session:
        carter = session.scalar(select(Staff).where(Staff.telegram_chat_id == CARTER))
        assert carter is not None
