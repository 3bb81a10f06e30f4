"""The `/meeting` dialog's steps: each takes a typed answer or a press and moves the
state on (a JSON dict kept in the dialog's row), or refuses it with `NotUnderstood`, after
which the same question is asked again. Nothing here writes anything but the state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ...callback_data import ButtonData
from ...conversations.context import Context
from ...conversations.staff import find_student
from ...errors import InputError
from ...i18n import gettext
from ...models import School, Staff, Student
from ...policy import receiving_guardians, served_students
from . import messages as m
from . import staff_messages as s
from .actions import MAX_ITEMS, MAX_MINUTES, MAX_SLOTS, MIN_MINUTES
from .conflicts import quiet_conflicts
from .models import AttendeeRole, Purpose
from .team import student_team
from .times import check_meeting_time, local_time

COMMAS = str.maketrans({"，": ",", "،": ","})  # "Name, role" as Chinese and Arabic type it
SENDING, DROPPING = "sending", "dropping"  # what the confirm step leaves for the dialog to do


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


def answer_from(context: Context, steps: ButtonData) -> Answer:
    """What the staff member just did in a dialog whose buttons are `steps`: pressed one of
    them, pressed something malformed (no step takes it), or typed words."""
    data = context.inbound.callback_data
    pressed = steps.decode(data) if data else None
    if data and pressed is None:
        return Answer("", "", "")
    if pressed is not None:
        return Answer(str(pressed["step"]), str(pressed.get("value", "")), "")
    return Answer(None, "", context.inbound.text.strip())


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


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
    try:  # not a time, a time the clocks skip or pass twice (DST)
        when = local_time(answer.typed(), state["zone"])
    except ValueError:
        raise NotUnderstood() from None
    if when <= context.now:
        raise NotUnderstood(s.TIME_PASSED)
    try:  # years ahead (and near year 9999, no UTC time at all)
        check_meeting_time(when, context.now)
    except InputError:
        raise NotUnderstood() from None
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
        name, _, role = line.translate(COMMAS).rpartition(",")
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
    """Send or Cancel: the dialog module does it (`state["step"]` says which)."""
    value = answer.press("send")
    if value is None and answer.pressed is None:
        words = answer.text.casefold()
        value = {_t(staff, s.SEND).casefold(): "yes", _t(staff, s.CANCEL).casefold(): "no"}.get(
            words
        )
    if value not in ("yes", "no"):
        raise NotUnderstood()
    state["step"] = SENDING if value == "yes" else DROPPING


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
