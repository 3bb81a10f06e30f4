"""`/broadcast` on Telegram: who it is for (`dialog_audience`), the message (typed, or a
photo or file with its caption), then the preview (`dialog_preview`) with Send now,
Schedule, Urgent and Cancel, whose presses `handlers` takes; Schedule comes back here for
the typed time.

The dialog's state is its row (`StaffDialog`): the step, its number (`n`, carried by the
audience buttons, so a press under an earlier dialog's question is stale), the classes
ticked, the audience, the words and attachments, and once previewed the draft's id.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from typing import Any

from ...callback_data import MAX_ID
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import COMMANDS
from ...i18n import gettext
from ...models import Staff, StaffDialog
from ...policy import served_students
from ...schools import school_timezone
from . import actions, preview
from . import buttons as b
from . import dialog_audience as who
from . import dialog_preview as view
from . import messages_telegram as t
from .models import Broadcast, BroadcastState

KIND = "broadcast"
TAKES_MEDIA = ("text", "preview", "picture")  # steps at which an attachment is the message


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


@COMMANDS.command("/broadcast", t.BROADCAST_HELP)
def start(context: Context, staff: Staff, argument: str = "") -> None:
    if not served_students(context.session, staff):
        context.reply(_t(staff, t.NO_FAMILIES))
        return
    state: dict[str, Any] = {"step": "audience", "n": secrets.randbelow(MAX_ID) + 1, "classes": []}
    if argument:  # "/broadcast Alfredo, Wen Li" answers the first question; nobody: as /msg
        try:
            chosen = who.take_names(context, staff, argument)
        except who.Again as again:
            context.reply(again.note)
            context.events.append("broadcast: nobody by those names")
            return
        state.update(audience=chosen.audience.to_json(), step="text")
        DIALOGS.begin(context, staff, KIND, state)
        context.reply(f"{chosen.note}\n{_t(staff, t.WRITE_IT)}")
        return
    DIALOGS.begin(context, staff, KIND, state)
    context.reply(*who.question(context, staff, state))
    context.events.append("broadcast begun")


def step(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The next step: an audience press, typed words, or a photo or file."""
    state = copy.deepcopy(dialog.state)
    data = context.inbound.callback_data
    if data is not None:
        _press(context, staff, dialog, state, data)
        return
    current = state.get("step")
    if current in ("audience", "students", "language"):
        if current == "language":  # the language is a button; words here are names
            state["step"] = "audience"
        names = context.inbound.text.strip()
        _chosen(context, staff, dialog, state, lambda: who.take_names(context, staff, names))
    elif current in TAKES_MEDIA:
        _message(context, staff, dialog, state)
    elif current == "time":
        _time(context, staff, dialog, state)
    else:  # a state no step knows (an older version's): start afresh
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, t.SETUP_CANCELLED))


def _press(
    context: Context, staff: Staff, dialog: StaffDialog, state: dict[str, Any], data: str
) -> None:
    values = b.AUDIENCE.decode(data)
    if values is None or values["dialog"] != state.get("n"):
        stale(context, staff)
        return
    pick, value = str(values["pick"]), str(values.get("value", ""))
    if state.get("step") == "picture" and pick in ("flyer", "kids"):
        _picture(context, staff, dialog, state, children=pick == "kids")
        return
    if state.get("step") not in ("audience", "language", "students"):
        stale(context, staff)  # the audience is chosen: its buttons have had their turn
        return
    _chosen(
        context, staff, dialog, state, lambda: who.take_press(context, staff, state, pick, value)
    )


def stale(context: Context, staff: Staff) -> None:
    context.reply(_t(staff, t.STALE))
    context.events.append("stale broadcast button")


def _chosen(
    context: Context,
    staff: Staff,
    dialog: StaffDialog,
    state: dict[str, Any],
    take: Callable[[], who.Chosen | None],
) -> None:
    """Take the audience step's answer: on to the message, or the question again."""
    try:
        chosen = take()
    except who.Again as again:
        _save(context, dialog, state)
        text, keyboard = who.question(context, staff, state)
        context.reply(f"{again.note}\n\n{text}" if again.note else text, keyboard)
        context.events.append("broadcast audience: again")
        return
    if chosen is None:  # a class ticked, or a follow-up question
        _save(context, dialog, state)
        if state["step"] == "students":
            context.reply(_t(staff, t.TYPE_NAMES))
        else:
            context.reply(*who.question(context, staff, state))
        return
    state.update(audience=chosen.audience.to_json(), step="text")
    _save(context, dialog, state)
    context.reply(f"{chosen.note}\n{_t(staff, t.WRITE_IT)}")
    context.events.append("broadcast audience chosen")


def _message(context: Context, staff: Staff, dialog: StaffDialog, state: dict[str, Any]) -> None:
    """The words, or an attachment with its caption (or none): the draft, and its preview.
    At the preview, new words (or a new attachment) replace the draft, whose buttons are
    stale from then on; the other parts of an album are left out (one attachment goes)."""
    inbound = context.inbound
    words = inbound.text.strip()
    if inbound.media:
        group = inbound.media_group_id
        if group is not None and group == state.get("album"):
            context.events.append("broadcast: another part of the album left out")
            return
        state.update(
            media=[m.to_json() for m in inbound.media[:1]],
            album=group,
            picture=inbound.media[0].is_image,
            flyer=False,
        )
    elif not words:
        return
    if words or not state.get("text"):
        state["text"] = words
    if state.get("media") and state.get("picture") and not state.get("flyer"):
        # A broadcast reaches families whatever their children's photo permission: a
        # picture goes only once the sender says no child is in it.
        state["step"] = "picture"
        _save(context, dialog, state)
        pick = {"dialog": state["n"]}
        context.reply(
            _t(staff, t.ANY_CHILDREN),
            [
                [b.button(_t(staff, t.NO_CHILDREN), b.AUDIENCE.encode(**pick, pick="flyer"))],
                [b.button(_t(staff, t.CHILDREN_IN_IT), b.AUDIENCE.encode(**pick, pick="kids"))],
            ],
        )
        return
    _replace_draft(context, staff, dialog, state, urgent=bool(state.get("urgent")))


def _picture(
    context: Context, staff: Staff, dialog: StaffDialog, state: dict[str, Any], *, children: bool
) -> None:
    """The answer to "is any child in this picture?": a flyer goes on to the preview; a
    photo of children is left out (it belongs in a class photo post, under consent)."""
    if not children:
        state["flyer"] = True
        _replace_draft(context, staff, dialog, state, urgent=bool(state.get("urgent")))
        return
    state.update(media=[], album=None, picture=False, text="", step="text")
    _save(context, dialog, state)
    context.reply(_t(staff, t.USE_CLASS_PHOTO))
    context.events.append("broadcast: a photo of children refused")


def _replace_draft(
    context: Context, staff: Staff, dialog: StaffDialog, state: dict[str, Any], *, urgent: bool
) -> None:
    """A new draft from the state (the old one, if any, cancelled), and its preview."""
    old = draft_of(context, staff, state)
    draft = view.make_draft(context, staff, state, urgent=urgent)
    if draft is None:
        return
    if old is not None:
        actions.cancel(context.session, staff, old, now=context.now)
    state.update(broadcast=draft.id, urgent=draft.urgent, step="preview")
    _save(context, dialog, state)
    view.show(context, staff, draft)


def toggle_urgent(context: Context, staff: Staff, dialog: StaffDialog, draft: Broadcast) -> None:
    """Urgent on or off: a new draft (`actions.create` decides who may mark it urgent)."""
    state = copy.deepcopy(dialog.state)
    _replace_draft(context, staff, dialog, state, urgent=not draft.urgent)


def ask_time(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    state = copy.deepcopy(dialog.state)
    state["step"] = "time"
    _save(context, dialog, state)
    draft = draft_of(context, staff, state)
    school = draft.school_id if draft is not None else staff.school_id
    zone = school_timezone(context.session, school, context.default_timezone)
    context.reply(_t(staff, t.WHEN, zone=zone))


def _time(context: Context, staff: Staff, dialog: StaffDialog, state: dict[str, Any]) -> None:
    draft = draft_of(context, staff, state)
    if draft is None:
        DIALOGS.end(context.session, staff)
        context.reply(_t(staff, t.GONE))
        return
    zone = school_timezone(context.session, draft.school_id, context.default_timezone)
    try:  # the same reading as the command line's --at; the dialog stays open to try again
        when = actions.parse_time(context.inbound.text, zone, context.now)
        actions.schedule(context.session, staff, draft, when, now=context.now)
    except actions.BroadcastError as refused:  # not a time, passed, or too far ahead
        context.reply(who.refusal(staff, refused))
        context.events.append("broadcast time refused")
        return
    DIALOGS.end(context.session, staff)
    draft.progress_chat_id = int(context.inbound.address)  # its progress is shown here
    cancel = b.ACTION.encode(action="cancel", broadcast=draft.id)
    context.reply(
        _t(staff, t.SCHEDULED, when=preview.when_words(when, staff.language, zone)),
        [[b.button(_t(staff, t.CANCEL_IT), cancel)]],
    )
    context.events.append("broadcast scheduled")


def draft_of(context: Context, staff: Staff, state: dict[str, Any]) -> Broadcast | None:
    """The dialog's draft, while it is still the sender's and still a draft."""
    found = context.session.get(Broadcast, int(state.get("broadcast") or 0))
    if found is None or found.sender_id != staff.id or found.state is not BroadcastState.DRAFT:
        return None
    return found


def _save(context: Context, dialog: StaffDialog, state: dict[str, Any]) -> None:
    dialog.state, dialog.updated_at = state, context.now


def _takes_media(row: StaffDialog) -> bool:
    return row.state.get("step") in TAKES_MEDIA


DIALOGS.add(Dialog(KIND, step, b.AUDIENCE, t.SETUP_CANCELLED, takes_media=_takes_media))
