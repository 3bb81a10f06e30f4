"""A family's answer to a broadcast: it reaches the sender (the fan-out made the sender the
last to write on the family's thread, so `actions.relay` routes it there), the family's
recipient row records that they replied, and when the sender is not on the child's team
(a coordinator writing to the whole school) the child's class teacher gets a copy, so the
person who knows the family best knows what they said.

Registered on `relay.RELAY_COPIES` at import; the feature's handlers import this module.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...actions.relay import RECENT_THREAD, relay_copies
from ...models import Guardian, Message, Staff, Student, Thread
from ...policy import class_teachers
from .models import Broadcast, BroadcastRecipient, RecipientOutcome


@relay_copies
def answer_to_broadcast(
    session: Session,
    guardian: Guardian,
    message: Message,
    student: Student,
    staff: Staff,
    now: dt.datetime,
) -> list[Staff]:
    """The class teacher to copy, if this message answers `staff`'s broadcast: the latest
    broadcast of theirs this family got about this child, within the time a thread routes
    replies, with nothing written by them to the family since."""
    recipient = session.scalar(
        select(BroadcastRecipient)
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(
            BroadcastRecipient.guardian_id == guardian.id,
            BroadcastRecipient.student_id == student.id,
            BroadcastRecipient.outcome == RecipientOutcome.QUEUED,
            BroadcastRecipient.created_at >= now - RECENT_THREAD,
            Broadcast.sender_id == staff.id,
        )
        .order_by(BroadcastRecipient.created_at.desc(), BroadcastRecipient.id.desc())
        .limit(1)
    )
    if recipient is None:
        return []
    written = session.scalar(
        select(Thread.last_staff_message_at).where(
            Thread.guardian_id == guardian.id,
            Thread.student_id == student.id,
            Thread.staff_id == staff.id,
        )
    )
    if written is not None and written > recipient.created_at:
        return []  # they have written to the family since: a conversation, not an answer
    if recipient.replied_at is None:
        recipient.replied_at = now
    team = class_teachers(session, student)
    if not team or any(member.id == staff.id for member in team):
        return []
    return [team[0]]
