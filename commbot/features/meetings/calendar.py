"""Calendar invites (RFC 5545), built with `icalendar`, which folds long lines, escapes
text and writes CRLF as calendar apps expect.

One meeting has one UID for its whole life; every change raises SEQUENCE, so a calendar
app replaces the event it has instead of adding a second one; a cancellation is
METHOD:CANCEL with STATUS:CANCELLED under the same UID. Times are written in UTC, which
every calendar app reads and shows in its own time zone.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event, vCalAddress, vText

from ...i18n import gettext
from . import messages as m
from .models import Meeting, MeetingState

PRODUCT = "-//commbot//meetings//EN"
CONTENT_TYPE = "text/calendar"


def invite(
    meeting: Meeting,
    *,
    student_name: str,
    organizer_name: str,
    organizer_email: str,
    language: str,
    stamp: dt.datetime,
) -> str | None:
    """The meeting as an .ics file in the reader's language; None while it has no time."""
    if meeting.starts_at is None or meeting.ends_at is None:
        return None
    cancelled = meeting.state is MeetingState.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    event.add("summary", m.purpose_name(meeting.purpose, language, student_name.split()[0]))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    where = [part for part in (meeting.place, meeting.video_link) if part]
    if where:
        event.add("location", ", ".join(where))
    lines = [gettext(language, m.PURPOSE_EXPLAINED[meeting.purpose], student=student_name)]
    if meeting.video_link:
        lines.append(gettext(language, m.BY_VIDEO, link=meeting.video_link))
    if meeting.phone:
        lines.append(gettext(language, m.BY_PHONE, phone=meeting.phone))
    event.add("description", "\n".join(lines))
    if meeting.video_link:
        event.add("url", meeting.video_link)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    calendar.add_component(event)
    text: str = calendar.to_ical().decode("utf-8")
    return text
