"""What must not happen when things go wrong: stuck or doubled deliveries, repeated parts,
stale questions or drafts catching later messages, replies going to last year's teacher."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from telegram import Bot

from commbot.channels.base import Outbound, SendResult
from commbot.channels.sandbox import SandboxSender
from commbot.db import transaction
from commbot.dispatch import dispatcher as dispatcher_module
from commbot.dispatch.dispatcher import _SentRecord
from commbot.models import Channel, Delivery, DeliveryStatus, Guardian, Lane
from commbot.outbox import to_guardian
from commbot.roster import import_roster

from .conftest import EXAMPLES
from .support import System
from .test_crash_recovery import queue_sms

CARTER, KIM = 7001, 7002
ROSA, LAN = "+16175550134", "+16175550142"


def queue_to_rosa(system: System, text: str) -> int:
    with transaction(system.engine) as session:
        rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
        delivery = to_guardian(
            session,
            guardian=rosa,
            now=system.clock(),
            default_timezone="America/New_York",
            body=text,
            body_language="es",
            lane=Lane.CONVERSATION,
        )
        session.flush()
        return delivery.id


class Exploding(SandboxSender):
    """A sender whose code has a bug: it raises something that is not a SendError."""

    async def send(self, outbound: Outbound) -> SendResult:
        raise RuntimeError(f"boom while sending to {outbound.address}")


async def test_an_unexpected_error_is_recorded_and_retried_not_left_sending(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    delivery_id = queue_to_rosa(system, "Hola")
    dispatcher = system.make_dispatcher({Channel.SMS: Exploding()})
    await dispatcher.tick(Channel.SMS)
    with transaction(system.engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert delivery.status is DeliveryStatus.PENDING
        assert (delivery.attempts, delivery.error_code) == (1, "internal")
        assert delivery.next_attempt_at > system.clock()
    assert ROSA not in caplog.text  # the error's message quoted the number; the log does not


async def test_a_send_record_that_cannot_be_written_takes_no_other_with_it(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sends answered together are written in one transaction; when one of them cannot be
    written, the others are still recorded sent, each on its own."""
    queue_sms(system, ["+16175554301", "+16175554302", "+16175554303"])
    dispatcher = system.dispatcher
    claimed = dispatcher._claim(Channel.SMS, system.clock())
    assert len(claimed) == 3
    real_record_sent = dispatcher_module.record_sent

    def record_sent(
        session: Session, delivery: Delivery, provider_id: str, *a: Any, **k: Any
    ) -> None:
        if provider_id == "SM-bad":
            raise RuntimeError("cannot be written")
        real_record_sent(session, delivery, provider_id, *a, **k)

    monkeypatch.setattr(dispatcher_module, "record_sent", record_sent)
    batches: list[int] = []
    real_sent = dispatcher._sent

    def sent(records: list[_SentRecord]) -> None:
        batches.append(len(records))
        real_sent(records)

    monkeypatch.setattr(dispatcher, "_sent", sent)
    ids = [c.delivery.id for c in claimed]
    results = await asyncio.gather(
        *(
            dispatcher._record_sent(_SentRecord(i, sid, system.clock(), None))
            for i, sid in zip(ids, ["SM-a", "SM-bad", "SM-c"], strict=True)
        ),
        return_exceptions=True,
    )

    assert batches[0] == 3  # answered together, written together first
    assert [isinstance(r, RuntimeError) for r in results] == [False, True, False]
    with transaction(system.engine) as session:
        statuses = [session.get_one(Delivery, i).status for i in ids]
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.SENT]


async def test_a_worker_does_not_overwrite_a_claim_another_worker_took(system: System) -> None:
    delivery_id = queue_to_rosa(system, "Hola")
    dispatcher = system.dispatcher
    claimed = dispatcher._claim(Channel.SMS, system.clock())
    assert [c.delivery.id for c in claimed] == [delivery_id]
    with transaction(system.engine) as session:  # another worker took it over meanwhile
        session.execute(update(Delivery).values(claimed_by="other-worker"))
    dispatcher._sent([_SentRecord(delivery_id, "SM-late", system.clock(), None)])
    with transaction(system.engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.claimed_by) == (DeliveryStatus.SENDING, "other-worker")
        assert delivery.provider_message_id is None


async def test_a_long_message_cut_off_halfway_is_not_sent_again_from_the_start(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.drain()
    real_send = Bot.send_message
    calls = 0

    async def second_part_fails(self: Bot, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            from telegram.error import NetworkError

            raise NetworkError("connection reset")
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(Bot, "send_message", second_part_fails)
    await system.sms(ROSA, "palabra " * 700)  # over 4,096 characters for the teacher
    await system.drain()
    system.clock.advance(minutes=5)
    await system.drain()
    assert calls == 2  # no second attempt repeats the first part
    [relayed] = [d for d in system.deliveries() if d.staff_id and d.message_id]
    assert (relayed.status, relayed.error_code) == (DeliveryStatus.FAILED, "partial")


async def test_a_which_child_question_gives_way_to_a_teachers_message(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.sms(LAN, "Mai con nghỉ học.")  # asked which child; she does not answer
    system.clock.advance(hours=2)
    await system.telegram_update(KIM, "/msg Bao Bao did very well in math today.")
    system.clock.advance(minutes=10)
    await system.sms(LAN, "1")  # an answer to Mr. Kim, not to the old question
    await system.drain()
    kim = system.telegram_texts(KIM)
    assert any("Mai con nghỉ học." in t for t in kim)
    assert any(t.endswith("\n1") or "wrote:\n1" in t for t in kim)


async def test_an_old_msg_draft_does_not_catch_a_later_message(system: System) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(KIM, "/msg Tyrell")
    system.clock.advance(hours=3)
    await system.telegram_update(KIM, "note to self: call the nurse")
    await system.drain()
    assert system.sms_to("+16175550123") == []
    assert "/msg <student> <text>" in system.telegram_texts(KIM)[-1]


async def test_after_a_class_change_replies_go_to_the_new_teacher(
    system: System, tmp_path: Path
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(CARTER, "/msg Alfredo Alfredo read well today.")
    await system.drain()
    system.clock.advance(days=1)
    moved = (
        (EXAMPLES / "roster.csv")
        .read_text()
        .replace(
            "S1001,Alfredo Pérez,Room 12,Emily Carter,ecarter@lincoln.example.org",
            "S1001,Alfredo Pérez,Room 14,David Kim,dkim@lincoln.example.org",
        )
    )
    roster = tmp_path / "moved.csv"
    roster.write_text(moved)
    with transaction(system.engine) as session:
        import_roster(session, roster)
    await system.sms(ROSA, "Gracias, maestra")
    await system.drain()
    assert any("Gracias, maestra" in t for t in system.telegram_texts(KIM))
    assert not any("Gracias, maestra" in t for t in system.telegram_texts(CARTER))


async def test_a_failure_reported_before_the_send_is_recorded_still_falls_back(
    system: System,
) -> None:
    from commbot.dispatch.outcomes import apply_status_callback, record_sent

    with transaction(system.engine) as session:
        karim = session.scalar(select(Guardian).where(Guardian.name == "Karim Bashid"))
        first = to_guardian(
            session,
            guardian=karim,
            now=system.clock(),
            default_timezone="America/New_York",
            body="Hello",
            body_language="en",
        )
        session.flush()
        delivery_id, channel = first.id, first.channel
    assert channel is Channel.WHATSAPP
    with transaction(system.engine) as session:  # Twilio's callback comes first ...
        known = apply_status_callback(
            session, "SM-fast", "undelivered", "30006", system.clock(), "America/New_York"
        )
        assert not known
    with transaction(system.engine) as session:  # ... then the dispatcher records its send
        record_sent(session, session.get_one(Delivery, delivery_id), "SM-fast", system.clock())
    with transaction(system.engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.error_code) == (DeliveryStatus.UNDELIVERED, "30006")
        moved = session.scalar(select(Delivery).where(Delivery.fallback_of_id == delivery_id))
        assert moved is not None and moved.channel is Channel.SMS


async def test_an_idle_worker_renews_its_lease_only_when_half_used(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commbot.dispatch import leases

    renewals = 0
    real_hold = leases.hold

    def counting_hold(*args: object) -> bool:
        nonlocal renewals
        renewals += 1
        return real_hold(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(leases, "hold", counting_hold)
    for _ in range(5):
        await system.dispatcher.tick(Channel.SMS)
    assert renewals == 1
    system.clock.advance(seconds=leases.LEASE_TIME.total_seconds() / 2)
    await system.dispatcher.tick(Channel.SMS)
    assert renewals == 2
