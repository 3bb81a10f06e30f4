"""What a send's outcome does to the outbox: retry, fall back, or tell staff."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..channels import twilio
from ..db import transaction_lock
from ..i18n import N_, gettext
from ..models import (
    Delivery,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    EarlyStatusReport,
    Guardian,
    Guardianship,
    MessageKind,
    RecipientKind,
    Staff,
    Student,
)
from ..outbox import move_to_next_channel, to_staff
from . import history

log = logging.getLogger(__name__)

UNREACHABLE = N_(
    "We could not reach {guardian} (family of {student}) on any channel. "
    "Your message was not delivered. Please call the family or the school office."
)

MOVED = N_(
    "{guardian} (family of {student}) did not get your message by {failed}, so it is going "
    "to them by {channel} instead."
)

EARLY_KEPT = dt.timedelta(days=1)
STATUS_LOCK = "provider-message"  # record_sent and a status report of one provider id


def record_sent(
    session: Session,
    delivery: Delivery,
    provider_id: str,
    now: dt.datetime,
    default_timezone: str = "America/New_York",
    *,
    segments: int | None = None,
) -> None:
    """Record that the provider took the delivery as `provider_id` (for SMS, billed as
    `segments`), and apply the status reports that came for it before this.

    A report may be arriving at this very moment. Under READ COMMITTED each side could
    miss the other (the callback not yet seeing this delivery, this not yet seeing the
    callback's early report), so both take the same lock, keyed by the provider id, first:
    whichever commits second sees what the first wrote.
    """
    transaction_lock(session, STATUS_LOCK, provider_id[:64])
    delivery.status = DeliveryStatus.SENT
    delivery.provider_message_id = provider_id
    delivery.sent_at = now
    delivery.claimed_by = None
    delivery.claimed_until = None
    delivery.error_code = None
    delivery.error_message = None
    delivery.segments = segments
    history.record(
        session,
        delivery,
        DeliveryEventKind.SENT,
        now,
        provider_message_id=provider_id,
        detail=history.segments_detail(segments),
    )
    early = session.scalars(
        select(EarlyStatusReport)
        .where(EarlyStatusReport.provider_message_id == provider_id)
        .order_by(EarlyStatusReport.id)
    ).all()
    for report in early:
        _apply(
            session,
            delivery,
            report.status,
            report.error_code,
            now,
            default_timezone,
            reported_at=report.received_at,
        )
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
        wait = max(0, round((retry_at - now).total_seconds()))
        history.record(
            session,
            delivery,
            DeliveryEventKind.RETRY,
            now,
            error_code=code,
            detail=f"trying again in {wait} s",
        )
        return
    delivery.status = DeliveryStatus.FAILED
    history.record(session, delivery, DeliveryEventKind.FAILED, now, error_code=code)
    fall_back(session, delivery, now, default_timezone)


def cancel(
    session: Session,
    delivery: Delivery,
    reason: str,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Cancel a waiting delivery (the family opted out of its channel), record why, and
    move it to the family's next channel, or tell the writer."""
    delivery.status = DeliveryStatus.CANCELLED
    delivery.error_message = reason
    history.record(session, delivery, DeliveryEventKind.CANCELLED, now, detail=reason)
    fall_back(session, delivery, now, default_timezone)


def fall_back(
    session: Session, delivery: Delivery, now: dt.datetime, default_timezone: str
) -> None:
    """Move a failed family delivery to the family's next channel, or tell the writer:
    exactly one of them, once, however many reports say it failed."""
    if _fell_back_before(session, delivery):
        return
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
        session.flush()  # for the new delivery's id
        detail = f"moved to {moved.channel.value} as delivery {moved.id}"
        history.record(session, delivery, DeliveryEventKind.FALLBACK, now, detail=detail)
        if moved.channel is not delivery.channel:
            guardian = session.get_one(Guardian, delivery.guardian_id)
            _tell_author(session, delivery, guardian, now, moved_to=moved)
        return
    guardian = session.get_one(Guardian, delivery.guardian_id)
    told = _tell_author(session, delivery, guardian, now)
    detail = "no other channel; " + ("the writer was told" if told else "nobody to tell")
    history.record(session, delivery, DeliveryEventKind.FALLBACK, now, detail=detail)


def _fell_back_before(session: Session, delivery: Delivery) -> bool:
    if delivery.id is None:
        return False
    return (
        session.scalar(
            select(DeliveryEvent.id)
            .where(
                DeliveryEvent.delivery_id == delivery.id,
                DeliveryEvent.kind == DeliveryEventKind.FALLBACK,
            )
            .limit(1)
        )
        is not None
    )


def _tried_points(session: Session, delivery: Delivery) -> set[int]:
    tried: set[int] = set()
    current: Delivery | None = delivery
    while current is not None:
        if current.contact_point_id is not None:
            tried.add(current.contact_point_id)
        current = session.get(Delivery, current.fallback_of_id) if current.fallback_of_id else None
    return tried


def _tell_author(
    session: Session,
    delivery: Delivery,
    guardian: Guardian,
    now: dt.datetime,
    moved_to: Delivery | None = None,
) -> bool:
    """Tell the staff member who wrote that the family could not be reached, or, with
    `moved_to`, by which channel it is going instead; False when no staff member wrote it."""
    message = delivery.message
    if message is None or message.author_staff_id is None:
        if moved_to is None:
            log.warning("guardian %s unreachable; no staff author to tell", guardian.id)
        return False
    if message.kind is MessageKind.BROADCAST or (
        message.kind is MessageKind.PHOTO and message.student_id is None
    ):
        # A class photo or a broadcast: the sender's summary counts who was reached, once,
        # rather than a note per family (hundreds, for a school) naming their children.
        return True
    staff = session.get_one(Staff, message.author_staff_id)
    names = {"guardian": guardian.name, "student": _about(session, message.student_id, guardian)}
    if moved_to is None:
        text = gettext(staff.language, UNREACHABLE, **names)
    else:
        text = gettext(
            staff.language,
            MOVED,
            failed=delivery.channel.label,
            channel=moved_to.channel.label,
            **names,
        )
    to_staff(session, staff=staff, now=now, header=text)
    return True


def _about(session: Session, student_id: int | None, guardian: Guardian) -> str:
    """The child a message was about; for one to a whole class (a check-in), the family's
    children, so the staff member knows which family it is."""
    if student_id is not None:
        return session.get_one(Student, student_id).name
    names = session.scalars(
        select(Student.name)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.guardian_id == guardian.id)
        .order_by(Student.name)
    ).all()
    return ", ".join(names)


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
    # The values come from a web form: keep them to their columns' sizes.
    provider_id, status = provider_id[:64], status[:32]
    error_code = error_code[:32] if error_code else None
    # Meets `record_sent` of the same id whatever the timing (see there); reports for one
    # delivery are applied one at a time, in the order they take the lock.
    transaction_lock(session, STATUS_LOCK, provider_id)
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
    reported_at: dt.datetime | None = None,
) -> None:
    """Apply one status report; every report goes into the history, even one that does not
    move the delivery (untracked, or out of order)."""
    history.record(
        session,
        delivery,
        DeliveryEventKind.STATUS,
        reported_at or now,
        status=status,
        error_code=error_code,
        provider_message_id=delivery.provider_message_id,
    )
    new = twilio.reported_status(delivery.status, status)
    if new is None:
        return
    delivery.status = new
    if error_code:
        delivery.error_code = error_code
    if new in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED):
        # Whatever the code, this copy did not arrive: the family's next channel, or the
        # writer is told.
        delivery.error_message = f"Twilio reported {status}"
        fall_back(session, delivery, now, default_timezone)
