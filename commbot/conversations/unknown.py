"""Senders who are not in the roster: nothing is relayed and nothing is revealed."""

from __future__ import annotations

import datetime as dt

from ..db import find_or_create
from ..i18n import N_, gettext
from ..models import Channel, UnknownSenderReply
from ..phones import is_phone_number
from .context import Context

REPLY_INTERVAL = dt.timedelta(days=1)
UNKNOWN_SENDER = N_(
    "Hello! This is a school message service. We do not have this number or account on "
    "our list. Please contact the school office for help."
)


def handle(context: Context) -> None:
    """Answer politely at most once a day; never say whom we know or relay anything."""
    inbound = context.inbound
    session = context.session
    if inbound.channel is not Channel.TELEGRAM and not is_phone_number(inbound.address):
        # An alphanumeric sender id or a short code cannot be texted back.
        context.events.append("unknown sender without a phone number, not answered")
        return
    # Two messages at once from the same stranger: one creates the row and answers; the
    # other waits for it, then reads (and locks) that row and sees they were just answered.
    record, created = find_or_create(
        session,
        UnknownSenderReply,
        {"channel": inbound.channel, "address": inbound.address},
        {"last_replied_at": context.now},
        lock=True,
    )
    if not created:
        if context.now - record.last_replied_at < REPLY_INTERVAL:
            context.events.append("unknown sender, already answered today")
            return
        record.last_replied_at = context.now
    text = gettext("en", UNKNOWN_SENDER) + "\n\n" + gettext("es", UNKNOWN_SENDER)
    context.reply(text)
    context.events.append("unknown sender, answered")
