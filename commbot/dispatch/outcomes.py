"""What a send's outcome does to the outbox: retry, fall back, or tell staff."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..i18n import N_, gettext
from ..models import (
    Delivery,
    DeliveryStatus,
    EarlyStatusReport,
    Guardian,
    RecipientKind,
    Staff,
    Student,
)
from ..outbox import move_to_next_channel, to_staff

log = logging.getLogger(__name__)

UNREACHABLE = N_(
    "We could not reach {guardian} (family of {student}) on any channel. "
    "Your message was not delivered. Please call the family or the school office."
)

# Twilio status callback → our status; later states never move back to earlier ones.
TWILIO_STATUSES = {
    "accepted": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.UNDELIVERED,
}
_RANK = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.UNDELIVERED: 4,
}
# Carrier-side failures reported later by callback that mean "try another channel".
EARLY_KEPT = dt.timedelta(days=1)
PERMANENT_CALLBACK_CODES = frozenset({"30003", "30005", "30006", "21610", "21614", "21211"})


def record_sent(
    session: Session,
    delivery: Delivery,
    provider_id: str,
    now: dt.datetime,
    default_timezone: str = "America/New_York",
) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.provider_message_id = provider_id
    delivery.sent_at = now
    delivery.claimed_by = None
    delivery.claimed_until = None
    delivery.error_code = None
    delivery.error_message = None
    early = session.scalars(
        select(EarlyStatusReport)
        .where(EarlyStatusReport.provider_message_id == provider_id)
        .order_by(EarlyStatusReport.id)
    ).all()
    for report in early:
        _apply(session, delivery, report.status, report.error_code, now, default_timezone)
        session.delete(report)


def record_failure(
    session: Session,
    delivery: Delivery,
    *,
    code: str,
    message: str,
    now: dt.datetime,
    retry_at: dt.datetime | None,
    default_timezone: str,
) -> None:
    """Retry at `retry_at`, or give up on this address and fall back."""
    delivery.error_code = code
    delivery.error_message = message
    delivery.claimed_by = None
    delivery.claimed_until = None
    if retry_at is not None:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = retry_at
        return
    delivery.status = DeliveryStatus.FAILED
    fall_back(session, delivery, now, default_timezone)


def fall_back(
    session: Session, delivery: Delivery, now: dt.datetime, default_timezone: str
) -> None:
    """Move a failed family delivery to the family's next channel, or tell the writer."""
    if delivery.recipient_kind is not RecipientKind.GUARDIAN or delivery.guardian_id is None:
        log.warning("delivery %s failed with no fallback (%s)", delivery.id, delivery.error_code)
        return
    moved = move_to_next_channel(
        session,
        delivery,
        now=now,
        default_timezone=default_timezone,
        exclude_points=_tried_points(session, delivery),
    )
    if moved is not None:
        return
    guardian = session.get_one(Guardian, delivery.guardian_id)
    _tell_author(session, delivery, guardian, now)


def _tried_points(session: Session, delivery: Delivery) -> set[int]:
    tried: set[int] = set()
    current: Delivery | None = delivery
    while current is not None:
        if current.contact_point_id is not None:
            tried.add(current.contact_point_id)
        current = session.get(Delivery, current.fallback_of_id) if current.fallback_of_id else None
    return tried


def _tell_author(
    session: Session, delivery: Delivery, guardian: Guardian, now: dt.datetime
) -> None:
    message = delivery.message
    if message is None or message.author_staff_id is None:
        log.warning("guardian %s unreachable; no staff author to tell", guardian.id)
        return
    staff = session.get_one(Staff, message.author_staff_id)
    student = session.get(Student, message.student_id) if message.student_id else None
    text = gettext(
        staff.language,
        UNREACHABLE,
        guardian=guardian.name,
        student=student.name if student else "?",
    )
    to_staff(session, staff=staff, now=now, header=text)


def apply_status_callback(
    session: Session,
    provider_id: str,
    status: str,
    error_code: str | None,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """Record a Twilio status callback. False when no message of ours has that id yet: the
    report is kept a day, in case the send it belongs to is being recorded right now."""
    delivery = session.scalar(
        select(Delivery).where(Delivery.provider_message_id == provider_id).with_for_update()
    )
    if delivery is None:
        session.execute(
            delete(EarlyStatusReport).where(EarlyStatusReport.received_at < now - EARLY_KEPT)
        )
        session.add(
            EarlyStatusReport(
                provider_message_id=provider_id,
                status=status,
                error_code=error_code,
                received_at=now,
            )
        )
        return False
    _apply(session, delivery, status, error_code, now, default_timezone)
    return True


def _apply(
    session: Session,
    delivery: Delivery,
    status: str,
    error_code: str | None,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    new = TWILIO_STATUSES.get(status)
    if new is None:
        return  # a status we do not track (e.g. "receiving")
    if _RANK.get(new, 0) <= _RANK.get(delivery.status, 0) and delivery.status in _RANK:
        return  # callbacks may arrive out of order; keep the furthest state
    delivery.status = new
    if error_code:
        delivery.error_code = error_code
    if new in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED):
        delivery.error_message = f"Twilio reported {status}"
        if error_code in PERMANENT_CALLBACK_CODES:
            fall_back(session, delivery, now, default_timezone)
