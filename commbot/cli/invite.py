"""`commbot invite`: one-time Telegram links for staff and families."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

import typer
from sqlalchemy import select

from ..channels.telegram import bot_username
from ..db import transaction
from ..errors import UserError
from ..invites import create_invite, deep_link
from ..models import Staff
from .context import console, database, guardian_by_phone, settings

app = typer.Typer(help="Create single-use Telegram invite links.", no_args_is_help=True)

Days = Annotated[int, typer.Option(min=1, max=90, help="Days until the code expires.")]


@app.command("staff")
def staff_command(
    email: Annotated[str, typer.Argument(help="The staff member's email.")], days: Days = 7
) -> None:
    """Invite a staff member to link their Telegram account."""
    with transaction(database()) as session:
        staff = session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
        if staff is None:
            raise UserError(
                f"no staff member has the email {email!r}; add them with `commbot staff add`"
            )
        if not staff.active:
            raise UserError(
                f"{staff.name} was removed from the roster; add them again with `commbot staff add`"
            )
        code = create_invite(session, staff=staff, lifetime=dt.timedelta(days=days))
        name = staff.name
    _print_invite(name, code, days)


@app.command("guardian")
def guardian_command(
    phone: Annotated[str, typer.Argument(help="The guardian's phone number, as in the roster.")],
    days: Days = 7,
) -> None:
    """Invite a family to reach the school on Telegram."""
    with transaction(database()) as session:
        guardian = guardian_by_phone(session, phone)
        if not guardian.active:
            raise UserError(f"{guardian.name} was removed from the roster by a full import")
        code = create_invite(session, guardian=guardian, lifetime=dt.timedelta(days=days))
        name = guardian.name
    _print_invite(name, code, days)


def _print_invite(name: str, code: str, days: int) -> None:
    username = asyncio.run(bot_username(settings()))
    console.print(f"Invite for {name} (single use, expires in {days} days):")
    if username:
        console.print(deep_link(username, code), soft_wrap=True)
    else:
        console.print(f"code: {code}")
        console.print(f"They send this to the bot on Telegram: /start {code}", soft_wrap=True)
