"""The meetings' clock jobs: send the reminders before meetings, and the follow-ups after
them (item reminders, overdue reports, feedback requests), that are due."""

from __future__ import annotations

import datetime as dt
import logging

from ...jobs import JobContext, job
from . import followups
from .reminders import GRACE, send_due

log = logging.getLogger(__name__)


@job("meeting_reminders", dt.timedelta(seconds=15))
def meeting_reminders(context: JobContext) -> int:
    report = send_due(
        context.engine, context.now, default_timezone=context.default_timezone, grace=GRACE
    )
    if report.sent or report.dropped:
        log.info("meeting reminders: %d sent, %d dropped", report.sent, report.dropped)
    return report.sent


@job("meeting_followups", dt.timedelta(seconds=15))
def meeting_followups(context: JobContext) -> int:
    report = followups.send_due(
        context.engine,
        context.now,
        default_timezone=context.default_timezone,
        grace=followups.GRACE,
    )
    if report.sent or report.dropped:
        log.info("meeting follow-ups: %d sent, %d dropped", report.sent, report.dropped)
    return report.sent
