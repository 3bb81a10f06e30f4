"""The `/notes` dialog's steps: each takes a typed answer or a press and moves the state
on (a JSON dict in the dialog's row), or refuses it with `NotUnderstood`, after which the
same question is asked again. Nothing here writes anything but the state.

The state holds the meeting's raised concerns and possible owners as they were when the
meeting was picked (so the questions do not shift under the organizer's feet); the dialog
looks again before the preview and before sending, and asks about any concern raised since.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...conversations.context import Context
from ...i18n import gettext
from ...models import Staff, Student
from . import notes
from .actions import MAX_TEXT, meetings_for
from .after_messages import due_text
from .after_models import MeetingNotes
from .dialog_steps import DROPPING, SENDING, Answer, NotUnderstood
from .models import Meeting, MeetingState
from .notes_dialog_dates import MAX_AHEAD, examples, parse_day
from .notes_dialog_messages import (
    BAD_DATE,
    DECISION_ADDED,
    FAR_DATE,
    IDEA_ADDED,
    ITEM_ADDED,
    OWNER_FAMILY_BUTTON,
    PAST_DATE,
    TOO_LONG,
    TOO_MANY,
)

__all__ = ["DROPPING", "SENDING", "TAKES", "Answer", "NotUnderstood", "waiting_for_notes"]

FEEDBACK_DAYS = ("2", "3", "5", "7", "0")  # the buttons, the usual first; 0: do not ask


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def waiting_for_notes(session: Session, staff: Staff, now: dt.datetime) -> list[Meeting]:
    """The staff member's meetings whose time has come and that have no notes yet (the
    notes' own check says the same when they are sent; one query for all of them)."""
    meetings = [
        m
        for m in meetings_for(session, staff)
        if m.state is MeetingState.SCHEDULED and m.starts_at is not None and m.starts_at <= now
    ]
    if not meetings:
        return []
    noted = set(
        session.scalars(
            select(MeetingNotes.meeting_id).where(
                MeetingNotes.meeting_id.in_([m.id for m in meetings])
            )
        )
    )
    return [m for m in meetings if m.id not in noted]


def today(state: dict[str, Any], now: dt.datetime) -> dt.date:
    """Today at the school (the meeting's time zone): due dates are its calendar days."""
    return now.astimezone(zoneinfo.ZoneInfo(state["zone"])).date()


def _words(answer: Answer) -> str:
    text = answer.typed()
    if len(text) > MAX_TEXT:
        raise NotUnderstood(TOO_LONG, most=MAX_TEXT)
    return text


def _typed_label(staff: Staff, answer: Answer, label: str) -> bool:
    return answer.pressed is None and answer.text.casefold() == _t(staff, label).casefold()


def _meeting(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("meeting")
    waiting = {m.id: m for m in waiting_for_notes(context.session, staff, context.now)}
    meeting = waiting.get(int(value)) if value and value.isascii() and value.isdigit() else None
    if meeting is None:  # not theirs, noted meanwhile, or typed: the same answer
        raise NotUnderstood()
    student = context.session.get_one(Student, meeting.student_id)
    raised = notes.raised_concerns(context.session, meeting)
    staff_owners, guardians = notes.possible_owners(context.session, meeting)
    # [code, name, what the button says]: "s3" a staff member, "g5" a guardian.
    owners = [[f"s{member.id}", member.name, member.name] for member in staff_owners]
    owners += [[f"g{g.id}", g.name, _t(staff, OWNER_FAMILY_BUTTON, name=g.name)] for g in guardians]
    state.update(
        meeting_id=meeting.id,
        student=student.name,
        zone=meeting.timezone,
        raised=[[r.number, r.guardian_name, r.text] for r in raised],
        at=0,
        owners=owners,
        summary="",
        decisions=[],
        concerns=[],
        items=[],
        ideas=[],
        feedback_days=notes.DEFAULT_FEEDBACK_DAYS,
        step="summary",
    )


def _summary(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    state.update(summary=_words(answer), step="decisions")


def _entry(staff: Staff, state: dict[str, Any], answer: Answer, field: str, added: str) -> str:
    """One more decision or idea (one per message)."""
    entries: list[str] = state[field]
    if len(entries) >= notes.MAX_ITEMS:
        raise NotUnderstood(TOO_MANY)
    entries.append(_words(answer))
    return _t(staff, added, number=len(entries))


def after_decisions(state: dict[str, Any]) -> str:
    return "concern" if state["at"] < len(state["raised"]) else "other"


def _decisions(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> str | None:
    if answer.press("decisions") == "next":
        state["step"] = after_decisions(state)
        return None
    return _entry(staff, state, answer, "decisions", DECISION_ADDED)


def _ideas(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> str | None:
    if answer.press("ideas") == "next":
        state["step"] = "feedback"
        return None
    return _entry(staff, state, answer, "ideas", IDEA_ADDED)


def _next_concern(state: dict[str, Any]) -> None:
    state["at"] += 1
    state["step"] = after_decisions(state)


def _concern(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    """What answers the family's concern number `at` (or "Not yet", then why)."""
    if answer.press("concern") == "notyet":
        state.update(step="why", why="raised")
        return
    number = state["raised"][state["at"]][0]
    state["concerns"].append([number, "", _words(answer), True])
    _next_concern(state)


def _why(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    reason = _words(answer)
    if state.get("why") == "raised":
        number = state["raised"][state["at"]][0]
        state["concerns"].append([number, "", reason, False])
        _next_concern(state)
        return
    state["concerns"].append([None, state.pop("other", ""), reason, False])
    state["step"] = "other"


def _other(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    """A concern raised during the meeting, in the organizer's words; Next when none."""
    if answer.press("other") == "next":
        state["step"] = "what"
        return
    if len(state["concerns"]) >= notes.MAX_CONCERNS:
        raise NotUnderstood(TOO_MANY)
    state.update(other=_words(answer), step="answer")


def _answer(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    if answer.press("answer") == "notyet":
        state.update(step="why", why="other")
        return
    state["concerns"].append([None, state.pop("other", ""), _words(answer), True])
    state["step"] = "other"


def _what(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    if answer.press("what") == "none" and not state["items"]:
        state["step"] = "ideas"
        return
    state.update(item={"what": _words(answer)}, step="owner")


def _owner(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    owners = {code: label for code, _, label in state["owners"]}
    value = answer.press("owner")
    if value is None:  # typed: a name as the buttons show it
        words = answer.typed().casefold()
        value = next((code for code, label in owners.items() if label.casefold() == words), None)
        if value is None:
            value = next(
                (c for c, label in owners.items() if label.casefold().startswith(words)), None
            )
    if value not in owners:
        raise NotUnderstood()
    state["item"]["owner"] = value
    state["step"] = "due"


def _due(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> str:
    first = today(state, context.now)
    day = parse_day(answer.typed(), first, staff.language)
    if day is None:
        raise NotUnderstood(BAD_DATE, **examples(first, staff.language))
    if day < first:
        raise NotUnderstood(PAST_DATE)
    if day > first + MAX_AHEAD:
        raise NotUnderstood(FAR_DATE)
    item = state.pop("item")
    state["items"].append([item["what"], item["owner"], day.isoformat()])
    state["step"] = "more"
    owner = {code: label for code, _, label in state["owners"]}[item["owner"]]
    return _t(
        staff,
        ITEM_ADDED,
        number=len(state["items"]),
        owner=owner,
        date=due_text(day, staff.language),
    )


def _more(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("more")
    if value == "add":
        if len(state["items"]) >= notes.MAX_ITEMS:
            raise NotUnderstood(TOO_MANY)
        state["step"] = "what"
        return
    if value != "no":
        raise NotUnderstood()
    state["step"] = "ideas"


def _feedback(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("fb")
    if value is None:
        value = answer.typed().split()[0]
    if value not in FEEDBACK_DAYS:
        raise NotUnderstood()
    state.update(feedback_days=int(value), step="confirm")


def _confirm(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    """Send or Cancel: the dialog module does it (`state["step"]` says which)."""
    from . import staff_messages as s

    value = answer.press("send")
    if value is None and _typed_label(staff, answer, s.SEND):
        value = "yes"
    if value is None and _typed_label(staff, answer, s.CANCEL):
        value = "no"
    if value not in ("yes", "no"):
        raise NotUnderstood()
    state["step"] = SENDING if value == "yes" else DROPPING


TAKES = {
    "meeting": _meeting,
    "summary": _summary,
    "decisions": _decisions,
    "concern": _concern,
    "why": _why,
    "other": _other,
    "answer": _answer,
    "what": _what,
    "owner": _owner,
    "due": _due,
    "more": _more,
    "ideas": _ideas,
    "feedback": _feedback,
    "confirm": _confirm,
}
