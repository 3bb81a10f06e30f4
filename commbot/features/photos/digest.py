"""A class's end-of-day digest: the day's posts held for it go once, at the set local time
(the school's), one message per family holding the photos that family may see.

OWNER: builder E.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ...models import SchoolClass, Staff
from .models import PhotoDigest


def set_digest(
    session: Session,
    staff: Staff,
    school_class: SchoolClass,
    local_time: str | None,
    now: dt.datetime,
) -> PhotoDigest | None:
    """Turn the class's digest on at `local_time` ("HH:MM", the school's clock), or off
    with None. Posts already held for it are not lost when it is turned off: they become
    scheduled posts at the time the digest would have gone. ValueError for a malformed
    time; the staff member must serve the class (checked by the caller's class list)."""
    raise NotImplementedError


def digest_for(session: Session, class_id: int) -> PhotoDigest | None:
    """The class's digest, if it is on."""
    raise NotImplementedError


def next_digest_time(session: Session, digest: PhotoDigest, now: dt.datetime) -> dt.datetime:
    """When the digest next goes (UTC): today's time if still ahead, else tomorrow's."""
    raise NotImplementedError


def send_due_digests(session: Session, now: dt.datetime, default_timezone: str) -> int:
    """Every digest due now, sent once per day; returns how many went."""
    raise NotImplementedError
