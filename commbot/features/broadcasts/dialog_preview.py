"""The `/broadcast` dialog's draft and its preview: a draft broadcast (`actions.create`,
nothing queued) and the numbers `preview.render` gives, the same as the command line
prints, with Send now, Schedule, Urgent (coordinators and admins) and Cancel under them.
"""

from __future__ import annotations

from typing import Any

from ...conversations.context import Context
from ...i18n import gettext
from ...models import Staff
from ...outbox import Keyboard
from ...policy import SCHOOL_WIDE_ROLES
from ...schools import school_timezone
from . import actions, preview
from . import buttons as b
from . import messages_telegram as t
from .audiences import Audience, AudienceError
from .dialog_audience import refusal
from .models import Broadcast

TEXT_SHOWN = 600  # characters of the sender's message repeated under the numbers


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def make_draft(
    context: Context, staff: Staff, state: dict[str, Any], *, urgent: bool
) -> Broadcast | None:
    """The draft the dialog's state describes, or None when the action refuses it (what
    it said is told)."""
    try:
        broadcast = actions.create(
            context.session,
            staff,
            Audience.from_json(state["audience"]),
            text=str(state.get("text", "")),
            language=staff.language,
            media=list(state.get("media", [])),
            urgent=urgent,
            now=context.now,
        )
    except (actions.BroadcastError, AudienceError) as refused:
        context.reply(refusal(staff, refused))
        context.events.append("broadcast refused")
        return None
    context.session.flush()  # its id goes into the buttons
    return broadcast


def show(context: Context, staff: Staff, broadcast: Broadcast) -> None:
    """The preview of a draft, with what may be done with it; nothing is sent."""
    session = context.session
    zone = school_timezone(session, broadcast.school_id, context.default_timezone)
    numbers = preview.build(
        session,
        staff,
        Audience.from_json(broadcast.audience),
        text=broadcast.text,
        language=broadcast.language,
        urgent=broadcast.urgent,
        settings=context.settings,
        now=context.now,
    )
    lines = [_t(staff, t.PREVIEW_HEADER), preview.render(numbers, staff.language, zone), ""]
    shown = broadcast.text if len(broadcast.text) <= TEXT_SHOWN else broadcast.text[:TEXT_SHOWN]
    lines.append(_t(staff, t.PREVIEW_TEXT, text=shown + ("..." if shown != broadcast.text else "")))
    if broadcast.media:
        lines.append(_t(staff, t.PREVIEW_ATTACHED))
    lines.append(_t(staff, t.CHANGE_IT))
    context.reply("\n".join(lines), keyboard(staff, broadcast))
    context.events.append("broadcast preview")


def keyboard(staff: Staff, broadcast: Broadcast) -> Keyboard:
    def press(label: str, action: str) -> dict[str, str]:
        return b.button(_t(staff, label), b.ACTION.encode(action=action, broadcast=broadcast.id))

    rows = [[press(t.SEND_NOW, "send"), press(t.SCHEDULE, "schedule")]]
    if staff.role in SCHOOL_WIDE_ROLES:  # only they may send through quiet hours
        rows.append([press(t.NOT_URGENT if broadcast.urgent else t.MAKE_URGENT, "urgent")])
    rows.append([press(t.CANCEL, "cancel")])
    return rows
