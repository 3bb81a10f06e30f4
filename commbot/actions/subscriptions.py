"""STOP and START: a family opts a number out of a channel, or back in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dispatch.outcomes import cancel
from ..models import ContactPoint, Delivery, DeliveryStatus

OPTED_OUT_NOTE = "the family opted out of this channel"


def opt_out(
    session: Session, point: ContactPoint, *, now: dt.datetime, default_timezone: str
) -> int:
    """No more messages to this number on this channel. What was waiting moves to the
    family's next channel, or the staff member who wrote is told. Returns how many moved."""
    point.opted_out = True
    point.opted_out_at = now
    waiting = session.scalars(
        select(Delivery).where(
            Delivery.contact_point_id == point.id,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
    ).all()
    for delivery in waiting:
        cancel(session, delivery, OPTED_OUT_NOTE, now, default_timezone)
    return len(waiting)


def opt_in(session: Session, point: ContactPoint) -> None:
    """Messages on this channel again (START, UNSTOP)."""
    point.opted_out = False
    point.opted_out_at = None
