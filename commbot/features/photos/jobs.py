"""Photo clock jobs: scheduled posts, digests and summaries. OWNER: builder B1.

Each runs in its own short transaction; the rows it works on are claimed with SKIP LOCKED,
so any number of workers may run them and each post, digest and summary goes once.
"""

from __future__ import annotations

import datetime as dt
import logging

from ...db import transaction
from ...jobs import JobContext, job
from . import digest, fanout

log = logging.getLogger(__name__)


@job("photo_posts", dt.timedelta(seconds=15))
def photo_posts(context: JobContext) -> int:
    with transaction(context.engine) as session:
        sent = fanout.send_due_posts(session, context.now, context.default_timezone)
    if sent:
        log.info("scheduled photo posts: %d sent", sent)
    return sent


@job("photo_digests", dt.timedelta(seconds=60))
def photo_digests(context: JobContext) -> int:
    with transaction(context.engine) as session:
        sent = digest.send_due_digests(session, context.now, context.default_timezone)
    if sent:
        log.info("photo digests: %d sent", sent)
    return sent


@job("photo_summaries", dt.timedelta(seconds=60))
def photo_summaries(context: JobContext) -> int:
    with transaction(context.engine) as session:
        told = fanout.send_due_summaries(session, context.now)
    if told:
        log.info("photo summaries: %d sent", told)
    return told
