"""A family's part of photos and stories, for `commbot family export` and `forget`.

Export: every photo consent change about or by them, each class photo post they were
considered for (when, and whether they got it, were skipped for consent, could not be
reached, or had it stopped by a later change), and their stories from home. Forget: their
consent history goes; the rows that only count (who got which post, which messages were
stories) stay, holding nothing but ids and times once `forget` has erased the words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..features.photos.models import ConsentChange, PhotoPost, PhotoRecipient
from ..features.stories.models import Story
from ..models import Guardian


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_photos(
    session: Session,
    guardian: Guardian,
    staff_names: dict[int, str],
    student_name: Callable[[int | None], str | None],
) -> dict[str, Any]:
    changes = session.scalars(
        select(ConsentChange)
        .where(
            or_(
                ConsentChange.guardian_id == guardian.id,
                ConsentChange.by_guardian_id == guardian.id,
            )
        )
        .order_by(ConsentChange.id)
    )
    received = session.scalars(
        select(PhotoRecipient)
        .where(PhotoRecipient.guardian_id == guardian.id)
        .order_by(PhotoRecipient.id)
    )
    stories = session.scalars(
        select(Story).where(Story.guardian_id == guardian.id).order_by(Story.id)
    )
    return {
        "consent_changes": [
            {
                "student": student_name(c.student_id),
                "from": c.old.value,
                "to": c.new.value,
                "by": c.source.value,
                "by_staff": staff_names.get(c.by_staff_id) if c.by_staff_id else None,
                "changed_at": _iso(c.changed_at),
            }
            for c in changes
        ],
        "class_photos": [
            {"post": r.post_id, "outcome": r.outcome.value, "at": _iso(r.created_at)}
            for r in received
        ],
        "stories": [
            {
                "message_id": s.message_id,
                "student": student_name(s.student_id),
                "at": _iso(s.created_at),
                "thanked_at": _iso(s.thanked_at),
            }
            for s in stories
        ],
    }


def forget_photos(session: Session, guardian: Guardian, erased: Collection[int]) -> int:
    """Delete their photo consent history, and blank the caption of each post whose
    message `forget` erased (a photo for their family alone: the words were only theirs;
    a class post's caption stays, as the other families' copies do). Returns how many
    rows went."""
    rows = list(
        session.scalars(select(ConsentChange).where(ConsentChange.guardian_id == guardian.id))
    )
    for row in rows:
        session.delete(row)
    if erased:
        for post in session.scalars(select(PhotoPost).where(PhotoPost.message_id.in_(erased))):
            post.caption = ""
    return len(rows)
