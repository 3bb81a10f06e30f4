"""`commbot outbox`: what is queued, sent and failed."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from ..db import transaction
from ..models import Delivery, DeliveryStatus, Guardian, Staff
from .context import console, database


def outbox(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines instead of a table.")
    ] = False,
    status: Annotated[
        DeliveryStatus | None, typer.Option(help="Only deliveries in this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
) -> None:
    """Recent deliveries: who, which channel, status, attempts and errors (no phone numbers)."""
    with transaction(database()) as session:
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Delivery.status == status)
        rows = []
        for d in session.scalars(query):
            if d.guardian_id:
                name = session.get_one(Guardian, d.guardian_id).name
            elif d.staff_id:
                name = session.get_one(Staff, d.staff_id).name
            else:
                name = "(unknown sender)"
            rows.append(
                {
                    "id": d.id,
                    "created": d.created_at.isoformat(timespec="seconds"),
                    "channel": d.channel.value,
                    "recipient": name,
                    "status": d.status.value,
                    "attempts": d.attempts,
                    "not_before": d.not_before.isoformat(timespec="seconds"),
                    "provider_id": d.provider_message_id,
                    "error": " ".join(filter(None, [d.error_code, d.error_message])) or None,
                }
            )
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table(*(rows[0].keys() if rows else ["(no deliveries)"]))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
