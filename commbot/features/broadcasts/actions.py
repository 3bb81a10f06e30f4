"""The broadcast operations every entry point calls (Telegram, the command line, the
clock): create a draft, send it now, schedule it, cancel it; the scheduled ones due; and
`finish`, once every family's delivery has a final status.

Who may reach whom is `audiences.resolve` (bounded by `commbot.policy`), asked again when
the broadcast goes: a roster change between the draft and the send is obeyed. Only
coordinators and admins may go through quiet hours (urgent). Nothing here sends: the
deliveries are queued in the caller's transaction (`fanout`), and the dispatcher sends them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ...channels.base import clean_text
from ...config import Settings
from ...i18n import gettext
from ...languages import UnknownLanguage, normalize_language
from ...models import Delivery, DeliveryEvent, DeliveryEventKind, DeliveryStatus, Staff
from ...outbox import to_staff
from ...policy import SCHOOL_WIDE_ROLES
from ...schools import school_timezone
from . import messages as m
from .audiences import Audience, AudienceError, Family, families, reaches_anyone
from .fanout import fan_out
from .models import Broadcast, BroadcastState, RecipientOutcome
from .progress import progress

log = logging.getLogger(__name__)

MAX_TEXT = 3000  # Telegram takes 4096 characters: room for the header and explanations
MAX_CAPTION = 900  # a photo's caption takes 1024
MAX_AHEAD = dt.timedelta(days=60)
BATCH = 20  # scheduled broadcasts fanned out per run of the clock job
EVENTS: Table = DeliveryEvent.__table__  # type: ignore[assignment]
# Not gone yet, so a cancel still stops them.
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD)


class BroadcastError(ValueError):
    """A broadcast that may not go: names why (urgent by a teacher, an empty audience,
    a time in the past, not the sender's own broadcast, already sent). `say(language)`
    gives it in the reader's language; `str()` is English, for the command line."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(gettext("en", message, **values))
        self.message = message
        self.values = values

    def say(self, language: str) -> str:
        return gettext(language, self.message, **self.values)


@dataclass(frozen=True)
class Fanned:
    """What `send_now` did: deliveries queued, and families it could not reach."""

    broadcast: Broadcast
    queued: int
    opted_out: int
    unreachable: int
    quiet_held: int = 0  # of those queued, waiting for their quiet hours


def may_mark_urgent(sender: Staff) -> bool:
    return sender.role in SCHOOL_WIDE_ROLES


def create(
    session: Session,
    sender: Staff,
    audience: Audience,
    *,
    text: str,
    language: str | None = None,
    media: Sequence[dict[str, Any]] = (),
    urgent: bool = False,
    now: dt.datetime,
) -> Broadcast:
    """A draft broadcast (nothing queued). Raises BroadcastError if the sender may not
    send it (urgent needs a coordinator or admin; the audience must reach someone)."""
    if urgent and not may_mark_urgent(sender):
        raise BroadcastError(m.URGENT_NOT_ALLOWED)
    text = clean_text(text).strip()
    if not text and not media:
        raise BroadcastError(m.EMPTY_TEXT)
    limit = MAX_CAPTION if media else MAX_TEXT
    if len(text) > limit:
        raise BroadcastError(m.TOO_LONG, length=len(text), limit=limit)
    try:
        language = normalize_language(language or sender.language)
    except UnknownLanguage:
        raise BroadcastError(m.BAD_LANGUAGE, value=(language or "")[:20]) from None
    reached, unknown = reaches_anyone(session, sender, audience, now)
    _refuse_nobody(reached, unknown)
    broadcast = Broadcast(
        school_id=sender.school_id,
        sender_id=sender.id,
        audience=audience.to_json(),
        text=text,
        language=language,
        media=list(media),
        urgent=urgent,
        state=BroadcastState.DRAFT,
        created_at=now,
    )
    session.add(broadcast)
    session.flush()
    return broadcast


def _refuse_nobody(reached: bool, unknown: list[str]) -> None:
    if not reached:
        if unknown:
            raise BroadcastError(m.UNKNOWN_NAMES, names=", ".join(unknown))
        raise BroadcastError(m.NOBODY)


def _reach(session: Session, sender: Staff, audience: Audience, now: dt.datetime) -> list[Family]:
    members, unknown = families(session, sender, audience, now)
    _refuse_nobody(bool(members), unknown)
    return members


def _own(session: Session, sender: Staff, broadcast: Broadcast, *states: BroadcastState) -> None:
    """The sender's own broadcast, locked, in one of `states` (a second press of Send,
    or the clock at the same moment, waits here and is then refused)."""
    if broadcast.sender_id != sender.id:
        raise BroadcastError(m.NOT_YOURS)
    session.flush()
    session.refresh(broadcast, with_for_update=True)
    if broadcast.state in states:
        return
    if broadcast.state is BroadcastState.CANCELLED:
        raise BroadcastError(m.ALREADY_CANCELLED)
    raise BroadcastError(m.ALREADY_SENT)


def send_now(
    session: Session, sender: Staff, broadcast: Broadcast, *, settings: Settings, now: dt.datetime
) -> Fanned:
    """Fan the broadcast out now: one delivery per family on the broadcast lane."""
    _own(session, sender, broadcast, BroadcastState.DRAFT, BroadcastState.SCHEDULED)
    if broadcast.urgent and not may_mark_urgent(sender):
        raise BroadcastError(m.URGENT_NOT_ALLOWED)
    try:
        audience = Audience.from_json(broadcast.audience)
    except (KeyError, ValueError):
        raise BroadcastError(m.NOBODY) from None
    members = _reach(session, sender, audience, now)
    planned = fan_out(session, broadcast, sender, members, settings=settings, now=now)
    outcomes = Counter(p.choice.outcome for p in planned)
    quiet = sum(
        1 for p in planned if p.choice.outcome is RecipientOutcome.QUEUED and p.not_before > now
    )
    fanned = Fanned(
        broadcast,
        queued=outcomes[RecipientOutcome.QUEUED],
        opted_out=outcomes[RecipientOutcome.OPTED_OUT],
        unreachable=outcomes[RecipientOutcome.UNREACHABLE],
        quiet_held=quiet,
    )
    log.info(
        "broadcast %d: %d queued (%d after quiet hours), %d opted out, %d unreachable",
        broadcast.id,
        fanned.queued,
        fanned.quiet_held,
        fanned.opted_out,
        fanned.unreachable,
    )
    return fanned


def schedule(
    session: Session, sender: Staff, broadcast: Broadcast, at: dt.datetime, *, now: dt.datetime
) -> Broadcast:
    """Send the broadcast at `at` (the clock job does, `send_due`); a scheduled one may be
    moved."""
    _own(session, sender, broadcast, BroadcastState.DRAFT, BroadcastState.SCHEDULED)
    check_send_at(at, now)
    broadcast.state = BroadcastState.SCHEDULED
    broadcast.send_at = at
    return broadcast


def check_send_at(at: dt.datetime, now: dt.datetime) -> None:
    """A time a broadcast may be scheduled for: later than now, within 60 days."""
    if at <= now:
        raise BroadcastError(m.IN_THE_PAST)
    if at > now + MAX_AHEAD:
        raise BroadcastError(m.TOO_FAR)


def parse_time(text: str, timezone: str, now: dt.datetime) -> dt.datetime:
    """A time typed for `schedule` (the command line's `--at`, the dialog's answer), on the
    school's clock: "2027-01-12 16:30", or "16:30" for the next time the clock shows it.
    In UTC. Raises BroadcastError naming what was typed."""
    value = " ".join(text.split()).replace("T", " ")
    zone = zoneinfo.ZoneInfo(timezone)
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", value):
            clock = dt.time.fromisoformat(value.zfill(5))
            local = now.astimezone(zone)
            when = dt.datetime.combine(local.date(), clock, tzinfo=zone)
            if when <= local:
                when = dt.datetime.combine(local.date() + dt.timedelta(days=1), clock, tzinfo=zone)
        else:
            when = dt.datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        raise BroadcastError(m.BAD_TIME, value=text.strip()[:40]) from None
    return when.astimezone(dt.UTC)


def cancel(session: Session, sender: Staff, broadcast: Broadcast, *, now: dt.datetime) -> int:
    """Cancel a draft or scheduled broadcast, or what has not gone yet of one being sent.
    Returns how many deliveries were cancelled."""
    _own(
        session,
        sender,
        broadcast,
        BroadcastState.DRAFT,
        BroadcastState.SCHEDULED,
        BroadcastState.SENDING,
    )
    cancelled = 0
    if broadcast.message_id is not None:
        ids = list(
            session.scalars(
                select(Delivery.id).where(
                    Delivery.message_id == broadcast.message_id, Delivery.status.in_(WAITING)
                )
            )
        )
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(chunk), Delivery.status.in_(WAITING))
                .values(status=DeliveryStatus.CANCELLED, error_message="broadcast cancelled")
                .execution_options(synchronize_session=False)
            )
            session.execute(
                EVENTS.insert(),
                [
                    {
                        "delivery_id": delivery_id,
                        "at": now,
                        "kind": DeliveryEventKind.CANCELLED,
                        "detail": "the sender cancelled the broadcast",
                    }
                    for delivery_id in chunk
                ],
            )
        cancelled = len(ids)
    broadcast.state = BroadcastState.CANCELLED
    broadcast.finished_at = now if broadcast.sent_at is not None else None
    log.info("broadcast %d cancelled: %d deliveries stopped", broadcast.id, cancelled)
    return cancelled


def finish(session: Session, broadcast: Broadcast, now: dt.datetime) -> bool:
    """Mark a broadcast SENT once every family's delivery has a final status. True if it
    was finished now (the caller sends the summary, `progress.summary_text`)."""
    if broadcast.state is not BroadcastState.SENDING:
        return False
    if not progress(session, broadcast).done:
        return False
    broadcast.state = BroadcastState.SENT
    broadcast.finished_at = now
    return True


def send_due(session: Session, *, settings: Settings, now: dt.datetime) -> int:
    """Fan out every scheduled broadcast whose time has come (each once).

    Claimed with SKIP LOCKED: two workers never send one twice. One that may no longer go
    (its sender left, no family of theirs is in it any more) is cancelled, and the sender
    told why rather than left to believe it went."""
    due = session.scalars(
        select(Broadcast)
        .where(Broadcast.state == BroadcastState.SCHEDULED, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at, Broadcast.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for broadcast in due:
        sender = session.get_one(Staff, broadcast.sender_id)
        try:
            # Each on its own: one that fails is retried alone, not the whole batch.
            with session.begin_nested():
                send_now(session, sender, broadcast, settings=settings, now=now)
        except (BroadcastError, AudienceError) as exc:
            broadcast.state = BroadcastState.CANCELLED
            _tell_not_sent(session, sender, broadcast, exc, settings, now)
            log.info("broadcast %d cancelled at its time: it may no longer go", broadcast.id)
            continue
        except Exception as exc:  # a bug in one must not hold back the others
            log.error("broadcast %d could not be sent: %s", broadcast.id, type(exc).__name__)
            continue
        sent += 1
    return sent


def _tell_not_sent(
    session: Session,
    sender: Staff,
    broadcast: Broadcast,
    error: BroadcastError | AudienceError,
    settings: Settings,
    now: dt.datetime,
) -> None:
    if not sender.active:
        return
    from .preview import when_words

    zone = school_timezone(session, broadcast.school_id, settings.default_timezone)
    assert broadcast.send_at is not None
    text = gettext(
        sender.language,
        m.SCHEDULED_NOT_SENT,
        when=when_words(broadcast.send_at, sender.language, zone),
        reason=error.say(sender.language),
    )
    to_staff(session, staff=sender, now=now, header=text)
