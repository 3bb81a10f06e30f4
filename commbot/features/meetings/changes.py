"""Changing a meeting, for every entry point: settle it on a proposed time, move it,
cancel it. Everyone is told (families on their channel, staff on Telegram, with the
calendar invite), and what is still waiting to go about the old time is withdrawn first
(`withdraw`), so nothing stale is sent.

Only staff who serve the student (or the operator, `actor=None`) may change a meeting.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ChoiceKind, Guardian, PendingChoice, Staff, Student
from . import messages as m
from . import reminders
from .actions import MeetingError, check_not_too_far, may_manage, send_preview, slots_of
from .audience import invite_newcomers, invitees
from .items import cancel_open_items
from .models import ContactKind, Meeting, MeetingState
from .notify import announce, tell_staff
from .withdraw import withdraw_unsent


def confirm_meeting(
    session: Session,
    actor: Staff | None,
    meeting: Meeting,
    *,
    slot: int,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None = None,
) -> Meeting:
    """Settle a proposed meeting on slot number `slot`; everyone gets the final time."""
    _check_may_change(session, actor, meeting)
    if meeting.state is not MeetingState.PROPOSED:
        raise MeetingError(f"meeting {meeting.id} is {meeting.state.value}, not waiting for a time")
    chosen = next((s for s in slots_of(session, meeting) if s.position == slot), None)
    if chosen is None:
        raise MeetingError(f"meeting {meeting.id} has no time number {slot}")
    if chosen.starts_at <= now:
        raise MeetingError("that time has passed: reschedule with a new time")
    _settle(
        session,
        meeting,
        chosen.starts_at,
        ContactKind.CONFIRMATION,
        now,
        default_timezone,
        base_url,
    )
    return meeting


def reschedule_meeting(
    session: Session,
    actor: Staff | None,
    meeting: Meeting,
    *,
    starts_at: dt.datetime,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None = None,
) -> Meeting:
    """Move the meeting to a new time (or set one): everyone is told, reminders move."""
    _check_may_change(session, actor, meeting)
    if not meeting.is_open:
        raise MeetingError(f"meeting {meeting.id} is {meeting.state.value}")
    if starts_at <= now:
        raise MeetingError(f"{starts_at.isoformat(timespec='minutes')} is in the past")
    check_not_too_far(starts_at, now)
    if meeting.starts_at == starts_at and meeting.state is MeetingState.SCHEDULED:
        raise MeetingError("the meeting is already at that time")
    kind = (
        ContactKind.RESCHEDULED
        if meeting.state is MeetingState.SCHEDULED
        else ContactKind.CONFIRMATION
    )
    _settle(session, meeting, starts_at.astimezone(dt.UTC), kind, now, default_timezone, base_url)
    return meeting


def cancel_meeting(
    session: Session,
    actor: Staff | None,
    meeting: Meeting,
    *,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None = None,
) -> Meeting:
    """Cancel: nothing still queued about it goes out (reminders, and any follow-up of an
    action plan: its open items are cancelled), and everyone who heard of it is told
    (their calendar's event is cancelled by the same UID)."""
    _check_may_change(session, actor, meeting)
    if not meeting.is_open:
        raise MeetingError(f"meeting {meeting.id} is already {meeting.state.value}")
    reminders.close_open(session, meeting, now, "cancelled")  # first: see `_settle`
    cancel_open_items(session, meeting, now)  # its follow-ups close, its items with it
    heard = withdraw_unsent(session, meeting, now)
    meeting.state = MeetingState.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = now
    for invitee, guardian in invitees(session, meeting):
        close_menu(session, guardian, meeting)
        if guardian.id in heard:
            announce(
                session,
                meeting,
                invitee,
                guardian,
                ContactKind.CANCELLED,
                now,
                default_timezone,
                base_url,
            )
    tell_staff(session, meeting, ContactKind.CANCELLED, m.STAFF_CANCELLED, now)
    return meeting


def close_menu(session: Session, guardian: Guardian, meeting: Meeting) -> None:
    """Close the guardian's meeting menu if it is this meeting's (a newer meeting's menu,
    for another of their children, stays open)."""
    menu = session.scalar(
        select(PendingChoice).where(
            PendingChoice.guardian_id == guardian.id, PendingChoice.kind == ChoiceKind.MEETING
        )
    )
    if menu is not None and menu.options and int(menu.options[0][0]) == meeting.id:
        session.delete(menu)


def _check_may_change(session: Session, actor: Staff | None, meeting: Meeting) -> None:
    """Refuse an actor who may not change it; then hold the meeting's row until the change
    commits, so two changes at once (two first picks with auto-confirm, a pick and the
    organizer's press) run one after the other, the second seeing the first's result."""
    session.refresh(meeting, with_for_update=True)
    student = session.get_one(Student, meeting.student_id)
    if not may_manage(session, actor, student):
        raise MeetingError(f"no meeting {meeting.id} among yours")


def _settle(
    session: Session,
    meeting: Meeting,
    starts_at: dt.datetime,
    kind: ContactKind,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None,
) -> None:
    # Reminders first: closing them waits for a worker sending one right now, whose
    # delivery the withdrawal then sees (PostgreSQL reads what committed before each step).
    reminders.close_open(
        session, meeting, now, "moved" if kind is ContactKind.RESCHEDULED else "settled"
    )
    heard = withdraw_unsent(session, meeting, now)
    invite_newcomers(session, meeting)
    meeting.starts_at = starts_at
    meeting.state = MeetingState.SCHEDULED
    meeting.sequence += 1
    meeting.updated_at = now
    for invitee, guardian in invitees(session, meeting):
        if guardian.id in heard:
            announce(session, meeting, invitee, guardian, kind, now, default_timezone, base_url)
        else:  # nothing reached them yet: the whole preview, with the settled time
            send_preview(
                session,
                meeting,
                guardian,
                now=now,
                default_timezone=default_timezone,
                base_url=base_url,
            )
    reminders.schedule(session, meeting, now, default_timezone)
    template = m.STAFF_RESCHEDULED if kind is ContactKind.RESCHEDULED else m.STAFF_CONFIRMED
    tell_staff(session, meeting, kind, template, now)
