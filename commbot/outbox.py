"""The transactional outbox: every outgoing message is a `Delivery` row written in the
caller's transaction, from one typed `DeliverySpec`, by one builder (`enqueue` for one row,
`enqueue_many` for a bulk insert). Nothing here talks to a provider.

`to_guardian`, `to_staff` and `notice` are the usual ways to make a spec: they pick the
contact point, the language and `not_before` (the family's quiet hours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from . import quiet_hours
from .models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Lane,
    Message,
    RecipientKind,
    Staff,
)

STAFF_NOT_LINKED = "waiting for the staff member to link Telegram"
# The Core table, for bulk inserts: the ORM's bulk path costs about three times as much here.
DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]

# Telegram inline keyboard rows: [[{"text": ..., "callback_data": ...}], ...].
Keyboard = list[list[dict[str, str]]]
# One piece of a message: ("text", fixed words already in the reader's language) or
# ("words", a person's words in the delivery's `body_language`, translated at send time).
Piece = tuple[str, str]
TEXT, WORDS = "text", "words"


@dataclass(frozen=True)
class DeliverySpec:
    """Everything one outgoing message needs; the only shape a `Delivery` is made from.

    `header` is bot-authored text already in `language`; `body` is a person's words in
    `body_language`, translated at dispatch time.
    """

    recipient_kind: RecipientKind
    channel: Channel
    address: str
    language: str
    not_before: dt.datetime
    lane: Lane = Lane.CONVERSATION
    header: str = ""
    body: str = ""
    body_language: str | None = None
    pieces: Sequence[Piece] = ()
    media: Sequence[dict[str, Any]] = ()
    buttons: Keyboard = field(default_factory=list)
    guardian_id: int | None = None
    staff_id: int | None = None
    contact_point_id: int | None = None
    message_id: int | None = None
    fallback_of_id: int | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING
    note: str | None = None  # why it waits, for `commbot outbox`
    show_original: bool = False
    back_translate_via: str | None = None
    explain_terms: bool = False
    skip_quiet_hours: bool = False
    protect_content: bool = False  # Telegram: not forwarded or saved (children's photos)
    # Telegram: edit this earlier message of ours (its message id) instead of sending anew.
    edit_message_id: str | None = None


def _columns(spec: DeliverySpec, now: dt.datetime) -> dict[str, Any]:
    """The spec as `deliveries` columns: the one place they are spelled out."""
    return {
        "message_id": spec.message_id,
        "recipient_kind": spec.recipient_kind,
        "guardian_id": spec.guardian_id,
        "staff_id": spec.staff_id,
        "contact_point_id": spec.contact_point_id,
        "channel": spec.channel,
        "address": spec.address,
        "lane": int(spec.lane),
        "status": spec.status,
        "language": spec.language,
        "header": spec.header,
        "body": spec.body,
        "body_language": spec.body_language,
        "pieces": [list(piece) for piece in spec.pieces],
        "show_original": spec.show_original,
        "back_translate_via": spec.back_translate_via,
        "explain_terms": spec.explain_terms,
        "skip_quiet_hours": spec.skip_quiet_hours,
        "protect_content": spec.protect_content,
        "edit_message_id": spec.edit_message_id,
        "media": list(spec.media),
        "buttons": list(spec.buttons),
        "attempts": 0,
        "error_message": spec.note,
        "fallback_of_id": spec.fallback_of_id,
        "not_before": spec.not_before,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def enqueue(session: Session, spec: DeliverySpec, now: dt.datetime) -> Delivery:
    """Queue one message; the row is returned so callers can report on it."""
    delivery = Delivery(**_columns(spec, now))
    session.add(delivery)
    return delivery


def enqueue_many(session: Session, specs: Iterable[DeliverySpec], now: dt.datetime) -> int:
    """Queue many messages in one executemany (check-ins, broadcasts, reminders)."""
    rows = [_columns(spec, now) for spec in specs]
    if rows:
        # Core executemany on the table (psycopg pipelines it): the ORM adds nothing here.
        session.execute(DELIVERIES.insert(), rows)
    return len(rows)


# -- making specs ----------------------------------------------------------------------


def usable_points(
    session: Session, guardian: Guardian, exclude: Iterable[int] = ()
) -> list[ContactPoint]:
    """The guardian's contact points we may use, in the family's order of preference."""
    excluded = set(exclude)
    points = session.scalars(
        select(ContactPoint)
        .where(ContactPoint.guardian_id == guardian.id, ContactPoint.opted_out.is_(False))
        .order_by(ContactPoint.priority, ContactPoint.id)
    )
    return [p for p in points if p.id not in excluded]


def guardian_not_before(
    guardian: Guardian, now: dt.datetime, default_timezone: str, urgent: bool = False
) -> dt.datetime:
    """The earliest time a message may reach this family: after their quiet hours."""
    if urgent:
        return now
    ranges = quiet_hours.parse(guardian.quiet_hours)
    return quiet_hours.next_allowed(ranges, guardian.timezone or default_timezone, now)


def family_quiet_until(
    quiet: str, timezone: str, now: dt.datetime, cache: dict[tuple[str, str], dt.datetime]
) -> dt.datetime:
    """`guardian_not_before` for bulk senders, computed once per (quiet hours, zone)."""
    key = (quiet, timezone)
    if key not in cache:
        cache[key] = quiet_hours.next_allowed(quiet_hours.parse(quiet), timezone, now)
    return cache[key]


def to_guardian(
    session: Session,
    *,
    guardian: Guardian,
    now: dt.datetime,
    default_timezone: str,
    message: Message | None = None,
    header: str = "",
    body: str = "",
    body_language: str | None = None,
    pieces: Sequence[Piece] = (),
    media: Sequence[dict[str, Any]] = (),
    lane: Lane = Lane.CONVERSATION,
    urgent: bool = False,
    exclude_points: Iterable[int] = (),
    point: ContactPoint | None = None,
    fallback_of: Delivery | None = None,
    explain_terms: bool = False,
    protect_content: bool = False,
) -> Delivery | None:
    """Queue a message on the family's first usable channel; None if none is left."""
    if point is None:
        points = usable_points(session, guardian, exclude_points)
        if not points:
            return None
        point = points[0]
    if message is not None and message.id is None:
        session.add(message)  # the row refers to it by id
        session.flush()
    spec = DeliverySpec(
        recipient_kind=RecipientKind.GUARDIAN,
        channel=point.channel,
        address=point.address,
        language=guardian.language,
        not_before=guardian_not_before(guardian, now, default_timezone, urgent),
        lane=lane,
        header=header,
        body=body,
        body_language=body_language,
        pieces=pieces,
        media=media,
        guardian_id=guardian.id,
        contact_point_id=point.id,
        message_id=message.id if message is not None else None,
        fallback_of_id=fallback_of.id if fallback_of is not None else None,
        explain_terms=explain_terms,
        skip_quiet_hours=urgent,
        protect_content=protect_content,
    )
    return enqueue(session, spec, now)


def move_to_next_channel(
    session: Session,
    delivery: Delivery,
    *,
    now: dt.datetime,
    default_timezone: str,
    exclude_points: Iterable[int],
) -> Delivery | None:
    """Queue the same family message on the guardian's next usable channel, if any.

    The copy keeps the original's lane and never goes out earlier than it would have.
    """
    assert delivery.guardian_id is not None
    guardian = session.get_one(Guardian, delivery.guardian_id)
    moved = to_guardian(
        session,
        guardian=guardian,
        now=now,
        default_timezone=default_timezone,
        message=delivery.message,
        header=delivery.header,
        body=delivery.body,
        body_language=delivery.body_language,
        pieces=[(str(kind), str(text)) for kind, text in delivery.pieces or []],
        media=delivery.media,
        lane=Lane(delivery.lane),
        exclude_points=exclude_points,
        fallback_of=delivery,
        explain_terms=delivery.explain_terms,
        urgent=delivery.skip_quiet_hours,
        protect_content=delivery.protect_content,
    )
    if moved is not None:
        moved.not_before = max(moved.not_before, delivery.not_before)
    return moved


def to_staff(
    session: Session,
    *,
    staff: Staff,
    now: dt.datetime,
    message: Message | None = None,
    header: str = "",
    body: str = "",
    body_language: str | None = None,
    pieces: Sequence[Piece] = (),
    show_original: bool = False,
    media: Sequence[dict[str, Any]] = (),
    lane: Lane = Lane.CONVERSATION,
    buttons: Keyboard | None = None,
    back_translate_via: str | None = None,
) -> Delivery:
    """Queue a message to a staff member's Telegram; held until they link it."""
    linked = staff.telegram_chat_id is not None
    if message is not None and message.id is None:
        session.add(message)  # the row refers to it by id
        session.flush()
    spec = DeliverySpec(
        recipient_kind=RecipientKind.STAFF,
        channel=Channel.TELEGRAM,
        address=str(staff.telegram_chat_id) if linked else "",
        language=staff.language,
        not_before=now,
        lane=lane,
        header=header,
        body=body,
        body_language=body_language,
        pieces=pieces,
        media=media,
        buttons=buttons or [],
        staff_id=staff.id,
        message_id=message.id if message is not None else None,
        status=DeliveryStatus.PENDING if linked else DeliveryStatus.HELD,
        note=None if linked else STAFF_NOT_LINKED,
        show_original=show_original,
        back_translate_via=back_translate_via,
    )
    return enqueue(session, spec, now)


def notice(
    session: Session,
    *,
    channel: Channel,
    address: str,
    text: str,
    language: str,
    now: dt.datetime,
    recipient_kind: RecipientKind,
    guardian_id: int | None = None,
    staff_id: int | None = None,
    contact_point_id: int | None = None,
    buttons: Keyboard | None = None,
) -> Delivery:
    """A bot-authored reply to whoever just wrote, on the channel they wrote from.

    Replies answer the person right now, so they skip quiet hours: the family just wrote.
    """
    spec = DeliverySpec(
        recipient_kind=recipient_kind,
        channel=channel,
        address=address,
        language=language,
        not_before=now,
        header=text,
        buttons=buttons or [],
        guardian_id=guardian_id,
        staff_id=staff_id,
        contact_point_id=contact_point_id,
        skip_quiet_hours=True,
    )
    return enqueue(session, spec, now)


# -- releasing what waited -------------------------------------------------------------


def release_staff_deliveries(session: Session, staff: Staff, now: dt.datetime) -> int:
    """Send what waited for a staff member to link Telegram."""
    held = session.scalars(
        select(Delivery).where(
            Delivery.staff_id == staff.id,
            Delivery.status == DeliveryStatus.HELD,
            Delivery.recipient_kind == RecipientKind.STAFF,
        )
    ).all()
    for delivery in held:
        delivery.address = str(staff.telegram_chat_id)
        delivery.status = DeliveryStatus.PENDING
        delivery.error_message = None
        delivery.next_attempt_at = now
    return len(held)


def release_held_deliveries(session: Session, point: ContactPoint, now: dt.datetime) -> int:
    """The family wrote on this contact point, reopening its reply window: send what was
    held for it (only a channel with such a window, WhatsApp, holds deliveries)."""
    held = session.scalars(
        select(Delivery).where(
            Delivery.contact_point_id == point.id, Delivery.status == DeliveryStatus.HELD
        )
    ).all()
    for delivery in held:
        delivery.status = DeliveryStatus.PENDING
        delivery.error_message = None
        delivery.next_attempt_at = now
    return len(held)
