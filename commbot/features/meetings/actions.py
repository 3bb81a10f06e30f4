"""Meeting operations for every entry point (the CLI, the Telegram dialog, buttons, jobs):
create (and send the previews), list, see; `changes` settles, moves and cancels.

Only staff who serve the student (coordinators and admins serve their whole school) may
create, change or see a meeting; the operator's command line (`actor=None`) may touch
every meeting, but a meeting is always organised by a staff member who serves the student.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import InputError
from ...i18n import gettext
from ...models import (
    Channel,
    ChoiceKind,
    Guardian,
    Staff,
    Student,
)
from ...policy import served_students_query, serves
from . import messages as m
from . import reminders
from .audience import invite_newcomers
from .conflicts import Conflict, meeting_conflicts
from .models import (
    AttendeeRole,
    ContactKind,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingSlot,
    MeetingState,
    Purpose,
)
from .notify import calendar_link, calendar_media, meeting_message, send_family, tell_staff
from .preview import Preview, build_preview
from .times import MeetingTimeError, check_meeting_time

MAX_SLOTS = 5
MIN_MINUTES, MAX_MINUTES = 15, 8 * 60
MAX_TEXT = 2000  # a place, a strengths note, one agenda item: enough for any, and bounded
MAX_ITEMS = 20  # agenda items, documents, attendees


class MeetingError(InputError):
    """A meeting that cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class AttendeeSpec:
    name: str
    role: AttendeeRole
    staff_id: int | None = None


@dataclass(frozen=True)
class DocumentSpec:
    title: str
    link: str = ""


@dataclass
class MeetingDraft:
    """A meeting as its organizer describes it, before it exists. Times are aware."""

    student_id: int
    purpose: Purpose
    fixed_time: dt.datetime | None = None
    slots: list[dt.datetime] = field(default_factory=list)
    duration_minutes: int = 60
    place: str = ""
    video_link: str = ""
    phone: str = ""
    strengths: str = ""
    purpose_note: str = ""
    agenda: list[str] = field(default_factory=list)
    documents: list[DocumentSpec] = field(default_factory=list)
    attendees: list[AttendeeSpec] = field(default_factory=list)
    auto_confirm: bool = False
    reminder_minutes: list[int] | None = None
    timezone: str | None = None


@dataclass
class Sent:
    guardian: Guardian
    channel: str | None  # None: no usable channel
    deliveries: int


@dataclass
class CreatedMeeting:
    meeting: Meeting
    sent: list[Sent]
    conflicts: list[Conflict]


# -- access -----------------------------------------------------------------------------


def may_manage(session: Session, actor: Staff | None, student: Student) -> bool:
    """The operator (None) or a staff member who serves the student."""
    return actor is None or serves(session, actor, student)


def meeting_for(session: Session, actor: Staff | None, meeting_id: int) -> Meeting:
    """The meeting, if it exists and the actor may see it; one error for both otherwise,
    so a refusal says nothing about meetings of students they do not serve."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is not None:
        student = session.get_one(Student, meeting.student_id)
        if may_manage(session, actor, student):
            return meeting
    raise MeetingError(f"no meeting {meeting_id} among yours")


def meetings_for(
    session: Session, actor: Staff | None, *, include_closed: bool = False
) -> list[Meeting]:
    query = select(Meeting).order_by(Meeting.id)
    if actor is not None:
        served = served_students_query(actor).with_only_columns(Student.id)
        query = query.where(Meeting.student_id.in_(served))
    if not include_closed:
        query = query.where(Meeting.state.in_([MeetingState.PROPOSED, MeetingState.SCHEDULED]))
    return list(session.scalars(query))


# -- checking a draft -------------------------------------------------------------------


def check_draft(draft: MeetingDraft, now: dt.datetime) -> None:
    """Refuse a draft that cannot be sent, naming the problem."""
    if (draft.fixed_time is None) == (not draft.slots):
        raise MeetingError("give either one fixed time or 1 to 5 proposed times (slots)")
    if len(draft.slots) > MAX_SLOTS:
        raise MeetingError(f"{len(draft.slots)} proposed times: at most {MAX_SLOTS}")
    times = [draft.fixed_time] if draft.fixed_time else draft.slots
    for when in times:
        assert when is not None and when.tzinfo is not None
        if when <= now:
            raise MeetingError(f"{when.isoformat(timespec='minutes')} is in the past")
        check_not_too_far(when, now)
    if len(set(times)) != len(times):
        raise MeetingError("the same time is proposed twice")
    if not MIN_MINUTES <= draft.duration_minutes <= MAX_MINUTES:
        raise MeetingError(
            f"a meeting lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, not {draft.duration_minutes}"
        )
    if not (draft.place or draft.video_link or draft.phone):
        raise MeetingError("say where: a place, a video link or a phone number")
    if draft.video_link and not draft.video_link.startswith(("https://", "http://")):
        raise MeetingError("the video link must start with https://")
    for text, name in (
        (draft.place, "place"),
        (draft.strengths, "strengths"),
        (draft.purpose_note, "purpose note"),
        *((item, "agenda item") for item in draft.agenda),
    ):
        if len(text) > MAX_TEXT:
            raise MeetingError(f"the {name} is longer than {MAX_TEXT} characters")
    for items, name in (
        (draft.agenda, "agenda items"),
        (draft.documents, "documents"),
        (draft.attendees, "attendees"),
    ):
        if len(items) > MAX_ITEMS:
            raise MeetingError(f"{len(items)} {name}: at most {MAX_ITEMS}")
    for document in draft.documents:
        if not document.title.strip():
            raise MeetingError("a document has no title")
        if document.link and not document.link.startswith(("https://", "http://")):
            raise MeetingError(f"the link of {document.title!r} must start with https://")
    # Columns of a set width: PostgreSQL refuses a longer value where SQLite would take it.
    for text, column in (
        (draft.video_link, Meeting.__table__.c.video_link),
        (draft.phone, Meeting.__table__.c.phone),
        *((a.name.strip(), MeetingAttendee.__table__.c.name) for a in draft.attendees),
    ):
        width = getattr(column.type, "length", None)
        if width is not None and len(text) > width:
            raise MeetingError(
                f"the {column.name.replace('_', ' ')} {text[:40]!r}… is longer than"
                f" {width} characters"
            )
    for attendee in draft.attendees:
        if not attendee.name.strip():
            raise MeetingError("an attendee has no name")
    for minutes in draft.reminder_minutes or []:
        if not 5 <= minutes <= 60 * 24 * 60:
            raise MeetingError(
                f"a reminder {minutes} minutes before is not between 5 minutes and 60 days"
            )


def check_not_too_far(when: dt.datetime, now: dt.datetime) -> None:
    """`times.check_meeting_time`, refusing as every meeting action does."""
    try:
        check_meeting_time(when, now)
    except MeetingTimeError as exc:
        raise MeetingError(str(exc)) from None


# -- creating ------------------------------------------------------------------------------


def create_meeting(
    session: Session,
    organizer: Staff,
    draft: MeetingDraft,
    *,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None = None,
    actor: Staff | None = None,
) -> CreatedMeeting:
    """Make the meeting, ask every guardian who gets messages, and send each the preview
    in their language on their channel. `actor` is who asked (the organizer on Telegram,
    None for the operator's command line)."""
    student = session.get(Student, draft.student_id)
    if student is None or not student.active:
        raise MeetingError("no such student")
    if actor is not None and actor.id != organizer.id and not serves(session, actor, student):
        raise MeetingError("no such student among yours")
    if not organizer.active or not serves(session, organizer, student):
        raise MeetingError(f"{organizer.name} does not serve {student.name}")
    check_draft(draft, now)
    for attendee in draft.attendees:
        # Staff read about a family only when they serve the child: one who does not would
        # be listed to the family but never told the time, so say so now.
        member = session.get(Staff, attendee.staff_id) if attendee.staff_id else None
        if attendee.staff_id and (member is None or not serves(session, member, student)):
            raise MeetingError(
                f"{attendee.name} does not serve {student.name}: add them to a class of the"
                " student's or `commbot staff assign` them first"
            )
    meeting = new_meeting(organizer, draft, default_timezone, now)
    session.add(meeting)
    session.flush()
    slots, _attendees = add_parts(session, meeting, draft)
    guardians = invite_newcomers(session, meeting)  # at creation, everyone who gets messages
    times = [s.starts_at for s in slots] or ([meeting.starts_at] if meeting.starts_at else [])
    conflicts = meeting_conflicts(session, meeting, times, default_timezone, organizer.language)
    sent = [
        send_preview(
            session,
            meeting,
            guardian,
            now=now,
            default_timezone=default_timezone,
            base_url=base_url,
        )
        for guardian in guardians
    ]
    if meeting.state is MeetingState.SCHEDULED:
        reminders.schedule(session, meeting, now, default_timezone)
        tell_staff(session, meeting, ContactKind.CONFIRMATION, m.STAFF_CONFIRMED, now)
    return CreatedMeeting(meeting, sent, conflicts)


def new_meeting(
    organizer: Staff, draft: MeetingDraft, default_timezone: str, now: dt.datetime
) -> Meeting:
    """The meeting row for a draft, not yet added to a session (the dialog previews it)."""
    fixed = draft.fixed_time
    return Meeting(
        student_id=draft.student_id,
        organizer_id=organizer.id,
        purpose=draft.purpose,
        purpose_note=draft.purpose_note.strip(),
        state=MeetingState.SCHEDULED if fixed else MeetingState.PROPOSED,
        starts_at=fixed.astimezone(dt.UTC) if fixed else None,
        duration_minutes=draft.duration_minutes,
        timezone=draft.timezone or default_timezone,
        place=draft.place.strip(),
        video_link=draft.video_link.strip(),
        phone=draft.phone.strip(),
        strengths=draft.strengths.strip(),
        agenda=[item.strip() for item in draft.agenda if item.strip()],
        documents=[{"title": d.title.strip(), "link": d.link.strip()} for d in draft.documents],
        language=organizer.language,
        auto_confirm=draft.auto_confirm,
        reminder_minutes=list(draft.reminder_minutes or reminders.DEFAULT_MINUTES),
        uid=f"{uuid.uuid4()}@commbot",
        sequence=0,
        created_at=now,
        updated_at=now,
    )


def unsaved(
    organizer: Staff, draft: MeetingDraft, default_timezone: str, now: dt.datetime
) -> tuple[Meeting, list[MeetingSlot], list[MeetingAttendee]]:
    """The meeting a draft would make, with its slots and attendees, never added to a
    session: what `--dry-run` and the dialog show before anything is written."""
    return (new_meeting(organizer, draft, default_timezone, now), *_parts(draft))


def _parts(draft: MeetingDraft) -> tuple[list[MeetingSlot], list[MeetingAttendee]]:
    slots = [
        MeetingSlot(position=n, starts_at=when.astimezone(dt.UTC))
        for n, when in enumerate(sorted(draft.slots), 1)
    ]
    attendees = [
        MeetingAttendee(staff_id=a.staff_id, name=a.name.strip(), role=a.role, position=n)
        for n, a in enumerate(draft.attendees)
    ]
    return slots, attendees


def add_parts(
    session: Session, meeting: Meeting, draft: MeetingDraft
) -> tuple[list[MeetingSlot], list[MeetingAttendee]]:
    slots, attendees = _parts(draft)
    for slot in slots:
        slot.meeting_id = meeting.id
    for attendee in attendees:
        attendee.meeting_id = meeting.id
    session.add_all([*slots, *attendees])
    session.flush()
    return slots, attendees


def slots_of(session: Session, meeting: Meeting) -> list[MeetingSlot]:
    return list(
        session.scalars(
            select(MeetingSlot)
            .where(MeetingSlot.meeting_id == meeting.id)
            .order_by(MeetingSlot.position)
        )
    )


def attendees_of(session: Session, meeting: Meeting) -> list[MeetingAttendee]:
    return list(
        session.scalars(
            select(MeetingAttendee)
            .where(MeetingAttendee.meeting_id == meeting.id)
            .order_by(MeetingAttendee.position, MeetingAttendee.id)
        )
    )


def preview_for(
    session: Session, meeting: Meeting, guardian: Guardian, channel: Channel, default_timezone: str
) -> Preview:
    return build_preview(
        meeting,
        student=session.get_one(Student, meeting.student_id),
        guardian=guardian,
        organizer=session.get_one(Staff, meeting.organizer_id),
        slots=slots_of(session, meeting),
        attendees=attendees_of(session, meeting),
        channel=channel,
        default_timezone=default_timezone,
    )


def send_preview(
    session: Session,
    meeting: Meeting,
    guardian: Guardian,
    *,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None,
) -> Sent:
    """The whole preview to one guardian, with the menu left open for their answers."""
    from ...conversations.pending import QUESTIONS
    from ...outbox import TEXT, usable_points

    points = usable_points(session, guardian)
    channel = points[0].channel if points else None
    # A guardian with no usable channel is shown the SMS wording (in `--dry-run`, say).
    preview = preview_for(session, meeting, guardian, channel or Channel.SMS, default_timezone)
    media: list[dict[str, object]] = []
    if meeting.state is MeetingState.SCHEDULED and channel is not None:
        if channel is Channel.TELEGRAM:
            media = calendar_media(session, meeting, guardian.language, now)
        elif base_url:
            invitee = _invitee(session, meeting, guardian)
            link = gettext(
                guardian.language, m.CALENDAR_LINK, link=calendar_link(base_url, invitee)
            )
            preview.parts[0].append((TEXT, "\n" + link))
    deliveries = send_family(
        session,
        meeting,
        guardian,
        ContactKind.PREVIEW,
        preview.parts,
        now=now,
        default_timezone=default_timezone,
        message=meeting_message(session, meeting, now),
        buttons=preview.buttons,
        media=media,
    )
    QUESTIONS.ask(
        session,
        guardian,
        ChoiceKind.MEETING,
        [[meeting.id, choice.code] for choice in preview.choices],
        now,
    )
    return Sent(guardian, channel.value if channel else None, len(deliveries))


def _invitee(session: Session, meeting: Meeting, guardian: Guardian) -> MeetingInvitee:
    return session.scalars(
        select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.guardian_id == guardian.id
        )
    ).one()
