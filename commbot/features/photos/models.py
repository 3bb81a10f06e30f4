"""Photo posts, who is in them, who got them, the class digests, and every consent change.

A post is one teacher's photo or album (Telegram sends an album as several messages sharing
a `media_group_id`: they join one post). Its `media` are the stored references of the photos
(`Media.to_json()`), its `caption` is the teacher's words in `caption_language`, translated
for each family at send time. `PhotoTag` says which children are in it; a post with
`no_children` set shows none (a project, the classroom). Consent is read when the post is
sent, never when it is made, so a change made while it waits is obeyed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...models.base import Base, enum_column, utcnow
from ...models.people import PhotoConsent


class PostState(StrEnum):
    TAGGING = "tagging"  # the teacher is saying who is in it (and which class)
    READY = "ready"  # tagged; the preview is shown, waiting for Send now / Send at / Cancel
    SCHEDULED = "scheduled"  # waits for `send_at`
    DIGEST = "digest"  # waits for its class's end-of-day digest
    SENT = "sent"  # fanned out: one `PhotoRecipient` row per family it reached or skipped
    CANCELLED = "cancelled"


class RecipientOutcome(StrEnum):
    QUEUED = "queued"  # a delivery was queued (it may wait for quiet hours)
    SKIPPED = "skipped"  # a child's consent forbids this family seeing it
    UNREACHABLE = "unreachable"  # allowed, but no channel left to reach them
    WITHDRAWN = "withdrawn"  # queued, then consent changed before it went: cancelled


class ConsentSource(StrEnum):
    GUARDIAN = "guardian"  # the family, by text or button (PHOTOS)
    STAFF = "staff"
    ROSTER = "roster"  # a roster import
    OPERATOR = "operator"  # the command line


class PhotoPost(Base):
    __tablename__ = "photo_posts"
    __table_args__ = (
        # An album's parts arrive as separate webhooks, maybe at once on two web processes.
        UniqueConstraint("staff_id", "media_group_id", name="uq_photo_posts_album"),
        Index("ix_photo_posts_due", "state", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    # The class it goes to; None until chosen (a teacher with several classes is asked).
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # Set for `/msg <student>` with a photo: only this student's family may get it.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    state: Mapped[PostState] = mapped_column(
        enum_column(PostState, "photo_post_state"), default=PostState.TAGGING
    )
    caption: Mapped[str] = mapped_column(Text, default="")
    caption_language: Mapped[str] = mapped_column(String(16), default="en")
    media: Mapped[list[Any]] = mapped_column(default=list)  # [Media.to_json(), ...] in order
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    no_children: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[dt.datetime | None]  # SCHEDULED: when; DIGEST: the digest's time
    # The Telegram message holding the tag buttons / preview, edited as the teacher taps.
    control_message_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # When the teacher was told how it went (sent, skipped for consent, not reached).
    summary_sent_at: Mapped[dt.datetime | None]


class PhotoTag(Base):
    """One child the teacher said is in the post."""

    __tablename__ = "photo_tags"
    __table_args__ = (UniqueConstraint("post_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("photo_posts.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )


class PhotoRecipient(Base):
    """What happened to one family (guardian) for one sent post; the teacher's summary and
    consent withdrawals read these."""

    __tablename__ = "photo_recipients"
    __table_args__ = (UniqueConstraint("post_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("photo_posts.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[RecipientOutcome] = mapped_column(
        enum_column(RecipientOutcome, "photo_recipient_outcome")
    )
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PhotoDigest(Base):
    """A class's end-of-day digest: the day's posts marked for it go once, at `local_time`
    in the school's time zone, one message per family."""

    __tablename__ = "photo_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    local_time: Mapped[str] = mapped_column(String(5), default="15:30")  # "HH:MM"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConsentChange(Base):
    """Every change to a guardian's photo consent for one child: when, from what to what,
    and who made it."""

    __tablename__ = "photo_consent_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    old: Mapped[PhotoConsent] = mapped_column(enum_column(PhotoConsent, "consent_old"))
    new: Mapped[PhotoConsent] = mapped_column(enum_column(PhotoConsent, "consent_new"))
    source: Mapped[ConsentSource] = mapped_column(enum_column(ConsentSource, "consent_source"))
    by_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="SET NULL")
    )
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
