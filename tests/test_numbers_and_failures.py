"""End to end: phone numbers in the forms WhatsApp and carriers send, senders with no phone
number, failures reported by any status callback, and what the teacher is told about them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from commbot.cli import app
from commbot.db import transaction
from commbot.models import Channel, Delivery, DeliveryStatus, Guardian
from commbot.phones import equivalent_forms, sender_number
from commbot.roster.importer import import_roster

from .support import System, command_line_on

CARTER = 7001
ROSA = "+16175550134"  # SMS only
KARIM = "+16175550177"  # WhatsApp, then SMS

HEADER = (
    "student_id,student_name,class,teacher_name,teacher_email,guardian_name,"
    "guardian_relationship,guardian_phone,language,channel,timezone,quiet_hours,photo_consent"
)
# Two families in Emily Carter's class with numbers from countries whose mobiles have two
# international forms. Quiet hours are empty so that the test's clock does not matter.
ROSTER = [
    "S2001,Diego Ramírez,Room 12,Emily Carter,ecarter@lincoln.example.org,Lucía Ramírez,"
    "mother,+52 55 1234 5678,en,whatsapp,America/Mexico_City,,none",
    "S2002,Beatriz Souza,Room 12,Emily Carter,ecarter@lincoln.example.org,Ana Souza,"
    "mother,+55 11 98765-4321,en,sms,America/Sao_Paulo,,none",
]
UNKNOWN_REPLY = "We do not have this number or account on our list"

runner = CliRunner()


@pytest.fixture
def families(system: System, tmp_path: Path) -> System:
    path = tmp_path / "more.csv"
    path.write_text("\n".join([HEADER, *ROSTER]) + "\n", encoding="utf-8")
    with transaction(system.engine) as session:
        import_roster(session, path)
    return system


@pytest.fixture
def cli_on(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The `commbot` command line, pointed at the system's database."""
    with command_line_on(monkeypatch, system.engine.url.render_as_string(False)):
        yield


async def carter_linked(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()


def deliveries_to(system: System, name: str) -> list[Delivery]:
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == name))
        assert guardian is not None
        query = select(Delivery).where(Delivery.guardian_id == guardian.id).order_by(Delivery.id)
        return list(session.scalars(query))


def contact_points(system: System, name: str) -> list[tuple[Channel, str]]:
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == name))
        assert guardian is not None
        return sorted((p.channel, p.address) for p in guardian.contact_points)


def twilio_bodies(system: System, to: str) -> list[str]:
    return [m.body or "" for m in system.twilio.messages if m.to == to]


async def status_callback(system: System, sid: str, status: str) -> Any:
    params = system.twilio.status_callback_params(sid, status)
    return await system.post_twilio("/twilio/status", params)


# -- numbers in every form ------------------------------------------------------------------


def test_equivalent_forms_of_mexican_brazilian_and_argentine_mobiles() -> None:
    assert equivalent_forms("+5215512345678") == ("+5215512345678", "+525512345678")
    assert equivalent_forms("+525512345678") == ("+525512345678", "+5215512345678")
    assert equivalent_forms("+551187654321") == ("+551187654321", "+5511987654321")
    assert equivalent_forms("+5511987654321") == ("+5511987654321", "+551187654321")
    assert equivalent_forms("+5491123456789") == ("+5491123456789", "+541123456789")
    # A São Paulo landline has no 9 to add; a US number has one form.
    assert equivalent_forms("+551133334444") == ("+551133334444",)
    assert equivalent_forms(ROSA) == (ROSA,)
    # Senders: forms the numbering plan calls invalid are still numbers; names are not.
    assert sender_number("whatsapp:+5215512345678") == "+5215512345678"
    assert sender_number("+55 11 8765-4321") == "+551187654321"
    assert sender_number("SCHOOLNEWS") is None
    assert sender_number("12345") is None


async def test_whatsapp_from_mexicos_521_form_reaches_the_teacher(families: System) -> None:
    system = families
    await carter_linked(system)
    response = await system.sms("+5215512345678", "Hola maestra, Diego está enfermo", whatsapp=True)
    assert response.status_code == 200
    await system.drain()

    relayed = system.telegram_texts(CARTER)[-1]
    assert "Lucía Ramírez (mother of Diego Ramírez) wrote:" in relayed
    assert "Diego está enfermo" in relayed
    assert all(UNKNOWN_REPLY not in t for t in twilio_bodies(system, "whatsapp:+5215512345678"))
    # The roster's numbers stay as imported: the +521 form was matched, not added.
    assert contact_points(system, "Lucía Ramírez") == [
        (Channel.SMS, "+525512345678"),
        (Channel.WHATSAPP, "+525512345678"),
    ]


async def test_whatsapp_from_brazils_8_digit_form_reaches_the_teacher(families: System) -> None:
    system = families
    await carter_linked(system)
    # Ana is on the roster by SMS at +55 11 98765-4321; WhatsApp gives her old 8-digit form.
    response = await system.sms("+551187654321", "Oi, a Beatriz vai faltar", whatsapp=True)
    assert response.status_code == 200
    await system.drain()

    relayed = system.telegram_texts(CARTER)[-1]
    assert "Ana Souza (mother of Beatriz Souza) wrote:" in relayed
    assert "a Beatriz vai faltar" in relayed
    assert all(UNKNOWN_REPLY not in t for t in twilio_bodies(system, "whatsapp:+551187654321"))
    # The same family on another channel: that channel is added at the address she used.
    assert contact_points(system, "Ana Souza") == [
        (Channel.SMS, "+5511987654321"),
        (Channel.WHATSAPP, "+551187654321"),
    ]
    # And an SMS from the 8-digit form is her too.
    await system.sms("+551187654321", "Obrigada")
    await system.drain()
    assert "Obrigada" in system.telegram_texts(CARTER)[-1]
    assert len(contact_points(system, "Ana Souza")) == 2


# -- senders with no phone number ------------------------------------------------------------


async def test_senders_without_a_phone_number_are_unknown_not_refused(system: System) -> None:
    await carter_linked(system)
    before = len(system.telegram_texts(CARTER))
    for form in (
        system.twilio_form("SCHOOLNEWS", "Your code is 1234"),  # an alphanumeric sender id
        system.twilio_form("72345", "Reply YES to subscribe"),  # a short code
        system.twilio_form("not-a-number", "hello", whatsapp=True),
    ):
        response = await system.post_twilio("/twilio/inbound", form)
        assert response.status_code == 200, response.text
    await system.drain()
    # Nobody on staff hears of them, and nothing is sent back: they cannot be texted.
    assert len(system.telegram_texts(CARTER)) == before
    assert system.twilio.messages == []

    # A real number that is not on the roster, in the +521 form, is answered as before.
    response = await system.sms("+5215598765432", "hola", whatsapp=True)
    assert response.status_code == 200
    await system.drain()
    [reply] = twilio_bodies(system, "whatsapp:+5215598765432")
    assert UNKNOWN_REPLY in reply


# -- failures with any error code ------------------------------------------------------------


async def test_carrier_filtered_whatsapp_falls_back_to_sms_once(system: System) -> None:
    await carter_linked(system)
    await system.sms(KARIM, "Salam", whatsapp=True)  # opens WhatsApp's 24-hour window
    await system.drain()
    system.twilio.fail_to("whatsapp:" + KARIM, 30007)  # accepted now, filtered by the carrier
    await system.telegram_update(CARTER, "/msg Andrew Concert at 6")
    await system.drain()
    confirmation = system.telegram_texts(CARTER)[-2]
    assert confirmation.startswith("Sending to ")
    assert "Karim Bashid (WhatsApp, Arabic)." in confirmation
    [whatsapp] = deliveries_to(system, "Karim Bashid")
    assert whatsapp.status is DeliveryStatus.SENT
    sid = whatsapp.provider_message_id
    assert sid is not None

    for status in ("undelivered", "undelivered", "failed"):  # Twilio may repeat itself
        response = await status_callback(system, sid, status)
        assert response.status_code == 200
        await system.drain()

    deliveries = deliveries_to(system, "Karim Bashid")
    assert [(d.channel, d.status) for d in deliveries] == [
        (Channel.WHATSAPP, DeliveryStatus.UNDELIVERED),
        (Channel.SMS, DeliveryStatus.SENT),
    ]
    assert deliveries[0].error_code == "30007"
    [text] = system.sms_to(KARIM)
    assert "Concert at 6" in text
    moved = [t for t in system.telegram_texts(CARTER) if "did not get your message" in t]
    assert moved == [
        "Karim Bashid (family of Andrew Bashid) did not get your message by WhatsApp, "
        "so it is going to them by SMS instead."
    ]


async def test_carrier_filtered_only_number_tells_the_teacher_once(
    system: System, cli_on: None
) -> None:
    await carter_linked(system)
    system.twilio.fail_to(ROSA, 30007)
    await system.telegram_update(CARTER, "/msg Alfredo Field trip form due Friday")
    await system.drain()
    [delivery] = deliveries_to(system, "Rosa Pérez")
    assert delivery.status is DeliveryStatus.SENT and delivery.provider_message_id
    assert not any("could not reach" in t for t in system.telegram_texts(CARTER))

    for status in ("undelivered", "undelivered", "failed"):
        response = await status_callback(system, delivery.provider_message_id, status)
        assert response.status_code == 200
        await system.drain()

    told = [t for t in system.telegram_texts(CARTER) if "could not reach" in t]
    assert len(told) == 1
    assert "could not reach Rosa Pérez (family of Alfredo Pérez)" in told[0]
    assert "not delivered" in told[0]
    [delivery] = deliveries_to(system, "Rosa Pérez")  # no other channel was tried
    assert delivery.status is DeliveryStatus.UNDELIVERED

    # `commbot outbox` says what 30007 means, without the number.
    result = runner.invoke(app, ["outbox", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    [row] = [r for r in rows if r["id"] == delivery.id]
    assert row["error"] == (
        "30007: the carrier filtered the message (it looked like spam to them) "
        "(Twilio reported undelivered)"
    )
    assert ROSA not in result.output and "6175550134" not in result.output
