"""The `/notes` dialog's spec and its preview: exactly what each guardian would receive,
built by `notes_message.build_notes` (the builder `notes.record_notes` sends with) from
rows that are never added to the session, before anything exists.

The unsaved items have no ids, so the preview has no Done buttons to show; it says which
items will carry one instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ...i18n import gettext
from ...languages import name_in
from ...models import Channel, Guardian, Staff
from ...outbox import usable_points
from . import staff_messages as s
from .after_models import ActionItem, ItemState, MeetingConcern, MeetingNotes
from .audience import invitees
from .models import Meeting
from .notes import ConcernSpec, ItemSpec, NotesSpec, Owner, raised_concerns
from .notes_dialog_messages import NOTES_BUTTONS
from .notes_message import build_notes


def _owner(code: str) -> Owner:
    kind, number = code[0], int(code[1:])
    return Owner(staff_id=number) if kind == "s" else Owner(guardian_id=number)


def spec_from(state: dict[str, Any], language: str) -> NotesSpec:
    """The notes the dialog's state describes, in the words of whoever wrote them."""
    return NotesSpec(
        summary=str(state["summary"]),
        decisions=tuple(state["decisions"]),
        concerns=tuple(
            ConcernSpec(response=response, answered=answered, raised=raised, concern=concern)
            for raised, concern, response, answered in state["concerns"]
        ),
        items=tuple(
            ItemSpec(what, _owner(owner), dt.date.fromisoformat(due))
            for what, owner, due in state["items"]
        ),
        ideas=tuple(state["ideas"]),
        feedback_days=int(state["feedback_days"]),
        language=language,
    )


def unsaved(
    session: Session, staff: Staff, meeting: Meeting, spec: NotesSpec, names: dict[str, str]
) -> tuple[MeetingNotes, list[MeetingConcern], list[ActionItem]]:
    """The rows `record_notes` would write, unsaved (no ids, never in the session)."""
    notes = MeetingNotes(
        meeting_id=meeting.id,
        summary=spec.summary,
        decisions=list(spec.decisions),
        ideas=list(spec.ideas),
        language=spec.language or meeting.language,
        feedback_days=spec.feedback_days,
        recorded_by_id=staff.id,
    )
    raised = {r.number: r for r in raised_concerns(session, meeting)}
    concerns = []
    for position, c in enumerate(spec.concerns, 1):
        source = raised.get(c.raised) if c.raised is not None else None
        concerns.append(
            MeetingConcern(
                meeting_id=meeting.id,
                position=position,
                input_id=source.input_id if source else None,
                guardian_id=source.guardian_id if source else None,
                concern=c.concern,
                response=c.response,
                answered=c.answered,
            )
        )
    items = [
        ActionItem(
            meeting_id=meeting.id,
            position=position,
            what=item.what,
            owner_staff_id=item.owner.staff_id,
            owner_guardian_id=item.owner.guardian_id,
            owner_name=names.get(_code(item.owner), ""),
            due_on=item.due_on,
            first_due_on=item.due_on,
            state=ItemState.OPEN,
            delays=0,
        )
        for position, item in enumerate(spec.items, 1)
    ]
    return notes, concerns, items


def _code(owner: Owner) -> str:
    return f"s{owner.staff_id}" if owner.staff_id is not None else f"g{owner.guardian_id}"


def preview_texts(
    session: Session, staff: Staff, meeting: Meeting, state: dict[str, Any]
) -> list[str]:
    """One text per invited guardian who still gets messages, in the organizer's language
    around the guardian's own message(s)."""
    guardians = [guardian for _, guardian in invitees(session, meeting)]
    if not guardians:
        return [gettext(staff.language, s.NOBODY_GETS_IT, student=state["student"])]
    spec = spec_from(state, staff.language)
    names = {code: name for code, name, _ in state["owners"]}
    notes, concerns, items = unsaved(session, staff, meeting, spec, names)
    return [_one(session, staff, meeting, notes, concerns, items, g) for g in guardians]


def _one(
    session: Session,
    staff: Staff,
    meeting: Meeting,
    notes: MeetingNotes,
    concerns: list[MeetingConcern],
    items: list[ActionItem],
    guardian: Guardian,
) -> str:
    reader = staff.language
    points = usable_points(session, guardian)
    if not points:
        return gettext(reader, s.NO_CHANNEL, guardian=guardian.name)
    channel = Channel(points[0].channel)
    built = build_notes(session, meeting, notes, concerns, items, guardian, channel)
    parts = ["".join(text for _, text in part) for part in built.parts]
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
    theirs = any(item.owner_guardian_id == guardian.id for item in items)
    if channel is Channel.TELEGRAM and theirs:
        lines.append(f"({gettext(reader, NOTES_BUTTONS)})")
    return "\n\n".join(lines)
