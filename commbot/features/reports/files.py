"""A report as a file for Telegram, and forgetting our copy of it once it has gone.

The file travels as a document the delivery row carries whole (`Media.inline`, as a
meeting's calendar invite does), so the dispatcher sends it with no store or link. It holds
families' names and figures: once its delivery has ended, the row's copy is emptied (the
`forget_sent_reports` job), so that nothing outlives the chat it went to, and
`commbot family forget` (which renames the family in notes to staff) has no file to miss.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...channels.base import MediaKind
from ...models import Delivery, DeliveryStatus, Lane, RecipientKind
from . import render

CONTENT_TYPE = "text/csv"
# A byte-order mark: spreadsheet programs then read the names' accents right.
BOM = "\ufeff"
# How far back the job looks for ended report deliveries, by when they were last due: a
# file to staff goes within seconds, so a day covers retries and a stopped worker.
LOOKBACK = dt.timedelta(days=1)
ENDED = (
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.READ,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNDELIVERED,
    DeliveryStatus.CANCELLED,
)


def document(view: render.ReportView, now: dt.datetime, timezone: str) -> dict[str, Any]:
    """The report as a CSV file, a delivery's media item."""
    return {
        "kind": MediaKind.DOCUMENT.value,
        "content_type": CONTENT_TYPE,
        "file_name": render.file_name(view, now, timezone),
        "inline": BOM + render.to_csv(view),
    }


def _is_report(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.get("content_type") == CONTENT_TYPE
        and bool(item.get("inline"))
    )


def forget_sent(session: Session, now: dt.datetime) -> int:
    """Empty the file of every report delivery that has ended; returns how many."""
    # (status, lane, next_attempt_at) is the deliveries' index: a short range of it.
    candidates = session.scalars(
        select(Delivery).where(
            Delivery.status.in_(ENDED),
            Delivery.lane == int(Lane.CONVERSATION),
            Delivery.next_attempt_at >= now - LOOKBACK,
            Delivery.recipient_kind == RecipientKind.STAFF,
        )
    )
    emptied = 0
    for delivery in candidates:
        media = list(delivery.media or [])
        if not any(_is_report(item) for item in media):
            continue
        delivery.media = [{**item, "inline": ""} if _is_report(item) else item for item in media]
        emptied += 1
    return emptied
