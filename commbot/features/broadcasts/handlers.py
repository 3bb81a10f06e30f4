"""Broadcasts on Telegram. `/broadcast` and its dialog are in `dialog` (who, what, the
preview); here are the presses under a broadcast: Send now, Schedule, Urgent and Cancel
under the preview, Cancel under a scheduled broadcast's confirmation, Stop under the
progress message; and an audience press with no dialog to take it.

Handlers translate: who may send what to whom, urgent or not, is `actions`'. A press on a
broadcast that is not the presser's, or no longer at that step, answers GONE and changes
nothing.
"""

from __future__ import annotations

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS
from ...conversations.registry import BUTTONS
from ...i18n import gettext
from ...models import Staff, StaffDialog
from . import (
    actions,
    dialog,
    progress_message,
    replies,  # noqa: F401  (registers the hook: a family's answer reaches the sender)
)
from . import buttons as b
from . import messages_telegram as t
from .dialog_audience import refusal
from .models import Broadcast, BroadcastState
from .progress import progress


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def _gone(context: Context, staff: Staff) -> None:
    context.reply(_t(staff, t.GONE))
    context.events.append("stale broadcast button")


def _own(context: Context, staff: Staff, broadcast_id: int) -> Broadcast | None:
    found = context.session.get(Broadcast, broadcast_id)
    return found if found is not None and found.sender_id == staff.id else None


def _previewing(context: Context, staff: Staff, broadcast: Broadcast) -> StaffDialog | None:
    """The open dialog whose draft this is, at its preview or its time question: only
    there do Send, Schedule and Urgent apply (a preview replaced or left stays as it was)."""
    found = DIALOGS.active(context.session, staff)
    if found is None or found[0].kind != dialog.KIND:
        return None
    row = found[1]
    if row.state.get("broadcast") != broadcast.id or row.state.get("step") not in (
        "preview",
        "time",
    ):
        return None
    return row if broadcast.state is BroadcastState.DRAFT else None


@BUTTONS.on(b.AUDIENCE)
def _audience(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    """An audience press with no broadcast dialog open (ended, or another one begun)."""
    dialog.stale(context, staff)


@BUTTONS.on(b.ACTION)
def _action(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    broadcast = _own(context, staff, int(values["broadcast"]))
    action = str(values["action"])
    if broadcast is None:
        _gone(context, staff)
        return
    if action == "cancel":
        _cancel(context, staff, broadcast)
        return
    row = _previewing(context, staff, broadcast)
    if row is None:
        _gone(context, staff)
        return
    if action == "send":
        _send(context, staff, broadcast)
    elif action == "schedule":
        dialog.ask_time(context, staff, row)
    else:
        dialog.toggle_urgent(context, staff, row, broadcast)


def _send(context: Context, staff: Staff, broadcast: Broadcast) -> None:
    session = context.session
    try:
        actions.send_now(session, staff, broadcast, settings=context.settings, now=context.now)
    except actions.BroadcastError as refused:  # pressed twice, or no longer theirs to reach
        context.reply(refusal(staff, refused))
        context.events.append("broadcast not sent")
        return
    DIALOGS.end(session, staff)
    # The answer to Send is the progress message itself, edited from here on.
    progress_message.start(session, broadcast, staff, context.now)
    context.events.append("broadcast sent")


def _cancel(context: Context, staff: Staff, broadcast: Broadcast) -> None:
    """Cancel a draft or a scheduled broadcast, or stop one being sent (what has not gone
    yet is cancelled; the progress message shows the numbers it stopped at)."""
    session = context.session
    was = broadcast.state
    if was not in (BroadcastState.DRAFT, BroadcastState.SCHEDULED, BroadcastState.SENDING):
        _gone(context, staff)
        return
    try:
        count = actions.cancel(session, staff, broadcast, now=context.now)
    except actions.BroadcastError:
        _gone(context, staff)
        return
    found = DIALOGS.active(session, staff)
    if found is not None and found[1].state.get("broadcast") == broadcast.id:
        DIALOGS.end(session, staff)
    if was is BroadcastState.SENDING:
        if broadcast.progress_text is not None:
            progress_message.show(
                session, broadcast, staff, progress(session, broadcast), context.now
            )
        context.reply(_t(staff, t.STOPPED, count=count))
        context.events.append("broadcast stopped")
        return
    context.reply(_t(staff, t.CANCELLED))
    context.events.append("broadcast cancelled")
