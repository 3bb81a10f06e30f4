"""Conversations: who is writing and which registered handler takes the message.

Importing this package registers every handler: the shared staff commands, each feature's
commands, buttons and dialogs, then `/cancel` and `/help`, which close the help list.
"""

from __future__ import annotations

from .. import features
from ..i18n import N_, gettext
from ..models import Staff
from . import staff
from .context import Context
from .dialogs import DIALOGS
from .registry import COMMANDS
from .router import InboundOutcome, handle_inbound

CANCEL_HELP = N_("/cancel stops what you are setting up.")
HELP_HELP = N_("/help shows this list.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel.")

features.load("handlers")


@COMMANDS.command("/cancel", CANCEL_HELP)
def _cancel(context: Context, member: Staff, argument: str) -> None:
    found = DIALOGS.active(context.session, member)
    DIALOGS.end(context.session, member)
    message = found[0].cancelled if found else NOTHING_TO_CANCEL
    context.reply(gettext(member.language, message))


COMMANDS.add("/help", staff.show_help, HELP_HELP)

__all__ = ["InboundOutcome", "handle_inbound"]
