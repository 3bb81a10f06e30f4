"""`/checkin` sets up a recurring check-in step by step with buttons (typing works too);
`/checkins` lists a staff member's plans with pause, resume and delete buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from babel import Locale
from babel.dates import format_time
from sqlalchemy import select

from ..checkins.plans import create_plan, plans_of
from ..checkins.questions import TEMPLATES, template_text
from ..checkins.timing import DAY_NAMES, InvalidSchedule, next_after, parse_days, parse_time
from ..i18n import N_, gettext
from ..languages import catalog_language
from ..models import CheckinPlan, SchoolClass, Staff, StaffDialog, Student, class_staff
from ..policy import SCHOOL_WIDE_ROLES
from ..staff_messages import arrival_text
from .context import Context

KIND = "checkin"
DAY_PRESETS = (
    ("fri", N_("Fridays")),
    ("mon", N_("Mondays")),
    ("mon,thu", N_("Mon and Thu")),
    ("mon-fri", N_("Every weekday")),
)
TIME_PRESETS = ("08:00", "12:00", "15:30", "16:00", "18:00", "19:30")
QUESTION_LABELS = {
    "week": N_("How the week went at home"),
    "proud": N_("Something that made them proud"),
    "ahead": N_("The week ahead"),
    "weekend": N_("The weekend"),
}

WHO = N_("Who is this check-in for?")
ONE_STUDENT = N_("One student")
TYPE_STUDENT = N_("Type the student's name.")
WHICH_DAYS = N_("On which days? Tap one, or type days like: tue, fri")
WHAT_TIME = N_(
    "At what time? It is each family's own local time. Tap one, or type a time like 16:30."
)
WHICH_QUESTION = N_("Which question? Families get it in their own language.")
OWN_QUESTION = N_("Write my own")
TYPE_QUESTION = N_("Type your question.")
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please try again, or send /cancel.")
CREATED = N_(
    "Check-in set for {target}: {days} at {time}, each family's own time. "
    "The first one goes out {when}. /checkins shows your check-ins."
)
CANCELLED = N_("Check-in setup cancelled.")
NO_PLANS = N_("You have no check-ins. Send /checkin to set one up.")
PAUSED_LABEL = N_("paused")
PAUSE = N_("Pause")
RESUME = N_("Resume")
DELETE = N_("Delete")
PLAN_PAUSED = N_("Check-in for {target} paused.")
PLAN_RESUMED = N_("Check-in for {target} resumed.")
PLAN_DELETED = N_("Check-in for {target} deleted.")

Reply = list[list[dict[str, str]]]
# How the dialog talks back: staff_side's `_tell(context, staff, text, buttons=None)`.
Tell = Callable[..., None]
FindStudent = Callable[[Context, Staff, str], tuple[Student | None, str]]


def start(context: Context, staff: Staff, tell: Tell) -> None:
    session = context.session
    dialog = session.get(StaffDialog, staff.id) or StaffDialog(staff_id=staff.id, kind=KIND)
    dialog.kind, dialog.state, dialog.updated_at = KIND, {"step": "target"}, context.now
    session.add(dialog)
    buttons = [[_button(c.name, f"ck:class:{c.id}")] for c in _classes(context, staff)]
    buttons.append([_button(gettext(staff.language, ONE_STUDENT), "ck:student")])
    tell(context, staff, gettext(staff.language, WHO), buttons)


def cancel(context: Context, staff: Staff, tell: Tell) -> None:
    dialog = context.session.get(StaffDialog, staff.id)
    if dialog is not None:
        context.session.delete(dialog)
    tell(context, staff, gettext(staff.language, CANCELLED))


def active(context: Context, staff: Staff) -> bool:
    dialog = context.session.get(StaffDialog, staff.id)
    return dialog is not None and dialog.kind == KIND


def answer(context: Context, staff: Staff, tell: Tell, find_student: FindStudent) -> None:
    """The next step of the dialog, from a button (`ck:...`) or typed text."""
    session = context.session
    dialog = session.get_one(StaffDialog, staff.id)
    state = dict(dialog.state)
    data = context.inbound.callback_data or ""
    text = context.inbound.text.strip()
    language = staff.language
    step = state.get("step")
    try:
        if step == "target" and data.startswith("ck:class:"):
            class_id = int(data.rsplit(":", 1)[1])
            if class_id not in {c.id for c in _classes(context, staff)}:
                raise InvalidSchedule("not your class")
            state.update(class_id=class_id, step="days")
        elif step == "target" and data == "ck:student":
            state["step"] = "student"
        elif step == "student" and text:
            student, _ = find_student(context, staff, text)
            if student is None:
                raise InvalidSchedule("no such student")
            state.update(student_id=student.id, step="days")
        elif step == "days" and (data.startswith("ck:days:") or text):
            state.update(
                days=parse_days(data.removeprefix("ck:days:") if data else text), step="time"
            )
        elif step == "time" and (data.startswith("ck:time:") or text):
            state.update(
                time=parse_time(data.removeprefix("ck:time:") if data else text), step="question"
            )
        elif step == "question" and data == "ck:q:own":
            state["step"] = "own"
        elif step == "question" and data.startswith("ck:q:") and data[5:] in TEMPLATES:
            _finish(context, staff, state, template=data[5:], tell=tell)
            return
        elif step == "own" and text:
            _finish(context, staff, state, question=text, tell=tell)
            return
        else:
            raise InvalidSchedule("unexpected answer")
    except (InvalidSchedule, ValueError):
        tell(context, staff, gettext(language, NOT_UNDERSTOOD))
        return
    dialog.state, dialog.updated_at = state, context.now
    _ask(context, staff, state["step"], tell)


def _ask(context: Context, staff: Staff, step: str, tell: Tell) -> None:
    language = staff.language
    if step == "student":
        tell(context, staff, gettext(language, TYPE_STUDENT))
    elif step == "days":
        buttons = [
            [_button(gettext(language, label), f"ck:days:{days}")] for days, label in DAY_PRESETS
        ]
        tell(context, staff, gettext(language, WHICH_DAYS), buttons)
    elif step == "time":
        row = [_button(t, f"ck:time:{t}") for t in TIME_PRESETS]
        tell(context, staff, gettext(language, WHAT_TIME), [row[:3], row[3:]])
    elif step == "question":
        buttons = [
            [_button(gettext(language, label), f"ck:q:{key}")]
            for key, label in QUESTION_LABELS.items()
        ]
        buttons.append([_button(gettext(language, OWN_QUESTION), "ck:q:own")])
        tell(context, staff, gettext(language, WHICH_QUESTION), buttons)
    elif step == "own":
        tell(context, staff, gettext(language, TYPE_QUESTION))


def _finish(
    context: Context,
    staff: Staff,
    state: dict[str, Any],
    *,
    tell: Tell,
    template: str | None = None,
    question: str | None = None,
) -> None:
    session = context.session
    plan = create_plan(
        session,
        staff=staff,
        days=state["days"],
        time=state["time"],
        now=context.now,
        default_timezone=context.default_timezone,
        class_id=state.get("class_id"),
        student_id=state.get("student_id"),
        template=template,
        question=question,
    )
    session.delete(session.get_one(StaffDialog, staff.id))
    zone = context.default_timezone
    first = next_after(plan.days, plan.time, zone, context.now)
    text = gettext(
        staff.language,
        CREATED,
        target=target_name(context, plan),
        days=days_text(plan.days, staff.language),
        time=time_text(plan.time, staff.language),
        when=arrival_text(first, zone, staff.language, context.now, with_day=True),
    )
    sample = template_text(template, staff.language, "…") if template else question
    tell(context, staff, f"{text}\n« {sample} »")


def list_plans(context: Context, staff: Staff, tell: Tell) -> None:
    plans = list(plans_of(context.session, staff))
    if not plans:
        tell(context, staff, gettext(staff.language, NO_PLANS))
        return
    for plan in plans:
        tell(context, staff, _plan_line(context, staff, plan), _plan_buttons(staff, plan))


def plan_action(context: Context, staff: Staff, tell: Tell) -> None:
    """`ckp:pause:ID`, `ckp:resume:ID`, `ckp:delete:ID` from the /checkins buttons."""
    _, action, plan_id = (context.inbound.callback_data or "").split(":")
    plan = context.session.get(CheckinPlan, int(plan_id)) if plan_id.isdigit() else None
    if plan is None or plan.staff_id != staff.id:
        return
    target = target_name(context, plan)
    if action == "pause":
        plan.paused = True
        tell(context, staff, gettext(staff.language, PLAN_PAUSED, target=target))
    elif action == "resume":
        plan.paused = False
        tell(context, staff, gettext(staff.language, PLAN_RESUMED, target=target))
    elif action == "delete":
        context.session.delete(plan)
        tell(context, staff, gettext(staff.language, PLAN_DELETED, target=target))


def _plan_line(context: Context, staff: Staff, plan: CheckinPlan) -> str:
    days = days_text(plan.days, staff.language)
    question = template_text(plan.template, staff.language, "…") if plan.template else plan.question
    paused = f" ({gettext(staff.language, PAUSED_LABEL)})" if plan.paused else ""
    time = time_text(plan.time, staff.language)
    return f"{target_name(context, plan)}: {days}, {time}{paused}\n« {question} »"


def _plan_buttons(staff: Staff, plan: CheckinPlan) -> Reply:
    toggle = (RESUME, "resume") if plan.paused else (PAUSE, "pause")
    return [
        [
            _button(gettext(staff.language, toggle[0]), f"ckp:{toggle[1]}:{plan.id}"),
            _button(gettext(staff.language, DELETE), f"ckp:delete:{plan.id}"),
        ]
    ]


def target_name(context: Context, plan: CheckinPlan) -> str:
    if plan.class_id is not None:
        school_class = context.session.get(SchoolClass, plan.class_id)
        return school_class.name if school_class else "?"
    student = context.session.get(Student, plan.student_id)
    return student.name if student else "?"


def days_text(days: str, language: str) -> str:
    """ "fri" → "Friday", "mon-fri" → "Monday–Friday", in the reader's language."""
    names = Locale.parse(catalog_language(language).replace("-", "_")).days["format"]["wide"]

    def name(day: str) -> str:
        return names[DAY_NAMES.index(day)]

    parts = []
    for part in days.split(","):
        ends = part.split("-")
        parts.append("–".join(name(d) for d in ends))
    return ", ".join(parts)


def time_text(clock: str, language: str) -> str:
    """ "14:00" as the reader writes times ("2:00 PM", "14:00")."""
    hours, minutes = clock.split(":")
    locale = catalog_language(language).replace("-", "_")
    return format_time(dt.time(int(hours), int(minutes)), format="short", locale=locale)


def _classes(context: Context, staff: Staff) -> list[SchoolClass]:
    query = select(SchoolClass).order_by(SchoolClass.name)
    if staff.role not in SCHOOL_WIDE_ROLES:
        query = query.join(class_staff).where(class_staff.c.staff_id == staff.id)
    elif staff.school_id is not None:
        query = query.where(SchoolClass.school_id == staff.school_id)
    return list(context.session.scalars(query))


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}
