"""Sender leases: one worker at a time sends through each sender, so its rate limit holds
however many workers run. A lease is a row with an expiry, renewed while the worker lives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from ..db import transaction
from ..models import SenderLease

LEASE_TIME = dt.timedelta(seconds=15)


def hold(engine: Engine, sender: str, holder: str, now: dt.datetime) -> bool:
    """Take or renew the lease on `sender`; True if `holder` has it now."""
    with transaction(engine) as session:
        lease = session.scalar(
            select(SenderLease).where(SenderLease.sender == sender).with_for_update()
        )
        if lease is None:
            savepoint = session.begin_nested()
            session.add(SenderLease(sender=sender, holder=holder, expires_at=now + LEASE_TIME))
            try:
                session.flush()
            except IntegrityError:  # another worker took it first
                savepoint.rollback()
                return False
            savepoint.commit()
            return True
        if lease.holder != holder and lease.expires_at > now:
            return False
        lease.holder = holder
        lease.expires_at = now + LEASE_TIME
        return True


def release(engine: Engine, holder: str) -> None:
    with transaction(engine) as session:
        session.execute(delete(SenderLease).where(SenderLease.holder == holder))
