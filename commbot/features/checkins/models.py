"""Recurring check-ins: a warm question to families on set days, and who answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...models.base import Base, utcnow


class CheckinPlan(Base):
    """A staff member's recurring check-in for a class or one student.

    `days` and `time` are the families' own local days and time: a plan sends at 4:00 PM in
    each family's time zone, so it has one schedule row per time zone it reaches.
    """

    __tablename__ = "checkin_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    days: Mapped[str] = mapped_column(String(40))  # cron day names: "fri", "mon,thu"
    time: Mapped[str] = mapped_column(String(5))  # "16:00", local to each family
    template: Mapped[str | None] = mapped_column(String(40))  # a catalog question's key
    question: Mapped[str | None] = mapped_column(Text)  # the staff member's own words
    question_language: Mapped[str | None] = mapped_column(String(16))
    digest_after_hours: Mapped[int] = mapped_column(Integer, default=48)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CheckinSchedule(Base):
    """When a plan next fires for the families in one time zone."""

    __tablename__ = "checkin_schedules"
    __table_args__ = (UniqueConstraint("plan_id", "timezone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("checkin_plans.id", ondelete="CASCADE"))
    timezone: Mapped[str] = mapped_column(String(64))
    next_due_at: Mapped[dt.datetime] = mapped_column(index=True)


class CheckinRun(Base):
    """One firing of a plan in one time zone; its digest is due a while later."""

    __tablename__ = "checkin_runs"
    # One run per occurrence: the database itself refuses a second firing.
    __table_args__ = (UniqueConstraint("plan_id", "timezone", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("checkin_plans.id", ondelete="CASCADE"))
    timezone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime]
    fired_at: Mapped[dt.datetime]
    # [[guardian_id, student_id], ...]: who was asked, for the digest.
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    digest_due_at: Mapped[dt.datetime] = mapped_column(index=True)
    digest_sent_at: Mapped[dt.datetime | None]
