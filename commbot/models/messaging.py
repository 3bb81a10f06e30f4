"""Conversations and the outbox: threads, messages, deliveries, and inbound bookkeeping."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Channel


class AuthorKind(StrEnum):
    STAFF = "staff"
    GUARDIAN = "guardian"
    SYSTEM = "system"


class MessageKind(StrEnum):
    CONVERSATION = "conversation"
    CHECKIN = "checkin"
    REMINDER = "reminder"
    BROADCAST = "broadcast"
    NOTICE = "notice"
    MEETING = "meeting"  # a meeting's preview, confirmation, change or reminder
    PHOTO = "photo"  # a teacher's class photo post, or the day's digest


class Lane(IntEnum):
    """Dispatch priority: lower lanes are always claimed first."""

    CONVERSATION = 0
    REMINDER = 1
    BROADCAST = 2


class RecipientKind(StrEnum):
    GUARDIAN = "guardian"
    STAFF = "staff"
    UNKNOWN = "unknown"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    CANCELLED = "cancelled"
    # Waiting for the family to reopen WhatsApp's 24-hour window.
    HELD = "held"


class Thread(Base):
    """A conversation about one student between one guardian and one staff member."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("student_id", "guardian_id", "staff_id"),
        # Routing looks threads up by family; check-ins by staff member and family.
        Index("ix_threads_guardian", "guardian_id", "last_staff_message_at"),
        Index("ix_threads_staff_guardian", "staff_id", "guardian_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When staff last wrote here: routing sends a family's reply to the latest writer.
    last_staff_message_at: Mapped[dt.datetime | None]
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    """What a person (or the bot) said once, in the language it was written in."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, "message_kind"))
    author_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind, "author_kind"))
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    author_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16))
    # Media references, e.g. {"kind": "telegram", "file_id": ...} or {"kind": "url", ...}.
    media: Mapped[list[Any]] = mapped_column(default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="message")


class Delivery(Base):
    """One message to one recipient on one channel: the transactional outbox row.

    `header` is bot-authored text already in the recipient's language; `body` is a
    person's words in `body_language`, translated to `language` at dispatch time so
    that webhooks never wait on a translation service.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "lane", "next_attempt_at"),
        Index("ix_deliveries_provider", "channel", "address", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    recipient_kind: Mapped[RecipientKind] = mapped_column(
        enum_column(RecipientKind, "recipient_kind")
    )
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "delivery_channel"))
    address: Mapped[str] = mapped_column(String(64))
    lane: Mapped[int] = mapped_column(Integer, default=Lane.CONVERSATION)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    language: Mapped[str] = mapped_column(String(16))
    header: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_language: Mapped[str | None] = mapped_column(String(16))
    # A message of fixed text and people's words in turn (a meeting preview: labels from
    # the catalog, the place and agenda as the organizer wrote them): [["text", ...] or
    # ["words", ...], ...], the words translated at send time like `body`. After `header`.
    pieces: Mapped[list[Any]] = mapped_column(default=list)
    show_original: Mapped[bool] = mapped_column(Boolean, default=False)
    # For staff: translate `body` into this family language and back, to show what they read.
    back_translate_via: Mapped[str | None] = mapped_column(String(16))
    # Explain special-education jargon from the glossary (deliveries to families).
    explain_terms: Mapped[bool] = mapped_column(Boolean, default=False)
    # Urgent messages and direct replies to a family who just wrote ignore quiet hours.
    skip_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    # Telegram: the family cannot forward or save it (children's photos).
    protect_content: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    media: Mapped[list[Any]] = mapped_column(default=list)
    # Telegram inline keyboard rows: [[{"text": ..., "callback_data": ...}], ...].
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the first attempt began: transient failures are retried for a budget of time
    # from here (COMMBOT_RETRY_BUDGET_HOURS), not for a count of attempts.
    first_attempt_at: Mapped[dt.datetime | None]
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    fallback_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # SMS: the segments it was billed as (GSM-7 or UCS-2, counted exactly), once sent.
    segments: Mapped[int | None] = mapped_column(Integer)
    # Telegram: edit this earlier message of ours (its message id) instead of sending anew,
    # as a broadcast's progress message does.
    edit_message_id: Mapped[str | None] = mapped_column(String(64))

    message: Mapped[Message | None] = relationship(back_populates="deliveries")


class DeliveryEventKind(StrEnum):
    QUEUED = "queued"
    ATTEMPT = "attempt"
    SENT = "sent"
    RETRY = "retry"  # the attempt failed; another comes later
    FAILED = "failed"  # failed for good on this channel
    STATUS = "status"  # the provider reported on the message
    FALLBACK = "fallback"  # moved to the family's next channel, or given up on
    HELD = "held"
    CANCELLED = "cancelled"


class DeliveryEvent(Base):
    """One thing that happened to a delivery, appended, never changed: the delivery row says
    where it stands now, its events say how it got there. No addresses or message text."""

    __tablename__ = "delivery_events"
    __table_args__ = (Index("ix_delivery_events_delivery", "delivery_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime]
    kind: Mapped[DeliveryEventKind] = mapped_column(
        enum_column(DeliveryEventKind, "delivery_event_kind")
    )
    status: Mapped[str | None] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(200))


class InboundReceipt(Base):
    """Provider ids already processed, so a re-posted webhook is handled once."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChoiceKind(StrEnum):
    CHILD = "child"
    LANGUAGE = "language"
    MEETING = "meeting"  # a meeting's menu: a time, a need, someone they bring
    ACTION_ITEM = "action_item"  # "reply 1 when it is done", after a reminder
    FEEDBACK = "feedback"  # how well did the meeting work for you, 1 to 5
    PHOTO_CONSENT = "photo_consent"  # PHOTOS: who may see each child's photos


class EarlyStatusReport(Base):
    """A status callback that came before we had recorded its message id (Twilio can answer
    faster than our own bookkeeping); applied when the send is recorded."""

    __tablename__ = "early_status_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PendingChoice(Base):
    """A numbered question we asked a guardian: which child, or which language."""

    __tablename__ = "pending_choices"
    __table_args__ = (UniqueConstraint("guardian_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChoiceKind] = mapped_column(
        enum_column(ChoiceKind, "choice_kind"), default=ChoiceKind.CHILD
    )
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    # The held messages, oldest first; all go to the child the guardian picks.
    message_ids: Mapped[list[Any]] = mapped_column(default=list)
    # Child: [[student_id, staff_id], ...]; language: [code, ...]; in the order listed.
    options: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TranslationCache(Base):
    """A machine translation done once and reused: keyed by languages and the text's hash."""

    __tablename__ = "translation_cache"
    __table_args__ = (
        UniqueConstraint(
            "source_language", "target_language", "text_hash", name="uq_translation_cache_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    text_hash: Mapped[str] = mapped_column(String(64))
    translated: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffCompose(Base):
    """After `/msg <student>` with no text, the staff member's next message goes there."""

    __tablename__ = "staff_compose"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UnknownSenderReply(Base):
    """When we last answered a sender we do not know (at most one reply a day)."""

    __tablename__ = "unknown_sender_replies"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "unknown_channel"))
    address: Mapped[str] = mapped_column(String(64))
    last_replied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MediaFile(Base):
    """A file served at /media/<token> so Twilio can fetch it; expires (see commbot.media)."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    # SHA-256 of what the file was made from (a Telegram file id or a provider URL, as in a
    # message's media), so erasing a family's messages can find and delete their files.
    source_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class SenderLease(Base):
    """Which worker may send through a sender now, so each rate limit lives in one place."""

    __tablename__ = "sender_leases"

    sender: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))  # one worker process (name and run)
    expires_at: Mapped[dt.datetime]
    # The holder's stable name (COMMBOT_WORKER_NAME), if it has one: a worker of the same
    # name taking over knows the holder is its own dead predecessor.
    holder_name: Mapped[str | None] = mapped_column(String(100))
    # Given back by a graceful stop (not expired): `last_send_at` is then exact.
    released: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the next holder needs to keep the provider's limits across a hand-over: when the
    # last send through this sender was answered, and a pause the provider asked for.
    last_send_at: Mapped[dt.datetime | None]
    paused_until: Mapped[dt.datetime | None]


class StaffDialog(Base):
    """Where a staff member is in a multi-step Telegram dialog (setting up a check-in, say)."""

    __tablename__ = "staff_dialogs"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
