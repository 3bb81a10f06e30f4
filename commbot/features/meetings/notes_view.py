"""`/meetings` after the meeting: which held meetings it still shows, and their notes in the
staff member's language: the summary and decisions, each concern and what answers it, the
plan's items (owner, due date, done, overdue, moved and why), and each guardian's feedback.

A held meeting stays in `/meetings` while its plan has an open item, and for `RECENT`
after its notes (the time a family has to answer the feedback question), so the organizer
and the coordinator see the feedback where they see the meeting. The organizer's and the
family's words are shown as written (the family's in their language, as the meeting view
always shows them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...i18n import N_
from ...models import Staff, Student
from ...policy import served_students_query
from . import after_messages as am
from .after_models import ActionItem, ItemState, MeetingNotes
from .models import Meeting, MeetingState
from .view import FamilyView, MeetingView

RECENT = dt.timedelta(days=30)
WORDS_SHOWN = 200  # characters of anyone's words in the list

VIEW_NOTES = N_("Notes recorded on {date}.")
VIEW_CONCERNS = N_("The family's concerns and the answers:")
VIEW_CONCERN_BY = N_("{number}. {guardian} wrote: {words}")
VIEW_CONCERN_MEETING = N_("{number}. Raised in the meeting: {words}")
VIEW_PLAN = N_("The plan:")
VIEW_ITEM = N_("{number}. {owner}, due {date}: {words}")
VIEW_ITEM_DONE = N_("Done.")
VIEW_ITEM_OVERDUE = N_("Overdue.")
VIEW_ITEM_DROPPED = N_("No longer needed.")
VIEW_ITEM_MOVED = N_("Moved from {date}. Why: {words}")
VIEW_FEEDBACK_RATING = N_("Feedback: {rating} of 5 ({scale}).")
VIEW_FEEDBACK_WORDS = N_("What would help next time: {words}")
VIEW_FEEDBACK_WAITING = N_("Feedback asked. No answer yet.")

_Gettext = Callable[..., str]


def held_to_show(session: Session, staff: Staff, now: dt.datetime) -> list[Meeting]:
    """Held meetings of the staff member's students with an open item, or recent notes."""
    served = served_students_query(staff).with_only_columns(Student.id)
    open_items = select(ActionItem.meeting_id).where(ActionItem.state == ItemState.OPEN)
    recent = select(MeetingNotes.meeting_id).where(MeetingNotes.recorded_at >= now - RECENT)
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.state == MeetingState.HELD,
                Meeting.student_id.in_(served),
                or_(Meeting.id.in_(open_items), Meeting.id.in_(recent)),
            )
            .order_by(Meeting.id)
        )
    )


def family_lines(family: FamilyView, t: _Gettext) -> list[str]:
    """A guardian's feedback, under their other answers."""
    given = family.feedback
    if given is None:
        return []
    if given.rating is None:
        return [t(VIEW_FEEDBACK_WAITING)]
    scale = t(am.FEEDBACK_SCALE[given.rating - 1])
    lines = [t(VIEW_FEEDBACK_RATING, rating=given.rating, scale=scale)]
    if given.words:
        lines.append(t(VIEW_FEEDBACK_WORDS, words=_quoted(given.words)))
    return lines


def notes_lines(view: MeetingView, t: _Gettext, language: str) -> list[str]:
    """The notes, the concerns and their answers, and the plan, after the families."""
    notes = view.notes
    if notes is None:
        return []
    recorded = dt.datetime.fromisoformat(notes.recorded_at) if notes.recorded_at else None
    lines = [""]
    if recorded is not None:
        lines.append(t(VIEW_NOTES, date=am.due_text(recorded.date(), language)))
    lines += [t(am.NOTES_SUMMARY), _shorten(notes.summary)]
    if notes.decisions:
        lines.append(t(am.NOTES_DECISIONS))
        lines += [f"- {_shorten(d)}" for d in notes.decisions]
    if notes.concerns:
        lines += ["", t(VIEW_CONCERNS)]
        for concern in notes.concerns:
            words = _quoted(concern.concern)
            if concern.guardian is not None:
                lines.append(
                    t(
                        VIEW_CONCERN_BY,
                        number=concern.number,
                        guardian=concern.guardian,
                        words=words,
                    )
                )
            else:
                lines.append(t(VIEW_CONCERN_MEETING, number=concern.number, words=words))
            label = am.CONCERN_ANSWER if concern.answered else am.CONCERN_NOT_YET
            lines.append(f"  {t(label)} {_shorten(concern.response)}")
    if notes.items:
        lines += ["", t(VIEW_PLAN)]
        for item in notes.items:
            date = am.due_text(dt.date.fromisoformat(item.due_on), language)
            lines.append(
                t(VIEW_ITEM, number=item.number, owner=item.owner, date=date, words=item.what)
            )
            states = []
            if item.state == ItemState.DONE.value:
                states.append(t(VIEW_ITEM_DONE))
            elif item.state == ItemState.CANCELLED.value:
                states.append(t(VIEW_ITEM_DROPPED))
            elif item.overdue:
                states.append(t(VIEW_ITEM_OVERDUE))
            if item.delays:
                first = am.due_text(dt.date.fromisoformat(item.first_due_on), language)
                states.append(t(VIEW_ITEM_MOVED, date=first, words=_quoted(item.delay_reason)))
            lines += [f"  {state}" for state in states]
    return lines


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WORDS_SHOWN else text[: WORDS_SHOWN - 1].rstrip() + "…"


def _quoted(text: str) -> str:
    return f'"{_shorten(text)}"'
