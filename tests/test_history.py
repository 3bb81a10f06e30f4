"""Delivery history: what happened to a message and when, as `commbot outbox --history`
shows it. End to end through the fake Twilio and Telegram servers."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from commbot.cli import app, main
from commbot.db import transaction
from commbot.dispatch import history
from commbot.dispatch.dispatcher import _SentRecord
from commbot.dispatch.outcomes import apply_status_callback, cancel
from commbot.errors import UserError
from commbot.models import Channel, Delivery, DeliveryEvent, Guardian

from .fakes import FakeTelegram, FakeTwilio
from .support import System, command_line_on
from .test_dispatch import template_system

CARTER = 7001
ROSA = "+16175550134"  # Spanish, SMS only
KARIM = "+16175550177"  # Arabic, WhatsApp then SMS

runner = CliRunner()


def deliveries_to(system: System, name: str) -> list[Delivery]:
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == name))
        assert guardian is not None
        return list(
            session.scalars(
                select(Delivery).where(Delivery.guardian_id == guardian.id).order_by(Delivery.id)
            )
        )


def events_of(system: System, delivery_id: int) -> list[DeliveryEvent]:
    with transaction(system.engine) as session:
        return history.events(session, delivery_id)


def kinds(events: list[DeliveryEvent]) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind.value, e.status, e.error_code) for e in events]


async def status_report(
    system: System, sid: str, status: str, error_code: int | None = None
) -> None:
    params = system.twilio.status_callback_params(sid, status, error_code)
    response = await system.post_twilio("/twilio/status", params)
    assert response.status_code == 200


async def retried_then_delivered(system: System) -> tuple[Delivery, dt.datetime]:
    """Ms. Carter writes to Rosa; Twilio fails once with a 500, the retry goes out, and a
    minute later Twilio reports it delivered."""
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    system.twilio.fail_next(1, 500)
    start = system.clock()
    await system.telegram_update(CARTER, "/msg Alfredo Great work today")
    await system.drain()
    system.clock.advance(seconds=5)
    await system.drain()
    [delivery] = deliveries_to(system, "Rosa Pérez")
    assert delivery.provider_message_id is not None
    system.clock.advance(minutes=1)
    await status_report(system, delivery.provider_message_id, "delivered")
    return delivery, start


@pytest.fixture
def cli_on(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The `commbot` command line, pointed at the system's database."""
    with command_line_on(monkeypatch, system.engine.url.render_as_string(False)):
        yield


async def test_a_retried_message_shows_each_attempt_then_its_delivery(system: System) -> None:
    delivery, start = await retried_then_delivered(system)
    events = events_of(system, delivery.id)
    assert kinds(events) == [
        ("attempt", "sending", None),
        ("retry", "pending", "20500"),
        ("attempt", "sending", None),
        ("sent", "sent", None),
        ("status", "delivered", None),
    ]
    assert [e.at - start for e in events] == [
        dt.timedelta(0),
        dt.timedelta(0),
        dt.timedelta(seconds=5),
        dt.timedelta(seconds=5),
        dt.timedelta(minutes=1, seconds=5),
    ]
    assert events[3].provider_message_id == delivery.provider_message_id
    assert events[4].provider_message_id == delivery.provider_message_id
    assert [e.detail for e in events if e.kind.value == "attempt"] == [
        "attempt 1 by sms",
        "attempt 2 by sms",
    ]


async def test_an_undelivered_report_shows_the_fallback_to_the_next_channel(
    system: System,
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    await system.sms(KARIM, "Salam", whatsapp=True)
    await system.drain()
    system.twilio.fail_to("whatsapp:" + KARIM, 30006)  # accepted now, fails at the carrier
    await system.telegram_update(CARTER, "/msg Andrew Concert at 6")
    await system.drain()
    [whatsapp] = deliveries_to(system, "Karim Bashid")
    assert whatsapp.provider_message_id is not None
    await status_report(system, whatsapp.provider_message_id, "undelivered")
    await system.drain()

    whatsapp, sms = deliveries_to(system, "Karim Bashid")
    assert (whatsapp.channel, sms.channel) == (Channel.WHATSAPP, Channel.SMS)
    events = events_of(system, whatsapp.id)
    assert kinds(events) == [
        ("attempt", "sending", None),
        ("sent", "sent", None),
        ("status", "undelivered", "30006"),
        ("fallback", "undelivered", None),
    ]
    assert events[-1].detail == f"moved to sms as delivery {sms.id}"
    assert kinds(events_of(system, sms.id)) == [
        ("attempt", "sending", None),
        ("sent", "sent", None),
    ]


async def test_a_report_that_came_before_the_send_was_recorded_is_in_the_history(
    system: System,
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    await system.telegram_update(CARTER, "/msg Alfredo Hello")
    [queued] = deliveries_to(system, "Rosa Pérez")
    # The worker sends, but Twilio's callback arrives before the worker records the send.
    [claimed] = system.dispatcher._claim(Channel.SMS, system.clock())
    assert claimed.delivery.id == queued.id
    with transaction(system.engine) as session:
        known = apply_status_callback(
            session, "SM-early", "delivered", None, system.clock(), "America/New_York"
        )
        assert not known
    system.clock.advance(seconds=2)
    system.dispatcher._sent([_SentRecord(queued.id, "SM-early", system.clock(), None)])
    assert kinds(events_of(system, queued.id)) == [
        ("status", "delivered", None),
        ("attempt", "sending", None),
        ("sent", "sent", None),
    ]
    [delivery] = deliveries_to(system, "Rosa Pérez")
    assert delivery.status.value == "delivered"


async def test_outbox_history_prints_the_events_by_name_without_the_number(
    system: System, cli_on: None
) -> None:
    delivery, _ = await retried_then_delivered(system)
    result = runner.invoke(app, ["outbox", "--history", str(delivery.id)], catch_exceptions=False)
    assert result.exit_code == 0
    output = result.output
    assert "Rosa Pérez" in output
    assert ROSA not in output and "6175550134" not in output
    assert "Great work" not in output  # no message text either
    order = ["queued", "attempt", "retry", "attempt", "sent", "status"]
    rows = [line.split("│") for line in output.splitlines() if line.startswith("│")]
    events = [(row[1].strip(), row[2].strip()) for row in rows if row[2].strip()]
    assert [event for _, event in events] == order  # the "event" column, a line each
    assert all(re.fullmatch(r"2026-11-20 21:\d\d:\d\d", time) for time, _ in events)
    assert "20500" in output  # explained in words too: see the JSON below

    result = runner.invoke(
        app, ["outbox", "--history", str(delivery.id), "--json"], catch_exceptions=False
    )
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["event"] for r in rows] == order
    assert rows[2]["error"] == "20500: Twilio had an internal error"
    assert rows[-1]["status"] == "delivered"
    assert rows[-1]["provider_id"] == delivery.provider_message_id
    assert ROSA not in result.output


async def test_outbox_history_of_an_unknown_id_is_one_line(
    system: System,
    cli_on: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.argv", ["commbot", "outbox", "--history", "999999"])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    assert stopped.value.code == 2
    assert (captured.out + captured.err).strip() == "error: no delivery has the id 999999"

    # --debug shows the traceback instead.
    monkeypatch.setattr("sys.argv", ["commbot", "--debug", "outbox", "--history", "999999"])
    with pytest.raises(UserError, match="no delivery has the id 999999"):
        main()


async def test_messages_held_for_the_whatsapp_window_show_the_hold_then_the_send(
    engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    async with template_system(engine, fake_telegram, fake_twilio, tmp_path) as system:
        await system.telegram_update(CARTER, "/msg Andrew First note")
        await system.telegram_update(CARTER, "/msg Andrew Second note")
        await system.drain()
        first, second = deliveries_to(system, "Karim Bashid")
        assert [(e.kind.value, e.detail) for e in events_of(system, first.id)] == [
            ("held", "outside the 24-hour reply window; template sent"),
        ]
        assert [(e.kind.value, e.detail) for e in events_of(system, second.id)] == [
            ("held", "outside the 24-hour reply window"),
        ]
        system.clock.advance(hours=2)
        await system.sms(KARIM, "hi", whatsapp=True)
        await system.drain()
        assert kinds(events_of(system, first.id)) == [
            ("held", "held", None),
            ("attempt", "sending", None),
            ("sent", "sent", None),
        ]


async def test_a_cancelled_delivery_records_why_and_where_it_went(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    await system.sms(KARIM, "Salam", whatsapp=True)  # window open: WhatsApp would be used
    await system.drain()
    await system.telegram_update(CARTER, "/msg Andrew Queued for WhatsApp")
    [waiting] = deliveries_to(system, "Karim Bashid")
    with transaction(system.engine) as session:
        delivery = session.get_one(Delivery, waiting.id)
        cancel(session, delivery, "the family opted out", system.clock(), "America/New_York")
    whatsapp, sms = deliveries_to(system, "Karim Bashid")
    assert [(e.kind.value, e.status, e.detail) for e in events_of(system, whatsapp.id)] == [
        ("cancelled", "cancelled", "the family opted out"),
        ("fallback", "cancelled", f"moved to sms as delivery {sms.id}"),
    ]
