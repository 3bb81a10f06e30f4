"""Invite codes: single-use, expiring, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import find_or_create, transaction_lock
from .models import Channel, ContactPoint, Guardian, InviteCode, InviteKind, Staff, utcnow

DEFAULT_LIFETIME = dt.timedelta(days=7)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invite(
    session: Session,
    *,
    staff: Staff | None = None,
    guardian: Guardian | None = None,
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
    now: dt.datetime | None = None,
) -> str:
    """Store a new invite for exactly one person and return its code (shown once)."""
    if (staff is None) == (guardian is None):
        raise ValueError("an invite is for one staff member or one guardian")
    code = secrets.token_urlsafe(12)  # 16 characters of Telegram's deep-link alphabet
    now = now or utcnow()
    session.add(
        InviteCode(
            code=_digest(code),
            kind=InviteKind.STAFF if staff else InviteKind.GUARDIAN,
            staff_id=staff.id if staff else None,
            guardian_id=guardian.id if guardian else None,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return code


class Redemption(StrEnum):
    LINKED_STAFF = "linked_staff"
    LINKED_GUARDIAN = "linked_guardian"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    CHAT_TAKEN = "chat_taken"


@dataclass(frozen=True)
class RedeemResult:
    outcome: Redemption
    staff: Staff | None = None
    guardian: Guardian | None = None


def redeem(
    session: Session, code: str, chat_id: int, now: dt.datetime | None = None
) -> RedeemResult:
    """Link `chat_id` to the invite's person if the code is good; otherwise change nothing."""
    now = now or utcnow()
    # One redemption per chat at a time: two codes (a staff and a guardian one, say) sent
    # from one chat at once would both find the chat free and both link it.
    transaction_lock(session, "telegram-chat", str(chat_id))
    invite = session.scalar(
        select(InviteCode).where(InviteCode.code == _digest(code.strip())).with_for_update()
    )
    if invite is None:
        return RedeemResult(Redemption.UNKNOWN)
    if invite.used_at is not None:
        return RedeemResult(Redemption.USED)
    if invite.expires_at <= now:
        return RedeemResult(Redemption.EXPIRED)
    address = str(chat_id)
    staff_holder = session.scalar(select(Staff).where(Staff.telegram_chat_id == chat_id))
    guardian_point = session.scalar(
        select(ContactPoint).where(
            ContactPoint.channel == Channel.TELEGRAM, ContactPoint.address == address
        )
    )
    if invite.staff_id is not None:
        staff = session.get_one(Staff, invite.staff_id)
        if guardian_point is not None or (staff_holder and staff_holder.id != staff.id):
            return RedeemResult(Redemption.CHAT_TAKEN)
        staff.telegram_chat_id = chat_id
        result = RedeemResult(Redemption.LINKED_STAFF, staff=staff)
    else:
        guardian = session.get_one(Guardian, invite.guardian_id)
        if staff_holder is not None or (
            guardian_point is not None and guardian_point.guardian_id != guardian.id
        ):
            return RedeemResult(Redemption.CHAT_TAKEN)
        if guardian_point is None:
            point, _ = find_or_create(
                session,
                ContactPoint,
                {"channel": Channel.TELEGRAM, "address": address},
                {"guardian_id": guardian.id},
            )
            if point.guardian_id != guardian.id:  # linked by other means meanwhile
                return RedeemResult(Redemption.CHAT_TAKEN)
            session.expire(guardian, ["contact_points"])  # the new one is among them now
        else:
            point = guardian_point
        point.verified = True
        point.opted_out = False
        _rank_contact_points(guardian, point)
        result = RedeemResult(Redemption.LINKED_GUARDIAN, guardian=guardian)
    invite.used_at = now
    invite.used_by_chat_id = chat_id
    return result


def _rank_contact_points(guardian: Guardian, telegram: ContactPoint) -> None:
    """Put a newly linked Telegram chat first if the family prefers Telegram, else last."""
    others = [p for p in guardian.contact_points if p is not telegram]
    if guardian.preferred_channel is Channel.TELEGRAM:
        ordered = [telegram, *others]
    else:
        ordered = [*others, telegram]
    for priority, point in enumerate(ordered):
        point.priority = priority


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
