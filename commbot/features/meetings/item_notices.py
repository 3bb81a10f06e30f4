"""Queueing every message about an action item: reminders to its owner (staff on Telegram
with Done / Need more time; a family with a numbered menu, and buttons on Telegram), the
news that it is done or delayed (to the family and the organizer), a family's request for
help, and the overdue report to each organizer.

Nothing here decides anything: `items` and `followups` say what to send and when. Fixed
text comes from `after_messages`; the organizer's words (each item's "what", a delay's
reason) go as WORDS pieces, translated for each reader at send time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import ChoiceKind, Guardian, Staff, Student
from ...outbox import TEXT, WORDS, Keyboard, Piece
from . import after_messages as am
from .after_models import ActionFollowup, ActionItem, FollowupKind, MeetingNotes
from .audience import answers_go_to, invitees
from .models import ContactKind, Meeting, MeetingContact
from .notes_message import owner_named
from .notify import meeting_message, send_family, send_staff

ACTION_DONE, ACTION_HELP = "done", "help"  # the options of the reminder's numbered menu


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def plan_language(session: Session, meeting: Meeting) -> str | None:
    """The language the plan's words (items, reasons) were written in: the notes'."""
    return session.scalar(
        select(MeetingNotes.language).where(MeetingNotes.meeting_id == meeting.id)
    )


def organizer_name(session: Session, meeting: Meeting) -> str:
    """Who the family is told hears their answers."""
    reader = answers_go_to(session, meeting)
    return (reader or session.get_one(Staff, meeting.organizer_id)).name


# -- reminders ---------------------------------------------------------------------------------


def staff_buttons(item: ActionItem, language: str) -> Keyboard:
    from .after_buttons import STAFF_DONE, STAFF_MORE_TIME

    return [
        [
            {
                "text": gettext(language, am.DONE_BUTTON_STAFF),
                "callback_data": STAFF_DONE.encode(item=item.id),
            },
            {
                "text": gettext(language, am.MORE_TIME_BUTTON),
                "callback_data": STAFF_MORE_TIME.encode(item=item.id),
            },
        ]
    ]


def family_buttons(item: ActionItem, language: str) -> Keyboard:
    from .after_buttons import FAMILY_DONE, FAMILY_HELP

    return [
        [
            {
                "text": gettext(language, am.DONE_BUTTON, number=item.position),
                "callback_data": FAMILY_DONE.encode(item=item.id),
            },
            {
                "text": gettext(language, am.HELP_BUTTON),
                "callback_data": FAMILY_HELP.encode(item=item.id),
            },
        ]
    ]


def remind(
    session: Session,
    meeting: Meeting,
    item: ActionItem,
    row: ActionFollowup,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Queue one due reminder to the item's owner (`followups.send_due` checked it stands)."""
    student = session.get_one(Student, meeting.student_id)
    if row.kind is FollowupKind.STAFF_REMINDER:
        assert row.staff_id is not None
        staff = session.get_one(Staff, row.staff_id)
        language = staff.language
        local_day = row.due_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()
        if local_day >= item.due_on:
            header = gettext(
                language, am.STAFF_ITEM_TODAY, student=student.name, number=item.position
            )
        else:
            header = gettext(
                language,
                am.STAFF_ITEM_SOON,
                student=student.name,
                number=item.position,
                date=am.due_text(item.due_on, language),
            )
        send_staff(
            session,
            meeting,
            staff,
            ContactKind.ITEM_REMINDER,
            header,
            now=now,
            words_language=plan_language(session, meeting),
            pieces=[(WORDS, item.what)],
            buttons=staff_buttons(item, language),
        )
        return
    from ...conversations.pending import QUESTIONS  # lazily: see `buttons`

    assert row.guardian_id is not None
    guardian = session.get_one(Guardian, row.guardian_id)
    language = guardian.language
    pieces: list[Piece] = [
        (
            TEXT,
            gettext(
                language,
                am.FAMILY_ITEM_REMINDER,
                student=first_name(student.name),
                date=am.due_text(item.due_on, language),
            )
            + "\n",
        ),
        (WORDS, item.what),
        (
            TEXT,
            "\n"
            + gettext(language, am.FAMILY_ITEM_MENU)
            + "\n1. "
            + gettext(language, am.FAMILY_ITEM_DONE_CHOICE)
            + "\n2. "
            + gettext(language, am.FAMILY_ITEM_HELP_CHOICE),
        ),
    ]
    send_family(
        session,
        meeting,
        guardian,
        ContactKind.ITEM_REMINDER,
        [pieces],
        now=now,
        words_language=plan_language(session, meeting),
        default_timezone=guardian.timezone or default_timezone,
        buttons=family_buttons(item, language),
    )
    QUESTIONS.ask(
        session,
        guardian,
        ChoiceKind.ACTION_ITEM,
        [[item.id, ACTION_DONE], [item.id, ACTION_HELP]],
        now,
    )


def ask_feedback(
    session: Session,
    meeting: Meeting,
    row: ActionFollowup,
    *,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """The feedback request is `feedback.ask`'s: asked once (False if asked before)."""
    from . import feedback

    assert row.guardian_id is not None
    guardian = session.get_one(Guardian, row.guardian_id)
    return feedback.ask(session, meeting, guardian, now=now, default_timezone=default_timezone)


def report_overdue(
    session: Session,
    reader: Staff,
    about: Sequence[tuple[Meeting, ActionItem]],
    now: dt.datetime,
) -> None:
    """One message to an organizer with every item now past its date, from their meetings;
    recorded as a contact of each meeting it names."""
    language = reader.language
    ordered = sorted(about, key=lambda pair: (pair[1].due_on, pair[0].id, pair[1].position))
    students = {
        s.id: s
        for s in session.scalars(
            select(Student).where(Student.id.in_({mt.student_id for mt, _ in ordered}))
        )
    }
    pieces: list[Piece] = []
    for meeting, item in ordered:
        line = gettext(
            language,
            am.OVERDUE_LINE,
            student=students[meeting.student_id].name,
            number=item.position,
            owner=item.owner_name,
            date=am.due_text(item.due_on, language),
        )
        pieces += [(TEXT, ("\n" if pieces else "") + line + " "), (WORDS, item.what)]
    first = ordered[0][0]
    delivery = send_staff(
        session,
        first,
        reader,
        ContactKind.OVERDUE,
        gettext(language, am.OVERDUE_HEADING),
        now=now,
        words_language=plan_language(session, first),
        pieces=pieces,
    )
    for meeting_id in dict.fromkeys(mt.id for mt, _ in ordered if mt.id != first.id):
        session.add(
            MeetingContact(
                meeting_id=meeting_id,
                staff_id=reader.id,
                kind=ContactKind.OVERDUE,
                delivery_id=delivery.id,
                at=now,
            )
        )


# -- news about an item ---------------------------------------------------------------------------


def tell_done(
    session: Session,
    meeting: Meeting,
    item: ActionItem,
    *,
    by: Staff | Guardian | None,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Every invitee but the one who marked it hears it is done; the organizer too, when a
    family or another staff member did it."""
    student = session.get_one(Student, meeting.student_id)
    message = meeting_message(session, meeting, now)
    marker_guardian = by.id if isinstance(by, Guardian) else None
    for _, guardian in invitees(session, meeting):
        if guardian.id == marker_guardian:
            continue
        language = guardian.language
        if item.owner_staff_id is not None:
            text = gettext(
                language,
                am.ITEM_DONE_BY_STAFF,
                student=first_name(student.name),
                owner=owner_named(item, guardian),
                number=item.position,
            )
        else:
            text = gettext(
                language,
                am.ITEM_DONE_BY_FAMILY,
                number=item.position,
                student=first_name(student.name),
            )
        send_family(
            session,
            meeting,
            guardian,
            ContactKind.ITEM_DONE,
            [[(TEXT, text + "\n"), (WORDS, item.what)]],
            now=now,
            words_language=plan_language(session, meeting),
            default_timezone=guardian.timezone or default_timezone,
            message=message,
        )
    reader = answers_go_to(session, meeting)
    if reader is None or (isinstance(by, Staff) and by.id == reader.id):
        return
    if isinstance(by, Guardian):
        header = gettext(
            reader.language,
            am.FAMILY_DID_ITEM,
            guardian=by.name,
            student=student.name,
            number=item.position,
        )
    else:
        header = gettext(
            reader.language,
            am.STAFF_ITEM_DONE,
            owner=by.name if by is not None else item.owner_name,
            number=item.position,
            student=student.name,
        )
    send_staff(
        session,
        meeting,
        reader,
        ContactKind.ITEM_DONE,
        header,
        now=now,
        words_language=plan_language(session, meeting),
        pieces=[(WORDS, item.what)],
    )


def tell_delayed(
    session: Session,
    meeting: Meeting,
    item: ActionItem,
    *,
    actor: Staff | None,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Every invitee hears the new date and why, in their language; the organizer too when
    someone else moved it."""
    student = session.get_one(Student, meeting.student_id)
    message = meeting_message(session, meeting, now)
    for _, guardian in invitees(session, meeting):
        language = guardian.language
        text = gettext(
            language,
            am.ITEM_DELAYED,
            student=first_name(student.name),
            number=item.position,
            owner=owner_named(item, guardian),
            date=am.due_text(item.due_on, language),
        )
        send_family(
            session,
            meeting,
            guardian,
            ContactKind.ITEM_DELAYED,
            [
                [
                    (TEXT, text + "\n"),
                    (WORDS, item.what),
                    (TEXT, "\n" + gettext(language, am.DELAY_WHY) + " "),
                    (WORDS, item.delay_reason),
                ]
            ],
            now=now,
            words_language=plan_language(session, meeting),
            default_timezone=guardian.timezone or default_timezone,
            message=message,
        )
    reader = answers_go_to(session, meeting)
    if reader is None or (actor is not None and actor.id == reader.id):
        return
    language = reader.language
    send_staff(
        session,
        meeting,
        reader,
        ContactKind.ITEM_DELAYED,
        gettext(
            language,
            am.STAFF_ITEM_DELAYED,
            owner=actor.name if actor is not None else item.owner_name,
            number=item.position,
            student=student.name,
            date=am.due_text(item.due_on, language),
        ),
        now=now,
        words_language=plan_language(session, meeting),
        pieces=[
            (WORDS, item.what),
            (TEXT, "\n" + gettext(language, am.DELAY_WHY) + " "),
            (WORDS, item.delay_reason),
        ],
    )


def tell_help(
    session: Session, meeting: Meeting, item: ActionItem, guardian: Guardian, now: dt.datetime
) -> Staff | None:
    """The organizer hears the family asks for help with the item; returns who was told."""
    reader = answers_go_to(session, meeting)
    if reader is None:
        return None
    student = session.get_one(Student, meeting.student_id)
    send_staff(
        session,
        meeting,
        reader,
        ContactKind.ITEM_REMINDER,
        gettext(
            reader.language,
            am.FAMILY_ASKS_HELP,
            guardian=guardian.name,
            student=student.name,
            number=item.position,
        ),
        now=now,
        words_language=plan_language(session, meeting),
        pieces=[(WORDS, item.what)],
    )
    return reader
