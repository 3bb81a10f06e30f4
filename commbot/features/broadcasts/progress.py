"""How far a broadcast has got, from its deliveries: the sender's progress message and the
final summary read this.

A family's status is the best of its delivery and of the copies on its next channels
(`fallback_of_id`, all of the broadcast's message): read beats delivered beats sent; a
copy still waiting keeps the family waiting; only when every copy failed did it fail.
Two queries, however many families.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import Delivery, DeliveryStatus, RecipientKind
from . import messages as m
from .models import Broadcast, BroadcastRecipient, RecipientOutcome

_RANK = {
    DeliveryStatus.CANCELLED: 1,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.UNDELIVERED: 2,
    DeliveryStatus.PENDING: 3,
    DeliveryStatus.SENDING: 3,
    DeliveryStatus.HELD: 3,
    DeliveryStatus.SENT: 4,
    DeliveryStatus.DELIVERED: 5,
    DeliveryStatus.READ: 6,
}
CANCELLED, FAILED, WAITING, SENT, DELIVERED = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Progress:
    families: int  # recipients queued
    sent: int  # sent, delivered or read
    delivered: int  # delivered or read
    failed: int  # failed for good on every channel tried
    waiting: int  # pending, sending, or held (quiet hours, WhatsApp window)
    opted_out: int
    unreachable: int
    replied: int
    cancelled: int = 0  # stopped before they went (the sender cancelled the broadcast)

    @property
    def done(self) -> bool:
        return self.waiting == 0


def progress(session: Session, broadcast: Broadcast) -> Progress:
    outcomes: Counter[RecipientOutcome] = Counter()
    replied = 0
    rows = session.execute(
        select(
            BroadcastRecipient.outcome,
            func.count(),
            func.count(BroadcastRecipient.replied_at),
        )
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .group_by(BroadcastRecipient.outcome)
    )
    for outcome, count, answered in rows:
        outcomes[RecipientOutcome(outcome)] += count
        replied += answered
    best: dict[int, int] = {}
    if broadcast.message_id is not None:
        statuses = session.execute(
            select(Delivery.guardian_id, Delivery.status).where(
                Delivery.message_id == broadcast.message_id,
                Delivery.recipient_kind == RecipientKind.GUARDIAN,
            )
        )
        for guardian_id, status in statuses:
            if guardian_id is None:
                continue
            rank = _RANK[DeliveryStatus(status)]
            if rank > best.get(guardian_id, 0):
                best[guardian_id] = rank
    ranks = Counter(best.values())
    families = outcomes[RecipientOutcome.QUEUED]
    return Progress(
        families=families,
        sent=sum(n for rank, n in ranks.items() if rank >= SENT),
        delivered=sum(n for rank, n in ranks.items() if rank >= DELIVERED),
        failed=ranks[FAILED],
        # A family queued whose delivery is not written yet counts as waiting.
        waiting=ranks[WAITING] + max(0, families - len(best)),
        opted_out=outcomes[RecipientOutcome.OPTED_OUT],
        unreachable=outcomes[RecipientOutcome.UNREACHABLE],
        replied=replied,
        cancelled=ranks[CANCELLED],
    )


def progress_text(done: Progress, language: str) -> str:
    """The sender's progress message, as it stands."""
    return gettext(
        language,
        m.PROGRESS,
        sent=done.sent,
        families=done.families,
        delivered=done.delivered,
        failed=done.failed,
        waiting=done.waiting,
    )


def summary_text(done: Progress, language: str) -> str:
    """The final summary, once `done`."""
    return gettext(
        language,
        m.SUMMARY,
        families=done.families,
        delivered=done.delivered,
        sent=done.sent - done.delivered,
        failed=done.failed,
        opted_out=done.opted_out,
        unreachable=done.unreachable,
        replied=done.replied,
    )
