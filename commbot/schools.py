"""A school's clock: the time zone its days and times are read in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .models import School


def school_timezone(session: Session, school_id: int | None, default_timezone: str) -> str:
    """The school's time zone, else the deployment's default (COMMBOT_DEFAULT_TIMEZONE)."""
    school = session.get(School, school_id) if school_id is not None else None
    return (school.timezone if school is not None else None) or default_timezone
