"""`commbot guardian`: whether a guardian gets messages about one child."""

from __future__ import annotations

from typing import Annotated

import typer

from ..actions.people import set_receives_messages
from ..db import transaction
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
        link = set_receives_messages(session, guardian, student_id, receives)
        name, child = guardian.name, link.student.name
    state = "now gets" if receives else "no longer gets"
    console.print(f"{name} {state} messages about {child}.")
