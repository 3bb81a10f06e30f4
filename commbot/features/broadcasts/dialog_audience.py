"""The `/broadcast` dialog's first step: who it is for. Buttons for the groups the sender
may reach (the whole school for coordinators and admins, "all my families" for the others;
each class they serve, ticked one by one; one language; a meeting soon; not reached
lately), or students' names typed. Only the sender's own classes and families are offered;
`audiences.resolve` bounds what any choice reaches, typed names included.

Each press is taken into the dialog's state (a JSON dict); `Chosen` ends the step with
the audience, anything else asks again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...conversations.context import Context
from ...i18n import gettext
from ...languages import name_in
from ...models import Guardian, Guardianship, SchoolClass, Staff, Student
from ...outbox import Keyboard
from ...policy import SCHOOL_WIDE_ROLES, receiving_link, served_classes, served_students_query
from . import buttons as b
from . import messages_telegram as t
from .actions import BroadcastError
from .audiences import Audience, AudienceError, AudienceKind, resolve

MEETING_DAYS = 7
QUIET_DAYS = 30
MAX_CLASS_BUTTONS = 40  # a bigger school's coordinator types students' names, or all of it
MAX_LANGUAGE_BUTTONS = 24
MAX_NAMES = 50
NAME_SEPARATORS = re.compile(r"[,;\n，、،]+")  # as people type lists, Chinese and Arabic too


@dataclass(frozen=True)
class Chosen:
    audience: Audience
    note: str  # said before the next question ("To: Classes Room 12.")


class Again(Exception):
    """Ask the audience question again, after `note` (empty: no note)."""

    def __init__(self, note: str = "") -> None:
        super().__init__(note)
        self.note = note


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def refusal(staff: Staff, error: BroadcastError | AudienceError) -> str:
    """What an action's refusal says, in the sender's language."""
    return error.say(staff.language)


# -- asking --------------------------------------------------------------------------------------


def question(context: Context, staff: Staff, state: dict[str, Any]) -> tuple[str, Keyboard]:
    """The audience question and its buttons, classes ticked so far marked."""
    session = context.session
    n = int(state["n"])

    def press(label: str, pick: str, value: str = "") -> dict[str, str]:
        values: dict[str, str | int] = {"dialog": n, "pick": pick}
        if value:
            values["value"] = value
        return b.button(label, b.AUDIENCE.encode(**values))

    if state["step"] == "language":
        codes = languages(session, staff)[:MAX_LANGUAGE_BUTTONS]
        return _t(staff, t.WHICH_LANGUAGE), [
            [press(name_in(code, staff.language), "lang", code)] for code in codes
        ]
    everyone = t.WHOLE_SCHOOL if staff.role in SCHOOL_WIDE_ROLES else t.ALL_MY_FAMILIES
    rows: Keyboard = [[press(_t(staff, everyone), "school")]]
    ticked = set(state.get("classes", []))
    classes = served_classes(session, staff)[:MAX_CLASS_BUTTONS]
    pairs = [press(("✓ " if c.id in ticked else "") + c.name, "class", str(c.id)) for c in classes]
    rows += [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    if ticked:
        rows.append([press(_t(staff, t.NEXT), "next")])
    rows += [
        [press(_t(staff, t.IN_A_LANGUAGE), "lang")],
        [press(_t(staff, t.MEETING_SOON, days=MEETING_DAYS), "meeting")],
        [press(_t(staff, t.NOT_REACHED, days=QUIET_DAYS), "quiet")],
        [press(_t(staff, t.BY_NAME), "students")],
    ]
    return _t(staff, t.WHO), rows


def languages(session: Session, staff: Staff) -> list[str]:
    """The languages the families this staff member may reach read, most common first."""
    served = served_students_query(staff).with_only_columns(Student.id)
    rows = session.execute(
        select(Guardian.language, Guardian.id)
        .join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .where(Guardianship.student_id.in_(served), receiving_link(), Guardian.active)
        .distinct()
    ).all()
    counts: dict[str, int] = {}
    for language, _ in rows:
        counts[language] = counts.get(language, 0) + 1
    return sorted(counts, key=lambda code: (-counts[code], code))


# -- taking an answer ----------------------------------------------------------------------------


def take_press(
    context: Context, staff: Staff, state: dict[str, Any], pick: str, value: str
) -> Chosen | None:
    """A press of the audience step: the audience, or None once the state has moved on
    within the step (a class ticked, the language question). Raises `Again`."""
    session = context.session
    if pick == "school":
        return _checked(context, staff, Audience(AudienceKind.SCHOOL))
    if pick == "class":
        mine = {c.id for c in served_classes(session, staff)}
        if not (value.isascii() and value.isdigit() and int(value) in mine):
            raise Again(_t(staff, t.NOT_UNDERSTOOD))  # not theirs: as if it never was
        ticked: list[int] = state.setdefault("classes", [])
        if int(value) in ticked:
            ticked.remove(int(value))
        else:
            ticked.append(int(value))
        return None
    if pick == "next":
        ids = state.get("classes", [])
        names = session.scalars(
            select(SchoolClass.name).where(SchoolClass.id.in_(ids)).order_by(SchoolClass.name)
        ).all()
        if not names:
            raise Again(_t(staff, t.TICK_A_CLASS))
        return _checked(context, staff, Audience(AudienceKind.CLASSES, tuple(names)))
    if pick == "lang" and not value:
        state["step"] = "language"
        return None
    if pick == "lang":
        if value not in languages(session, staff):
            raise Again(_t(staff, t.NOT_UNDERSTOOD))
        return _checked(context, staff, Audience(AudienceKind.LANGUAGE, (value,)))
    if pick == "meeting":
        return _checked(context, staff, Audience(AudienceKind.MEETING_WITHIN, days=MEETING_DAYS))
    if pick == "quiet":
        return _checked(context, staff, Audience(AudienceKind.NOT_REACHED, days=QUIET_DAYS))
    if pick == "students":
        state["step"] = "students"
        return None
    raise Again(_t(staff, t.NOT_UNDERSTOOD))


def take_names(context: Context, staff: Staff, text: str) -> Chosen:
    """Students' names typed (at the audience step, or when asked for them)."""
    names = [" ".join(n.split()) for n in NAME_SEPARATORS.split(text)]
    names = [n[:200] for n in names if n][:MAX_NAMES]
    if not names:
        raise Again(_t(staff, t.TYPE_NAMES))
    return _checked(context, staff, Audience(AudienceKind.STUDENTS, tuple(names)))


def _checked(context: Context, staff: Staff, audience: Audience) -> Chosen:
    """The audience, if it reaches anyone; names that matched nothing are said back."""
    try:
        found = resolve(context.session, staff, audience, context.now)
    except AudienceError as refused:
        raise Again(refusal(staff, refused)) from None
    unknown = _t(staff, t.UNKNOWN_NAMES, names=", ".join(found.unknown)) if found.unknown else ""
    if not found.members:
        raise Again("\n".join(filter(None, [unknown, _t(staff, t.NOBODY_THERE)])))
    chosen = _t(staff, t.AUDIENCE_CHOSEN, audience=audience.describe(staff.language))
    return Chosen(audience, "\n".join(filter(None, [unknown, chosen])))
