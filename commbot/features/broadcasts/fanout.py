"""The deliveries of a broadcast: one per family, each in its language on its channel,
after its quiet hours unless urgent, on the broadcast lane (behind every conversation).

`plan` decides, for every family, the channel and the time it gets the broadcast; the
preview counts what `plan` says and the fan-out queues it, so the numbers a sender sees
are the numbers that are sent. Everything is done in bulk: a few queries and inserts per
5,000 families, never one per family.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ...channels.twilio.provider import limits_for
from ...config import Settings
from ...db import dialect_insert
from ...i18n import gettext
from ...models import (
    AuthorKind,
    Channel,
    ContactPoint,
    Delivery,
    Lane,
    Message,
    MessageKind,
    RecipientKind,
    Staff,
    Thread,
)
from ...outbox import DeliverySpec, enqueue_many, family_quiet_until
from . import messages as m
from .audiences import Family
from .models import Broadcast, BroadcastRecipient, BroadcastState, RecipientOutcome

CHUNK = 5000  # families per query and insert: bounds memory and bound parameters
THREADS: Table = Thread.__table__  # type: ignore[assignment]  # Core, for bulk inserts
RECIPIENTS: Table = BroadcastRecipient.__table__  # type: ignore[assignment]
# WhatsApp's reply window, as the channel defines it (the rate is not used here).
WHATSAPP = limits_for(Channel.WHATSAPP, 1.0)


@dataclass(frozen=True)
class Point:
    """A contact point, as much of it as choosing a channel needs."""

    id: int
    channel: Channel
    address: str
    opted_out: bool
    last_inbound_at: dt.datetime | None


@dataclass(frozen=True)
class Choice:
    """Where one family's broadcast goes, or why it goes nowhere.

    `window`: the family's first channel is WhatsApp and they have not written there in
    24 hours. With no template configured the broadcast goes to their next usable channel
    (`point`), or, with none, stays on WhatsApp (`fallback_none`) and fails into the usual
    fallback. With a template, `held`: the template goes first and the broadcast waits for
    their reply.
    """

    outcome: RecipientOutcome
    point: Point | None = None
    window: bool = False
    held: bool = False
    fallback_none: bool = False


@dataclass(frozen=True)
class Planned:
    family: Family
    choice: Choice
    not_before: dt.datetime  # after their quiet hours (the moment itself when urgent)


def choose(points: Sequence[Point], at: dt.datetime, *, template: bool) -> Choice:
    """The family's first usable contact point, the WhatsApp window considered."""
    usable = [p for p in points if not p.opted_out]
    if not points:
        return Choice(RecipientOutcome.UNREACHABLE)
    if not usable:
        return Choice(RecipientOutcome.OPTED_OUT)
    first = usable[0]
    if first.channel is not Channel.WHATSAPP or not WHATSAPP.needs_template(
        first.last_inbound_at, at
    ):
        return Choice(RecipientOutcome.QUEUED, first)
    if template:
        return Choice(RecipientOutcome.QUEUED, first, window=True, held=True)
    if len(usable) > 1:
        return Choice(RecipientOutcome.QUEUED, usable[1], window=True)
    return Choice(RecipientOutcome.QUEUED, first, window=True, fallback_none=True)


def contact_points(session: Session, guardian_ids: Iterable[int]) -> dict[int, list[Point]]:
    """Every contact point of these guardians (opted out too), in preference order."""
    ids = sorted(set(guardian_ids))
    found: dict[int, list[Point]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                ContactPoint.guardian_id,
                ContactPoint.id,
                ContactPoint.channel,
                ContactPoint.address,
                ContactPoint.opted_out,
                ContactPoint.last_inbound_at,
            )
            .where(ContactPoint.guardian_id.in_(ids[start : start + CHUNK]))
            .order_by(ContactPoint.guardian_id, ContactPoint.priority, ContactPoint.id)
        )
        for guardian_id, point_id, channel, address, opted_out, last_inbound_at in rows:
            found[guardian_id].append(Point(point_id, channel, address, opted_out, last_inbound_at))
    return found


def plan(
    session: Session,
    families: Sequence[Family],
    *,
    urgent: bool,
    settings: Settings,
    at: dt.datetime,
) -> list[Planned]:
    """Each family's channel and time, were the broadcast sent at `at`."""
    points = contact_points(session, (f.guardian_id for f in families))
    template = bool(settings.twilio_whatsapp_template_sid)
    quiet: dict[tuple[str, str], dt.datetime] = {}
    planned: list[Planned] = []
    for family in families:
        if urgent:
            when = at
        else:
            zone = family.timezone or settings.default_timezone
            when = family_quiet_until(family.quiet_hours, zone, at, quiet)
        choice = choose(points.get(family.guardian_id, []), at, template=template)
        planned.append(Planned(family, choice, when))
    return planned


def fan_out(
    session: Session,
    broadcast: Broadcast,
    sender: Staff,
    families: Sequence[Family],
    *,
    settings: Settings,
    now: dt.datetime,
) -> list[Planned]:
    """Queue the broadcast now: its message, one delivery and one recipient row per family,
    and the families' threads with the sender touched so their replies reach the sender.
    The broadcast is SENDING."""
    message = Message(
        kind=MessageKind.BROADCAST,
        author_kind=AuthorKind.STAFF,
        author_staff_id=sender.id,
        text=broadcast.text,
        language=broadcast.language,
        media=list(broadcast.media),
        urgent=broadcast.urgent,
        created_at=now,
    )
    session.add(message)
    session.flush()
    planned = plan(session, families, urgent=broadcast.urgent, settings=settings, at=now)
    headers = Headers(sender, broadcast.urgent)
    for start in range(0, len(planned), CHUNK):
        chunk = _queued(planned[start : start + CHUNK])
        enqueue_many(session, (_spec(p, broadcast, message, headers) for p in chunk), now)
    deliveries = dict(
        session.execute(
            select(Delivery.guardian_id, Delivery.id).where(Delivery.message_id == message.id)
        ).all()
    )
    rows = [_recipient(p, broadcast, deliveries, now) for p in planned]
    for start in range(0, len(rows), CHUNK):
        session.execute(RECIPIENTS.insert(), rows[start : start + CHUNK])
    touch_threads(session, sender, _queued(planned), now)
    broadcast.state = BroadcastState.SENDING
    broadcast.sent_at = now
    broadcast.message_id = message.id
    return planned


def _queued(planned: Iterable[Planned]) -> list[Planned]:
    return [p for p in planned if p.choice.outcome is RecipientOutcome.QUEUED]


class Headers:
    """The family header in each language, looked up in the catalog once per language."""

    def __init__(self, sender: Staff, urgent: bool) -> None:
        self.sender = sender.name
        self.message = m.FAMILY_HEADER_URGENT if urgent else m.FAMILY_HEADER
        self._templates: dict[str, str] = {}

    def __call__(self, language: str, student: str) -> str:
        if language not in self._templates:
            self._templates[language] = gettext(language, self.message)
        return self._templates[language].format(staff=self.sender, student=student)


def _spec(
    planned: Planned, broadcast: Broadcast, message: Message, headers: Headers
) -> DeliverySpec:
    family = planned.family
    point = planned.choice.point
    assert point is not None
    return DeliverySpec(
        recipient_kind=RecipientKind.GUARDIAN,
        channel=point.channel,
        address=point.address,
        language=family.language,
        not_before=planned.not_before,
        lane=Lane.BROADCAST,
        header=headers(family.language, family.student_name),
        body=broadcast.text,
        body_language=broadcast.language,
        media=broadcast.media,
        guardian_id=family.guardian_id,
        contact_point_id=point.id,
        message_id=message.id,
        explain_terms=bool(broadcast.text),
        skip_quiet_hours=broadcast.urgent,
    )


def _recipient(
    planned: Planned, broadcast: Broadcast, deliveries: dict[int | None, int], now: dt.datetime
) -> dict[str, Any]:
    guardian_id = planned.family.guardian_id
    point = planned.choice.point
    queued = planned.choice.outcome is RecipientOutcome.QUEUED
    return {
        "broadcast_id": broadcast.id,
        "guardian_id": guardian_id,
        "student_id": planned.family.student_id,
        "outcome": planned.choice.outcome,
        "delivery_id": deliveries.get(guardian_id) if queued else None,
        "channel": point.channel if queued and point is not None else None,
        "replied_at": None,
        "created_at": now,
    }


def touch_threads(
    session: Session, sender: Staff, planned: Sequence[Planned], now: dt.datetime
) -> None:
    """The sender wrote last on each family's thread about the child: their replies go to
    the sender (`actions.relay`). Existing threads in one update per chunk, new ones in one
    insert (a family writing first at this moment keeps its thread, marked as ours)."""
    wanted = {(p.family.guardian_id, p.family.student_id) for p in planned}
    if not wanted:
        return
    existing: list[int] = []
    threads = select(Thread.id, Thread.guardian_id, Thread.student_id).where(
        Thread.staff_id == sender.id
    )
    for thread_id, guardian_id, student_id in session.execute(threads):
        if (guardian_id, student_id) in wanted:
            existing.append(thread_id)
            wanted.discard((guardian_id, student_id))
    for start in range(0, len(existing), CHUNK):
        session.execute(
            update(Thread)
            .where(Thread.id.in_(existing[start : start + CHUNK]))
            .values(last_staff_message_at=now, last_message_at=now)
            .execution_options(synchronize_session=False)
        )
    rows = [
        {
            "staff_id": sender.id,
            "guardian_id": guardian_id,
            "student_id": student_id,
            "created_at": now,
            "last_staff_message_at": now,
            "last_message_at": now,
        }
        for guardian_id, student_id in sorted(wanted)
    ]
    if rows:
        insert = dialect_insert(session, THREADS)
        upsert = insert.on_conflict_do_update(
            index_elements=["student_id", "guardian_id", "staff_id"],
            set_={
                "last_staff_message_at": insert.excluded.last_staff_message_at,
                "last_message_at": insert.excluded.last_message_at,
            },
        )
        for start in range(0, len(rows), CHUNK):
            session.execute(upsert, rows[start : start + CHUNK])
