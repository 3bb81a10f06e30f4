"""Queueing what a meeting sends: to families (each on their first usable channel, in
their language, after their quiet hours) and to staff on Telegram. Every message to a
family is recorded as a contact attempt (`MeetingContact`) with its delivery.

Nothing here decides anything: `actions` says what to send and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ...channels.base import MediaKind
from ...i18n import gettext
from ...models import (
    AuthorKind,
    Channel,
    Delivery,
    Guardian,
    Lane,
    Message,
    MessageKind,
    Staff,
    Student,
)
from ...outbox import (
    TEXT,
    WORDS,
    Keyboard,
    Piece,
    to_guardian,
    to_staff,
    usable_points,
)
from ...threads import thread_for
from . import messages as m
from .audience import answers_go_to, staff_recipients
from .calendar import CONTENT_TYPE, invite
from .models import ContactKind, Meeting, MeetingContact, MeetingInvitee, MeetingReminder


def meeting_message(session: Session, meeting: Meeting, now: dt.datetime) -> Message:
    """The message row a meeting notice's deliveries hang from (for history and reports)."""
    message = Message(
        kind=MessageKind.MEETING,
        author_kind=AuthorKind.STAFF,
        author_staff_id=meeting.organizer_id,
        student_id=meeting.student_id,
        text="",
        language=meeting.language,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def send_family(
    session: Session,
    meeting: Meeting,
    guardian: Guardian,
    kind: ContactKind,
    parts: Sequence[Sequence[Piece]],
    *,
    now: dt.datetime,
    default_timezone: str,
    message: Message | None = None,
    buttons: Keyboard | None = None,
    media: Sequence[dict[str, Any]] = (),
    words_language: str | None = None,
) -> list[Delivery]:
    """Queue `parts` to the guardian, in order, on their first usable channel. A guardian
    with none is still recorded as attempted (with no delivery), so the organizer sees it.
    The WORDS pieces are in `words_language` (the notes', say), else the meeting's."""
    points = usable_points(session, guardian)
    if not points:
        session.add(
            MeetingContact(meeting_id=meeting.id, guardian_id=guardian.id, kind=kind, at=now)
        )
        return []
    point = points[0]
    deliveries = []
    for index, pieces in enumerate(parts):
        last = index == len(parts) - 1
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=now,
            default_timezone=default_timezone,
            message=message,
            pieces=pieces,
            body_language=words_language or meeting.language,
            media=media if last else (),
            lane=Lane.REMINDER,  # behind conversations, ahead of broadcasts
            point=point,
            explain_terms=True,
        )
        assert delivery is not None
        if buttons and last and point.channel is Channel.TELEGRAM:
            delivery.buttons = buttons
        deliveries.append(delivery)
    session.flush()
    session.add_all(
        MeetingContact(
            meeting_id=meeting.id, guardian_id=guardian.id, kind=kind, delivery_id=d.id, at=now
        )
        for d in deliveries
    )
    # Replies after the meeting closes go to whoever reads its answers: they wrote last.
    reader = answers_go_to(session, meeting)
    if reader is not None:
        student = session.get_one(Student, meeting.student_id)
        thread = thread_for(session, student, guardian, reader, now)
        thread.last_staff_message_at = thread.last_message_at = now
    return deliveries


def send_staff(
    session: Session,
    meeting: Meeting,
    staff: Staff,
    kind: ContactKind,
    header: str,
    *,
    now: dt.datetime,
    pieces: Sequence[Piece] = (),
    media: Sequence[dict[str, Any]] = (),
    buttons: Keyboard | None = None,
    message: Message | None = None,
    words_language: str | None = None,
) -> Delivery:
    delivery = to_staff(
        session,
        staff=staff,
        now=now,
        message=message,
        header=header,
        pieces=pieces,
        body_language=words_language or meeting.language,
        media=media,
        buttons=buttons,
    )
    session.flush()
    session.add(
        MeetingContact(
            meeting_id=meeting.id, staff_id=staff.id, kind=kind, delivery_id=delivery.id, at=now
        )
    )
    return delivery


def calendar_media(
    session: Session, meeting: Meeting, language: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """The invite as a document attachment (Telegram), in the reader's language."""
    student = session.get_one(Student, meeting.student_id)
    organizer = session.get_one(Staff, meeting.organizer_id)
    text = invite(
        meeting,
        student_name=student.name,
        organizer_name=organizer.name,
        organizer_email=organizer.email,
        language=language,
        stamp=now,
    )
    if text is None:
        return []
    return [
        {
            "kind": MediaKind.DOCUMENT.value,
            "content_type": CONTENT_TYPE,
            "file_name": gettext(language, m.CALENDAR_FILE_NAME),
            "inline": text,
        }
    ]


def calendar_link(base_url: str | None, invitee: MeetingInvitee) -> str:
    base = (base_url or "").rstrip("/")
    return f"{base}/calendar/{invitee.calendar_token}.ics"


def where_pieces(meeting: Meeting, language: str) -> list[Piece]:
    """Where, and how to join from afar: fixed labels and the organizer's words."""
    pieces: list[Piece] = []
    if meeting.place:
        pieces += [(TEXT, "\n" + gettext(language, m.WHERE) + " "), (WORDS, meeting.place)]
    if meeting.video_link:
        pieces.append((TEXT, "\n" + gettext(language, m.BY_VIDEO, link=meeting.video_link)))
    if meeting.phone:
        pieces.append((TEXT, "\n" + gettext(language, m.BY_PHONE, phone=meeting.phone)))
    return pieces


def remind(
    session: Session,
    meeting: Meeting,
    row: MeetingReminder,
    *,
    now: dt.datetime,
) -> None:
    """Queue one due reminder (`reminders.send_due` has checked it still stands, and that
    it can reach the family before the meeting: after their quiet hours, if now in them)."""
    assert meeting.starts_at is not None
    student = session.get_one(Student, meeting.student_id)
    first_name = student.name.split()[0]
    if row.staff_id is not None:
        staff = session.get_one(Staff, row.staff_id)
        zone = meeting.timezone
        header = gettext(
            staff.language,
            m.STAFF_REMINDER,
            student=student.name,
            when=m.when_text(meeting.starts_at, zone, staff.language),
        )
        send_staff(
            session,
            meeting,
            staff,
            ContactKind.REMINDER,
            header,
            now=now,
            pieces=where_pieces(meeting, staff.language),
        )
        return
    assert row.guardian_id is not None
    guardian = session.get_one(Guardian, row.guardian_id)
    zone = guardian.timezone or meeting.timezone
    language = guardian.language
    pieces: list[Piece] = [
        (
            TEXT,
            gettext(
                language,
                m.REMINDER,
                student=first_name,
                when=m.when_text(meeting.starts_at, zone, language),
            ),
        ),
        *where_pieces(meeting, language),
        (TEXT, "\n" + gettext(language, m.ANYTHING_ELSE)),
    ]
    send_family(
        session,
        meeting,
        guardian,
        ContactKind.REMINDER,
        [pieces],
        now=now,
        default_timezone=zone,
    )


def announce(
    session: Session,
    meeting: Meeting,
    invitee: MeetingInvitee,
    guardian: Guardian,
    kind: ContactKind,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None,
) -> None:
    """The final time, a new time, or a cancellation, to one guardian, with the calendar
    invite (attached on Telegram, a link elsewhere)."""
    student = session.get_one(Student, meeting.student_id)
    name = student.name.split()[0]
    language = guardian.language
    zone = guardian.timezone or default_timezone
    when = m.when_text(meeting.starts_at, zone, language) if meeting.starts_at else ""
    template = {
        ContactKind.CONFIRMATION: m.CONFIRMED,
        ContactKind.RESCHEDULED: m.RESCHEDULED,
        ContactKind.CANCELLED: m.CANCELLED_AT if when else m.CANCELLED,
    }[kind]
    pieces = [(TEXT, gettext(language, template, student=name, when=when))]
    if kind is not ContactKind.CANCELLED:
        pieces += where_pieces(meeting, language)
    points = usable_points(session, guardian)
    media: list[dict[str, Any]] = []
    if points and points[0].channel is Channel.TELEGRAM:
        media = calendar_media(session, meeting, language, now)
        if media and kind is not ContactKind.CANCELLED:
            pieces.append((TEXT, "\n" + gettext(language, m.CALENDAR_ATTACHED)))
    elif base_url and meeting.starts_at is not None:
        link = calendar_link(base_url, invitee)
        pieces.append((TEXT, "\n" + gettext(language, m.CALENDAR_LINK, link=link)))
    if kind is not ContactKind.CANCELLED:
        pieces.append((TEXT, "\n" + gettext(language, m.ANYTHING_ELSE)))
    send_family(
        session,
        meeting,
        guardian,
        kind,
        [pieces],
        now=now,
        default_timezone=default_timezone,
        message=meeting_message(session, meeting, now),
        media=media,
    )


def tell_staff(
    session: Session, meeting: Meeting, kind: ContactKind, template: str, now: dt.datetime
) -> None:
    """The organizer and every staff attendee, on Telegram, with the invite attached."""
    student = session.get_one(Student, meeting.student_id)
    for staff in staff_recipients(session, meeting):
        when = (
            m.when_text(meeting.starts_at, meeting.timezone, staff.language)
            if meeting.starts_at
            else ""
        )
        header = gettext(staff.language, template, student=student.name, when=when)
        pieces = where_pieces(meeting, staff.language) if kind is not ContactKind.CANCELLED else []
        send_staff(
            session,
            meeting,
            staff,
            kind,
            header,
            now=now,
            pieces=pieces,
            media=calendar_media(session, meeting, staff.language, now),
        )
