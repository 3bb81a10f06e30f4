"""The plan's items for staff on Telegram: `/actions` lists the open ones (overdue flagged),
each with Done and Need more time; the same two buttons come on every reminder. Done marks
the item done (the family is told); Need more time asks for a new date and a short reason
(a small dialog), and the family is told until when. The rules are in `items`."""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo

from ...callback_data import ButtonData, Text, Value
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import BUTTONS, COMMANDS
from ...i18n import gettext
from ...models import Staff, StaffDialog
from ...outbox import Keyboard
from . import after_messages as am
from . import items
from . import notes_dialog_messages as n
from .actions import MeetingError
from .after_buttons import STAFF_DONE, STAFF_MORE_TIME
from .after_models import ActionItem
from .models import Meeting
from .notes_dialog_dates import MAX_AHEAD, parse_day

KIND = "moretime"
# The dialog has no buttons of its own (a date and a reason are typed); its codec names
# presses no message ever carries, so that the machinery has one to match.
DIALOG_BUTTONS = ButtonData("amt", Text("value", optional=True))
MAX_REASON = 500


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def item_buttons(item: ActionItem, language: str) -> Keyboard:
    """Done and Need more time, for one item (reminders carry the same two)."""
    return [
        [
            {
                "text": gettext(language, am.DONE_BUTTON_STAFF),
                "callback_data": STAFF_DONE.encode(item=item.id),
            },
            {
                "text": gettext(language, am.MORE_TIME_BUTTON),
                "callback_data": STAFF_MORE_TIME.encode(item=item.id),
            },
        ]
    ]


@COMMANDS.command("/actions", n.ACTIONS_HELP)
def list_actions(context: Context, staff: Staff, argument: str = "") -> None:
    found = items.open_items(context.session, staff, now=context.now)
    if not found:
        context.reply(_t(staff, am.NO_OPEN_ITEMS))
        return
    context.reply(_t(staff, am.OPEN_ITEMS))
    for open_item in found:
        item = open_item.item
        line = _t(
            staff,
            am.ITEM_LINE,
            student=open_item.student_name,
            number=item.position,
            owner=open_item.owner_name,
            date=am.due_text(item.due_on, staff.language),
        )
        if open_item.overdue:
            line += f" ({_t(staff, am.ITEM_OVERDUE)})"
        context.reply(f"{line}\n{item.what}", item_buttons(item, staff.language))


def _open_item(context: Context, staff: Staff, item_id: int) -> ActionItem | None:
    """The item if the staff member may change it and it is still open; else they are
    told it is not open (the same answer for not theirs and no such item)."""
    try:
        item = items.item_for(context.session, staff, item_id)
    except MeetingError:
        item = None
    if item is None or not item.is_open:
        context.reply(_t(staff, am.ITEM_NOT_OPEN))
        context.events.append("stale item button")
        return None
    return item


@BUTTONS.on(STAFF_DONE)
def _done(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    item = _open_item(context, staff, int(values["item"]))
    if item is None:
        return
    try:
        marked = items.mark_done(
            context.session,
            item,
            by=staff,
            now=context.now,
            default_timezone=context.default_timezone,
        )
    except MeetingError:
        marked = False
    if not marked:
        context.reply(_t(staff, am.ITEM_NOT_OPEN))
        context.events.append("stale item button")
        return
    context.reply(_t(staff, am.DONE_SAVED))
    context.events.append("item done")


@BUTTONS.on(STAFF_MORE_TIME)
def _more_time(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    item = _open_item(context, staff, int(values["item"]))
    if item is None:
        return
    DIALOGS.begin(context, staff, KIND, {"step": "date", "item": item.id})
    context.reply(_t(staff, am.ASK_NEW_DATE, example=_example(context, item)))


def _today(context: Context, item: ActionItem) -> dt.date:
    """Today at the school (the meeting's time zone): due dates are its calendar days."""
    meeting = context.session.get_one(Meeting, item.meeting_id)
    return context.now.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date()


def _example(context: Context, item: ActionItem) -> str:
    return (max(_today(context, item), item.due_on) + dt.timedelta(days=7)).isoformat()


def step(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The new date, then the reason; then the item moves and the family is told."""
    state = copy.deepcopy(dialog.state)
    text = context.inbound.text.strip()
    item = None
    if isinstance(state.get("item"), int):
        try:
            item = items.item_for(context.session, staff, state["item"])
        except MeetingError:
            item = None
    if item is None or not item.is_open or state.get("step") not in ("date", "reason"):
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, am.ITEM_NOT_OPEN))
        return
    question = am.ASK_NEW_DATE if state["step"] == "date" else am.ASK_DELAY_REASON
    if context.inbound.callback_data is not None or not text:
        context.reply(_t(staff, question, example=_example(context, item)))
        return
    today = _today(context, item)
    if state["step"] == "date":
        day = parse_day(text, today, staff.language)
        if day is None or day <= today or day > today + MAX_AHEAD:
            context.reply(_t(staff, am.BAD_NEW_DATE, example=_example(context, item)))
            context.events.append("new date refused")
            return
        state.update(step="reason", date=day.isoformat())
        dialog.state, dialog.updated_at = state, context.now
        context.reply(_t(staff, am.ASK_DELAY_REASON))
        return
    if len(text) > MAX_REASON:
        too_long = _t(staff, n.TOO_LONG, most=MAX_REASON)
        context.reply(f"{too_long}\n\n{_t(staff, am.ASK_DELAY_REASON)}")
        return
    new_due = dt.date.fromisoformat(state["date"])
    DIALOGS.end(context.session, staff)
    try:
        items.need_more_time(
            context.session,
            staff,
            item,
            new_due=new_due,
            reason=text,
            now=context.now,
            default_timezone=context.default_timezone,
        )
    except MeetingError:
        context.reply(_t(staff, am.ITEM_NOT_OPEN))
        context.events.append("delay refused")
        return
    context.reply(_t(staff, am.DELAY_SAVED, date=am.due_text(new_due, staff.language)))
    context.events.append("item delayed")


DIALOGS.add(Dialog(KIND, step, DIALOG_BUTTONS, cancelled=n.DELAY_CANCELLED))
