"""What every command needs: settings, an up-to-date database, and a console."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ..config import Settings, get_settings
from ..db import get_engine
from ..errors import UserError
from ..migrate import current_revision, head_revision

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
