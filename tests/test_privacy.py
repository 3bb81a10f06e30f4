"""Families' phone numbers and message texts never appear in logs; nor do the SQL
parameters that carry them when something fails."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from commbot.logs import quiet_libraries

from .support import System

CARTER = 7001
ROSA = "+16175550134"
SECRET_WORDS = "Mi hija tiene fiebre otra vez"


async def test_a_conversation_logs_no_numbers_or_words(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # more than production logs, our records included
    quiet_libraries()  # as every commbot process does
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.sms(ROSA, SECRET_WORDS)
    await system.sms("+16175550999", "Who is this? My number is private")
    await system.drain()
    relayed = system.telegram.sent_messages(CARTER)[-1].result["message_id"]
    await system.telegram_update(CARTER, "Thank you, I will call the nurse.", reply_to=relayed)
    system.twilio.fail_to(ROSA, 21610)
    await system.drain()
    logged = caplog.text
    assert "inbound sms from addr:" in logged  # the events are logged, by a one-way label
    for private in (ROSA, "16175550134", "+16175550999", SECRET_WORDS, "call the nurse"):
        assert private not in logged


def test_database_errors_do_not_echo_values(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO schools (name) VALUES ('Lincoln')"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO schools (name) VALUES (:name)"), {"name": "Lincoln"})
    assert "Lincoln" not in str(caught.value).split("[SQL:")[1]
