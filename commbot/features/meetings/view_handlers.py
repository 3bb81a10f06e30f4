"""`/meetings` on Telegram: one message for each open meeting of the staff member's
students, with every guardian's answers so far, a "Confirm <time>" button for each time a
family picked, and "Cancel meeting" (which asks once more before it cancels). Held
meetings follow while their plan is open or their notes are recent (`notes_view`): the
notes, each concern's answer, the plan's items and each guardian's feedback."""

from __future__ import annotations

from collections.abc import Callable

from ...callback_data import ButtonData, Choice, Number, Value
from ...conversations.context import Context
from ...conversations.registry import BUTTONS, COMMANDS
from ...i18n import N_, gettext
from ...models import Channel, Staff, Student
from ...outbox import Keyboard
from . import messages as m
from . import notes_view
from . import staff_messages as s
from .actions import MeetingError, meeting_for, meetings_for, slots_of
from .buttons import confirm_button
from .changes import cancel_meeting
from .models import Meeting, MeetingState, Need, Purpose
from .view import FamilyView, MeetingView, meeting_view

MEETINGS_HELP = N_(
    "/meeting sets up a meeting with a family; /meetings shows yours and the answers."
)
NO_MEETINGS = s.NO_MEETINGS
NOT_OPEN = s.NOT_OPEN
# "mtx:ask:12" asks "cancel the meeting?"; "mtx:yes:12" cancels it.
CANCEL = ButtonData("mtx", Choice("step", "ask", "yes"), Number("meeting"))
_Gettext = Callable[..., str]
_When = Callable[[int], str]
WORDS_SHOWN = 200  # characters of a family's words in the list: the whole came on Telegram


@COMMANDS.command("/meetings", MEETINGS_HELP)
def list_meetings(context: Context, staff: Staff, argument: str = "") -> None:
    meetings = meetings_for(context.session, staff)
    meetings += notes_view.held_to_show(context.session, staff, context.now)
    if not meetings:
        context.reply(gettext(staff.language, NO_MEETINGS))
        return
    for meeting in meetings:
        view = meeting_view(context.session, meeting, context.now)
        context.reply(
            meeting_text(context, staff, meeting, view), _buttons(context, staff, meeting, view)
        )


def meeting_text(context: Context, staff: Staff, meeting: Meeting, view: MeetingView) -> str:
    """The meeting and every guardian's answers so far, in the staff member's language."""
    language = staff.language

    def t(message: str, **values: object) -> str:
        return gettext(language, message, **values)

    slots = {slot.position: slot for slot in slots_of(context.session, meeting)}

    def when(position: int) -> str:
        return m.when_text(slots[position].starts_at, meeting.timezone, language)

    purpose = t(s.PURPOSE_LABELS[Purpose(view.purpose)])
    lines = [
        t(s.HEADING, student=view.student, purpose=purpose, state=t(s.STATE_TEXT[meeting.state]))
    ]
    if meeting.starts_at is not None and meeting.state is MeetingState.SCHEDULED:
        lines.append(t(s.SET_FOR, when=m.when_text(meeting.starts_at, meeting.timezone, language)))
    elif slots and meeting.state is MeetingState.PROPOSED:
        lines.append(t(s.TIMES_OFFERED))
        lines += [f"{n}. {when(n)}" for n in slots]
    for family in view.families:
        lines.append("")
        lines += _family_lines(family, t, when if slots else None)
        lines += [f"  {line}" for line in notes_view.family_lines(family, t)]
    lines += notes_view.notes_lines(view, t, language)
    return "\n".join(lines)


def _family_lines(family: FamilyView, t: _Gettext, when: _When | None) -> list[str]:
    status = t(s.DELIVERY_TEXT.get(family.preview_status, s.DELIVERY_TEXT["not sent"]))
    if family.channel:
        channel = Channel(family.channel).label
        lines = [t(s.FAMILY_LINE, guardian=family.name, channel=channel, status=status)]
    else:
        lines = [t(s.FAMILY_LINE_NO_CHANNEL, guardian=family.name, status=status)]
    answers = []
    if family.chosen_slot is not None and when is not None:
        answers.append(t(s.PICKED, number=family.chosen_slot, when=when(family.chosen_slot)))
    if family.none_work:
        answers.append(t(s.NONE_WORK))
    if family.needs:
        needs = ", ".join(t(m.NEED_NAMES[Need(n)]) for n in family.needs)
        answers.append(t(s.NEEDS, needs=needs))
    templates = {"concern": s.SAYS, "availability": s.SUITS, "bringing": s.BRINGS}
    for words in family.words:
        answers.append(t(templates.get(words.kind, s.SAYS), words=f'"{_shorten(words.text)}"'))
    if family.unanswered:
        answers.append(t(s.NO_ANSWER))
    return lines + [f"  {line}" for line in answers]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WORDS_SHOWN else text[: WORDS_SHOWN - 1].rstrip() + "…"


def _buttons(context: Context, staff: Staff, meeting: Meeting, view: MeetingView) -> Keyboard:
    """A confirm button for each time a family picked (while none is set), and Cancel."""
    rows: Keyboard = []
    if meeting.state is MeetingState.PROPOSED:
        picked = {f.chosen_slot for f in view.families}
        for slot in slots_of(context.session, meeting):
            if slot.position in picked and slot.starts_at > context.now:
                rows.append([confirm_button(meeting, slot, staff.language)])
    if meeting.is_open:  # a held meeting is over: nothing to cancel
        label = gettext(staff.language, s.CANCEL_MEETING)
        cancel = CANCEL.encode(step="ask", meeting=meeting.id)
        rows.append([{"text": label, "callback_data": cancel}])
    return rows


@BUTTONS.on(CANCEL)
def _cancel(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    """The first press asks; "Yes, cancel" cancels, and everyone who heard is told."""
    language = staff.language
    try:
        meeting = meeting_for(context.session, staff, int(values["meeting"]))
        if not meeting.is_open:
            raise MeetingError("closed")
        student = context.session.get_one(Student, meeting.student_id).name
        if values["step"] == "ask":
            yes = CANCEL.encode(step="yes", meeting=meeting.id)
            context.reply(
                gettext(language, s.REALLY_CANCEL, student=student),
                [[{"text": gettext(language, s.YES_CANCEL), "callback_data": yes}]],
            )
            return
        cancel_meeting(
            context.session,
            staff,
            meeting,
            now=context.now,
            default_timezone=context.default_timezone,
            base_url=context.settings.public_base_url,
        )
    except MeetingError:
        context.reply(gettext(language, NOT_OPEN))
        context.events.append("stale meeting button")
        return
    context.reply(gettext(language, s.CANCELLED_DONE, student=student))
    context.events.append("meeting cancelled")


def confirmed(context: Context, staff: Staff, meeting: Meeting) -> None:
    """Tell whoever pressed "Confirm" what happened (handlers' `_confirm` calls this)."""
    student = context.session.get_one(Student, meeting.student_id).name
    assert meeting.starts_at is not None
    when = m.when_text(meeting.starts_at, meeting.timezone, staff.language)
    context.reply(gettext(staff.language, s.CONFIRMED_DONE, student=student, when=when))
