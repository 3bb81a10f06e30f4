"""The `/broadcast` dialog's draft and its preview: a draft broadcast (`actions.create`,
nothing queued) and the numbers `preview.render` gives, the same as the command line
prints, with Send now, Schedule, Urgent (coordinators and admins) and Cancel under them.
Also the school's clock the sender schedules on, and a time in the sender's words.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from babel.dates import format_date, format_time
from sqlalchemy.orm import Session

from ...conversations.context import Context
from ...i18n import gettext
from ...languages import catalog_language
from ...models import School, Staff
from ...outbox import Keyboard
from ...policy import SCHOOL_WIDE_ROLES
from . import actions, preview
from . import buttons as b
from . import messages_telegram as t
from .audiences import AudienceError
from .dialog_audience import from_state, refusal
from .models import Broadcast

TEXT_SHOWN = 600  # characters of the sender's message repeated under the numbers


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def school_zone(session: Session, staff: Staff, default_timezone: str) -> str:
    school = session.get(School, staff.school_id) if staff.school_id is not None else None
    return (school.timezone if school is not None else None) or default_timezone


def when_text(when: dt.datetime, zone: str, language: str) -> str:
    """ "Tuesday, December 1, 2026, 8:00 AM" on the school's clock, in the reader's words."""
    local = when.astimezone(zoneinfo.ZoneInfo(zone))
    locale = catalog_language(language).replace("-", "_")
    words = f"{format_date(local, format='full', locale=locale)}, "
    words += format_time(local, format="short", locale=locale)
    return words.replace("\u202f", " ").replace("\u00a0", " ")


def make_draft(
    context: Context, staff: Staff, state: dict[str, Any], *, urgent: bool
) -> Broadcast | None:
    """The draft the dialog's state describes, or None when the action refuses it (what
    it said is told)."""
    try:
        broadcast = actions.create(
            context.session,
            staff,
            from_state(state["audience"]),
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
    zone = school_zone(session, staff, context.default_timezone)
    numbers = preview.build(
        session,
        staff,
        from_state(broadcast.audience),
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
    if broadcast.urgent:
        lines.append(_t(staff, t.PREVIEW_URGENT))
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
