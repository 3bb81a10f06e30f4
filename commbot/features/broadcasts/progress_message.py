"""The sender's progress message on Telegram, edited as the broadcast goes, and the final
summary once every family's delivery has a final status.

The first message is an ordinary delivery to the sender, tied to the broadcast's message;
once the dispatcher has sent it, its Telegram id is kept on the broadcast
(`progress_message_id`) and each change of the numbers is a delivery that edits it
(`edit_message_id`), one at a time: a new edit waits until the last one has gone, and the
text the message shows is kept (`progress_text`) so an unchanged one is never sent. The
clock job (`jobs.broadcast_progress`) calls `refresh_all` every few seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
    RecipientKind,
    Staff,
)
from ...outbox import DeliverySpec, Keyboard, enqueue, to_staff
from . import actions
from . import buttons as b
from . import messages as m
from . import messages_telegram as t
from .audiences import Audience
from .models import Broadcast, BroadcastState
from .progress import Progress, progress, progress_text, summary_text

UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def progress_lines(broadcast: Broadcast, now: Progress, language: str) -> str:
    """What the progress message says: whom it is for, and the numbers so far."""
    title = gettext(language, m.PREVIEW_TITLE, audience=_audience(broadcast, language))
    return f"{title}\n{progress_text(now, language)}"


def _audience(broadcast: Broadcast, language: str) -> str:
    return Audience.from_json(broadcast.audience).describe(language)


def _stop_button(staff: Staff, broadcast: Broadcast) -> Keyboard:
    data = b.ACTION.encode(action="cancel", broadcast=broadcast.id)
    return [[b.button(gettext(staff.language, t.STOP_SENDING), data)]]


def start(session: Session, broadcast: Broadcast, sender: Staff, now: dt.datetime) -> Delivery:
    """Queue the first progress message to the sender (right after Send, or when a
    scheduled broadcast has gone out), with a Stop button while families wait."""
    current = progress(session, broadcast)
    text = progress_lines(broadcast, current, sender.language)
    message = session.get(Message, broadcast.message_id) if broadcast.message_id else None
    buttons = None if current.done else _stop_button(sender, broadcast)
    delivery = to_staff(
        session, staff=sender, now=now, message=message, header=text, buttons=buttons
    )
    broadcast.progress_chat_id = sender.telegram_chat_id
    broadcast.progress_message_id = None
    broadcast.progress_text = text
    return delivery


def refresh_all(session: Session, now: dt.datetime) -> int:
    """Every broadcast being sent: its progress message brought up to date, and, when every
    delivery is final, the broadcast finished and the sender sent the summary. Rows are
    claimed (SKIP LOCKED), so two workers never edit or finish the same one. Returns how
    many messages were queued."""
    sending = session.scalars(
        select(Broadcast)
        .where(Broadcast.state == BroadcastState.SENDING)
        .order_by(Broadcast.id)
        .with_for_update(skip_locked=True)
    ).all()
    queued = 0
    for broadcast in sending:
        current = progress(session, broadcast)
        sender = session.get_one(Staff, broadcast.sender_id)
        shown = broadcast.progress_chat_id is not None and sender.telegram_chat_id is not None
        if shown:
            if broadcast.progress_text is None:  # a scheduled one that has just gone out
                start(session, broadcast, sender, now)
                queued += 1
                continue
            done = show(session, broadcast, sender, current, now)
            if done == "wait":
                continue  # the message or its last edit has not gone yet: finish after
            queued += done == "queued"
        if current.done:
            actions.finish(session, broadcast, now)
            if shown:
                summary = summary_text(current, sender.language)
                to_staff(session, staff=sender, now=now, header=summary)
                queued += 1
    return queued


Shown = Literal["queued", "same", "wait", "lost"]


def show(
    session: Session, broadcast: Broadcast, sender: Staff, current: Progress, now: dt.datetime
) -> Shown:
    """Queue an edit of the progress message if its numbers changed ("queued"; "same"
    when they did not). "wait": the message, or its last edit, has not gone yet (the next
    call tries again); "lost": it could not be sent, so there is nothing to edit."""
    if broadcast.progress_message_id is None:
        first = _first_progress_message(session, broadcast)
        if first is None or first.status in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED):
            return "lost"
        sent = first.provider_message_id or ""
        if first.status in UNSENT or not (sent.isascii() and sent.isdigit()):
            return "wait"
        broadcast.progress_message_id = int(sent)
    text = progress_lines(broadcast, current, sender.language)
    if text == broadcast.progress_text:
        return "same"
    if _edit_on_its_way(session, broadcast):
        return "wait"
    spec = DeliverySpec(
        recipient_kind=RecipientKind.STAFF,
        channel=Channel.TELEGRAM,
        address=str(broadcast.progress_chat_id),
        language=sender.language,
        not_before=now,
        header=text,
        buttons=[] if current.done else _stop_button(sender, broadcast),
        staff_id=sender.id,
        message_id=broadcast.message_id,
        edit_message_id=str(broadcast.progress_message_id),
    )
    enqueue(session, spec, now)
    broadcast.progress_text = text
    return "queued"


def _to_sender(broadcast: Broadcast) -> Select[Delivery]:
    """The sender's deliveries tied to the broadcast's message: its progress messages."""
    return select(Delivery).where(
        Delivery.message_id == broadcast.message_id,
        Delivery.recipient_kind == RecipientKind.STAFF,
        Delivery.staff_id == broadcast.sender_id,
    )


def _first_progress_message(session: Session, broadcast: Broadcast) -> Delivery | None:
    """The first progress message (until it is sent, the broadcast shows its text)."""
    return session.scalars(
        _to_sender(broadcast)
        .where(Delivery.edit_message_id.is_(None), Delivery.header == broadcast.progress_text)
        .order_by(Delivery.id)
        .limit(1)
    ).first()


def _edit_on_its_way(session: Session, broadcast: Broadcast) -> bool:
    waiting = session.scalars(
        _to_sender(broadcast)
        .where(Delivery.edit_message_id.is_not(None), Delivery.status.in_(UNSENT))
        .limit(1)
    ).first()
    return waiting is not None
