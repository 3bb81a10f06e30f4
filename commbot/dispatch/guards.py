"""The last word before a delivery is claimed: a feature may stop one that must no longer
go, however it was queued (a photo whose child's consent changed after it was queued, on
any copy: the family's next channel, an attachment retried on its own).

Guards are registered by the features (each feature's `guards` part, loaded here), so the
dispatcher imports no feature. A stopped delivery is cancelled with a history event and
never falls back: nobody is told, as for any withdrawn message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from .. import features
from ..models import Delivery, DeliveryEventKind, DeliveryStatus
from . import history

# A reason (a short detail for the history) when the delivery must not go, else None.
Guard = Callable[[Session, Delivery], str | None]
GUARDS: list[Guard] = []


def guard(check: Guard) -> Guard:
    """Register a guard (each feature's `guards` module does, at import)."""
    GUARDS.append(check)
    return check


def stopped(session: Session, delivery: Delivery, now: dt.datetime) -> bool:
    """Cancel `delivery` if a guard refuses it; True if it was."""
    for check in GUARDS:
        reason = check(session, delivery)
        if reason:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.claimed_by = delivery.claimed_until = None
            delivery.error_message = reason
            delivery.updated_at = now
            history.record(session, delivery, DeliveryEventKind.CANCELLED, now, detail=reason)
            return True
    return False


features.load("guards")
