"""`commbot staff`: the people who write to families."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from ..db import transaction
from ..errors import UserError
from ..languages import UnknownLanguage, normalize_language
from ..models import Staff, StaffRole
from ..roster.records import EMAIL
from .context import console, database

app = typer.Typer(help="Manage staff members.", no_args_is_help=True)


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="Full name, as families will see it.")],
    email: Annotated[str, typer.Argument(help="Work email; identifies the staff member.")],
    role: Annotated[StaffRole, typer.Option(help="What they do.")] = StaffRole.TEACHER,
    language: Annotated[str, typer.Option(help="The language they read (BCP 47).")] = "en",
) -> None:
    """Add a staff member, or update the name, role and language of an existing one."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    try:
        language = normalize_language(language)
    except UnknownLanguage as exc:
        raise UserError(str(exc)) from None
    with transaction(database()) as session:
        staff = session.scalar(select(Staff).where(Staff.email == email))
        verb = "Updated" if staff else "Added"
        if staff is None:
            staff = Staff(email=email, name=name, role=role)
            session.add(staff)
        staff.name, staff.role, staff.language = name.strip(), role, language
    console.print(f"{verb} {staff.name} <{email}> as {role.value}.")


@app.command("list")
def list_command() -> None:
    """List staff members and whether their Telegram is linked."""
    with transaction(database()) as session:
        table = Table("name", "email", "role", "language", "telegram")
        for staff in session.scalars(select(Staff).order_by(Staff.name)):
            linked = "linked" if staff.telegram_chat_id else "not linked"
            table.add_row(staff.name, staff.email, staff.role.value, staff.language, linked)
    console.print(table)
