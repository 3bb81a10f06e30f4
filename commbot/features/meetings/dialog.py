"""`/meeting` on Telegram: setting up a meeting step by step with buttons (typing works
too): student, purpose, a fixed time or times to choose from, how long, where, who from
school comes, documents; then a preview of exactly what each guardian will receive, and
Send. Nothing exists until Send: the state is the dialog's row (times as ISO strings).
The steps are in `dialog_steps`; this module asks the questions and sends.

Only the staff member's served students are offered or accepted; `create_meeting` checks
again when it is sent.
"""

from __future__ import annotations

import copy
from typing import Any

from ...callback_data import ButtonData, Choice, Text
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import COMMANDS
from ...conversations.staff import NO_SUCH_STUDENT, find_student
from ...i18n import gettext
from ...models import Channel, Staff, StaffDialog, Student
from ...outbox import Keyboard
from ...policy import served_students
from . import messages as m
from . import staff_messages as s
from .actions import MAX_SLOTS, MeetingError, create_meeting
from .dialog_preview import draft_from, preview_texts
from .dialog_steps import DROPPING, SENDING, TAKES, Answer, NotUnderstood, answer_from
from .models import AttendeeRole

KIND = "meeting"
STEPS = ("student", "purpose", "timing", "time", "dur", "place", "team", "docs", "send")
# One step's press: "mt:student:12", "mt:purpose:annual_review", "mt:timing:slots",
# "mt:time:done", "mt:dur:45", "mt:place:video", "mt:team:7", "mt:docs:done", "mt:send:yes".
STEP = ButtonData("mt", Choice("step", *STEPS), Text("value", optional=True, max_length=24))
DURATIONS = (30, 45, 60, 90)
MAX_STUDENT_BUTTONS = 24  # a coordinator's whole school would not fit: they type the name
# Typed steps, which have no button of their own.
BUTTON_OF = {"video": "place", "phone": "place", "confirm": "send"}


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


@COMMANDS.command("/meeting", None)  # explained on /meetings' help line
def start(context: Context, staff: Staff, argument: str = "") -> None:
    if not served_students(context.session, staff):
        context.reply(_t(staff, s.NO_STUDENTS))
        return
    student = None
    if argument:  # "/meeting Alfredo" answers the first question; a wrong name, as /msg does
        student, rest = find_student(context, staff, argument)
        if student is None or rest:
            name = argument.split("\n")[0][:60]
            context.reply(_t(staff, NO_SUCH_STUDENT, name=name))
            return
    DIALOGS.begin(context, staff, KIND, {"step": "student"})
    row = context.session.get_one(StaffDialog, staff.id)
    if student is not None:
        _take(context, staff, row, Answer(None, "", argument))
        return
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
        context.reply(_t(staff, s.SETUP_CANCELLED))
        return
    try:
        note = take(context, staff, state, answer)
    except NotUnderstood as refused:
        context.events.append("meeting dialog: not understood")
        _ask(context, staff, state, note=_t(staff, refused.message, **refused.values))
        return
    if state["step"] in (SENDING, DROPPING):
        DIALOGS.end(context.session, staff)
        if state["step"] == SENDING:
            _send(context, staff, state)
        else:
            context.reply(_t(staff, s.SETUP_CANCELLED))
        return
    dialog.state, dialog.updated_at = state, context.now
    _ask(context, staff, state, note=note, entering=state["step"] != current)


# -- sending -------------------------------------------------------------------------------------


def _send(context: Context, staff: Staff, state: dict[str, Any]) -> None:
    try:
        created = create_meeting(
            context.session,
            staff,
            draft_from(state),
            now=context.now,
            default_timezone=context.default_timezone,
            base_url=context.settings.public_base_url,
            actor=staff,
        )
    except MeetingError:
        context.reply(_t(staff, s.CANNOT_SEND))
        context.events.append("meeting refused")
        return
    student = context.session.get_one(Student, created.meeting.student_id)
    lines = [_t(staff, s.SENT, student=student.name)]
    for sent in created.sent:
        if sent.channel is None:
            lines.append(_t(staff, s.SENT_NOWHERE, guardian=sent.guardian.name))
        else:
            channel = Channel(sent.channel).label
            lines.append(_t(staff, s.SENT_BY, guardian=sent.guardian.name, channel=channel))
    lines += [c.text for c in created.conflicts]
    lines.append(_t(staff, s.SEE_ANSWERS))
    context.reply("\n".join(lines))
    context.events.append("meeting created")


# -- asking ----------------------------------------------------------------------------------------


def _ask(
    context: Context,
    staff: Staff,
    state: dict[str, Any],
    *,
    note: str | None = None,
    entering: bool = False,
) -> None:
    current = str(state["step"])
    if current == "confirm" and entering:
        _show_preview(context, staff, state, note)
        return
    text, buttons = _question(context, staff, state)
    context.reply(f"{note}\n\n{text}" if note else text, buttons or None)


def _question(context: Context, staff: Staff, state: dict[str, Any]) -> tuple[str, Keyboard]:
    current = str(state["step"])
    press = BUTTON_OF.get(current, current)

    def button(label: str, value: str) -> dict[str, str]:
        return _button(label, STEP.encode(step=press, value=value))

    if current == "student":
        students = served_students(context.session, staff)[:MAX_STUDENT_BUTTONS]
        return _t(staff, s.WHICH_STUDENT), [[button(st.name, str(st.id))] for st in students]
    if current == "purpose":
        rows = [[button(_t(staff, label), p.value)] for p, label in s.PURPOSE_LABELS.items()]
        return _t(staff, s.WHICH_PURPOSE), rows
    if current == "timing":
        rows = [
            [button(_t(staff, s.FIXED_TIME), "fixed")],
            [button(_t(staff, s.PROPOSE_SLOTS), "slots")],
        ]
        return _t(staff, s.WHICH_TIMING), rows
    if current == "time":
        zone = state["zone"]
        if state["mode"] == "fixed":
            return _t(staff, s.TYPE_FIXED, zone=zone), []
        if state["times"]:
            return _t(staff, s.ANOTHER_SLOT), [[button(_t(staff, s.DONE), "done")]]
        return _t(staff, s.TYPE_SLOT, zone=zone, most=MAX_SLOTS), []
    if current == "dur":
        row = [button(_t(staff, s.MINUTES, minutes=n), str(n)) for n in DURATIONS]
        return _t(staff, s.HOW_LONG), [row]
    if current == "place":
        row = [button(_t(staff, s.BY_VIDEO), "video"), button(_t(staff, s.BY_PHONE), "phone")]
        return _t(staff, s.WHERE), [row]
    if current in ("video", "phone"):
        return _t(staff, s.TYPE_VIDEO if current == "video" else s.TYPE_PHONE), []
    if current == "team":
        return _team_question(staff, state, button)
    if current == "docs":
        label = s.DONE if state["documents"] else s.SKIP
        return _t(staff, s.WHICH_DOCUMENTS), [[button(_t(staff, label), "done")]]
    rows = [[button(_t(staff, s.SEND), "yes"), button(_t(staff, s.CANCEL), "no")]]
    return _t(staff, s.SEND_OR_CANCEL), rows


def _team_question(staff: Staff, state: dict[str, Any], button: Any) -> tuple[str, Keyboard]:
    chosen = set(state["chosen"])
    rows = []
    names = []
    for staff_id, name, role in state["team"]:
        role_name = _t(staff, m.ROLE_NAMES[AttendeeRole(role)])
        mark = "✓ " if staff_id in chosen else ""
        rows.append([button(f"{mark}{name} ({role_name})", str(staff_id))])
        if staff_id in chosen:
            names.append(name)
    for name, role in state["others"]:
        names.append(f"{name} ({_t(staff, m.ROLE_NAMES[AttendeeRole(role)])})")
    rows.append([button(_t(staff, s.DONE), "done")])
    coming = _t(staff, s.COMING, names=", ".join(names)) if names else _t(staff, s.NOBODY_YET)
    return f"{_t(staff, s.WHO_COMES)}\n{coming}", rows


def _show_preview(context: Context, staff: Staff, state: dict[str, Any], note: str | None) -> None:
    draft = draft_from(state)
    texts = preview_texts(
        context.session,
        staff,
        draft,
        now=context.now,
        default_timezone=context.default_timezone,
        base_url=context.settings.public_base_url,
    )
    if note:
        context.reply(note)
    for text in texts:
        context.reply(text)
    question, buttons = _question(context, staff, state)
    context.reply(f"{_t(staff, s.TRANSLATED_NOTE)}\n\n{question}", buttons)


DIALOGS.add(Dialog(KIND, step, STEP, cancelled=s.SETUP_CANCELLED))
