"""Withdrawing what a meeting still has waiting to go, when it is cancelled or moved.

A message about the meeting may sit in the outbox (held by quiet hours, or for WhatsApp's
reply window), or its copy may: when a channel fails, the dispatcher queues the same
message on the family's next channel (`fallback_of_id`), and that copy is withdrawn too.
Rows are cancelled by a conditional UPDATE, so a delivery a worker has claimed meanwhile is
left to go (and its guardian counts as told), never overwritten.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...dispatch import history
from ...models import Delivery, DeliveryEventKind, DeliveryStatus
from .models import Meeting, MeetingContact

UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.HELD)
# A message that went out, or is going now: its family knows of the meeting. (A failed or
# undelivered one told them nothing; its copy on the next channel may have.)
LEFT = (DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ)
DETAIL = "the meeting changed"


def deliveries_of(session: Session, meeting: Meeting) -> dict[int, int | None]:
    """Every delivery about the meeting, fallback copies included: id -> guardian id."""
    found: dict[int, int | None] = {
        delivery_id: guardian_id
        for delivery_id, guardian_id in session.execute(
            select(MeetingContact.delivery_id, MeetingContact.guardian_id).where(
                MeetingContact.meeting_id == meeting.id, MeetingContact.delivery_id.is_not(None)
            )
        )
        if delivery_id is not None
    }
    frontier = list(found)
    while frontier:
        copies = session.execute(
            select(Delivery.id, Delivery.guardian_id).where(Delivery.fallback_of_id.in_(frontier))
        ).all()
        frontier = [i for i, _ in copies if i not in found]
        found.update((i, g) for i, g in copies)
    return found


def withdraw_unsent(session: Session, meeting: Meeting, now: dt.datetime) -> set[int]:
    """Cancel every message about the meeting still waiting to go: it would be stale.
    Returns the guardians who did get something: they are the ones to tell of the change."""
    found = deliveries_of(session, meeting)
    if not found:
        return set()
    session.flush()
    cancelled = set(
        session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(list(found)), Delivery.status.in_(UNSENT))
            .values(status=DeliveryStatus.CANCELLED, updated_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session="fetch")
        )
    )
    for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(cancelled))):
        history.record(session, delivery, DeliveryEventKind.CANCELLED, now, detail=DETAIL)
    left = session.execute(
        select(Delivery.id, Delivery.status).where(Delivery.id.in_(list(found)))
    ).all()
    return {
        guardian
        for delivery_id, status in left
        if status in LEFT and (guardian := found[delivery_id]) is not None
    }


def last_copy(session: Session, delivery: Delivery) -> Delivery:
    """The copy that carries the message now: after a failed channel, the one on the next."""
    current = delivery
    for _ in range(10):  # a family has a few channels; a loop would be a bug
        copy = session.scalar(
            select(Delivery)
            .where(Delivery.fallback_of_id == current.id)
            .order_by(Delivery.id.desc())
        )
        if copy is None:
            break
        current = copy
    return current
