"""Sender leases: one worker at a time sends through each sender, so its rate limit holds
however many workers run. A lease is a row with an expiry, renewed while the worker lives.

Timing. The lease is short (`LEASE_TIME`, 5 s) and renewed every `RENEW_EVERY` (1 s), by a
renewal that does not wait on sends, so a live worker never loses it, and a dead worker's
lease is free within 5 s. A holder sends only while its own view of the lease has at least
`SAFETY` left, so it has stopped sending before anyone else can take the lease over (the
margin covers a small skew between hosts' clocks).

Taking over. Whoever takes a lease from another holder (expired, released, or held under
the taker's own stable name: see `hold`) is told who that was, so it can reclaim the
deliveries that holder still had claimed at once: none of them can still be going out
through a live sender. It is also told until when to send nothing, so that the provider's
limits hold across the hand-over: one window after the previous holder's last send, and
any pause the provider asked for (Retry-After), both kept in the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import transaction
from ..models import SenderLease, utcnow

LEASE_TIME = dt.timedelta(seconds=5)
RENEW_EVERY = dt.timedelta(seconds=1)
SAFETY = dt.timedelta(seconds=1)
ZERO = dt.timedelta(0)

# Called in the taking-over transaction with the holder replaced.
OnTakeover = Callable[[Session, str], object]


@dataclass(frozen=True)
class Held:
    """The lease is ours until `until`. `replaced` is the holder we took it over from
    (None on a renewal or a first take); send nothing through the sender before `quiet_until`."""

    until: dt.datetime
    replaced: str | None = None
    quiet_until: dt.datetime | None = None


def hold(
    engine: Engine,
    sender: str,
    holder: str,
    now: dt.datetime,
    name: str | None = None,
    window: dt.timedelta = ZERO,
    on_takeover: OnTakeover | None = None,
    last_send_at: dt.datetime | None = None,
) -> Held | None:
    """Take or renew the lease on `sender` for `holder`; None if another holder has it.

    `name` is the holder's stable name (COMMBOT_WORKER_NAME), if any: a lease held under
    the same name by another holder belongs to this worker's own previous run, which is
    dead (names are one per running worker), so it is taken over at once. `window` is how
    long the provider's limits look back (the sender's window, or the per-chat interval if
    longer). `last_send_at`, on a renewal, is when our last send was answered.
    """
    until = now + LEASE_TIME
    with transaction(engine) as session:
        lease = session.scalar(
            select(SenderLease).where(SenderLease.sender == sender).with_for_update()
        )
        if lease is None:
            savepoint = session.begin_nested()
            session.add(
                SenderLease(sender=sender, holder=holder, holder_name=name, expires_at=until)
            )
            try:
                session.flush()
            except IntegrityError:  # another worker took it first
                savepoint.rollback()
                return None
            savepoint.commit()
            return Held(until)
        if lease.holder == holder and not lease.released:
            lease.expires_at = until
            if last_send_at is not None:
                lease.last_send_at = max(lease.last_send_at or last_send_at, last_send_at)
            return Held(until)
        own_predecessor = name is not None and lease.holder_name == name
        taken = lease.holder != holder and not lease.released and not own_predecessor
        if taken and lease.expires_at > now:
            return None
        quiet_until = _quiet_until(lease, now, window)
        replaced = lease.holder if lease.holder != holder else None
        lease.holder = holder
        lease.holder_name = name
        lease.expires_at = until
        lease.released = False
        if on_takeover is not None and replaced is not None:
            on_takeover(session, replaced)
        return Held(until, replaced=replaced, quiet_until=quiet_until)


def _quiet_until(lease: SenderLease, now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """When the new holder may send: one window after the previous holder's last send
    (exact when it was given back; otherwise it may have sent until its lease ran out, or
    until now when it is our own dead predecessor), and not before a provider's pause."""
    last = lease.last_send_at if lease.released else min(now, lease.expires_at)
    quiet = (last + window) if last is not None else now
    if lease.paused_until is not None:
        quiet = max(quiet, lease.paused_until)
    return quiet


def pause(engine: Engine, sender: str, holder: str, until: dt.datetime) -> None:
    """Keep a provider's pause (Retry-After) in the lease, for whoever holds it next."""
    with transaction(engine) as session:
        lease = session.get(SenderLease, sender)
        if lease is None or lease.holder != holder:
            return
        if lease.paused_until is None or lease.paused_until < until:
            lease.paused_until = until


def release(
    engine: Engine,
    holder: str,
    now: dt.datetime | None = None,
    last_sends: dict[str, dt.datetime] | None = None,
) -> None:
    """Give back every lease `holder` has, at once (a graceful stop, once its sends are
    answered), noting when its last send through each sender was answered. The row stays:
    the next holder reads the hand-over state from it."""
    now = now or utcnow()
    last_sends = last_sends or {}
    with transaction(engine) as session:
        leases = session.scalars(select(SenderLease).where(SenderLease.holder == holder)).all()
        for lease in leases:
            lease.released = True
            lease.expires_at = min(lease.expires_at, now)
            last = last_sends.get(lease.sender)
            if last is not None:
                lease.last_send_at = max(lease.last_send_at or last, last)
