"""Broadcasts on Telegram: editing a message we sent (the progress message's mechanism),
end to end through the outbox, the dispatcher, the real python-telegram-bot client and the
fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from commbot.db import transaction
from commbot.models import Channel, Delivery, DeliveryStatus, RecipientKind, Staff
from commbot.outbox import DeliverySpec, enqueue

from .support import System

CARTER = 7001


def _to_chat(system: System, text: str, *, edit: str | None = None) -> int:
    """Queue a bot message to Emily Carter's chat (an edit of message `edit`, if given)."""
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email.startswith("ecarter"))).one()
        spec = DeliverySpec(
            recipient_kind=RecipientKind.STAFF,
            channel=Channel.TELEGRAM,
            address=str(CARTER),
            language="en",
            not_before=system.clock(),
            header=text,
            staff_id=carter.id,
            edit_message_id=edit,
        )
        delivery = enqueue(session, spec, system.clock())
        session.flush()
        return delivery.id


def _delivery(system: System, delivery_id: int) -> Delivery:
    with transaction(system.engine) as session:
        return session.get_one(Delivery, delivery_id)


async def test_a_delivery_with_edit_message_id_edits_that_message(system: System) -> None:
    first = _to_chat(system, "Sending to 3 families: 0 sent so far.")
    await system.drain()
    message_id = _delivery(system, first).provider_message_id
    assert message_id is not None
    sent_before = len(system.telegram.sent_messages(CARTER))
    edit = _to_chat(system, "Sending to 3 families: 2 sent so far.", edit=message_id)
    await system.drain()
    # No new message: the same one now reads the new words.
    assert len(system.telegram.sent_messages(CARTER)) == sent_before
    [call] = system.telegram.calls("editMessageText")
    assert call.ok
    assert call.params["chat_id"] == CARTER and call.params["message_id"] == int(message_id)
    assert call.result["text"] == "Sending to 3 families: 2 sent so far."
    assert call.result["message_id"] == int(message_id)
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.SENT and done.provider_message_id == message_id


async def test_an_edit_that_changes_nothing_counts_as_sent(system: System) -> None:
    """Telegram refuses an edit to the text the message already shows ("message is not
    modified"): the message shows what was asked, so the delivery is sent, not failed."""
    first = _to_chat(system, "Sent to 3 families.")
    await system.drain()
    message_id = _delivery(system, first).provider_message_id
    edit = _to_chat(system, "Sent to 3 families.", edit=message_id)
    await system.drain()
    [call] = system.telegram.calls("editMessageText")
    assert not call.ok and "message is not modified" in (call.description or "")
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.SENT and done.attempts == 1


async def test_an_edit_of_a_message_telegram_does_not_know_fails_for_good(
    system: System,
) -> None:
    edit = _to_chat(system, "Sent to 3 families.", edit="999")
    await system.drain()
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.FAILED and done.error_code == "telegram-400"
    assert done.attempts == 1  # not retried: it can never succeed
    assert system.telegram.sent_messages(CARTER) == []  # and never sent as a new message
