"""What became of the messages to families since a day: by channel and language, how many
are queued, held, sent, delivered, failed, undelivered, opted out or cancelled; and why
they failed, each provider's error code in plain words.

Every delivery to a family queued since then counts once, on the channel it was for (a
message that failed by SMS and then arrived by WhatsApp counts once failed on SMS, once
delivered on WhatsApp), in the language the family reads. The columns do not overlap:
- queued: waiting to be sent now; held: waiting for the family's quiet hours to end or
  for them to reopen WhatsApp's 24-hour window;
- sent: the provider took it and has not reported delivery (Telegram never does);
- delivered: delivered or read; failed: refused when sent; undelivered: the carrier
  reported it did not arrive;
- opted out: it ended because the family had replied STOP on that channel (a send the
  carrier refused for it, or one waiting when they did), and broadcasts that skipped a
  family for having opted out everywhere (they have no delivery: counted on their
  first channel);
- cancelled: called off before it went (a meeting cancelled, a photo's consent withdrawn).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ...actions.subscriptions import OPTED_OUT_NOTE
from ...models import Channel, ContactPoint, Delivery, DeliveryStatus, Guardian, RecipientKind
from ..broadcasts.models import BroadcastRecipient, RecipientOutcome
from . import history
from .render import ReportView, Section
from .scope import Scope

S = DeliveryStatus
BUCKETS = {
    S.SENT: "sent",
    S.DELIVERED: "delivered",
    S.READ: "delivered",
    S.FAILED: "failed",
    S.UNDELIVERED: "undelivered",
    S.HELD: "held",
    S.CANCELLED: "cancelled",
}
OPT_OUT = "opted-out"  # the reasons table's code for an opt-out with no provider code


@dataclass
class DeliveryCounts:
    channel: Channel | None
    language: str
    total: int = 0
    queued: int = 0
    held: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    undelivered: int = 0
    opted_out: int = 0
    cancelled: int = 0

    def add(self, bucket: str, count: int) -> None:
        setattr(self, bucket, getattr(self, bucket) + count)
        self.total += count


@dataclass(frozen=True)
class FailureReason:
    TITLES: ClassVar[dict[str, str]] = {
        "reason": "in plain words",
    }
    channel: Channel | None
    code: str
    reason: str
    messages: int  # deliveries that did not arrive (and broadcasts that skipped a family)
    families: int


@dataclass(frozen=True)
class DeliveriesReport:
    since: dt.datetime
    rows: list[DeliveryCounts]
    reasons: list[FailureReason]
    total: DeliveryCounts

    def view(self) -> ReportView:
        return ReportView(
            "deliveries",
            "Messages to families by channel and language",
            {"since": self.since},
            [
                Section("counts", DeliveryCounts, self.rows),
                Section("total", DeliveryCounts, [self.total]),
                Section("reasons", FailureReason, self.reasons),
            ],
        )


def _bucket(status: DeliveryStatus, code: str | None, opted: bool, waiting: bool) -> str:
    """The one column a delivery counts in."""
    if history.is_opt_out(status, code, OPTED_OUT_NOTE if opted else None):
        return "opted_out"
    if status in (S.PENDING, S.SENDING):
        return "held" if waiting else "queued"
    return BUCKETS[status]


def deliveries(
    session: Session, scope: Scope, *, since: dt.datetime, now: dt.datetime
) -> DeliveriesReport:
    opted = case((Delivery.error_message == OPTED_OUT_NOTE, 1), else_=0)
    waiting = case((Delivery.not_before > now, 1), else_=0)
    mine = [
        Delivery.recipient_kind == RecipientKind.GUARDIAN,
        Delivery.guardian_id.in_(scope.guardians()),
        Delivery.created_at >= since,
    ]
    keys = (Delivery.channel, Delivery.language, Delivery.status, Delivery.error_code)
    counts = session.execute(
        select(*keys, opted, waiting, func.count()).where(*mine).group_by(*keys, opted, waiting)
    ).all()
    rows: dict[tuple[Channel | None, str], DeliveryCounts] = {}

    def row(channel: Channel | None, language: str) -> DeliveryCounts:
        return rows.setdefault((channel, language), DeliveryCounts(channel, language))

    for channel, language, status, code, is_opted, is_waiting, count in counts:
        row(channel, language).add(_bucket(status, code, bool(is_opted), bool(is_waiting)), count)
    reasons = _reasons(session, mine)
    for guardian_id, channel, language in _skipped(session, scope, since):
        row(channel, language).add("opted_out", 1)
        reasons[(channel, OPT_OUT)].append(guardian_id)
    total = DeliveryCounts(None, "all")
    for each in rows.values():
        for name in BUCKET_NAMES:
            total.add(name, getattr(each, name))
    explained = [
        FailureReason(channel, code, _words(code), len(families), len(set(families)))
        for (channel, code), families in reasons.items()
    ]
    return DeliveriesReport(
        since,
        sorted(rows.values(), key=lambda r: (r.channel or "", r.language)),
        sorted(explained, key=lambda r: (-r.messages, r.channel or "", r.code)),
        total,
    )


BUCKET_NAMES = (
    "queued",
    "held",
    "sent",
    "delivered",
    "failed",
    "undelivered",
    "opted_out",
    "cancelled",
)


def _words(code: str) -> str:
    if code == OPT_OUT:
        return history.reason(S.CANCELLED, None, OPTED_OUT_NOTE)
    if code in (S.FAILED.value, S.UNDELIVERED.value):
        return history.reason(S(code), None)
    return history.reason(S.FAILED, code)


def _reasons(
    session: Session, mine: list[ColumnElement[bool]]
) -> dict[tuple[Channel | None, str], list[int]]:
    """Why deliveries did not arrive, by channel and code: the family of each (once per
    delivery), so that both deliveries and families are counted exactly."""
    opted = Delivery.error_message == OPTED_OUT_NOTE
    ended_badly = or_(
        Delivery.status.in_(history.NOT_ARRIVED), and_(Delivery.status == S.CANCELLED, opted)
    )
    keys = (Delivery.channel, Delivery.status, Delivery.error_code, Delivery.guardian_id)
    flag = case((opted, 1), else_=0)
    found = session.execute(
        select(*keys, flag, func.count()).where(*mine, ended_badly).group_by(*keys, flag)
    ).all()
    reasons: dict[tuple[Channel | None, str], list[int]] = defaultdict(list)
    for channel, status, code, guardian_id, is_opted, count in found:
        note = OPTED_OUT_NOTE if is_opted else None
        if history.is_opt_out(status, code, note) and not code:
            shown = OPT_OUT
        else:
            shown = code or status.value
        reasons[(channel, shown)] += [guardian_id] * count
    return reasons


def _skipped(
    session: Session, scope: Scope, since: dt.datetime
) -> list[tuple[int, Channel | None, str]]:
    """Families a broadcast skipped for having opted out everywhere (they have no
    delivery): each with their first channel (the recipient row's, else their first
    contact point's) and their language."""
    skipped = (
        BroadcastRecipient.outcome == RecipientOutcome.OPTED_OUT,
        BroadcastRecipient.guardian_id.in_(scope.guardians()),
        BroadcastRecipient.created_at >= since,
    )
    rows = session.execute(
        select(BroadcastRecipient.guardian_id, BroadcastRecipient.channel, Guardian.language)
        .join(Guardian, Guardian.id == BroadcastRecipient.guardian_id)
        .where(*skipped)
    ).all()
    first: dict[int, Channel] = {}
    if any(channel is None for _, channel, _ in rows):
        points = session.execute(
            select(ContactPoint.guardian_id, ContactPoint.channel)
            .where(
                ContactPoint.guardian_id.in_(select(BroadcastRecipient.guardian_id).where(*skipped))
            )
            .order_by(ContactPoint.priority.desc(), ContactPoint.id.desc())
        )
        first = {g: c for g, c in points}  # the last written wins: the first preferred
    return [(g, channel or first.get(g), language) for g, channel, language in rows]
