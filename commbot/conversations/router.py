"""The entry point for every inbound message, from every channel: record it once, find
who is writing (staff, guardian, unknown), and hand it to that side's handlers."""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..channels.base import Inbound
from ..config import Settings
from ..db import insert_if_absent
from ..models import Channel, ContactPoint, InboundReceipt, Staff, utcnow
from ..phones import redact
from . import family, linking, staff, unknown
from .context import Context

log = logging.getLogger(__name__)


class InboundOutcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"


def handle_inbound(
    session: Session, inbound: Inbound, settings: Settings, now: dt.datetime | None = None
) -> InboundOutcome:
    """Record and route one inbound message inside the caller's transaction.

    A provider id seen before is a re-posted webhook: nothing happens the second time.
    """
    first_time = insert_if_absent(
        session,
        InboundReceipt.__table__,
        {
            "provider": inbound.provider,
            "external_id": inbound.provider_id,
            "received_at": now or utcnow(),
        },
    )
    if not first_time:
        return InboundOutcome.DUPLICATE

    context = Context(session, settings, inbound, now or utcnow())
    route(context)
    log.info(
        "inbound %s from %s: %s",
        inbound.channel.value,
        redact(inbound.address),
        ", ".join(context.events) or "nothing to do",
    )
    return InboundOutcome.HANDLED


def route(context: Context) -> None:
    inbound = context.inbound
    session = context.session
    if inbound.channel is Channel.TELEGRAM and linking.is_start(inbound.text):
        linking.handle_start(context)
        return
    if inbound.channel is Channel.TELEGRAM:
        member = session.scalar(select(Staff).where(Staff.telegram_chat_id == int(inbound.address)))
        if member is not None:
            staff.handle(context, member)
            return
    point = find_contact_point(session, inbound.channel, inbound.address)
    if point is not None:
        family.handle(context, point)
        return
    unknown.handle(context)


def find_contact_point(session: Session, channel: Channel, address: str) -> ContactPoint | None:
    """The guardian's contact point for this sender.

    A known phone writing on the other phone channel (WhatsApp instead of SMS, say) is the
    same family: we add that channel to their contact points, last in their order.
    """
    point = session.scalar(
        select(ContactPoint)
        .options(joinedload(ContactPoint.guardian))
        .where(ContactPoint.channel == channel, ContactPoint.address == address)
    )
    if point is not None or channel is Channel.TELEGRAM:
        return point
    other = Channel.SMS if channel is Channel.WHATSAPP else Channel.WHATSAPP
    sibling = session.scalar(
        select(ContactPoint).where(ContactPoint.channel == other, ContactPoint.address == address)
    )
    if sibling is None:
        return None
    last = max((p.priority for p in sibling.guardian.contact_points), default=0)
    point = ContactPoint(
        guardian_id=sibling.guardian_id, channel=channel, address=address, priority=last + 1
    )
    session.add(point)
    session.flush()
    return point
