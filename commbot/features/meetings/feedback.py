"""Asking each guardian, once, how well the meeting worked for them (1 to 5) and what
would help next time; keeping what they answer whenever it comes, and telling the
organizer.

The question is the guardian's most recent numbered question (ChoiceKind.FEEDBACK), and
stays open for a while (the pending-question kind, registered with the family handlers,
decides how long): a rating given a week later still counts, and the latest one counts.
After a rating, the invitee `awaits` FEEDBACK: their next words say what would help next
time (the family handlers route them here).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import find_or_create
from ...i18n import gettext
from ...models import Channel, ChoiceKind, Guardian, Message, Staff, Student
from ...outbox import TEXT, Keyboard, Piece, to_staff, usable_points
from ...threads import thread_for
from . import after_messages as am
from .actions import MeetingError
from .after_models import MeetingFeedback
from .audience import answers_go_to, still_invited
from .models import Awaiting, ContactKind, Meeting, MeetingInvitee, MeetingState
from .notify import meeting_message, send_family

log = logging.getLogger(__name__)

RATINGS = range(1, len(am.FEEDBACK_SCALE) + 1)


def ask(
    session: Session,
    meeting: Meeting,
    guardian: Guardian,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """Ask once (False if asked before): the question, numbered 1 to 5 (buttons on
    Telegram), opened as the guardian's most recent question (ChoiceKind.FEEDBACK)."""
    from ...conversations.pending import QUESTIONS
    from .after_buttons import FEEDBACK

    if meeting.state is not MeetingState.HELD or not still_invited(session, meeting, guardian.id):
        return False
    _row, created = find_or_create(
        session,
        MeetingFeedback,
        {"meeting_id": meeting.id, "guardian_id": guardian.id},
        {"asked_at": now},
    )
    if not created:
        return False
    language = guardian.language
    student = session.get_one(Student, meeting.student_id)
    name = student.name.split()[0] if student.name else ""
    points = usable_points(session, guardian)
    telegram = bool(points) and points[0].channel is Channel.TELEGRAM
    lines = [gettext(language, am.FEEDBACK_TAP if telegram else am.FEEDBACK_ASK, student=name)]
    lines += [
        f"{n}. {gettext(language, label)}"
        for n, label in zip(RATINGS, am.FEEDBACK_SCALE, strict=True)
    ]
    pieces: list[Piece] = [(TEXT, "\n".join(lines))]
    buttons: Keyboard = [
        [
            {
                "text": f"{n}. {gettext(language, label)}",
                "callback_data": FEEDBACK.encode(meeting=meeting.id, rating=n),
            }
        ]
        for n, label in zip(RATINGS, am.FEEDBACK_SCALE, strict=True)
    ]
    send_family(
        session,
        meeting,
        guardian,
        ContactKind.FEEDBACK,
        [pieces],
        now=now,
        default_timezone=default_timezone,
        message=meeting_message(session, meeting, now),
        buttons=buttons if telegram else None,
    )
    QUESTIONS.ask(session, guardian, ChoiceKind.FEEDBACK, [[meeting.id, n] for n in RATINGS], now)
    log.info("meeting %s feedback asked of guardian %s", meeting.id, guardian.id)
    return True


def _feedback(session: Session, guardian: Guardian, meeting_id: int) -> MeetingFeedback:
    row = session.scalar(
        select(MeetingFeedback)
        .where(MeetingFeedback.meeting_id == meeting_id, MeetingFeedback.guardian_id == guardian.id)
        .with_for_update()
    )
    if row is None:
        raise MeetingError(f"no feedback was asked of this guardian about meeting {meeting_id}")
    return row


def _invitee(session: Session, meeting_id: int, guardian: Guardian) -> MeetingInvitee | None:
    return session.scalar(
        select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting_id, MeetingInvitee.guardian_id == guardian.id
        )
    )


def record_rating(
    session: Session, guardian: Guardian, meeting_id: int, rating: int, *, now: dt.datetime
) -> str:
    """Keep the rating (the latest counts), tell the organizer, and return the reply in
    the guardian's language (it asks what would help next time)."""
    if rating not in RATINGS:
        raise MeetingError(f"a rating is 1 to {len(RATINGS)}, not {rating}")
    row = _feedback(session, guardian, meeting_id)
    row.rating, row.rated_at = rating, now
    meeting = session.get_one(Meeting, meeting_id)
    student = session.get_one(Student, meeting.student_id)
    organizer = answers_go_to(session, meeting)
    if organizer is not None:
        header = gettext(
            organizer.language,
            am.FEEDBACK_RATING,
            guardian=guardian.name,
            student=student.name,
            rating=rating,
        )
        to_staff(session, staff=organizer, now=now, header=header)
    log.info("meeting %s feedback rated by guardian %s", meeting_id, guardian.id)
    if row.message_id is not None:
        return gettext(guardian.language, am.FEEDBACK_THANKS)
    invitee = _invitee(session, meeting_id, guardian)
    if invitee is not None:
        invitee.awaiting = Awaiting.FEEDBACK.value  # their next words: what would help
    return gettext(guardian.language, am.FEEDBACK_NEXT)


def record_words(
    session: Session, guardian: Guardian, meeting_id: int, message: Message, *, now: dt.datetime
) -> str:
    """Keep what would help next time, relay it to the organizer translated, and return
    the thank-you in the guardian's language."""
    row = _feedback(session, guardian, meeting_id)
    meeting = session.get_one(Meeting, meeting_id)
    student = session.get_one(Student, meeting.student_id)
    organizer = answers_go_to(session, meeting)
    message.student_id = student.id
    if organizer is not None:
        thread = thread_for(session, student, guardian, organizer, now)
        thread.last_message_at = now
        message.thread_id = thread.id
    session.add(message)
    session.flush()
    row.message_id, row.answered_at = message.id, now
    invitee = _invitee(session, meeting_id, guardian)
    if invitee is not None and invitee.awaiting == Awaiting.FEEDBACK.value:
        invitee.awaiting = None
    if organizer is not None:
        _relay(session, organizer, guardian, student, message, now)
    log.info("meeting %s feedback words from guardian %s", meeting_id, guardian.id)
    return gettext(guardian.language, am.FEEDBACK_THANKS)


def _relay(
    session: Session,
    organizer: Staff,
    guardian: Guardian,
    student: Student,
    message: Message,
    now: dt.datetime,
) -> None:
    to_staff(
        session,
        staff=organizer,
        now=now,
        message=message,
        header=gettext(
            organizer.language, am.FEEDBACK_WORDS, guardian=guardian.name, student=student.name
        ),
        body=message.text,
        body_language=message.language,
        show_original=True,
        media=message.media,
    )


def feedback_of(session: Session, meeting: Meeting) -> list[MeetingFeedback]:
    return list(
        session.scalars(
            select(MeetingFeedback)
            .where(MeetingFeedback.meeting_id == meeting.id)
            .order_by(MeetingFeedback.asked_at, MeetingFeedback.id)
        )
    )
