"""The families to call: those every channel failed for (or who opted out of all of
them), with what failed on each channel, when a message last reached them, and who can
call them in their language.

Who can call: an active staff member who serves the family's child (their class's staff,
then those assigned to the child, then the school's coordinators and admins), is linked on
Telegram (so the report's reader can reach them) and whose language, as the roster gives
it, is the family's (the same base language: `es-MX` speaks `es`). Nobody is listed when
the roster names no such person. No phone numbers: staff see none (the school's records
have them), and the command line shows the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import (
    Channel,
    ServiceAssignment,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
)
from ...policy import SCHOOL_WIDE_ROLES
from . import history
from .render import ReportView, Section
from .scope import Family, Scope, families

NO_POINTS = "no phone number or chat on record"


@dataclass(frozen=True)
class UnreachableFamily:
    TITLES: ClassVar[dict[str, str]] = {
        "name": "family",
        "sms": "SMS",
        "whatsapp": "WhatsApp",
        "telegram": "Telegram",
        "call": "who can call (speaks their language)",
    }
    name: str
    students: tuple[str, ...]
    classes: tuple[str, ...]
    language: str
    sms: str | None  # what failed on each channel (None: no such contact point)
    whatsapp: str | None
    telegram: str | None
    note: str | None
    last_reached: dt.datetime | None
    call: tuple[str, ...]


@dataclass(frozen=True)
class UnreachableReport:
    families: list[UnreachableFamily]
    in_scope: int  # how many families the report looked at

    def view(self) -> ReportView:
        return ReportView(
            "unreachable",
            "Families to call: every channel failed or was opted out of",
            {"families_checked": self.in_scope},
            [Section("families", UnreachableFamily, self.families)],
        )


def unreachable(session: Session, scope: Scope, *, now: dt.datetime) -> UnreachableReport:
    guardians = scope.guardians()
    states = history.point_states(session, guardians)
    everyone = families(session, scope)
    lost = [f for f in everyone if history.unreachable(states.get(f.guardian_id, []))]
    last = history.last_reached(session, guardians) if lost else {}
    speakers = _speakers(session, scope, lost)
    rows = []
    for family in lost:
        mine = states.get(family.guardian_id, [])
        failed = {
            channel: "; ".join(s.what_failed() or "" for s in mine if s.channel is channel) or None
            for channel in Channel
        }
        rows.append(
            UnreachableFamily(
                name=family.name,
                students=family.students,
                classes=family.classes,
                language=family.language,
                sms=failed[Channel.SMS],
                whatsapp=failed[Channel.WHATSAPP],
                telegram=failed[Channel.TELEGRAM],
                note=None if mine else NO_POINTS,
                last_reached=last.get(family.guardian_id),
                call=speakers.get(family.guardian_id, ()),
            )
        )
    return UnreachableReport(rows, len(everyone))


def _base(language: str) -> str:
    return language.split("-")[0].casefold()


def _speakers(session: Session, scope: Scope, lost: list[Family]) -> dict[int, tuple[str, ...]]:
    """For each family, the staff who can call them in their language, best placed first."""
    if not lost:
        return {}
    students = scope.students()
    linked = (Staff.active, Staff.telegram_chat_id.is_not(None))
    team: dict[int, list[Staff]] = defaultdict(list)
    in_class = session.execute(
        select(enrollments.c.student_id, Staff)
        .join(class_staff, class_staff.c.class_id == enrollments.c.class_id)
        .join(Staff, Staff.id == class_staff.c.staff_id)
        .where(enrollments.c.student_id.in_(students), *linked)
        .order_by(Staff.role != StaffRole.TEACHER, Staff.name)
    ).all()
    assigned = session.execute(
        select(ServiceAssignment.student_id, Staff)
        .join(Staff, Staff.id == ServiceAssignment.staff_id)
        .where(ServiceAssignment.student_id.in_(students), *linked)
        .order_by(Staff.name)
    ).all()
    for student_id, member in [*in_class, *assigned]:
        team[student_id].append(member)
    schools = {f.school_id for f in lost}
    wide = session.scalars(
        select(Staff)
        .where(Staff.role.in_(SCHOOL_WIDE_ROLES), *linked)
        .where(or_(Staff.school_id.in_(schools), Staff.school_id.is_(None)))
        .order_by(Staff.role, Staff.name)
    ).all()
    school_of = dict(
        session.execute(select(Student.id, Student.school_id).where(Student.id.in_(students))).all()
    )
    found = {}
    for family in lost:
        candidates = [m for s in family.student_ids for m in team.get(s, [])]
        candidates += [
            m
            for m in wide
            if m.school_id is None or m.school_id in {school_of.get(s) for s in family.student_ids}
        ]
        names: list[str] = []
        for member in candidates:
            label = f"{member.name} ({member.role.value})"
            if _base(member.language) == _base(family.language) and label not in names:
                names.append(label)
        found[family.guardian_id] = tuple(names)
    return found
