"""Photo clock jobs: scheduled posts, digests and summaries.

Each runs in its own short transaction; the rows it works on are claimed with SKIP LOCKED,
so any number of workers may run them and each post, digest and summary goes once.
"""

from __future__ import annotations

import datetime as dt

from ...db import transaction
from ...jobs import JobContext, job
from . import digest, fanout, summary

# The worker logs what each job returns (commbot.jobs.schedule): nothing more to say here.


@job("photo_posts", dt.timedelta(seconds=15))
def photo_posts(context: JobContext) -> int:
    with transaction(context.engine) as session:
        return fanout.send_due_posts(session, context.now, context.default_timezone)


@job("photo_digests", dt.timedelta(seconds=60))
def photo_digests(context: JobContext) -> int:
    with transaction(context.engine) as session:
        return digest.send_due_digests(session, context.now, context.default_timezone)


@job("photo_summaries", dt.timedelta(seconds=60))
def photo_summaries(context: JobContext) -> int:
    with transaction(context.engine) as session:
        return summary.send_due_summaries(session, context.now)
