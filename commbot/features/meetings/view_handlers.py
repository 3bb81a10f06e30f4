"""`/meetings` on Telegram: the organizer's view of their open meetings."""

from __future__ import annotations

from ...conversations.context import Context
from ...conversations.registry import COMMANDS
from ...i18n import N_, gettext
from ...models import Staff
from .actions import meetings_for
from .view import meeting_view

MEETINGS_HELP = N_(
    "/meeting sets up a meeting with a family; /meetings shows yours and the answers."
)
NO_MEETINGS = N_("You have no open meetings. Send /meeting to set one up.")
NOT_OPEN = N_("This meeting is no longer open. Send /meetings to see yours.")


@COMMANDS.command("/meetings", MEETINGS_HELP)
def list_meetings(context: Context, staff: Staff, argument: str = "") -> None:
    meetings = meetings_for(context.session, staff)
    if not meetings:
        context.reply(gettext(staff.language, NO_MEETINGS))
        return
    for meeting in meetings:
        view = meeting_view(context.session, meeting)
        lines = [f"#{view.id} {view.student}: {view.state}"]
        for family in view.families:
            lines.append(f"  {family.name}: {family.preview_status}")
        context.reply("\n".join(lines))
