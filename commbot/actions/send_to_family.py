"""A staff member writes to a student's family: text, a photo, or an urgent message.

The message is queued for each guardian who receives messages, on their first usable
channel, on the thread between the three of them. The result says what will happen for
each guardian, which jargon the family will see explained, and how hard the English reads;
the caller tells the staff member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import textstat  # no stubs; one pure function used
from sqlalchemy.orm import Session

from ..glossary import load_glossary
from ..i18n import N_, gettext
from ..models import (
    AuthorKind,
    Delivery,
    Guardian,
    Message,
    MessageKind,
    Staff,
    Student,
)
from ..outbox import to_guardian
from ..policy import SCHOOL_WIDE_ROLES, receiving_guardians, serves
from ..threads import thread_for

FAMILY_HEADER = N_("{staff}, about {student}:")

# Readability scores swing wildly on a line or two; judge only texts long enough to mean it.
READABILITY_MIN_WORDS = 15
READABILITY_GRADE = 8


class SendStatus(StrEnum):
    QUEUED = "queued"
    NOT_SERVED = "not_served"  # the staff member does not serve this student
    NO_FAMILY = "no_family"  # nobody in the family receives messages
    NOT_ALLOWED = "not_allowed"  # urgent messages are for coordinators and admins
    NOTHING_TO_SEND = "nothing_to_send"  # no words and no photo


@dataclass(frozen=True)
class GuardianOutcome:
    guardian: Guardian
    delivery: Delivery | None  # None: opted out everywhere, or no way to reach them
    opted_out_somewhere: bool


@dataclass
class FamilySend:
    status: SendStatus
    message: Message | None = None
    outcomes: list[GuardianOutcome] = field(default_factory=list)
    explained_terms: list[str] = field(default_factory=list)
    reading_grade: float | None = None  # set when the English reads above grade 8


def send_to_family(
    session: Session,
    staff: Staff,
    student: Student,
    text: str,
    *,
    now: dt.datetime,
    default_timezone: str,
    media: Sequence[dict[str, Any]] = (),
    only: Sequence[Guardian] | None = None,
    urgent: bool = False,
) -> FamilySend:
    """Queue `text` (and `media`) to the student's family, or to `only` those guardians
    (each must be one this staff member may reach about this student)."""
    if urgent and staff.role not in SCHOOL_WIDE_ROLES:
        return FamilySend(SendStatus.NOT_ALLOWED)
    if not serves(session, staff, student):
        return FamilySend(SendStatus.NOT_SERVED)
    if only is not None:
        reachable = receiving_guardians(session, student)
        if not only or any(g not in reachable for g in only):
            return FamilySend(SendStatus.NOT_SERVED)
        guardians = list(only)
    else:
        guardians = receiving_guardians(session, student)
    if not text and not media:
        return FamilySend(SendStatus.NOTHING_TO_SEND)
    if not guardians:
        return FamilySend(SendStatus.NO_FAMILY)
    message = Message(
        kind=MessageKind.CONVERSATION,
        author_kind=AuthorKind.STAFF,
        author_staff_id=staff.id,
        student_id=student.id,
        text=text,
        language=staff.language,
        media=list(media),
        urgent=urgent,
        created_at=now,
    )
    session.add(message)
    session.flush()
    result = FamilySend(SendStatus.QUEUED, message)
    for guardian in guardians:
        thread = thread_for(session, student, guardian, staff, now)
        thread.last_staff_message_at = now
        thread.last_message_at = now
        message.thread_id = message.thread_id or thread.id
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=now,
            default_timezone=default_timezone,
            message=message,
            header=gettext(
                guardian.language, FAMILY_HEADER, staff=staff.name, student=student.name
            ),
            body=text,
            body_language=staff.language,
            media=message.media,
            explain_terms=True,
            urgent=urgent,
        )
        opted_out = any(p.opted_out for p in guardian.contact_points)
        result.outcomes.append(GuardianOutcome(guardian, delivery, opted_out))
    if text and staff.language.startswith("en"):
        result.explained_terms = [t.key for t in load_glossary().find(text)]
        if len(text.split()) >= READABILITY_MIN_WORDS:
            grade = float(textstat.flesch_kincaid_grade(text))
            if grade > READABILITY_GRADE:
                result.reading_grade = grade
    return result
