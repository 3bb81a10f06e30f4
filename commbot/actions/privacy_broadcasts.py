"""A family's part of broadcasts, for `commbot family export`: each broadcast they were
meant to get (who sent it, about which child, whether it was queued or why not, on which
channel, and when they answered). What the broadcast said is in their deliveries. Forget
keeps these rows: they hold only ids, times and outcomes once the words are erased.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..features.broadcasts.models import Broadcast, BroadcastRecipient
from ..models import Guardian


def export_broadcasts(
    session: Session,
    guardian: Guardian,
    staff_names: dict[int, str],
    student_name: Callable[[int | None], str | None],
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(BroadcastRecipient, Broadcast.sender_id)
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(BroadcastRecipient.guardian_id == guardian.id)
        .order_by(BroadcastRecipient.id)
    )
    return [
        {
            "broadcast": recipient.broadcast_id,
            "from": staff_names.get(sender_id),
            "student": student_name(recipient.student_id),
            "outcome": recipient.outcome.value,
            "channel": recipient.channel.value if recipient.channel else None,
            "at": recipient.created_at.isoformat(),
            "replied_at": recipient.replied_at.isoformat() if recipient.replied_at else None,
        }
        for recipient, sender_id in rows
    ]
