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
from ..db import find_or_create, insert_if_absent
from ..models import Channel, ContactPoint, InboundReceipt, Staff, utcnow
from ..phones import equivalent_forms, redact
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

    A phone number matches the roster's in any of its equivalent forms (Mexico's `+521…`
    for `+52…`, Brazil's mobiles with and without their extra 9): the form the family wrote
    from is the one that exists, so it is not rewritten. A known phone writing on the other
    phone channel (WhatsApp instead of SMS, say) is the same family: we add that channel to
    their contact points, last in their order, at the address they wrote from.
    """
    if channel is Channel.TELEGRAM:
        return session.scalar(
            select(ContactPoint)
            .options(joinedload(ContactPoint.guardian))
            .where(ContactPoint.channel == channel, ContactPoint.address == address)
        )
    forms = equivalent_forms(address)
    point = _first_match(session, channel, forms)
    if point is not None:
        return point
    other = Channel.SMS if channel is Channel.WHATSAPP else Channel.WHATSAPP
    sibling = _first_match(session, other, forms)
    if sibling is None:
        return None
    last = max((p.priority for p in sibling.guardian.contact_points), default=0)
    # Two first WhatsApp messages at once both get here: one adds the point, both use it.
    point, created = find_or_create(
        session,
        ContactPoint,
        {"channel": channel, "address": address},
        {"guardian_id": sibling.guardian_id, "priority": last + 1},
    )
    if created:
        session.expire(sibling.guardian, ["contact_points"])  # the new one is among them now
    return point


def _first_match(session: Session, channel: Channel, forms: tuple[str, ...]) -> ContactPoint | None:
    """The contact point on `channel` at the first of `forms` that has one (the exact form
    comes first, so it wins when a roster holds two forms)."""
    points = session.scalars(
        select(ContactPoint)
        .options(joinedload(ContactPoint.guardian))
        .where(ContactPoint.channel == channel, ContactPoint.address.in_(forms))
    ).all()
    by_address = {p.address: p for p in points}
    return next((by_address[f] for f in forms if f in by_address), None)
