"""`commbot guardian`: whether a guardian gets messages about one child."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from ..db import transaction
from ..errors import UserError
from ..models import Guardianship, Student
from .context import console, database, guardian_by_phone

app = typer.Typer(help="Manage guardians.", no_args_is_help=True)

Phone = Annotated[str, typer.Argument(help="The guardian's phone number, as in the roster.")]
StudentId = Annotated[
    str, typer.Option("--student", help="The student's id, as in the roster.", show_default=False)
]


@app.command("mute")
def mute_command(phone: Phone, student: StudentId) -> None:
    """Stop messages about this student to this guardian (a re-import may set it again)."""
    _set(phone, student, receives=False)


@app.command("unmute")
def unmute_command(phone: Phone, student: StudentId) -> None:
    """Send messages about this student to this guardian again."""
    _set(phone, student, receives=True)


def _set(phone: str, student_id: str, *, receives: bool) -> None:
    with transaction(database()) as session:
        guardian = guardian_by_phone(session, phone)
        link = session.scalar(
            select(Guardianship)
            .join(Student)
            .where(
                Guardianship.guardian_id == guardian.id,
                Student.external_id == student_id.strip(),
                Student.school_id == guardian.school_id,
            )
        )
        if link is None:
            raise UserError(f"{guardian.name} is not a guardian of student {student_id!r}")
        link.receives_messages = receives
        name, child = guardian.name, link.student.name
    state = "now gets" if receives else "no longer gets"
    console.print(f"{name} {state} messages about {child}.")
