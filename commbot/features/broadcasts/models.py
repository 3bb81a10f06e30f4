"""Broadcasts: one sender's message to many families, and what became of each family.

A broadcast is written once (`text` in `language`, maybe a photo in `media`) for an
`audience` (the `audiences.Audience` as JSON). Sending it writes one `Message` of kind
BROADCAST (`message_id`), one `BroadcastRecipient` per family and child it was meant for
(queued, or why not), and the deliveries, on the broadcast lane. Reports read the
recipients and the deliveries' history; a family's reply marks its recipient row.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...models.base import Base, enum_column, utcnow
from ...models.people import Channel


class BroadcastState(StrEnum):
    DRAFT = "draft"  # written, previewed, not confirmed
    SCHEDULED = "scheduled"  # confirmed for `send_at`
    SENDING = "sending"  # fanned out: deliveries queued, some not yet final
    SENT = "sent"  # every delivery has a final status (the summary was sent)
    CANCELLED = "cancelled"


class RecipientOutcome(StrEnum):
    QUEUED = "queued"  # a delivery was queued (it may wait for quiet hours)
    OPTED_OUT = "opted_out"  # every contact point of the family has opted out
    UNREACHABLE = "unreachable"  # no usable contact point at all


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_due", "state", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    # The audience as `Audience.to_json()`: kind and values (classes, students, a language).
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    media: Mapped[list[Any]] = mapped_column(default=list)
    # Through quiet hours: only coordinators and admins may mark a broadcast urgent.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[BroadcastState] = mapped_column(
        enum_column(BroadcastState, "broadcast_state"), default=BroadcastState.DRAFT
    )
    send_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]  # when it was fanned out
    finished_at: Mapped[dt.datetime | None]  # when the last delivery reached a final status
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    # The sender's progress message on Telegram, edited as the broadcast goes.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_text: Mapped[str | None] = mapped_column(Text)  # what it shows now (no re-edit)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BroadcastRecipient(Base):
    """One family (guardian) about one child in a broadcast: queued, or why not."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        Index("ix_broadcast_recipients_broadcast", "broadcast_id"),
        Index("ix_broadcast_recipients_guardian", "guardian_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    outcome: Mapped[RecipientOutcome] = mapped_column(
        enum_column(RecipientOutcome, "broadcast_outcome")
    )
    # The first delivery queued for the family (its fallbacks point back to it).
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel, "broadcast_channel"))
    replied_at: Mapped[dt.datetime | None]  # the family's first reply after it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
