"""What every command needs: settings, an up-to-date database, and a console."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..config import Settings, get_settings
from ..db import get_engine
from ..errors import UserError
from ..migrate import current_revision, head_revision
from ..models import Channel, ContactPoint, Guardian
from ..phones import InvalidPhoneNumber, to_e164

console = Console(highlight=False)


def settings() -> Settings:
    return get_settings()


def database() -> Engine:
    """The configured database, refusing one that `commbot db upgrade` has not prepared."""
    get_settings()  # a malformed setting stops the command here, whichever it needs
    engine = get_engine()
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise UserError(f"cannot open the database ({_safe_url(engine)}): {exc.orig}") from None
    if current != head_revision():
        raise UserError(
            f"the database ({_safe_url(engine)}) is not up to date: run `commbot db upgrade`"
        )
    return engine


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def guardian_by_phone(session: Session, phone: str) -> Guardian:
    """The roster's guardian with this phone number (any common format), or a one-line
    error saying the number is not a phone number or not in the roster."""
    try:
        number = to_e164(phone)
    except InvalidPhoneNumber as exc:
        raise UserError(str(exc)) from None
    guardian = session.scalar(
        select(Guardian)
        .join(ContactPoint)
        .where(ContactPoint.channel == Channel.SMS, ContactPoint.address == number)
    )
    if guardian is None:
        raise UserError("no guardian in the roster has that phone number")
    return guardian
