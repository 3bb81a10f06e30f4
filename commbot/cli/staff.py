"""`commbot staff`: the people who write to families."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.people import add_staff, assign_student, remove_staff
from ..db import transaction
from ..errors import UserError
from ..languages import UnknownLanguage, normalize_language
from ..models import Staff, StaffRole
from ..roster.records import EMAIL
from .context import console, database

app = typer.Typer(help="Manage staff members.", no_args_is_help=True)

Email = Annotated[str, typer.Argument(help="Work email; identifies the staff member.")]


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="Full name, as families will see it.")],
    email: Email,
    role: Annotated[StaffRole, typer.Option(help="What they do.")] = StaffRole.TEACHER,
    language: Annotated[str, typer.Option(help="The language they read (BCP 47).")] = "en",
    classes: Annotated[
        list[str] | None,
        typer.Option("--class", help="A class they work in (repeat for more).", show_default=False),
    ] = None,
    school: Annotated[
        str | None,
        typer.Option(
            help="Their school's name (needed when there are several).", show_default=False
        ),
    ] = None,
) -> None:
    """Add a staff member, or update an existing one (and make them active again)."""
    email = _email(email)
    try:
        language = normalize_language(language)
    except UnknownLanguage as exc:
        raise UserError(str(exc)) from None
    with transaction(database()) as session:
        staff, new = add_staff(
            session,
            email=email,
            name=name,
            role=role,
            language=language,
            school=school,
            classes=classes or [],
        )
        verb = "Added" if new else "Updated"
        where = ", ".join(c.name for c in staff.classes)
    in_classes = f" in {where}" if where else ""
    console.print(f"{verb} {staff.name} <{email}> as {role.value}{in_classes}.")


@app.command("remove")
def remove_command(email: Email) -> None:
    """Deactivate a staff member: kept for history, they get nothing and serve nobody."""
    email = _email(email)
    with transaction(database()) as session:
        staff = _staff(session, email)
        remove_staff(session, staff)
        name = staff.name
    console.print(f"Removed {name} <{email}>: they no longer reach any family.")


@app.command("assign")
def assign_command(
    email: Email,
    student_id: Annotated[str, typer.Argument(help="The student's id, as in the roster.")],
    service: Annotated[
        str | None,
        typer.Option(help='What they do for the student, e.g. "speech therapy".'),
    ] = None,
) -> None:
    """Give a staff member (a specialist, say) a student outside their classes."""
    with transaction(database()) as session:
        staff = _staff(session, _email(email))
        student, service = assign_student(session, staff, student_id, service)
        what = f" for {service}" if service else ""
        line = f"{staff.name} now serves {student.name}{what}."
    console.print(line)


@app.command("list")
def list_command() -> None:
    """List staff members, whether they are active and whether their Telegram is linked."""
    with transaction(database()) as session:
        everyone = list(session.scalars(select(Staff).order_by(Staff.name)))
        widest = max((len(s.email) for s in everyone), default=5)
        # Emails are never cut short: names wrap instead, to fit 80 columns.
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("name", overflow="fold")
        table.add_column("email", no_wrap=True, min_width=widest)
        table.add_column("role", no_wrap=True)
        table.add_column("lang", no_wrap=True)
        table.add_column("telegram", no_wrap=True)
        for staff in everyone:
            role = staff.role.value if staff.active else f"{staff.role.value} (removed)"
            linked = "linked" if staff.telegram_chat_id else "no"
            table.add_row(staff.name, staff.email, role, staff.language, linked)
    console.print(table)


def _email(text: str) -> str:
    email = text.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    return email


def _staff(session: Session, email: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.email == email))
    if staff is None:
        raise UserError(f"no staff member has the email {email}")
    return staff
