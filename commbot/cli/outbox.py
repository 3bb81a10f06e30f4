"""`commbot outbox`: what is queued, sent and failed."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import transaction
from ..dispatch import history
from ..errors import UserError
from ..models import Channel, Delivery, DeliveryStatus, Guardian, Staff, Student
from .context import console, database, settings

# `--status`: any delivery status, or `problems` (failed and undelivered: what needs a look).
StatusFilter = StrEnum(  # type: ignore[misc]
    "StatusFilter", {**{s.name: s.value for s in DeliveryStatus}, "PROBLEMS": "problems"}
)
PROBLEMS = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)


def outbox(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines instead of a table.")
    ] = False,
    status: Annotated[
        StatusFilter | None,
        typer.Option(help="Only deliveries in this status; problems: failed and undelivered."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
    history_of: Annotated[
        int | None,
        typer.Option("--history", metavar="ID", help="What happened to one delivery, in order."),
    ] = None,
) -> None:
    """Recent deliveries: who, which channel, status, attempts, SMS segments and errors (no
    phone numbers)."""
    if history_of is not None:
        _print_history(history_of, as_json)
        return
    with transaction(database()) as session:
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if status is not None:
            wanted = PROBLEMS if status.value == "problems" else (DeliveryStatus(status.value),)
            query = query.where(Delivery.status.in_(wanted))
        rows = []
        for d in session.scalars(query):
            name = _recipient(session, d)
            message = d.message
            student = (
                session.get(Student, message.student_id) if message and message.student_id else None
            )
            rows.append(
                {
                    "id": d.id,
                    "created": d.created_at.isoformat(timespec="seconds"),
                    "kind": message.kind.value if message else "notice",
                    "student": student.name if student else None,
                    "channel": d.channel.value,
                    "recipient": name,
                    "status": d.status.value,
                    "attempts": d.attempts,
                    "segments": d.segments,
                    "not_before": d.not_before.isoformat(timespec="seconds"),
                    "provider_id": d.provider_message_id,
                    "error": _error_text(d.error_code, d.error_message),
                }
            )
    if as_json:
        _print_rows(rows, as_json, empty="(no deliveries)")
        return
    _print_listing(rows)


KIND_WORDS = {"conversation": "message", "checkin": "check-in"}


def _print_listing(rows: list[dict[str, object]]) -> None:
    """The deliveries as a table that fits 80 columns: local times, what, about whom, for
    whom, and for SMS the segments billed. Errors follow the table, in plain words, by
    delivery id."""
    zone = zoneinfo.ZoneInfo(settings().default_timezone)
    if not rows:
        console.print("(no deliveries)")
        return
    console.print(f"times in {zone.key}")
    # One space between columns (the box's divider): room for eight in 80 columns.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("student", overflow="fold", ratio=1)
    table.add_column("recipient", overflow="fold", ratio=1)
    table.add_column("via", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("segs", justify="right", no_wrap=True)  # SMS segments billed, once sent
    for row in rows:
        created = dt.datetime.fromisoformat(str(row["created"])).astimezone(zone)
        status = str(row["status"])
        if row["attempts"]:
            status += f" ×{row['attempts']}"
        table.add_row(
            str(row["id"]),
            created.strftime("%a %d %b %H:%M"),
            KIND_WORDS.get(str(row["kind"]), str(row["kind"])),
            str(row["student"] or "—"),
            str(row["recipient"]),
            Channel(str(row["channel"])).label,
            status,
            "" if row["segments"] is None else str(row["segments"]),
        )
    console.print(table)
    for row in rows:
        if row["error"]:
            console.print(f"{row['id']}: {escape(str(row['error']))}", soft_wrap=False)


def _error_text(code: str | None, message: str | None) -> str | None:
    """A delivery's error with its code in plain words: `30007: the carrier filtered the
    message (Twilio reported undelivered)`."""
    words = history.explain(code)
    said = f"{code}: {words}" if code and words else code
    if said and message:
        return f"{said} ({message})"
    return said or message


def _recipient(session: Session, delivery: Delivery) -> str:
    """Who a delivery is for, by name: never their number or chat id."""
    if delivery.guardian_id:
        return session.get_one(Guardian, delivery.guardian_id).name
    if delivery.staff_id:
        return session.get_one(Staff, delivery.staff_id).name
    return "(unknown sender)"


def _print_history(delivery_id: int, as_json: bool) -> None:
    """One delivery's events, oldest first; its creation is the first line."""
    with transaction(database()) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            raise UserError(f"no delivery has the id {delivery_id}")
        name = _recipient(session, delivery)
        fallback_of = delivery.fallback_of_id
        rows: list[dict[str, object]] = [
            {
                "time": _time(delivery.created_at),
                "event": "queued",
                "status": "pending",
                "error": None,
                "provider_id": None,
                "detail": f"fallback of delivery {fallback_of}" if fallback_of else None,
            }
        ]
        for event in history.events(session, delivery_id):
            words = history.explain(event.error_code)
            error = f"{event.error_code}: {words}" if event.error_code and words else None
            rows.append(
                {
                    "time": _time(event.at),
                    "event": event.kind.value,
                    "status": event.status,
                    "error": error or event.error_code,
                    "provider_id": event.provider_message_id,
                    "detail": event.detail,
                }
            )
        title = f"delivery {delivery.id} to {name} by {delivery.channel.value}: {delivery.status}"
    if as_json:
        _print_rows(rows, as_json, empty="(no events)")
        return
    console.print(title + " (times in UTC)")
    table = Table()
    for column in rows[0]:
        # Times and kinds stay whole on a narrow terminal; ids fold, words wrap.
        whole = {"time": 19, "event": 9, "status": 11}.get(column)
        table.add_column(
            column,
            no_wrap=whole is not None,
            min_width=whole,
            overflow="fold" if column == "provider_id" else "ellipsis",
        )
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)


def _time(at: dt.datetime) -> str:
    """UTC, to the second: `2026-11-20 21:30:05`."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _print_rows(rows: list[dict[str, object]], as_json: bool, *, empty: str) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table(*(rows[0].keys() if rows else [empty]))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
