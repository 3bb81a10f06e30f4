"""`/notes` on Telegram: after a meeting, its organizer (or anyone who may manage it)
writes the notes step by step: which meeting, a plain summary, decisions, what answers
each concern the family raised (or why not yet), concerns raised during the meeting, the
action plan (what, who, by when), ideas for home, when to ask for feedback; then a preview
of exactly what each guardian gets, and Send. Nothing is written until Send, which calls
`notes.record_notes` like `commbot meeting notes`. The steps are in `notes_dialog_steps`.
"""

from __future__ import annotations

import copy
from typing import Any

from ...callback_data import ButtonData, Choice, Text
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import COMMANDS
from ...i18n import gettext
from ...models import Channel, Staff, StaffDialog
from ...outbox import Keyboard
from . import messages as m
from . import notes_dialog_messages as n
from . import staff_messages as s
from .actions import MeetingError, meeting_for
from .dialog_steps import answer_from
from .notes import raised_concerns, record_notes
from .notes_dialog_dates import examples
from .notes_dialog_preview import preview_texts, spec_from
from .notes_dialog_steps import (
    DROPPING,
    FEEDBACK_DAYS,
    SENDING,
    TAKES,
    Answer,
    NotUnderstood,
    today,
    waiting_for_notes,
)

KIND = "notes"
STEPS = (
    "meeting",
    "decisions",
    "concern",
    "other",
    "answer",
    "what",
    "owner",
    "more",
    "ideas",
    "fb",
    "send",
)
# One step's press: "nt:meeting:12", "nt:decisions:next", "nt:concern:notyet",
# "nt:owner:s3", "nt:more:add", "nt:fb:2", "nt:send:yes".
STEP = ButtonData("nt", Choice("step", *STEPS), Text("value", optional=True, max_length=24))
MAX_MEETING_BUTTONS = 24
# Steps whose buttons are named otherwise.
BUTTON_OF = {"feedback": "fb", "confirm": "send"}


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


@COMMANDS.command("/notes", n.NOTES_HELP)
def start(context: Context, staff: Staff, argument: str = "") -> None:
    waiting = waiting_for_notes(context.session, staff, context.now)
    if not waiting:
        context.reply(_t(staff, n.NO_MEETING_FOR_NOTES))
        return
    DIALOGS.begin(context, staff, KIND, {"step": "meeting"})
    row = context.session.get_one(StaffDialog, staff.id)
    _ask(context, staff, row.state)


def step(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The next step, from a button or typed text."""
    _take(context, staff, dialog, answer_from(context, STEP))


def _take(context: Context, staff: Staff, dialog: StaffDialog, answer: Answer) -> None:
    state = copy.deepcopy(dialog.state)
    current = str(state.get("step"))
    take = TAKES.get(current)
    if take is None:  # a state no step knows (written by an older version): start afresh
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, n.NOTES_CANCELLED))
        return
    try:
        note = take(context, staff, state, answer)
    except NotUnderstood as refused:
        context.events.append("notes dialog: not understood")
        _ask(context, staff, state, note=_t(staff, refused.message, **refused.values))
        return
    if state["step"] == DROPPING:
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, n.NOTES_CANCELLED))
        return
    if state["step"] in (SENDING, "confirm") and _newly_raised(context, state):
        note = _t(staff, n.NEW_CONCERNS)
    elif state["step"] == SENDING:
        DIALOGS.end(context.session, staff)
        _send(context, staff, state)
        return
    dialog.state, dialog.updated_at = state, context.now
    _ask(context, staff, state, note=note, entering=state["step"] != current)


def _newly_raised(context: Context, state: dict[str, Any]) -> bool:
    """A concern the family raised after the meeting was picked: add it, and go back to
    ask what answers it (the notes cannot be sent with it unanswered)."""
    try:
        meeting = meeting_for(context.session, None, int(state["meeting_id"]))
    except MeetingError:
        return False  # gone: sending says so
    known = len(state["raised"])
    raised = raised_concerns(context.session, meeting)
    if len(raised) <= known:
        return False
    state["raised"] += [[r.number, r.guardian_name, r.text] for r in raised[known:]]
    state.update(at=known, step="concern")
    return True


# -- sending -------------------------------------------------------------------------------------


def _send(context: Context, staff: Staff, state: dict[str, Any]) -> None:
    try:
        meeting = meeting_for(context.session, staff, int(state["meeting_id"]))
        recorded = record_notes(
            context.session,
            staff,
            meeting,
            spec_from(state, staff.language),
            now=context.now,
            default_timezone=context.default_timezone,
        )
    except MeetingError:
        context.reply(_t(staff, n.CANNOT_RECORD))
        context.events.append("notes refused")
        return
    lines = [_t(staff, n.NOTES_RECORDED, student=state["student"])]
    for guardian, deliveries in recorded.families:
        if deliveries:
            channel = Channel(deliveries[0].channel).label
            lines.append(_t(staff, s.SENT_BY, guardian=guardian.name, channel=channel))
        else:
            lines.append(_t(staff, s.SENT_NOWHERE, guardian=guardian.name))
    if recorded.items:
        lines.append(_t(staff, n.SEE_ACTIONS))
    context.reply("\n".join(lines))
    context.events.append("notes recorded")


# -- asking ----------------------------------------------------------------------------------------


def _ask(
    context: Context,
    staff: Staff,
    state: dict[str, Any],
    *,
    note: str | None = None,
    entering: bool = False,
) -> None:
    if state["step"] == "confirm" and entering:
        _show_preview(context, staff, state, note)
        return
    text, buttons = _question(context, staff, state)
    context.reply(f"{note}\n\n{text}" if note else text, buttons or None)


def _question(context: Context, staff: Staff, state: dict[str, Any]) -> tuple[str, Keyboard]:
    current = str(state["step"])
    press = BUTTON_OF.get(current, current)

    def button(label: str, value: str) -> dict[str, str]:
        return {"text": label, "callback_data": STEP.encode(step=press, value=value)}

    def one(label: str, value: str) -> Keyboard:
        return [[button(_t(staff, label), value)]]

    if current == "meeting":
        waiting = waiting_for_notes(context.session, staff, context.now)[:MAX_MEETING_BUTTONS]
        rows = [[button(_meeting_label(context, staff, mt), str(mt.id))] for mt in waiting]
        return _t(staff, n.WHICH_MEETING), rows
    if current == "summary":
        return _t(staff, n.ASK_SUMMARY), []
    if current == "decisions":
        ask = n.ANOTHER_OR_NEXT if state["decisions"] else n.ASK_DECISIONS
        return _t(staff, ask), one(n.NEXT, "next")
    if current == "concern":
        number, guardian, words = state["raised"][state["at"]]
        count = len(state["raised"])
        heading = _t(staff, n.CONCERN_RAISED, number=number, count=count, guardian=guardian)
        text = f'{heading}\n"{words}"\n\n{_t(staff, n.ASK_CONCERN_ANSWER)}'
        return text, one(n.NOT_YET, "notyet")
    if current == "why":
        return _t(staff, n.ASK_WHY_NOT_YET), []
    if current == "other":
        during = any(raised is None for raised, *_ in state["concerns"])
        ask = n.ANOTHER_CONCERN if during else n.ASK_OTHER_CONCERN
        return _t(staff, ask), one(n.NEXT, "next")
    if current == "answer":
        heading = _t(staff, n.OTHER_CONCERN)
        text = f'{heading}\n"{state.get("other", "")}"\n\n{_t(staff, n.ASK_CONCERN_ANSWER)}'
        return text, one(n.NOT_YET, "notyet")
    if current == "what":
        if state["items"]:
            return _t(staff, n.ASK_NEXT_ITEM), []
        return _t(staff, n.ASK_ITEM_WHAT), one(n.NO_ITEMS, "none")
    if current == "owner":
        return _t(staff, n.ASK_ITEM_OWNER), [
            [button(label, code)] for code, _, label in state["owners"]
        ]
    if current == "due":
        return _t(staff, n.ASK_ITEM_DUE, **examples(today(state, context.now), staff.language)), []
    if current == "more":
        row = [button(_t(staff, n.ADD_ANOTHER), "add"), button(_t(staff, n.NO_MORE), "no")]
        return _t(staff, n.ADD_ANOTHER_ITEM), [row]
    if current == "ideas":
        ask = n.ANOTHER_OR_NEXT if state["ideas"] else n.ASK_IDEAS
        return _t(staff, ask), one(n.NEXT, "next")
    if current == "feedback":
        row = []
        for days in FEEDBACK_DAYS:
            if days == "0":
                label = _t(staff, n.DO_NOT_ASK)
            elif int(days) == int(state["feedback_days"]):
                label = _t(staff, n.USUAL_DAYS, days=int(days))
            else:
                label = _t(staff, n.DAYS, days=int(days))
            row.append(button(label, days))
        return _t(staff, n.ASK_FEEDBACK), [row[:3], row[3:]]
    rows = [[button(_t(staff, s.SEND), "yes"), button(_t(staff, s.CANCEL), "no")]]
    return _t(staff, n.SEND_NOTES), rows


def _meeting_label(context: Context, staff: Staff, meeting: Any) -> str:
    from ...models import Student

    student = context.session.get_one(Student, meeting.student_id)
    when = m.when_text(meeting.starts_at, meeting.timezone, staff.language)
    return _t(staff, n.MEETING_BUTTON, student=student.name, when=when)


def _show_preview(context: Context, staff: Staff, state: dict[str, Any], note: str | None) -> None:
    try:
        meeting = meeting_for(context.session, staff, int(state["meeting_id"]))
    except MeetingError:
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, n.CANNOT_RECORD))
        return
    if note:
        context.reply(note)
    for text in preview_texts(context.session, staff, meeting, state):
        context.reply(text)
    question, buttons = _question(context, staff, state)
    context.reply(f"{_t(staff, n.NOTES_TRANSLATED)}\n\n{question}", buttons)


DIALOGS.add(Dialog(KIND, step, STEP, cancelled=n.NOTES_CANCELLED))
