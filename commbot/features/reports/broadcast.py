"""One broadcast, family by family: the channel it went by, where it stands, when it was
delivered or why not, and whether the family replied.

A family's delivery and its fallbacks (each one queued when the one before failed) are one
chain; the family's standing is the best link of it, as the broadcast's progress counts
it. Staff see the families of the students they serve; a broadcast with none of theirs in
it is "not found", whoever sent it, so that no one learns of others' broadcasts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    Channel,
    Delivery,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    Guardian,
    Staff,
    Student,
)
from ..broadcasts.models import Broadcast, BroadcastRecipient, RecipientOutcome
from . import history
from .render import ReportView, Section
from .scope import ReportError, Scope

S = DeliveryStatus
# The best link of a chain: what the family got furthest with.
RANK = {
    S.READ: 8,
    S.DELIVERED: 7,
    S.SENT: 6,
    S.SENDING: 5,
    S.PENDING: 4,
    S.HELD: 4,
    S.UNDELIVERED: 2,
    S.FAILED: 2,
    S.CANCELLED: 1,
}
HELD_WHY = "waiting for the family to write on WhatsApp (its 24-hour window)"
QUIET_WHY = "waiting for the family's quiet hours to end"
OPTED_OUT_WHY = "opted out of every channel (replied STOP)"
UNREACHABLE_WHY = "no phone number or chat to send to"


@dataclass(frozen=True)
class BroadcastFamily:
    TITLES: ClassVar[dict[str, str]] = {"name": "family", "why_not": "why not"}
    name: str
    student: str | None
    language: str
    channel: Channel | None
    status: str
    reached: bool
    when: dt.datetime | None  # delivered (or sent, or due after quiet hours, or failed)
    why_not: str | None
    replied: bool
    replied_at: dt.datetime | None


@dataclass(frozen=True)
class BroadcastReport:
    broadcast_id: int
    sender: str
    state: str
    sent_at: dt.datetime | None
    audience: str
    families: list[BroadcastFamily]

    def count(self, *statuses: str) -> int:
        return sum(1 for f in self.families if f.status in statuses)

    @property
    def reached(self) -> int:
        return sum(f.reached for f in self.families)

    @property
    def replied(self) -> int:
        return sum(f.replied for f in self.families)

    def view(self) -> ReportView:
        return ReportView(
            "broadcast",
            f"Broadcast {self.broadcast_id} by {self.sender} ({self.audience}): {self.state}",
            {
                "broadcast": self.broadcast_id,
                "sender": self.sender,
                "audience": self.audience,
                "state": self.state,
                "sent_at": self.sent_at,
            },
            [Section("families", BroadcastFamily, self.families)],
        )


def audience_words(audience: dict[str, object]) -> str:
    """The audience as stored, in plain words: `classes: Room 12, Room 14`."""
    kind = str(audience.get("kind") or "families")
    values = audience.get("values") or ()
    days = audience.get("days")
    shown = ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else ""
    if days:
        shown = f"{shown} {days} days".strip()
    return f"{kind}: {shown}" if shown else kind


def broadcast(
    session: Session, broadcast_id: int, viewer: Staff | None, *, now: dt.datetime
) -> BroadcastReport:
    found = session.get(Broadcast, broadcast_id) if 0 < broadcast_id < 2**31 else None
    if found is None:
        raise ReportError(f"no broadcast has the id {broadcast_id}")
    query = (
        select(BroadcastRecipient, Guardian.name, Guardian.language, Student.name)
        .join(Guardian, Guardian.id == BroadcastRecipient.guardian_id)
        .outerjoin(Student, Student.id == BroadcastRecipient.student_id)
        .where(BroadcastRecipient.broadcast_id == found.id)
    )
    if viewer is not None:
        query = query.where(BroadcastRecipient.student_id.in_(Scope(viewer).students()))
    recipients = session.execute(query).all()
    if viewer is not None and not recipients:
        raise ReportError(f"no broadcast has the id {broadcast_id}")
    chains = _chains(session, found)
    times = _event_times(session, [d.id for c in chains.values() for d in c])
    rows = []
    for recipient, name, language, student in recipients:
        chain = _chain_from(chains.get(recipient.guardian_id, []), recipient.delivery_id)
        standing = _standing(recipient, chain, times, now)
        rows.append(
            BroadcastFamily(
                name=name,
                student=student,
                language=language,
                channel=standing.channel,
                status=standing.status,
                reached=standing.reached,
                when=standing.when,
                why_not=standing.why_not,
                replied=recipient.replied_at is not None,
                replied_at=recipient.replied_at,
            )
        )
    rows.sort(key=lambda r: (r.name.casefold(), r.student or ""))
    sender = session.get(Staff, found.sender_id)
    return BroadcastReport(
        broadcast_id=found.id,
        sender=sender.name if sender else "?",
        state=found.state.value,
        sent_at=found.sent_at,
        audience=audience_words(found.audience or {}),
        families=rows,
    )


def _chains(session: Session, found: Broadcast) -> dict[int, list[Delivery]]:
    """The broadcast's deliveries to each family, oldest first."""
    if found.message_id is None:
        return {}
    chains: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in session.scalars(
        select(Delivery)
        .where(Delivery.message_id == found.message_id, Delivery.guardian_id.is_not(None))
        .order_by(Delivery.id)
    ):
        chains[delivery.guardian_id or 0].append(delivery)
    return chains


def _chain_from(deliveries: list[Delivery], first_id: int | None) -> list[Delivery]:
    """The recipient's delivery and the fallbacks that followed it, in order."""
    by_origin = {d.fallback_of_id: d for d in deliveries if d.fallback_of_id is not None}
    current = next((d for d in deliveries if d.id == first_id), None)
    chain = []
    while current is not None and current not in chain:
        chain.append(current)
        current = by_origin.get(current.id)
    return chain


@dataclass(frozen=True)
class _Times:
    delivered: dict[int, dt.datetime]  # first reported delivered (or read)
    ended: dict[int, dt.datetime]  # first failed, or reported undelivered


def _event_times(session: Session, delivery_ids: list[int]) -> _Times:
    """When each delivery was delivered, or failed, as its history says (the row's own
    `updated_at` is the wall clock of whatever last touched it)."""
    times = _Times({}, {})
    arrived = (S.DELIVERED.value, S.READ.value)
    failed = (S.FAILED.value, S.UNDELIVERED.value)
    for start in range(0, len(delivery_ids), 500):  # a broadcast may have thousands
        rows = session.execute(
            select(
                DeliveryEvent.delivery_id,
                DeliveryEvent.kind,
                DeliveryEvent.status,
                DeliveryEvent.at,
            )
            .where(
                DeliveryEvent.delivery_id.in_(delivery_ids[start : start + 500]),
                DeliveryEvent.kind.in_((DeliveryEventKind.STATUS, DeliveryEventKind.FAILED)),
            )
            .order_by(DeliveryEvent.at, DeliveryEvent.id)
        )
        for delivery_id, kind, status, at in rows:
            if kind is DeliveryEventKind.STATUS and status in arrived:
                times.delivered.setdefault(delivery_id, at)
            elif kind is DeliveryEventKind.FAILED or status in failed:
                times.ended.setdefault(delivery_id, at)
    return times


def _best(chain: list[Delivery]) -> Delivery:
    return max(reversed(chain), key=lambda d: RANK[d.status])  # ties: the latest


@dataclass(frozen=True)
class _Standing:
    status: str
    channel: Channel | None
    when: dt.datetime | None = None  # delivered, sent, due after quiet hours, or failed
    why_not: str | None = None
    reached: bool = False


def _standing(
    recipient: BroadcastRecipient,
    chain: list[Delivery],
    times: _Times,
    now: dt.datetime,
) -> _Standing:
    """Where the family stands: the best link of its chain, or why nothing was queued."""
    if recipient.outcome is RecipientOutcome.OPTED_OUT:
        return _Standing("opted out", recipient.channel, why_not=OPTED_OUT_WHY)
    if recipient.outcome is RecipientOutcome.UNREACHABLE or not chain:
        return _Standing("unreachable", recipient.channel, why_not=UNREACHABLE_WHY)
    best = _best(chain)
    status, channel = best.status, best.channel
    reached = history.is_reached(channel, status)
    if status in (S.DELIVERED, S.READ):
        return _Standing(
            status.value, channel, times.delivered.get(best.id, best.sent_at), None, True
        )
    if status is S.SENT:
        waiting = None if reached else "no delivery report yet"
        return _Standing("sent", channel, best.sent_at, waiting, reached)
    if status is S.HELD:
        return _Standing("held", channel, why_not=HELD_WHY)
    if status in (S.PENDING, S.SENDING):
        if best.not_before > now:
            return _Standing("quiet hours", channel, best.not_before, QUIET_WHY)
        return _Standing("queued", channel, why_not="waiting to be sent")
    failures = "; ".join(
        f"{d.channel.label}: {history.reason(d.status, d.error_code, d.error_message)}"
        for d in chain
        if d.status in history.NOT_ARRIVED or d.status is S.CANCELLED
    )
    return _Standing(status.value, channel, times.ended.get(best.id), failures or None)
