"""The teacher's summary of a sent post: sent to how many families, how many skipped for
photo permission, how many could not be reached.

It waits until every queued delivery has settled (gone, or failed on every channel the
family has, or been stopped), so the numbers are true, but no longer than a day: what is
still not out by then has not reached that family, and the teacher hears so. Only counts
are said, never who chose what.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import Delivery, DeliveryStatus, SchoolClass, Staff
from ...outbox import to_staff
from . import messages
from .models import PhotoPost, PhotoRecipient, PostState, RecipientOutcome

# The longest a summary waits for deliveries held by quiet hours or a closed window.
SETTLE_WITHIN = dt.timedelta(hours=24)
REACHED = frozenset({DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ})
FAILED = frozenset({DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED, DeliveryStatus.CANCELLED})


@dataclass
class Counts:
    sent: int = 0
    skipped: int = 0
    unreached: int = 0
    waiting: int = 0  # queued, not out yet (quiet hours, WhatsApp's window, retrying)


def counts(session: Session, post: PhotoPost) -> Counts:
    """How the post's families fared so far, each family counted once, on the channel that
    carries the message now (a failed channel's copy on the next one)."""
    copies: dict[int, list[Delivery]] = defaultdict(list)
    by_id: dict[int, Delivery] = {}
    if post.message_id is not None:
        for delivery in session.scalars(
            select(Delivery).where(Delivery.message_id == post.message_id).order_by(Delivery.id)
        ):
            by_id[delivery.id] = delivery
            if delivery.fallback_of_id is not None:
                copies[delivery.fallback_of_id].append(delivery)
    result = Counts()
    recipients = session.scalars(select(PhotoRecipient).where(PhotoRecipient.post_id == post.id))
    for recipient in recipients:
        if recipient.outcome in (RecipientOutcome.SKIPPED, RecipientOutcome.WITHDRAWN):
            result.skipped += 1  # withdrawn: the family's photo permission changed meanwhile
            continue
        if recipient.outcome is RecipientOutcome.UNREACHABLE or recipient.delivery_id is None:
            result.unreached += 1
            continue
        status = _last_copy(by_id.get(recipient.delivery_id), copies)
        if status in REACHED:
            result.sent += 1
        elif status is None or status in FAILED:
            result.unreached += 1
        else:
            result.waiting += 1
    return result


def _last_copy(
    delivery: Delivery | None, copies: dict[int, list[Delivery]]
) -> DeliveryStatus | None:
    current = delivery
    for _ in range(10):  # a family has a few channels; a loop would be a bug
        if current is None or not copies.get(current.id):
            break
        current = copies[current.id][-1]
    return current.status if current is not None else None


def summary_text(session: Session, post: PhotoPost, staff: Staff, result: Counts) -> str:
    about = ""
    if post.student_id is None and post.class_id is not None:
        school_class = session.get(SchoolClass, post.class_id)
        if school_class is not None:
            about = gettext(staff.language, messages.SUMMARY_ABOUT, class_name=school_class.name)
    return gettext(
        staff.language,
        messages.SUMMARY,
        about=about,
        sent=result.sent,
        skipped=result.skipped,
        unreached=result.unreached + result.waiting,
    )


def send_due_summaries(session: Session, now: dt.datetime) -> int:
    """Tell each teacher how their sent post went, once its deliveries have settled; each
    summary once (posts claimed with SKIP LOCKED, marked in the same transaction)."""
    posts = session.scalars(
        select(PhotoPost)
        .where(PhotoPost.state == PostState.SENT, PhotoPost.summary_sent_at.is_(None))
        .order_by(PhotoPost.sent_at, PhotoPost.id)
        .with_for_update(skip_locked=True)
    ).all()
    told = 0
    for post in posts:
        result = counts(session, post)
        sent_at = post.sent_at or now
        if result.waiting and now < sent_at + SETTLE_WITHIN:
            continue
        post.summary_sent_at = now
        staff = session.get(Staff, post.staff_id)
        if staff is None or not staff.active:
            continue
        to_staff(session, staff=staff, now=now, header=summary_text(session, post, staff, result))
        told += 1
    return told
