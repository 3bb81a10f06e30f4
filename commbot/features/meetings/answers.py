"""What a family answers about a meeting, by number, button or in their own words; each
answer is kept on the meeting, the family is told it was received, and the organizer is
told on Telegram.

Words are the family's concerns ("what would you like the team to know?"), unless the
family was just asked which times suit them or whom they will bring: then they answer
that. Words go to the organizer translated, with the original, like any family message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import Guardian, Message, Staff, Student
from ...outbox import to_staff
from ...threads import thread_for
from . import messages as m
from .actions import MeetingError, slots_of
from .audience import answers_go_to, still_invited
from .changes import confirm_meeting
from .choices import BRING, NONE, slot_position
from .models import (
    Awaiting,
    InputKind,
    Meeting,
    MeetingInput,
    MeetingInvitee,
    MeetingSlot,
    MeetingState,
    Need,
)


class MeetingClosed(MeetingError):
    """The meeting no longer takes answers (cancelled, held, or not theirs)."""


@dataclass(frozen=True)
class Received:
    reply: str  # what the family is told, in their language
    event: str  # for logs and tests: no words, no numbers


def takes_answers(session: Session, meeting: Meeting, now: dt.datetime) -> bool:
    """A meeting takes answers until it begins or, while no time is set, until every
    proposed time has passed (then a family's words go the usual way again)."""
    if not meeting.is_open:
        return False
    if meeting.starts_at is not None:
        return meeting.starts_at > now
    return any(slot.starts_at > now for slot in slots_of(session, meeting))


def open_meeting(
    session: Session, meeting_id: int, guardian: Guardian, now: dt.datetime
) -> tuple[Meeting, MeetingInvitee]:
    """The meeting and the guardian's place in it, if it still takes their answers. Its row
    is held until the answer commits: two first picks at once (with auto-confirm) settle
    it once, the second seeing the first's."""
    meeting = session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    if meeting is None or not takes_answers(session, meeting, now):
        raise MeetingClosed("the meeting is closed, has begun, or its times have passed")
    invitee = session.scalar(
        select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.guardian_id == guardian.id
        )
    )
    if invitee is None or not still_invited(session, meeting, guardian.id):
        raise MeetingClosed("not asked to this meeting, or no longer gets its messages")
    return meeting, invitee


def answer_choice(
    session: Session,
    guardian: Guardian,
    meeting_id: int,
    code: str,
    *,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None = None,
) -> Received:
    """A number or a press: a time, none of them, a need, or bringing someone."""
    meeting, invitee = open_meeting(session, meeting_id, guardian, now)
    student = session.get_one(Student, meeting.student_id)
    organizer = answers_go_to(session, meeting)
    language = guardian.language
    zone = guardian.timezone or default_timezone
    names = {"guardian": guardian.name, "student": student.name}
    position = slot_position(code)
    if position is not None:
        slot = next((s for s in slots_of(session, meeting) if s.position == position), None)
        if slot is None or slot.starts_at <= now:
            raise MeetingClosed("no such time, or it has passed")
        invitee.responded_at = now
        if meeting.state is MeetingState.SCHEDULED and meeting.starts_at is not None:
            return _picked_after_it_was_set(session, meeting, invitee, organizer, slot, names, now)
        invitee.chosen_slot_id, invitee.none_work, invitee.awaiting = slot.id, False, None
        _tell_organizer_pick(session, meeting, organizer, slot, names, now)
        if meeting.state is MeetingState.PROPOSED and meeting.auto_confirm:
            confirm_meeting(
                session,
                None,
                meeting,
                slot=position,
                now=now,
                default_timezone=default_timezone,
                base_url=base_url,
            )
            return Received("", "meeting time picked and confirmed")
        when = m.when_text(slot.starts_at, zone, language)
        return Received(gettext(language, m.GOT_SLOT, when=when), "meeting time picked")
    invitee.responded_at = now
    if code == NONE:
        invitee.none_work, invitee.chosen_slot_id = True, None
        invitee.awaiting = Awaiting.AVAILABILITY.value
        _to_organizer(session, organizer, m.FAMILY_NONE_WORK, names, now)
        return Received(gettext(language, m.ASK_AVAILABILITY), "no meeting time works")
    if code == BRING:
        invitee.awaiting = Awaiting.BRINGING.value
        return Received(
            gettext(language, m.ASK_BRINGING, student=student.name.split()[0]), "asked who comes"
        )
    if code in Need._value2member_map_:
        need = Need(code)
        if need.value not in invitee.needs:
            invitee.needs = [*invitee.needs, need.value]
        _to_organizer(session, organizer, m.FAMILY_NEEDS[need], names, now)
        return Received(gettext(language, m.GOT_NEED[need]), f"asked for {need.value}")
    raise MeetingClosed("not a choice")


def take_words(
    session: Session,
    guardian: Guardian,
    meeting_id: int,
    message: Message,
    *,
    now: dt.datetime,
) -> Received:
    """The family's own words while the meeting is open: kept on the meeting, and passed
    to the organizer translated, with the original."""
    meeting, invitee = open_meeting(session, meeting_id, guardian, now)
    student = session.get_one(Student, meeting.student_id)
    organizer = answers_go_to(session, meeting)
    awaiting = invitee.awaiting
    kind, header, reply = {
        Awaiting.AVAILABILITY.value: (
            InputKind.AVAILABILITY,
            m.FAMILY_AVAILABILITY,
            m.GOT_AVAILABILITY,
        ),
        Awaiting.BRINGING.value: (InputKind.BRINGING, m.FAMILY_BRINGING, m.GOT_BRINGING),
    }.get(awaiting or "", (InputKind.CONCERN, m.FAMILY_CONCERN, m.GOT_CONCERN))
    invitee.awaiting = None
    invitee.responded_at = now
    message.student_id = student.id
    if organizer is not None:
        thread = thread_for(session, student, guardian, organizer, now)
        thread.last_message_at = now
        message.thread_id = thread.id
    session.add(message)
    session.flush()
    session.add(
        MeetingInput(
            meeting_id=meeting.id,
            guardian_id=guardian.id,
            message_id=message.id,
            kind=kind,
            created_at=now,
        )
    )
    if organizer is not None:  # kept on the meeting either way
        to_staff(
            session,
            staff=organizer,
            now=now,
            message=message,
            header=gettext(
                organizer.language, header, guardian=guardian.name, student=student.name
            ),
            body=message.text,
            body_language=message.language,
            show_original=True,
            media=message.media,
        )
    return Received(gettext(guardian.language, reply), f"meeting {kind.value} relayed")


def _picked_after_it_was_set(
    session: Session,
    meeting: Meeting,
    invitee: MeetingInvitee,
    organizer: Staff | None,
    slot: MeetingSlot,
    names: dict[str, str],
    now: dt.datetime,
) -> Received:
    """A number from the menu of times, after the time was set (their menu still shows the
    times it offered). The settled time stands and the family is told it again; a
    different time is what they would rather have, so the organizer hears of it (who may
    reschedule), but it is not recorded as their pick of the settled meeting."""
    assert meeting.starts_at is not None
    guardian = session.get_one(Guardian, invitee.guardian_id)
    language = guardian.language
    zone = guardian.timezone or meeting.timezone
    set_for = m.when_text(meeting.starts_at, zone, language)
    student = names["student"].split()[0]
    reply = gettext(language, m.CONFIRMED, student=student, when=set_for)
    if slot.starts_at == meeting.starts_at:
        invitee.chosen_slot_id, invitee.none_work, invitee.awaiting = slot.id, False, None
        return Received(reply, "meeting time picked after it was set")
    _tell_organizer_pick(session, meeting, organizer, slot, names, now)
    reply += "\n" + gettext(language, m.ANYTHING_ELSE)
    return Received(reply, "another meeting time picked after it was set")


def _to_organizer(
    session: Session,
    organizer: Staff | None,
    template: str,
    names: dict[str, str],
    now: dt.datetime,
) -> None:
    """Tell whoever reads the family's answers (`audience.answers_go_to`), if anyone."""
    if organizer is not None:
        to_staff(
            session, staff=organizer, now=now, header=gettext(organizer.language, template, **names)
        )


def _tell_organizer_pick(
    session: Session,
    meeting: Meeting,
    organizer: Staff | None,
    slot: MeetingSlot,
    names: dict[str, str],
    now: dt.datetime,
) -> None:
    """The organizer hears of the pick, with a button to settle that time for everyone
    (unless the first pick settles it by itself)."""
    from .buttons import confirm_button

    if organizer is None:
        return

    when = m.when_text(slot.starts_at, meeting.timezone, organizer.language)
    text = gettext(organizer.language, m.FAMILY_PICKED, when=when, **names)
    buttons = None
    if meeting.state is MeetingState.PROPOSED and not meeting.auto_confirm:
        buttons = [[confirm_button(meeting, slot, organizer.language)]]
    to_staff(session, staff=organizer, now=now, header=text, buttons=buttons)


__all__ = ["MeetingClosed", "Received", "answer_choice", "take_words"]
