"""Routing rules: linking, which child, thread replies, /msg, and staff help."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from commbot.db import transaction
from commbot.models import Channel, ContactPoint, InviteCode, Message

from .support import System

CARTER, KIM = 7001, 7002
LAN = "+16175550142"


async def test_bad_used_and_expired_codes_link_nothing(system: System) -> None:
    await system.telegram_update(9100, "/start not-a-real-code")
    code = system.invite(email="ecarter@lincoln.example.org")
    await system.telegram_update(9101, f"/start {code}")
    await system.telegram_update(9102, f"/start {code}")  # used already
    expired = system.invite(email="dkim@lincoln.example.org")
    system.clock.advance(days=8)
    await system.telegram_update(9103, f"/start {expired}")
    await system.drain()
    assert "does not work" in system.telegram_texts(9100)[0]
    assert "Welcome, Emily Carter" in system.telegram_texts(9101)[0]
    assert "does not work" in system.telegram_texts(9102)[0]
    assert "does not work" in system.telegram_texts(9103)[0]
    with transaction(system.engine) as session:
        used = session.scalars(select(InviteCode).where(InviteCode.used_at.is_not(None))).all()
        assert [u.used_by_chat_id for u in used] == [9101]


async def test_guardian_links_telegram_and_writes_from_it(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(8001, f"/start {code}")
    await system.telegram_update(8001, "Andrew loved the field trip!")
    await system.drain()
    assert "Hello Amina Bashid" in system.telegram_texts(8001)[0]
    assert "Amina Bashid (mother of Andrew Bashid) wrote:" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        point = session.scalar(select(ContactPoint).where(ContactPoint.address == "8001"))
        assert point is not None and point.channel is Channel.TELEGRAM and point.verified
        # Amina prefers Telegram, so her new chat comes first.
        assert point.priority == 0


async def test_parent_of_two_is_asked_which_child(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.sms(LAN, "Mai con tôi nghỉ học.")
    await system.drain()
    question = system.sms_to(LAN)[-1]
    assert "1. Bao Nguyen (David Kim)" in question
    assert "2. Minh Nguyen (Emily Carter)" in question
    carter_before = len(system.telegram_texts(CARTER))

    await system.sms(LAN, "Cảm ơn")  # not a number: held too, and asked again
    await system.drain()
    assert "1. Bao Nguyen" in system.sms_to(LAN)[-1]

    await system.sms(LAN, "1")
    await system.drain()
    kim = system.telegram_texts(KIM)
    assert "Lan Nguyen (mother of Bao Nguyen) wrote:" in kim[-2]
    assert "Mai con tôi nghỉ học." in kim[-2] and "Cảm ơn" in kim[-1]
    assert len(system.telegram_texts(CARTER)) == carter_before
    with transaction(system.engine) as session:
        texts = [m.text for m in session.scalars(select(Message))]
        assert "1" not in texts  # the answer is not kept as a message to the teacher

    # Now that a thread exists with Mr. Kim, the next message goes straight there... once he
    # has written in it. Until then she is asked again.
    await system.telegram_update(KIM, "Thank you, feel better Bao!", reply_to=_last_id(system, KIM))
    await system.drain()
    await system.sms(LAN, "Bao is better today")
    await system.drain()
    assert "Bao is better today" in system.telegram_texts(KIM)[-1]


def _last_id(system: System, chat: int) -> int:
    return system.telegram.sent_messages(chat)[-1].result["message_id"]


async def test_msg_in_two_steps(system: System) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(KIM, "/msg Tyrell Ruby")
    await system.drain()
    assert "Write your message for Tyrell Ruby's family now" in system.telegram_texts(KIM)[-1]
    await system.telegram_update(KIM, "Tyrell's allergy plan is on file for the trip.")
    await system.drain()
    [sms] = system.sms_to("+16175550123")
    assert "Tyrell's allergy plan is on file" in sms


async def test_staff_plain_text_without_context_gets_help(system: System) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(KIM, "hello?")
    await system.drain()
    assert "/msg <student> <text>" in system.telegram_texts(KIM)[-1]
    assert system.twilio.messages == []


async def test_whatsapp_message_from_an_sms_family_is_recognised(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.sms("+16175550134", "Hola por WhatsApp", whatsapp=True)
    await system.drain()
    assert "Rosa Pérez (mother of Alfredo Pérez) wrote:" in system.telegram_texts(CARTER)[-1]
    with transaction(system.engine) as session:
        points = session.scalars(
            select(ContactPoint).where(ContactPoint.address == "+16175550134")
        ).all()
        assert sorted((p.channel.value, p.priority) for p in points) == [
            ("sms", 0),
            ("whatsapp", 1),
        ]
        whatsapp = next(p for p in points if p.channel is Channel.WHATSAPP)
        assert whatsapp.last_inbound_at == system.clock() and isinstance(
            whatsapp.last_inbound_at, dt.datetime
        )
