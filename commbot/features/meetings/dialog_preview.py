"""The `/meeting` dialog's draft and its preview: what each guardian would receive, built
from the same templates `actions.create_meeting` sends, before anything exists.

The preview is of an unsaved meeting (`actions.unsaved`, never added to the session):
nothing is written until the organizer taps Send. Having no id, it gets no Telegram
buttons; they mirror the numbered menu in the text, which the organizer reads instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ...i18n import gettext
from ...languages import name_in
from ...models import Channel, Guardian, Staff, Student
from ...outbox import usable_points
from ...policy import receiving_guardians
from . import messages as m
from . import staff_messages as s
from .actions import AttendeeSpec, DocumentSpec, MeetingDraft, unsaved
from .models import AttendeeRole, Meeting, MeetingAttendee, MeetingSlot, MeetingState, Purpose
from .preview import build_preview


def draft_from(state: dict[str, Any]) -> MeetingDraft:
    """The draft the dialog's state describes (times are ISO strings with their offset)."""
    times = [dt.datetime.fromisoformat(t) for t in state.get("times", [])]
    fixed = state.get("mode") == "fixed"
    chosen = set(state.get("chosen", []))
    attendees = [
        AttendeeSpec(name, AttendeeRole(role), staff_id)
        for staff_id, name, role in state.get("team", [])
        if staff_id in chosen
    ]
    attendees += [AttendeeSpec(name, AttendeeRole(role)) for name, role in state.get("others", [])]
    return MeetingDraft(
        student_id=int(state["student_id"]),
        purpose=Purpose(state["purpose"]),
        fixed_time=times[0] if fixed and times else None,
        slots=[] if fixed else times,
        duration_minutes=int(state.get("duration", 60)),
        place=str(state.get("place", "")),
        video_link=str(state.get("video_link", "")),
        phone=str(state.get("phone", "")),
        documents=[DocumentSpec(title, link) for title, link in state.get("documents", [])],
        attendees=attendees,
        timezone=str(state["zone"]),
    )


def preview_texts(
    session: Session,
    organizer: Staff,
    draft: MeetingDraft,
    *,
    now: dt.datetime,
    default_timezone: str,
    base_url: str | None,
) -> list[str]:
    """One text per guardian who gets messages about the student, in the organizer's
    language around the guardian's own message(s)."""
    student = session.get_one(Student, draft.student_id)
    guardians = receiving_guardians(session, student)
    if not guardians:
        return [gettext(organizer.language, s.NOBODY_GETS_IT, student=student.name)]
    meeting, slots, attendees = unsaved(organizer, draft, default_timezone, now)
    return [
        _one(
            session,
            meeting,
            student,
            guardian,
            organizer,
            slots,
            attendees,
            default_timezone,
            base_url,
        )
        for guardian in guardians
    ]


def _one(
    session: Session,
    meeting: Meeting,
    student: Student,
    guardian: Guardian,
    organizer: Staff,
    slots: list[MeetingSlot],
    attendees: list[MeetingAttendee],
    default_timezone: str,
    base_url: str | None,
) -> str:
    reader = organizer.language
    points = usable_points(session, guardian)
    if not points:
        return gettext(reader, s.NO_CHANNEL, guardian=guardian.name)
    channel = Channel(points[0].channel)
    preview = build_preview(
        meeting,
        student=student,
        guardian=guardian,
        organizer=organizer,
        slots=slots,
        attendees=attendees,
        channel=channel,
        default_timezone=default_timezone,
    )
    parts = ["".join(text for _, text in part) for part in preview.parts]
    scheduled = meeting.state is MeetingState.SCHEDULED
    if scheduled and channel is not Channel.TELEGRAM and base_url:
        # As `actions.send_preview` adds it; each guardian's link is made when sent.
        link = gettext(guardian.language, m.CALENDAR_LINK, link=f"{base_url}/calendar/…")
        parts[0] += "\n" + link
    values = {
        "guardian": guardian.name,
        "language": name_in(guardian.language, reader),
        "channel": channel.label,
        "count": len(parts),
    }
    lines = [gettext(reader, s.PREVIEW_PARTS if len(parts) > 1 else s.PREVIEW_FOR, **values)]
    for number, text in enumerate(parts, 1):
        if len(parts) > 1:
            lines.append(gettext(reader, s.PREVIEW_PART, number=number))
        lines.append(text)
    if channel is Channel.TELEGRAM:
        lines.append(f"({gettext(reader, s.PREVIEW_BUTTONS)})")
        if scheduled:
            lines.append(f"({gettext(reader, s.PREVIEW_CALENDAR)})")
    return "\n\n".join(lines)
