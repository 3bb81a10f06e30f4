"""Broadcast clock jobs: scheduled broadcasts whose time has come go out (every 15 s), and
the senders' progress messages are brought up to date, the finished ones closed with a
summary (every 5 s).

Each runs in its own short transaction; the broadcasts it works on are claimed with SKIP
LOCKED (`actions.send_due`, `progress_message.refresh_all`), so any number of workers may
run them and each broadcast goes, and is finished, once.
"""

from __future__ import annotations

import datetime as dt

from ...config import get_settings
from ...db import transaction
from ...jobs import JobContext, job
from . import actions, progress_message


@job("broadcasts_due", dt.timedelta(seconds=15))
def broadcasts_due(context: JobContext) -> int:
    # The channel choice reads the settings (the WhatsApp template), as the worker has them.
    with transaction(context.engine) as session:
        return actions.send_due(session, settings=get_settings(), now=context.now)


@job("broadcast_progress", dt.timedelta(seconds=5))
def broadcast_progress(context: JobContext) -> int:
    with transaction(context.engine) as session:
        return progress_message.refresh_all(session, context.now)
