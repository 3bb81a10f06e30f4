"""The reports' clock job: our copy of a report's file goes once it has been sent."""

from __future__ import annotations

import datetime as dt

from ...db import transaction
from ...jobs import JobContext, job
from .files import forget_sent


@job("forget_sent_reports", dt.timedelta(minutes=10))
def forget_sent_reports(context: JobContext) -> int:
    with transaction(context.engine) as session:
        return forget_sent(session, context.now)
