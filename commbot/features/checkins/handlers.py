"""Check-ins on Telegram: `/checkin` sets one up step by step with buttons (typing works
too); `/checkins` lists a staff member's plans with pause, resume and delete buttons."""

from __future__ import annotations

from typing import Any

from ...callback_data import ButtonData, Choice, Number, Text, Value
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import BUTTONS, COMMANDS
from ...conversations.staff import find_student
from ...errors import InputError
from ...i18n import gettext
from ...i18n.times import arrival_text
from ...models import Staff, StaffDialog
from ...outbox import Keyboard
from ...policy import served_classes
from . import messages as m
from .actions import (
    CheckinError,
    PlanChange,
    change_checkin,
    create_checkin,
    list_checkins,
)
from .models import CheckinPlan
from .plans import target_name
from .timing import parse_days, parse_time

KIND = "checkin"
# One step of the setup dialog: "ck:class:12", "ck:student", "ck:days:mon,thu",
# "ck:time:16:00", "ck:q:proud".
STEP = ButtonData(
    "ck", Choice("step", "class", "student", "days", "time", "q"), Text("value", optional=True)
)
# A plan's buttons in /checkins: "ckp:pause:12".
PLAN = ButtonData("ckp", Choice("action", *(c.value for c in PlanChange)), Number("plan"))


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


@COMMANDS.command("/checkin", m.CHECKIN_HELP)
def start(context: Context, staff: Staff, argument: str = "") -> None:
    DIALOGS.begin(context, staff, KIND, {"step": "target"})
    buttons = [
        [_button(c.name, STEP.encode(step="class", value=str(c.id)))]
        for c in served_classes(context.session, staff)
    ]
    buttons.append([_button(gettext(staff.language, m.ONE_STUDENT), STEP.encode(step="student"))])
    context.reply(gettext(staff.language, m.WHO), buttons)


def step(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The next step of the dialog, from a button or typed text."""
    state = dict(dialog.state)
    pressed = STEP.decode(context.inbound.callback_data or "") or {}
    data = context.inbound.callback_data
    button = str(pressed.get("step", "")) if data else ""
    value = str(pressed.get("value", ""))
    text = context.inbound.text.strip()
    current = state.get("step")
    try:
        if current == "target" and button == "class" and value.isascii() and value.isdigit():
            state.update(class_id=int(value), step="days")
            if state["class_id"] not in {c.id for c in served_classes(context.session, staff)}:
                raise CheckinError("not your class")
        elif current == "target" and button == "student":
            state["step"] = "student"
        elif current == "student" and text and not data:
            student, _ = find_student(context, staff, text)
            if student is None:
                raise CheckinError("no such student")
            state.update(student_id=student.id, step="days")
        elif current == "days" and (button == "days" or (text and not data)):
            state.update(days=parse_days(value if data else text), step="time")
        elif current == "time" and (button == "time" or (text and not data)):
            state.update(time=parse_time(value if data else text), step="question")
        elif current == "question" and button == "q" and value == "own":
            state["step"] = "own"
        elif current == "question" and button == "q" and value in m.TEMPLATES:
            _finish(context, staff, state, template=value)
            return
        elif current == "own" and text and not data:
            _finish(context, staff, state, question=text)
            return
        else:
            raise CheckinError("unexpected answer")
    except InputError:  # CheckinError, InvalidSchedule: not a step we can take
        context.reply(gettext(staff.language, m.NOT_UNDERSTOOD))
        return
    dialog.state, dialog.updated_at = state, context.now
    _ask(context, staff, state["step"])


def _ask(context: Context, staff: Staff, current: str) -> None:
    language = staff.language
    if current == "student":
        context.reply(gettext(language, m.TYPE_STUDENT))
    elif current == "days":
        buttons = [
            [_button(gettext(language, label), STEP.encode(step="days", value=days))]
            for days, label in m.DAY_PRESETS
        ]
        context.reply(gettext(language, m.WHICH_DAYS), buttons)
    elif current == "time":
        row = [_button(t, STEP.encode(step="time", value=t)) for t in m.TIME_PRESETS]
        context.reply(gettext(language, m.WHAT_TIME), [row[:3], row[3:]])
    elif current == "question":
        buttons = [
            [_button(gettext(language, label), STEP.encode(step="q", value=key))]
            for key, label in m.QUESTION_LABELS.items()
        ]
        buttons.append(
            [_button(gettext(language, m.OWN_QUESTION), STEP.encode(step="q", value="own"))]
        )
        context.reply(gettext(language, m.WHICH_QUESTION), buttons)
    elif current == "own":
        context.reply(gettext(language, m.TYPE_QUESTION))


def _finish(
    context: Context,
    staff: Staff,
    state: dict[str, Any],
    *,
    template: str | None = None,
    question: str | None = None,
) -> None:
    created = create_checkin(
        context.session,
        staff,
        days=state["days"],
        time=state["time"],
        now=context.now,
        default_timezone=context.default_timezone,
        class_id=state.get("class_id"),
        student_id=state.get("student_id"),
        template=template,
        question=question,
    )
    DIALOGS.end(context.session, staff)
    plan = created.plan
    zone = context.default_timezone
    text = gettext(
        staff.language,
        m.CREATED,
        target=target_name(context.session, plan),
        days=m.days_text(plan.days, staff.language),
        time=m.time_text(plan.time, staff.language),
        when=arrival_text(created.first_at, zone, staff.language, context.now, with_day=True),
    )
    sample = m.template_text(template, staff.language, "…") if template else question
    context.reply(f"{text}\n« {sample} »")


@COMMANDS.command("/checkins", None)  # explained on /checkin's help line
def list_plans(context: Context, staff: Staff, argument: str = "") -> None:
    plans = list_checkins(context.session, staff)
    if not plans:
        context.reply(gettext(staff.language, m.NO_PLANS))
        return
    for plan in plans:
        context.reply(_plan_line(context, staff, plan), _plan_buttons(staff, plan))


@BUTTONS.on(PLAN)
def plan_action(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    """Pause, resume or delete from the /checkins buttons."""
    change = PlanChange(str(values["action"]))
    plan_id = int(values["plan"])
    target = None
    existing = context.session.get(CheckinPlan, plan_id)
    if existing is not None:
        target = target_name(context.session, existing)
    plan = change_checkin(context.session, staff, plan_id, change)
    if plan is None or target is None:
        context.reply(gettext(staff.language, m.PLAN_GONE))
        context.events.append("stale check-in button")
        return
    template = {
        PlanChange.PAUSE: m.PLAN_PAUSED,
        PlanChange.RESUME: m.PLAN_RESUMED,
        PlanChange.DELETE: m.PLAN_DELETED,
    }[change]
    context.reply(gettext(staff.language, template, target=target))


def _plan_line(context: Context, staff: Staff, plan: CheckinPlan) -> str:
    days = m.days_text(plan.days, staff.language)
    question = (
        m.template_text(plan.template, staff.language, "…") if plan.template else plan.question
    )
    paused = f" ({gettext(staff.language, m.PAUSED_LABEL)})" if plan.paused else ""
    time = m.time_text(plan.time, staff.language)
    return f"{target_name(context.session, plan)}: {days}, {time}{paused}\n« {question} »"


def _plan_buttons(staff: Staff, plan: CheckinPlan) -> Keyboard:
    toggle = (m.RESUME, PlanChange.RESUME) if plan.paused else (m.PAUSE, PlanChange.PAUSE)
    return [
        [
            _button(
                gettext(staff.language, toggle[0]),
                PLAN.encode(action=toggle[1].value, plan=plan.id),
            ),
            _button(
                gettext(staff.language, m.DELETE),
                PLAN.encode(action=PlanChange.DELETE.value, plan=plan.id),
            ),
        ]
    ]


DIALOGS.add(Dialog(KIND, step, STEP, cancelled=m.CANCELLED))
