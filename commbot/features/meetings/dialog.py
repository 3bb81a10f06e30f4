"""`/meeting` on Telegram: setting up a meeting step by step with buttons (typing works
too): student, purpose, a fixed time or times to choose from, how long, where, who from
school comes, documents; then a preview of exactly what each guardian will receive, and
Send. Nothing exists until Send: the state is the dialog's row (times as ISO strings).

Only the staff member's served students are offered or accepted; `create_meeting` checks
again when it is sent.
"""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from ...conversations.callbacks import ButtonData, Choice, Text
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import COMMANDS
from ...conversations.staff import find_student
from ...errors import InputError
from ...i18n import gettext
from ...models import Channel, School, Staff, StaffDialog, Student
from ...outbox import Keyboard
from ...policy import receiving_guardians, served_students
from . import messages as m
from . import staff_messages as s
from .actions import MAX_ITEMS, MAX_MINUTES, MAX_SLOTS, MIN_MINUTES, MeetingError, create_meeting
from .conflicts import quiet_conflicts
from .dialog_preview import draft_from, preview_texts
from .models import AttendeeRole, Purpose
from .team import student_team

KIND = "meeting"
STEPS = ("student", "purpose", "timing", "time", "dur", "place", "team", "docs", "send")
# One step's press: "mt:student:12", "mt:purpose:annual_review", "mt:timing:slots",
# "mt:time:done", "mt:dur:45", "mt:place:video", "mt:team:7", "mt:docs:done", "mt:send:yes".
STEP = ButtonData("mt", Choice("step", *STEPS), Text("value", optional=True, max_length=24))
DURATIONS = (30, 45, 60, 90)
MAX_STUDENT_BUTTONS = 24  # a coordinator's whole school would not fit: they type the name
TIME_FORMAT = "%Y-%m-%d %H:%M"
# Typed steps, which have no button of their own.
BUTTON_OF = {"video": "place", "phone": "place", "confirm": "send"}


class NotUnderstood(InputError):
    """An answer the current step cannot take; `message` says why, from the catalog."""

    def __init__(self, message: str = s.NOT_UNDERSTOOD, **values: object) -> None:
        super().__init__(message)
        self.message, self.values = message, values


@dataclass(frozen=True)
class Answer:
    pressed: str | None  # the step named by a pressed button, None when typed
    value: str
    text: str  # typed words ("" for a press)

    def typed(self) -> str:
        if self.pressed is not None or not self.text:
            raise NotUnderstood()
        return self.text

    def press(self, step: str) -> str | None:
        """The button's value when a button of `step` was pressed."""
        return self.value if self.pressed == step else None


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


@COMMANDS.command("/meeting", None)  # explained on /meetings' help line
def start(context: Context, staff: Staff, argument: str = "") -> None:
    if not served_students(context.session, staff):
        context.reply(_t(staff, s.NO_STUDENTS))
        return
    DIALOGS.begin(context, staff, KIND, {"step": "student"})
    row = context.session.get_one(StaffDialog, staff.id)
    if argument:  # "/meeting Alfredo" answers the first question
        _take(context, staff, row, Answer(None, "", argument))
        return
    _ask(context, staff, row.state)


def step(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The next step, from a button or typed text."""
    data = context.inbound.callback_data
    pressed = STEP.decode(data) if data else None
    if data and pressed is None:
        answer = Answer("", "", "")  # malformed: no step takes it
    elif pressed is not None:
        answer = Answer(str(pressed["step"]), str(pressed.get("value", "")), "")
    else:
        answer = Answer(None, "", context.inbound.text.strip())
    _take(context, staff, dialog, answer)


def _take(context: Context, staff: Staff, dialog: StaffDialog, answer: Answer) -> None:
    state = copy.deepcopy(dialog.state)
    current = str(state.get("step"))
    try:
        note = TAKES[current](context, staff, state, answer)
    except NotUnderstood as refused:
        context.events.append("meeting dialog: not understood")
        _ask(context, staff, state, note=_t(staff, refused.message, **refused.values))
        return
    if state["step"] == "done":
        return
    dialog.state, dialog.updated_at = state, context.now
    _ask(context, staff, state, note=note, entering=state["step"] != current)


# -- each step takes its answer ----------------------------------------------------------------


def _student(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    served = {st.id: st for st in served_students(context.session, staff)}
    value = answer.press("student")
    if value is not None:
        student = served.get(int(value)) if value.isascii() and value.isdigit() else None
    else:
        student, rest = find_student(context, staff, answer.typed())
        student = student if student is not None and not rest else None
    if student is None:  # not theirs, or no such name: the same answer for both
        raise NotUnderstood()
    school = context.session.get(School, student.school_id)
    zone = (school.timezone if school else None) or context.default_timezone
    team = student_team(context.session, student, staff)
    state.update(
        student_id=student.id,
        zone=zone,
        team=[[t.staff_id, t.name, t.role.value] for t in team],
        chosen=[staff.id],
        others=[],
        times=[],
        documents=[],
        step="purpose",
    )


def _purpose(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("purpose")
    if value is None:
        words = answer.typed().casefold()
        value = next(
            (
                p.value
                for p, label in s.PURPOSE_LABELS.items()
                if _t(staff, label).casefold() == words
            ),
            words.replace(" ", "_"),
        )
    if value not in Purpose._value2member_map_:
        raise NotUnderstood()
    state.update(purpose=value, step="timing")


def _timing(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("timing")
    if value is None:
        words = answer.typed().casefold()
        labels = {"fixed": s.FIXED_TIME, "slots": s.PROPOSE_SLOTS}
        value = next((k for k, label in labels.items() if _t(staff, label).casefold() == words), "")
    if value not in ("fixed", "slots"):
        raise NotUnderstood()
    state.update(mode=value, times=[], step="time")


def _time(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> str | None:
    times: list[str] = state["times"]
    done = answer.press("time") == "done" or (
        answer.pressed is None and answer.text.casefold() == _t(staff, s.DONE).casefold()
    )
    if done:
        if state["mode"] != "slots" or not times:
            raise NotUnderstood()
        state["step"] = "dur"
        return None
    try:
        naive = dt.datetime.strptime(" ".join(answer.typed().split()), TIME_FORMAT)
    except ValueError:
        raise NotUnderstood() from None
    when = naive.replace(tzinfo=zoneinfo.ZoneInfo(state["zone"]))
    if when <= context.now:
        raise NotUnderstood(s.TIME_PASSED)
    if any(dt.datetime.fromisoformat(t) == when for t in times):
        raise NotUnderstood(s.TIME_TWICE)
    times.append(when.isoformat())
    if state["mode"] == "fixed" or len(times) >= MAX_SLOTS:
        state["step"] = "dur"
    return _echo(context, staff, state, when, len(times))


def _echo(
    context: Context, staff: Staff, state: dict[str, Any], when: dt.datetime, number: int
) -> str:
    """The time as the organizer reads it, and whose quiet hours it falls in."""
    student = context.session.get_one(Student, state["student_id"])
    lines = [
        _t(
            staff,
            s.TIME_ADDED,
            number=number,
            when=m.when_text(when, state["zone"], staff.language),
        )
    ]
    conflicts = quiet_conflicts(
        receiving_guardians(context.session, student),
        [when],
        context.default_timezone,
        staff.language,
        school_timezone=state["zone"],
    )
    lines += [c.text for c in conflicts]
    return "\n".join(lines)


def _duration(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("dur")
    if value is None:
        words = answer.typed().lower().removesuffix("min").strip()
        value = words
    if not (value.isascii() and value.isdigit() and MIN_MINUTES <= int(value) <= MAX_MINUTES):
        raise NotUnderstood()
    state.update(duration=int(value), step="place")


def _place(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("place")
    if value in ("video", "phone"):
        state["step"] = value
        return
    words = answer.typed()
    if len(words) > 500:
        raise NotUnderstood()
    state.update(place=words, step="team")


def _video(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    link = answer.typed()
    if not link.startswith(("https://", "http://")) or " " in link or len(link) > 500:
        raise NotUnderstood()
    state.update(video_link=link, step="team")


def _phone(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    number = answer.typed()
    if sum(c.isdigit() for c in number) < 3 or len(number) > 64:
        raise NotUnderstood()
    state.update(phone=number, step="team")


def _team(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("team")
    if value == "done":
        state["step"] = "docs"
        return
    if value is not None:
        ids = {member[0] for member in state["team"]}
        if not (value.isascii() and value.isdigit() and int(value) in ids):
            raise NotUnderstood()
        chosen: list[int] = state["chosen"]
        if int(value) in chosen:
            chosen.remove(int(value))
        else:
            chosen.append(int(value))
        return
    for line in answer.typed().splitlines():
        name, _, role = line.rpartition(",")
        if not name.strip() or len(name) > 200:
            raise NotUnderstood()
        state["others"].append([name.strip(), _role(staff, role)])
    if len(state["chosen"]) + len(state["others"]) > MAX_ITEMS:
        raise NotUnderstood()


def _role(staff: Staff, words: str) -> str:
    """A role from its name in the organizer's language, or in English; else "other"."""
    words = " ".join(words.split()).casefold()
    for role, name in m.ROLE_NAMES.items():
        if words in {_t(staff, name).casefold(), gettext("en", name).casefold()}:
            return role.value
    return AttendeeRole.OTHER.value


def _documents(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> str | None:
    if answer.press("docs") == "done":
        state["step"] = "confirm"
        return None
    added = []
    for line in answer.typed().splitlines():
        title, _, link = line.strip().rpartition(" ")
        if not link.startswith(("https://", "http://")):
            title, link = line.strip(), ""
        if not title.strip() or len(title) > 300 or len(link) > 500:
            raise NotUnderstood()
        added.append([title.strip(), link])
    if len(state["documents"]) + len(added) > MAX_ITEMS:
        raise NotUnderstood()
    state["documents"] += added
    return _t(staff, s.DOCUMENT_ADDED, titles=", ".join(title for title, _ in state["documents"]))


def _confirm(context: Context, staff: Staff, state: dict[str, Any], answer: Answer) -> None:
    value = answer.press("send")
    if value is None and answer.pressed is None:
        words = answer.text.casefold()
        value = {_t(staff, s.SEND).casefold(): "yes", _t(staff, s.CANCEL).casefold(): "no"}.get(
            words
        )
    if value == "no":
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, s.SETUP_CANCELLED))
        state["step"] = "done"
        return
    if value != "yes":
        raise NotUnderstood()
    _send(context, staff, state)
    state["step"] = "done"


TAKES = {
    "student": _student,
    "purpose": _purpose,
    "timing": _timing,
    "time": _time,
    "dur": _duration,
    "place": _place,
    "video": _video,
    "phone": _phone,
    "team": _team,
    "docs": _documents,
    "confirm": _confirm,
}


# -- sending -------------------------------------------------------------------------------------


def _base_url(context: Context) -> str | None:
    url = context.settings.public_base_url
    return str(url).rstrip("/") if url else None


def _send(context: Context, staff: Staff, state: dict[str, Any]) -> None:
    DIALOGS.end(context.session, staff)
    try:
        created = create_meeting(
            context.session,
            staff,
            draft_from(state),
            now=context.now,
            default_timezone=context.default_timezone,
            base_url=_base_url(context),
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
        base_url=_base_url(context),
    )
    if note:
        context.reply(note)
    for text in texts:
        context.reply(text)
    question, buttons = _question(context, staff, state)
    context.reply(f"{_t(staff, s.TRANSLATED_NOTE)}\n\n{question}", buttons)


DIALOGS.add(Dialog(KIND, step, STEP, cancelled=s.SETUP_CANCELLED))
