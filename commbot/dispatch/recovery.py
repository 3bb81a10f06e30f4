"""Reclaiming a stopped worker's claims the moment its lease is taken over.

A worker sends through a sender only while it holds that sender's lease, and stops
starting sends a safety margin before its lease runs out (`leases`). So when another
worker takes the lease over, nothing the previous holder claimed on that channel can
still be going out through a live sender: its claims are made due again at once, instead
of waiting for them to expire (`CLAIM_TIME`, the safety net for claims nobody took over).
A send that was on the wire when the worker died may have arrived: that one may be sent
twice (delivery is at least once); nothing else is.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Channel, Delivery, DeliveryEventKind, DeliveryStatus
from . import history
from .outcomes import record_failure
from .retries import out_of_budget

log = logging.getLogger(__name__)

RECLAIMED = "reclaimed from a stopped worker"


def reclaim(
    session: Session,
    previous_holder: str,
    *,
    channel: Channel,
    now: dt.datetime,
    budget: dt.timedelta,
    default_timezone: str,
) -> int:
    """Make the deliveries `previous_holder` still had claimed on `channel` due now (or,
    with their retry budget spent, fail them and fall back). Returns how many."""
    rows = session.scalars(
        select(Delivery)
        .where(
            Delivery.channel == channel,
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.claimed_by == previous_holder,
        )
        .order_by(Delivery.id)
        .with_for_update()
    ).all()
    for delivery in rows:
        if out_of_budget(delivery, now, budget):
            abandon(session, delivery, now, default_timezone)
            continue
        delivery.status = DeliveryStatus.PENDING
        delivery.claimed_by = None
        delivery.claimed_until = None
        delivery.next_attempt_at = now
        history.record(session, delivery, DeliveryEventKind.RETRY, now, detail=RECLAIMED)
    if rows:
        log.info("reclaimed %d %s deliveries from a stopped worker", len(rows), channel.value)
    return len(rows)


def abandon(session: Session, delivery: Delivery, now: dt.datetime, default_timezone: str) -> None:
    """Its worker died on its last chance: give up on this address, fall back and tell the
    writer, as any failure for good does."""
    record_failure(
        session,
        delivery,
        code="abandoned",
        message="the worker sending it stopped",
        now=now,
        retry_at=None,
        default_timezone=default_timezone,
    )
