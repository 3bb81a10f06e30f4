"""A class's end-of-day digest: the day's posts held for it go once, at the set local time
(the school's), one message per family holding the photos that family may see.

A post held for the digest is a `DIGEST` post whose `send_at` is the digest's next time
(`next_digest_time`, set when it is added and again whenever the time changes), so the job
needs no calendar of its own: a digest is due when one of its class's held posts is due.
The digest row is claimed `FOR UPDATE SKIP LOCKED` and its posts become `SENT` in the same
transaction that queues the deliveries, so any number of workers send each digest once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ...config import get_settings
from ...db import find_or_create
from ...models import SchoolClass, Staff
from ...schools import school_timezone
from .digest_send import send_digest
from .models import PhotoDigest, PhotoPost, PostState

log = logging.getLogger(__name__)

CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_local_time(text: str) -> str:
    """ "9:05" or "15:30" as "HH:MM"; ValueError for anything else."""
    match = CLOCK.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time like 15:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def class_timezone(session: Session, class_id: int, default_timezone: str | None = None) -> str:
    """The zone a class's clock reads in: its school's, else the configured default."""
    school_class = session.get(SchoolClass, class_id)
    # Callers without the worker's settings (a post added to the digest) read them here.
    default = default_timezone or get_settings().default_timezone
    return school_timezone(session, school_class.school_id if school_class else None, default)


def set_digest(
    session: Session,
    staff: Staff,
    school_class: SchoolClass,
    local_time: str | None,
    now: dt.datetime,
    *,
    default_timezone: str | None = None,
) -> PhotoDigest | None:
    """Turn the class's digest on at `local_time` ("HH:MM", the school's clock), or off
    with None. Posts already held for it are not lost when it is turned off: they become
    scheduled posts at the time the digest would have gone. ValueError for a malformed
    time; the staff member must serve the class (checked by the caller's class list)."""
    value = None if local_time is None else parse_local_time(local_time)
    # Locked (waiting, not skipping): a digest being sent right now finishes first. Two
    # teachers turning a class's first digest on at once make one row, not an error.
    digest, _ = find_or_create(
        session,
        PhotoDigest,
        {"class_id": school_class.id},
        {"local_time": value or "15:30", "active": False, "updated_at": now},
        lock=True,
    )
    if value is None:
        if digest.active:
            for post in _held(session, school_class.id):
                post.send_at = post.send_at or next_digest_time(
                    session, digest, now, default_timezone=default_timezone
                )
                post.state = PostState.SCHEDULED
                post.updated_at = now
            digest.active = False
            digest.staff_id = staff.id
            digest.updated_at = now
        return None
    digest.staff_id = staff.id
    digest.local_time = value
    digest.active = True
    digest.updated_at = now
    session.flush()
    when = next_digest_time(session, digest, now, default_timezone=default_timezone)
    for post in _held(session, school_class.id):
        post.send_at = when  # a new time moves what waits for it
        post.updated_at = now
    return digest


def digest_for(session: Session, class_id: int) -> PhotoDigest | None:
    """The class's digest, if it is on."""
    return session.scalar(
        select(PhotoDigest).where(PhotoDigest.class_id == class_id, PhotoDigest.active)
    )


def next_digest_time(
    session: Session,
    digest: PhotoDigest,
    now: dt.datetime,
    *,
    default_timezone: str | None = None,
) -> dt.datetime:
    """When the digest next goes (UTC): today's time if still ahead, else tomorrow's.
    "Today" is the school's day; a day whose digest already went counts as passed."""
    zone = zoneinfo.ZoneInfo(class_timezone(session, digest.class_id, default_timezone))
    hour, minute = (int(part) for part in parse_local_time(digest.local_time).split(":"))
    today = now.astimezone(zone).date()
    for day in (today, today + dt.timedelta(days=1), today + dt.timedelta(days=2)):
        # fold=0: a time skipped by a spring-forward jump reads as the hour after it.
        at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)
        if at > now and day != digest.last_sent_on:
            return at
    raise AssertionError("unreachable: one of three days is ahead and not sent")


def send_due_digests(session: Session, now: dt.datetime, default_timezone: str) -> int:
    """Every digest due now, sent once per day; returns how many went."""
    due_post = exists().where(
        PhotoPost.class_id == PhotoDigest.class_id,
        PhotoPost.state == PostState.DIGEST,
        PhotoPost.send_at <= now,
    )
    digests = session.scalars(
        select(PhotoDigest)
        .where(PhotoDigest.active, due_post)
        .order_by(PhotoDigest.id)
        .with_for_update(skip_locked=True)  # another worker has it: it sends it
    ).all()
    sent = 0
    for digest in digests:
        posts = list(
            session.scalars(
                select(PhotoPost)
                .where(
                    PhotoPost.class_id == digest.class_id,
                    PhotoPost.state == PostState.DIGEST,
                    PhotoPost.send_at <= now,
                )
                .order_by(PhotoPost.send_at, PhotoPost.created_at, PhotoPost.id)
                .with_for_update()
            )
        )
        if not posts:
            continue  # cancelled meanwhile
        zone = zoneinfo.ZoneInfo(class_timezone(session, digest.class_id, default_timezone))
        families = send_digest(session, digest, posts, now=now, default_timezone=default_timezone)
        digest.last_sent_on = now.astimezone(zone).date()
        digest.updated_at = now
        log.info("photo digest %s: %d posts, %d families", digest.id, len(posts), families)
        sent += 1
    return sent


def _held(session: Session, class_id: int) -> list[PhotoPost]:
    return list(
        session.scalars(
            select(PhotoPost)
            .where(PhotoPost.class_id == class_id, PhotoPost.state == PostState.DIGEST)
            .with_for_update()
        )
    )
