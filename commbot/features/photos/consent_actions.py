"""A guardian (or staff, the roster, the operator) changes a child's photo consent: the
change is recorded with when and who, and anything still queued that the new value
forbids is stopped, its links expired at once.

OWNER: builder B2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Guardian, PhotoConsent, Staff, Student
from .models import ConsentSource


@dataclass(frozen=True)
class ConsentResult:
    student: Student
    chosen: PhotoConsent  # what this guardian chose
    effective: PhotoConsent  # what holds for the child (the strictest of its guardians)
    withdrawn: int  # queued deliveries stopped because of it


def set_photo_consent(
    session: Session,
    guardian: Guardian,
    student: Student,
    value: PhotoConsent,
    *,
    source: ConsentSource,
    now: dt.datetime,
    by_staff: Staff | None = None,
) -> ConsentResult:
    """Set this guardian's consent for their child (ValueError if not their child)."""
    raise NotImplementedError


def withdraw_forbidden(session: Session, student_ids: list[int], now: dt.datetime) -> int:
    """Stop what is queued (not yet sent) that the current consent of these children
    forbids, and expire the links and stored copies of those photos; returns how many
    deliveries were stopped."""
    raise NotImplementedError
