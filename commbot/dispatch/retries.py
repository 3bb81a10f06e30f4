"""When a failed send is tried again, and when it is not.

Transient failures (timeouts, 5xx answers, a provider asking us to slow down) are retried
with capped exponential backoff for a budget of *time* from the delivery's first attempt
(`COMMBOT_RETRY_BUDGET_HOURS`, 6 hours by default), not for a count of quick attempts: an
outage of an hour must not end a family's message. Permanent failures are not retried
here: the family's next channel is tried at once. A photo that cannot be fetched is the
exception: its words went already, so the attachment alone is tried `MAX_ATTEMPTS` times.
A provider's Retry-After is always honoured: no retry sooner, whatever the jitter.
"""

from __future__ import annotations

import datetime as dt
import random

from ..errors import SendError
from ..models import Delivery

DEFAULT_BUDGET = dt.timedelta(hours=6)
MAX_BACKOFF = 600.0  # seconds: at worst a retry every 10 minutes while the budget lasts
MAX_RETRY_AFTER = 24 * 3600.0  # seconds: a provider's wait longer than a day is taken as a day
MAX_ATTEMPTS = 6  # for an attachment that cannot be fetched (its words went already)
MEDIA_CODE = "media"


def out_of_budget(delivery: Delivery, now: dt.datetime, budget: dt.timedelta) -> bool:
    """True once the delivery's retry budget, counted from its first attempt, is spent."""
    first = delivery.first_attempt_at
    return first is not None and now - first >= budget


def next_attempt(
    delivery: Delivery,
    error: SendError,
    now: dt.datetime,
    *,
    base_seconds: float,
    budget: dt.timedelta,
) -> dt.datetime | None:
    """When to try `delivery` again after `error`, or None to give up on this address."""
    if error.permanent:
        return None
    if error.code == MEDIA_CODE and delivery.attempts >= MAX_ATTEMPTS:
        return None
    if out_of_budget(delivery, now, budget):
        return None
    return now + dt.timedelta(seconds=backoff(delivery.attempts, base_seconds, error.retry_after))


def backoff(attempts: int, base_seconds: float, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, capped at `MAX_BACKOFF`; never sooner than the
    provider asked (the jitter only ever lengthens a wait, never shortens Retry-After)."""
    ceiling = min(MAX_BACKOFF, base_seconds * 2 ** min(max(attempts - 1, 0), 30))
    delay = random.uniform(ceiling / 2, ceiling)
    # A provider's wait is honoured in full up to a day (the dispatcher's pause is capped
    # the same way), so an absurd header cannot push a retry out of datetime's range.
    return max(delay, min(retry_after or 0.0, MAX_RETRY_AFTER))
