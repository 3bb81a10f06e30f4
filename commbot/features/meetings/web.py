"""`GET /calendar/<token>.ics`: a family's calendar invite, for SMS and WhatsApp, where no
file can be attached. The token is 192 random bits, one per guardian and meeting; the link
serves the meeting as it stands now (a moved meeting, a cancellation with the same UID)
until the meeting is over, then answers 404 like a token that never existed."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ...db import transaction
from ...models import Guardian, Staff, Student
from ...web.context import WebContext
from .audience import still_invited
from .calendar import CONTENT_TYPE, invite
from .models import Meeting, MeetingInvitee

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def routes(web: WebContext) -> list[Route]:
    async def calendar(request: Request) -> Response:
        token = request.path_params["token"]
        if not TOKEN.fullmatch(token):
            return PlainTextResponse("not found", status_code=404)

        def find() -> str | None:
            now = web.clock()
            with transaction(web.engine) as session:
                row = session.execute(
                    select(MeetingInvitee, Meeting, Guardian)
                    .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
                    .join(Guardian, Guardian.id == MeetingInvitee.guardian_id)
                    .where(MeetingInvitee.calendar_token == token)
                ).first()
                if row is None:
                    return None
                _, meeting, guardian = row
                if meeting.ends_at is None or meeting.ends_at <= now:
                    return None
                if not still_invited(session, meeting, guardian.id):
                    return None  # off the roster, or no longer gets messages about the child
                student = session.get_one(Student, meeting.student_id)
                organizer = session.get_one(Staff, meeting.organizer_id)
                return invite(
                    meeting,
                    student_name=student.name,
                    organizer_name=organizer.name,
                    organizer_email=organizer.email,
                    language=guardian.language,
                    stamp=meeting.updated_at,
                )

        text = await run_in_threadpool(find)
        if text is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(
            text,
            media_type=f"{CONTENT_TYPE}; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="meeting.ics"'},
        )

    return [Route("/calendar/{token}.ics", calendar, methods=["GET"])]
