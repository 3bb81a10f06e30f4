"""What the reports read from the messages and the delivery history, per family, in a few
grouped queries bounded by a scope's guardian-id subquery (never a query per family).

The words used throughout:
- a message from the school: a `Message` not written by a family, with a delivery to the
  guardian that was at least tried (not one still waiting, held or cancelled). Bot notices
  (replies to what a family typed) have no message row and are not counted;
- reached: a delivery to the guardian delivered or read, or sent on Telegram, which never
  reports delivery (as the broadcasts' "not reached in N days" audience counts it);
- a contact point that failed: opted out, or its latest send that came to an end failed
  or was undelivered. A family is unreachable when every point failed (or it has none).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ...actions.subscriptions import OPTED_OUT_NOTE
from ...dispatch import history
from ...models import (
    AuthorKind,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Message,
    RecipientKind,
)

S = DeliveryStatus
ATTEMPTED = (S.SENDING, S.SENT, S.DELIVERED, S.READ, S.FAILED, S.UNDELIVERED)
ENDED = (S.SENT, S.DELIVERED, S.READ, S.FAILED, S.UNDELIVERED)
NOT_ARRIVED = (S.FAILED, S.UNDELIVERED)
# Twilio's "the family replied STOP to this number": an opt-out, not a broken number.
STOP_CODES = frozenset({"21610"})
Times = dict[int, list[dt.datetime]]


def reached() -> ColumnElement[bool]:
    """A delivery that reached the family."""
    return or_(
        Delivery.status.in_((S.DELIVERED, S.READ)),
        and_(Delivery.channel == Channel.TELEGRAM, Delivery.status == S.SENT),
    )


def is_reached(channel: Channel, status: DeliveryStatus) -> bool:
    """`reached()` for one delivery already loaded."""
    return status in (S.DELIVERED, S.READ) or (channel is Channel.TELEGRAM and status is S.SENT)


def _to_families(guardians: Select[int]) -> ColumnElement[bool]:
    return and_(
        Delivery.recipient_kind == RecipientKind.GUARDIAN, Delivery.guardian_id.in_(guardians)
    )


def school_message_times(session: Session, guardians: Select[int], since: dt.datetime) -> Times:
    """When the school wrote to each family since `since`, oldest first (one time per
    message, however many channels it was tried on)."""
    rows = session.execute(
        select(Delivery.guardian_id, Message.id, Message.created_at)
        .join(Message, Message.id == Delivery.message_id)
        .where(
            _to_families(guardians),
            Delivery.status.in_(ATTEMPTED),
            Message.author_kind != AuthorKind.GUARDIAN,
            Message.created_at >= since,
        )
        .distinct()
    ).all()
    return _by_family((guardian_id, at) for guardian_id, _, at in rows)


def family_message_times(session: Session, guardians: Select[int], since: dt.datetime) -> Times:
    """When each family wrote to the school since `since`, oldest first."""
    rows = session.execute(
        select(Message.author_guardian_id, Message.created_at).where(
            Message.author_kind == AuthorKind.GUARDIAN,
            Message.author_guardian_id.in_(guardians),
            Message.created_at >= since,
        )
    ).all()
    return _by_family((guardian_id, at) for guardian_id, at in rows)


def _by_family(rows: Iterable[tuple[int | None, dt.datetime]]) -> Times:
    found: Times = defaultdict(list)
    for guardian_id, at in rows:
        if guardian_id is not None:
            found[guardian_id].append(at)
    for times in found.values():
        times.sort()
    return found


def last_from_school(session: Session, guardians: Select[int]) -> dict[int, dt.datetime]:
    """When the school last wrote to each family, ever."""
    query = (
        select(Delivery.guardian_id, func.max(Message.created_at))
        .join(Message, Message.id == Delivery.message_id)
        .where(
            _to_families(guardians),
            Delivery.status.in_(ATTEMPTED),
            Message.author_kind != AuthorKind.GUARDIAN,
        )
        .group_by(Delivery.guardian_id)
    )
    return {g: at for g, at in session.execute(query) if g is not None}


def last_from_family(session: Session, guardians: Select[int]) -> dict[int, dt.datetime]:
    """When each family last wrote to the school, ever."""
    query = (
        select(Message.author_guardian_id, func.max(Message.created_at))
        .where(
            Message.author_kind == AuthorKind.GUARDIAN, Message.author_guardian_id.in_(guardians)
        )
        .group_by(Message.author_guardian_id)
    )
    return {g: at for g, at in session.execute(query) if g is not None}


def last_reached(
    session: Session, guardians: Select[int], since: dt.datetime | None = None
) -> dict[int, dt.datetime]:
    """When a delivery last reached each family (since `since`, if given)."""
    query = (
        select(Delivery.guardian_id, func.max(Delivery.sent_at))
        .where(_to_families(guardians), reached(), Delivery.sent_at.is_not(None))
        .group_by(Delivery.guardian_id)
    )
    if since is not None:
        query = query.where(Delivery.sent_at >= since)
    return {g: at for g, at in session.execute(query) if g is not None and at is not None}


# -- why a send did not arrive, and each contact point's standing ----------------------------


def reason(status: DeliveryStatus, code: str | None, note: str | None = None) -> str:
    """Why a delivery did not arrive, in plain words: the provider's code explained from
    the adapters' tables (`dispatch.history.explain`), never the provider's own message,
    which can quote the phone number."""
    if note == OPTED_OUT_NOTE or (code or "") in STOP_CODES:
        return "the family opted out of this channel (replied STOP)"
    words = history.explain(code)
    if words:
        return words
    if code:
        return f"error {code}, which commbot has no words for (see the provider's list)"
    if status is S.UNDELIVERED:
        return "the carrier reported it undelivered, without saying why"
    if status is S.CANCELLED:
        return "cancelled before it was sent"
    return "it failed, and the provider gave no reason"


def is_opt_out(status: DeliveryStatus, code: str | None, note: str | None) -> bool:
    """A delivery that ended because the family opted out of its channel."""
    if status is S.CANCELLED:
        return note == OPTED_OUT_NOTE
    return status in NOT_ARRIVED and (code or "") in STOP_CODES


@dataclass(frozen=True)
class PointState:
    """One of a family's contact points, as the history leaves it."""

    channel: Channel
    opted_out: bool
    opted_out_at: dt.datetime | None
    failure: str | None  # why its latest send that ended did not arrive
    code: str | None  # the provider's code for it

    @property
    def works(self) -> bool:
        return not self.opted_out and self.failure is None

    def what_failed(self) -> str | None:
        """What failed here, in plain words with the provider's code, or None."""
        if self.opted_out:
            return "opted out (replied STOP)"
        if self.failure is None:
            return None
        return f"{self.code}: {self.failure}" if self.code else self.failure


def point_states(session: Session, guardians: Select[int]) -> dict[int, list[PointState]]:
    """Each family's contact points in their order of preference, with the outcome of the
    latest send to each that came to an end (two queries)."""
    points = session.execute(
        select(
            ContactPoint.id,
            ContactPoint.guardian_id,
            ContactPoint.channel,
            ContactPoint.opted_out,
            ContactPoint.opted_out_at,
        )
        .where(ContactPoint.guardian_id.in_(guardians))
        .order_by(ContactPoint.guardian_id, ContactPoint.priority, ContactPoint.id)
    ).all()
    latest = (
        select(func.max(Delivery.id))
        .where(_to_families(guardians), Delivery.status.in_(ENDED))
        .group_by(Delivery.contact_point_id)
    )
    outcomes = {
        point: (status, code)
        for point, status, code in session.execute(
            select(Delivery.contact_point_id, Delivery.status, Delivery.error_code).where(
                Delivery.id.in_(latest), Delivery.contact_point_id.is_not(None)
            )
        )
    }
    states: dict[int, list[PointState]] = defaultdict(list)
    for point_id, guardian_id, channel, opted_out, opted_out_at in points:
        status, code = outcomes.get(point_id, (None, None))
        failed = status in NOT_ARRIVED
        states[guardian_id].append(
            PointState(
                channel=channel,
                opted_out=opted_out,
                opted_out_at=opted_out_at,
                failure=reason(status, code) if failed and status is not None else None,
                code=code if failed else None,
            )
        )
    return states


def unreachable(states: list[PointState]) -> bool:
    """Every channel failed or was opted out of (or the family has none)."""
    return all(not state.works for state in states)
