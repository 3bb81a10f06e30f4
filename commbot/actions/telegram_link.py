"""Linking a Telegram chat to the staff member or guardian an invite was made for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..invites import RedeemResult, Redemption, redeem
from ..outbox import release_staff_deliveries


def link_telegram_chat(
    session: Session, code: str, chat_id: int, *, now: dt.datetime
) -> RedeemResult:
    """Redeem an invite code for this chat; a newly linked staff member gets what waited."""
    result = redeem(session, code, chat_id, now)
    if result.outcome is Redemption.LINKED_STAFF and result.staff is not None:
        session.flush()
        release_staff_deliveries(session, result.staff, now)
    return result
