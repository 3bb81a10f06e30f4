"""Which (guardian, student) pairs an audience means, as a condition on the join of
guardians, their links and students (`audiences`), within what the sender serves: a
coordinator's school, a teacher's classes and assigned students (`commbot.policy`).

Names the sender gave (classes, students) are matched among those they serve only: a
class they do not serve is as unknown as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ...models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Guardian,
    RecipientKind,
    Staff,
    Student,
    enrollments,
)
from ...policy import served_classes, served_students_query

if TYPE_CHECKING:
    from .audiences import Audience


class AudienceKind(StrEnum):
    SCHOOL = "school"  # every family the sender serves in their school
    CLASSES = "classes"  # values: class names
    STUDENTS = "students"  # values: student names or external ids
    LANGUAGE = "language"  # values: language codes ("es", "zh-CN")
    MEETING_WITHIN = "meeting"  # days: families with a meeting in the next N days
    NOT_REACHED = "not-reached"  # days: families with no delivery delivered in N days


# What counts as reaching a family: the provider said it arrived; Telegram says no more
# than that it took the message, so there a send counts.
REACHED = or_(
    Delivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.READ)),
    and_(Delivery.status == DeliveryStatus.SENT, Delivery.channel == Channel.TELEGRAM),
)


def condition(
    session: Session, sender: Staff, audience: Audience, now: dt.datetime
) -> tuple[ColumnElement[bool], list[str]]:
    """Which (guardian, student) pairs the audience means, within what the sender serves;
    and the names given that matched nothing they serve."""
    served = served_students_query(sender).with_only_columns(Student.id)
    unknown: list[str] = []
    where: ColumnElement[bool]
    match audience.kind:
        case AudienceKind.SCHOOL:
            where = Student.id.in_(served)
        case AudienceKind.CLASSES:
            class_ids, unknown = _classes(session, sender, audience.values)
            in_classes = select(enrollments.c.student_id).where(
                enrollments.c.class_id.in_(class_ids)
            )
            where = and_(Student.id.in_(served), Student.id.in_(in_classes))
        case AudienceKind.STUDENTS:
            student_ids, unknown = _students(session, sender, audience.values)
            where = Student.id.in_(student_ids)
        case AudienceKind.LANGUAGE:
            where = and_(Student.id.in_(served), _speaks(audience.values))
        case AudienceKind.MEETING_WITHIN:
            where = and_(Student.id.in_(served), _meeting_soon(now, audience.days or 0))
        case AudienceKind.NOT_REACHED:
            reached = select(Delivery.guardian_id).where(
                Delivery.recipient_kind == RecipientKind.GUARDIAN,
                Delivery.sent_at >= now - dt.timedelta(days=audience.days or 0),
                Delivery.guardian_id.is_not(None),
                REACHED,
            )
            where = and_(Student.id.in_(served), Guardian.id.not_in(reached))
    return where, unknown


def _classes(
    session: Session, sender: Staff, names: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """The sender's classes of these names (any case); a class they do not serve is as
    unknown as one that does not exist: nobody learns of classes beyond their own."""
    by_name = {c.name.casefold(): c.id for c in served_classes(session, sender)}
    found = [by_name[n.casefold()] for n in names if n.casefold() in by_name]
    return found, [n for n in names if n.casefold() not in by_name]


def _students(
    session: Session, sender: Staff, wanted: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """Students the sender serves named (full name, any case) or numbered (external id)."""
    keys = {w.casefold() for w in wanted}
    rows = session.execute(
        served_students_query(sender).with_only_columns(
            Student.id, Student.name, Student.external_id
        )
    ).all()
    found: list[int] = []
    matched: set[str] = set()
    for student_id, name, external_id in rows:
        hits = keys & {name.casefold(), (external_id or "").casefold()}
        if hits:
            found.append(student_id)
            matched |= hits
    return found, [w for w in wanted if w.casefold() not in matched]


def _speaks(codes: tuple[str, ...]) -> ColumnElement[bool]:
    """Guardians reading one of these languages: `es` takes `es-MX` too, `zh-CN` only itself."""
    clauses: list[ColumnElement[bool]] = []
    for code in codes:
        lowered = code.lower()
        clauses.append(func.lower(Guardian.language) == lowered)
        if "-" not in code:
            clauses.append(func.lower(Guardian.language).like(lowered + "-%"))
    return or_(*clauses)


def _meeting_soon(now: dt.datetime, days: int) -> ColumnElement[bool]:
    """Students with an open meeting whose time (settled or fixed, or one of those
    proposed) falls in the next `days` days."""
    from ..meetings.models import Meeting, MeetingSlot, MeetingState

    until = now + dt.timedelta(days=days)
    settled = select(Meeting.student_id).where(
        Meeting.state.in_((MeetingState.PROPOSED, MeetingState.SCHEDULED)),
        Meeting.starts_at >= now,
        Meeting.starts_at <= until,
    )
    proposed = (
        select(Meeting.student_id)
        .join(MeetingSlot, MeetingSlot.meeting_id == Meeting.id)
        .where(
            Meeting.state == MeetingState.PROPOSED,
            MeetingSlot.starts_at >= now,
            MeetingSlot.starts_at <= until,
        )
    )
    return or_(Student.id.in_(settled), Student.id.in_(proposed))
