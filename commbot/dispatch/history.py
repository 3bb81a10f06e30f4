"""Delivery history: one appended event per attempt, outcome and provider report.

The delivery row holds where a message stands now; its events say what happened and when,
for reports and for `commbot outbox --history`. Events never hold an address or the
message's text: codes, statuses, provider ids and a short detail written by us.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..channels import telegram, twilio
from ..models import Delivery, DeliveryEvent, DeliveryEventKind

# Sizes of the columns (PostgreSQL refuses longer strings).
_STATUS, _CODE, _PROVIDER_ID, _DETAIL = 32, 32, 64, 200

# Codes the dispatcher itself gives, in plain words; providers' codes are theirs to explain.
OWN_WORDS = {
    "internal": "a bug in commbot while sending (see the worker's log)",
    "media": "the photo could not be fetched",
    "config": "commbot is not configured for this (see the worker's log)",
    "partial": "only part of the message went out; the rest goes by the next channel",
    "empty": "there was nothing to send",
    "abandoned": "the worker sending it stopped",
    "timeout": "the provider did not answer in time",
    "whatsapp-window": "outside WhatsApp's 24-hour window, and no template is configured",
}


def explain(code: str | None) -> str | None:
    """An error code in plain words, where we know it."""
    if not code:
        return None
    for words in (OWN_WORDS, telegram.ERROR_WORDS, twilio.ERROR_WORDS):
        if code in words:
            return words[code]
    return None


def _fit(value: str | None, size: int) -> str | None:
    if value is None:
        return None
    value = value.replace("\x00", "")
    return value if len(value) <= size else value[: size - 1] + "…"


def record(
    session: Session,
    delivery: Delivery,
    kind: DeliveryEventKind,
    at: dt.datetime,
    *,
    status: str | None = None,
    error_code: str | None = None,
    provider_message_id: str | None = None,
    detail: str | None = None,
) -> DeliveryEvent:
    """Append an event; `status` defaults to the delivery's status after it."""
    if delivery.id is None:
        session.flush()
    event = DeliveryEvent(
        delivery_id=delivery.id,
        at=at,
        kind=kind,
        status=_fit(status if status is not None else delivery.status.value, _STATUS),
        error_code=_fit(error_code, _CODE),
        provider_message_id=_fit(provider_message_id, _PROVIDER_ID),
        detail=_fit(detail, _DETAIL),
    )
    session.add(event)
    return event


def segments_detail(segments: int | None) -> str | None:
    """A sent SMS's cost, as its event says it: `billed as 3 SMS segments`."""
    if segments is None:
        return None
    return f"billed as {segments} SMS segment" + ("" if segments == 1 else "s")


def attempt(session: Session, delivery: Delivery, at: dt.datetime) -> DeliveryEvent:
    """A send was tried (its outcome follows as its own event)."""
    return record(
        session,
        delivery,
        DeliveryEventKind.ATTEMPT,
        at,
        status="sending",
        detail=f"attempt {delivery.attempts} by {delivery.channel.value}",
    )


def events(session: Session, delivery_id: int) -> list[DeliveryEvent]:
    """A delivery's events, oldest first."""
    return list(
        session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.delivery_id == delivery_id)
            .order_by(DeliveryEvent.at, DeliveryEvent.id)
        )
    )
