"""Writing deliveries: every outgoing message becomes a `Delivery` row in the caller's
transaction (the transactional outbox). Nothing here talks to a provider."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
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
    media: Sequence[dict[str, str]] = (),
    lane: Lane = Lane.CONVERSATION,
    urgent: bool = False,
    exclude_points: Iterable[int] = (),
    point: ContactPoint | None = None,
    fallback_of: Delivery | None = None,
    explain_terms: bool = False,
) -> Delivery | None:
    """Queue a message on the family's first usable channel; None if none is left."""
    if point is None:
        points = usable_points(session, guardian, exclude_points)
        if not points:
            return None
        point = points[0]
    delivery = Delivery(
        message=message,
        recipient_kind=RecipientKind.GUARDIAN,
        guardian_id=guardian.id,
        contact_point_id=point.id,
        channel=point.channel,
        address=point.address,
        lane=int(lane),
        language=guardian.language,
        header=header,
        body=body,
        body_language=body_language,
        media=list(media),
        not_before=guardian_not_before(guardian, now, default_timezone, urgent),
        next_attempt_at=now,
        created_at=now,
        fallback_of_id=fallback_of.id if fallback_of else None,
        explain_terms=explain_terms,
        skip_quiet_hours=urgent,
    )
    session.add(delivery)
    return delivery


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
        media=delivery.media,
        lane=Lane(delivery.lane),
        exclude_points=exclude_points,
        fallback_of=delivery,
        explain_terms=delivery.explain_terms,
        urgent=delivery.skip_quiet_hours,
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
    show_original: bool = False,
    media: Sequence[dict[str, str]] = (),
    lane: Lane = Lane.CONVERSATION,
    buttons: list[list[dict[str, str]]] | None = None,
    back_translate_via: str | None = None,
) -> Delivery:
    """Queue a message to a staff member's Telegram; held until they link it."""
    linked = staff.telegram_chat_id is not None
    delivery = Delivery(
        message=message,
        recipient_kind=RecipientKind.STAFF,
        staff_id=staff.id,
        channel=Channel.TELEGRAM,
        address=str(staff.telegram_chat_id) if linked else "",
        lane=int(lane),
        language=staff.language,
        header=header,
        body=body,
        body_language=body_language,
        show_original=show_original,
        back_translate_via=back_translate_via,
        media=list(media),
        buttons=buttons or [],
        status=DeliveryStatus.PENDING if linked else DeliveryStatus.HELD,
        error_message=None if linked else STAFF_NOT_LINKED,
        not_before=now,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    return delivery


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
    buttons: list[list[dict[str, str]]] | None = None,
) -> Delivery:
    """A bot-authored reply to whoever just wrote, on the channel they wrote from.

    Replies answer the person right now, so they skip quiet hours: the family just wrote.
    """
    delivery = Delivery(
        recipient_kind=recipient_kind,
        guardian_id=guardian_id,
        staff_id=staff_id,
        contact_point_id=contact_point_id,
        channel=channel,
        address=address,
        lane=int(Lane.CONVERSATION),
        language=language,
        header=text,
        buttons=buttons or [],
        not_before=now,
        next_attempt_at=now,
        created_at=now,
        skip_quiet_hours=True,
    )
    session.add(delivery)
    return delivery


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


def release_whatsapp_deliveries(session: Session, point: ContactPoint, now: dt.datetime) -> int:
    """The family wrote on WhatsApp, reopening its 24-hour window: send what was held."""
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
