"""The check-in clock jobs: fire what is due, send digests, keep schedules per time zone."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from ...db import transaction
from ...jobs import JobContext, job
from .digest import send_due_digests
from .firing import GRACE, fire_due
from .models import CheckinPlan
from .plans import sync_schedules

log = logging.getLogger(__name__)


@job("fire_checkins", dt.timedelta(seconds=15))
def fire_checkins(context: JobContext) -> int:
    report = fire_due(
        context.engine, context.now, default_timezone=context.default_timezone, grace=GRACE
    )
    if report.fired or report.skipped:
        log.info(
            "check-ins: %d fired (%d deliveries), %d skipped",
            len(report.fired),
            report.deliveries,
            report.skipped,
        )
    return report.deliveries


@job("send_digests", dt.timedelta(minutes=1))
def send_digests(context: JobContext) -> int:
    return send_due_digests(context.engine, context.now)


@job("sync_plans", dt.timedelta(minutes=10))
def sync_plans(context: JobContext) -> int:
    """Families move and rosters change: keep one schedule per time zone per plan."""
    with transaction(context.engine) as session:
        plans = session.scalars(select(CheckinPlan).where(CheckinPlan.paused.is_(False))).all()
        for plan in plans:
            sync_schedules(session, plan, context.now, context.default_timezone)
        return len(plans)
