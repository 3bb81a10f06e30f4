"""Keeping the plan's promises: an item done (by its staff owner, by the family), more
time asked for (a new date and a reason, which the family is told), help asked for, and
the open items each person may see. Every entry point (buttons, `DONE 2`, the CLI) calls
these.

Item numbers are positions in the plan. A family's "DONE 2" means the most recent plan
(by when its notes were recorded) among meetings they were asked to that still has an open
item; any guardian of the child may mark a guardian's item done, a staff member's is not
theirs to mark. Staff may change an item they own, or one of a student they serve.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...channels.base import clean_text
from ...i18n import gettext
from ...models import ChoiceKind, Guardian, Guardianship, PendingChoice, Staff, Student
from ...policy import receiving_link, served_students_query, serves
from . import after_messages as am
from . import followups, item_notices
from .actions import MeetingError
from .after_models import ActionItem, ItemState, MeetingNotes
from .models import Meeting, MeetingInvitee, MeetingState
from .notes_message import owner_words
from .times import MAX_AHEAD

log = logging.getLogger(__name__)
MAX_REASON = 500


class ItemError(MeetingError):
    """An item that cannot be changed as asked; the message says why."""


class FamilyDone(StrEnum):
    DONE = "done"
    ALREADY = "already done"
    NOT_YOURS = "not theirs"
    NO_SUCH = "no such number"
    NO_PLAN = "no open plan"
    HELP = "help asked"  # family_needs_help told the organizer


@dataclass(frozen=True)
class FamilyAnswer:
    """What a family's "DONE 2" (or button, or "1" after a reminder) did, and the reply
    to send them, in their language."""

    outcome: FamilyDone
    reply: str
    item: ActionItem | None = None


@dataclass(frozen=True)
class OpenItem:
    item: ActionItem
    meeting: Meeting
    student_name: str
    owner_name: str
    overdue: bool


def item_for(session: Session, actor: Staff | None, item_id: int) -> ActionItem:
    """The item, if the actor may change it (its staff owner, or staff who serve the child;
    None is the operator). One error for both "no such item" and "not yours"."""
    item = session.get(ActionItem, item_id)
    if item is not None and _may_change(session, actor, item):
        return item
    raise ItemError(f"no item {item_id} among yours")


def _may_change(session: Session, actor: Staff | None, item: ActionItem) -> bool:
    if actor is None or (actor.active and item.owner_staff_id == actor.id):
        return True
    meeting = session.get_one(Meeting, item.meeting_id)
    return serves(session, actor, session.get_one(Student, meeting.student_id))


def _marker(by: Staff | Guardian | None) -> str:
    if isinstance(by, Staff):
        return f"staff:{by.id}"
    if isinstance(by, Guardian):
        return f"guardian:{by.id}"
    return "operator"


def mark_done(
    session: Session,
    item: ActionItem,
    *,
    by: Staff | Guardian | None,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """Mark it done (False if it already was): its follow-ups close, the family is told
    ("Emily Carter did number 2, as promised"), and the organizer when a family did it."""
    # Follow-ups first: closing them waits for a worker sending one of them right now.
    followups.close_item(session, item, now, "done")
    session.refresh(item, with_for_update=True)  # two presses at once: the second sees done
    if not item.is_open:
        return False
    item.state = ItemState.DONE
    item.done_at = now
    item.done_by = _marker(by)
    meeting = session.get_one(Meeting, item.meeting_id)
    _close_reminder_menus(session, item)
    item_notices.tell_done(
        session, meeting, item, by=by, now=now, default_timezone=default_timezone
    )
    log.info("meeting %s item %s done", meeting.id, item.id)
    return True


def need_more_time(
    session: Session,
    actor: Staff | None,
    item: ActionItem,
    *,
    new_due: dt.date,
    reason: str,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Move the due date later, with a short reason; the family is told until when, and
    the follow-ups are planned again for the new date."""
    if not _may_change(session, actor, item):
        raise ItemError(f"no item {item.id} among yours")
    meeting = session.get_one(Meeting, item.meeting_id)
    if meeting.state is MeetingState.CANCELLED:
        raise ItemError(f"meeting {meeting.id} is cancelled")
    today = now.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()
    if new_due <= today:
        raise ItemError(f"{new_due.isoformat()} is not after today ({today.isoformat()})")
    if new_due > today + MAX_AHEAD:
        raise ItemError(f"{new_due.isoformat()} is more than two years ahead")
    # Cleaned here, for every entry point: PostgreSQL refuses a NUL that SQLite would keep.
    reason = clean_text(reason).strip()
    if not reason:
        raise ItemError("say in a few words why it needs more time")
    if len(reason) > MAX_REASON:
        raise ItemError(f"the reason is longer than {MAX_REASON} characters")
    # The follow-ups, then the item: the same order as `mark_done`, so a Done pressed
    # while the reason is sent waits for it instead of deadlocking on PostgreSQL.
    followups.close_item(session, item, now, "moved")
    session.refresh(item, with_for_update=True)
    if not item.is_open:
        raise ItemError(f"item {item.id} is {item.state.value}")
    item.due_on = new_due
    item.delays += 1
    item.delay_reason = reason
    followups.schedule_item(session, meeting, item, now, default_timezone)
    item_notices.tell_delayed(
        session, meeting, item, actor=actor, now=now, default_timezone=default_timezone
    )
    log.info("meeting %s item %s moved (delay %d)", meeting.id, item.id, item.delays)


def family_done(
    session: Session,
    guardian: Guardian,
    number: int | None,
    *,
    now: dt.datetime,
    default_timezone: str,
    item_id: int | None = None,
) -> FamilyAnswer:
    """A family marks its item done: by its number in the latest plan they got ("DONE 2"),
    or by item id (a button, a numbered answer after a reminder)."""
    language = guardian.language
    if item_id is not None:
        item = _family_item(session, guardian, item_id)
        if item is None:
            return FamilyAnswer(FamilyDone.NO_PLAN, gettext(language, am.NO_OPEN_PLAN))
    else:
        meeting = _latest_open_plan(session, guardian)
        if meeting is None:
            return FamilyAnswer(FamilyDone.NO_PLAN, gettext(language, am.NO_OPEN_PLAN))
        plan = list(
            session.scalars(
                select(ActionItem)
                .where(ActionItem.meeting_id == meeting.id)
                .order_by(ActionItem.position)
            )
        )
        found = [i for i in plan if i.position == number]
        if not found:
            reply = gettext(language, am.NO_SUCH_ITEM, number=number or 0, count=len(plan))
            return FamilyAnswer(FamilyDone.NO_SUCH, reply)
        item = found[0]
    meeting = session.get_one(Meeting, item.meeting_id)
    if item.state is ItemState.DONE:
        reply = gettext(language, am.ALREADY_DONE, number=item.position)
        return FamilyAnswer(FamilyDone.ALREADY, reply, item)
    if item.state is ItemState.CANCELLED:
        student = session.get_one(Student, meeting.student_id)
        reply = gettext(
            language,
            am.ITEM_DROPPED,
            number=item.position,
            student=item_notices.first_name(student.name),
        )
        return FamilyAnswer(FamilyDone.ALREADY, reply.rstrip(":") + ".", item)
    if item.owner_guardian_id is None:
        owner = owner_words(session, meeting, item, guardian)
        reply = gettext(language, am.NOT_YOURS, number=item.position, owner=owner)
        return FamilyAnswer(FamilyDone.NOT_YOURS, reply, item)
    if not mark_done(session, item, by=guardian, now=now, default_timezone=default_timezone):
        reply = gettext(language, am.ALREADY_DONE, number=item.position)
        return FamilyAnswer(FamilyDone.ALREADY, reply, item)
    organizer = item_notices.organizer_name(session, meeting)
    reply = gettext(language, am.MARKED_DONE, number=item.position, organizer=organizer)
    return FamilyAnswer(FamilyDone.DONE, reply, item)


def family_needs_help(
    session: Session, guardian: Guardian, item_id: int, *, now: dt.datetime
) -> FamilyAnswer:
    """The family asks for help with its item: the organizer is told, with the item."""
    language = guardian.language
    item = _family_item(session, guardian, item_id)
    if item is None:
        return FamilyAnswer(FamilyDone.NO_PLAN, gettext(language, am.NO_OPEN_PLAN))
    if not item.is_open:
        reply = gettext(language, am.ALREADY_DONE, number=item.position)
        return FamilyAnswer(FamilyDone.ALREADY, reply, item)
    meeting = session.get_one(Meeting, item.meeting_id)
    reader = item_notices.tell_help(session, meeting, item, guardian, now)
    name = reader.name if reader is not None else item_notices.organizer_name(session, meeting)
    log.info("meeting %s item %s: the family asks for help", meeting.id, item.id)
    return FamilyAnswer(FamilyDone.HELP, gettext(language, am.HELP_ASKED, organizer=name), item)


def _family_item(session: Session, guardian: Guardian, item_id: int) -> ActionItem | None:
    """The item, if it is in a plan this guardian was sent: asked to its meeting and still
    a guardian of the child who gets its messages; None for any other (a stale or forged
    button, or someone no longer the child's guardian)."""
    row = session.execute(
        select(ActionItem, Meeting)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .join(
            MeetingInvitee,
            (MeetingInvitee.meeting_id == Meeting.id) & (MeetingInvitee.guardian_id == guardian.id),
        )
        .join(
            Guardianship,
            (Guardianship.student_id == Meeting.student_id)
            & (Guardianship.guardian_id == guardian.id),
        )
        .where(ActionItem.id == item_id, Meeting.state != MeetingState.CANCELLED)
        .where(receiving_link())  # a former guardian, or one muted, may not act on it
    ).first()
    return row[0] if row is not None else None


def _latest_open_plan(session: Session, guardian: Guardian) -> Meeting | None:
    """The most recent plan sent to this guardian that still has an open item."""
    open_item = (
        select(ActionItem.id)
        .where(ActionItem.meeting_id == Meeting.id, ActionItem.state == ItemState.OPEN)
        .exists()
    )
    return session.scalars(
        select(Meeting)
        .join(MeetingNotes, MeetingNotes.meeting_id == Meeting.id)
        .join(
            MeetingInvitee,
            (MeetingInvitee.meeting_id == Meeting.id) & (MeetingInvitee.guardian_id == guardian.id),
        )
        .join(
            Guardianship,
            (Guardianship.student_id == Meeting.student_id)
            & (Guardianship.guardian_id == guardian.id),
        )
        .where(Meeting.state != MeetingState.CANCELLED, open_item, receiving_link())
        .order_by(MeetingNotes.recorded_at.desc(), Meeting.id.desc())
        .limit(1)
    ).first()


def _close_reminder_menus(session: Session, item: ActionItem) -> None:
    """A reminder's menu about this item ("1. It is done") no longer stands."""
    meeting = session.get_one(Meeting, item.meeting_id)
    guardians = select(Guardianship.guardian_id).where(
        Guardianship.student_id == meeting.student_id
    )
    for menu in session.scalars(
        select(PendingChoice).where(
            PendingChoice.kind == ChoiceKind.ACTION_ITEM, PendingChoice.guardian_id.in_(guardians)
        )
    ):
        if menu.options and int(menu.options[0][0]) == item.id:
            session.delete(menu)


def open_items(
    session: Session,
    viewer: Staff | None,
    *,
    now: dt.datetime,
    overdue_only: bool = False,
) -> list[OpenItem]:
    """Open items the viewer may see (those of students they serve; all for the operator),
    soonest due first. Overdue: due before today in the meeting's time zone."""
    query = (
        select(ActionItem, Meeting, Student)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .join(Student, Student.id == Meeting.student_id)
        .where(ActionItem.state == ItemState.OPEN, Meeting.state != MeetingState.CANCELLED)
        .order_by(ActionItem.due_on, Meeting.id, ActionItem.position)
    )
    if viewer is not None:
        served = served_students_query(viewer).with_only_columns(Student.id)
        query = query.where(Meeting.student_id.in_(served))
    found = []
    for item, meeting, student in session.execute(query):
        today = now.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()
        overdue = item.due_on < today
        if overdue_only and not overdue:
            continue
        found.append(OpenItem(item, meeting, student.name, item.owner_name, overdue))
    return found


def cancel_open_items(session: Session, meeting: Meeting, now: dt.datetime) -> int:
    """The meeting is cancelled: its open items go with it (their follow-ups are closed)."""
    followups.close_meeting(session, meeting, now, "cancelled")
    count = 0
    for item in session.scalars(
        select(ActionItem).where(
            ActionItem.meeting_id == meeting.id, ActionItem.state == ItemState.OPEN
        )
    ):
        item.state = ItemState.CANCELLED
        _close_reminder_menus(session, item)
        count += 1
    return count
