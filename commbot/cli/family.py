"""`commbot family export|forget PHONE`: a family's right to see, and to erase, what we hold.

The rules are in `commbot.actions.privacy`; this finds the guardian, asks, and prints.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..actions.privacy import Forgotten, export_guardian, forget_guardian
from ..db import transaction
from ..errors import UserError
from ..models import utcnow
from .context import console, database, guardian_by_phone

app = typer.Typer(help="A family's data: export it, or erase it for good.", no_args_is_help=True)

Phone = Annotated[str, typer.Argument(help="The guardian's phone number, as in the roster.")]


@app.command("export")
def export_command(
    phone: Phone,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            metavar="FILE",
            help="Write the JSON here (readable by you only) instead of to standard output.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Everything stored about a guardian and their conversations, as JSON (UTF-8)."""
    with transaction(database()) as session:
        guardian = guardian_by_phone(session, phone)
        exported = export_guardian(session, guardian, utcnow())
    data = (json.dumps(exported, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if output is None:
        _write_stdout(data)
        return
    # Personal data: created readable by its owner only, whatever the umask.
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    console.print(
        f"Wrote guardian #{exported['guardian']['id']}'s data to {escape(str(output))}: "
        f"{len(exported['messages'])} messages, {len(exported['deliveries'])} deliveries.",
        soft_wrap=True,
    )


@app.command("forget")
def forget_command(
    phone: Phone,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask (needed when there is no terminal).")
    ] = False,
) -> None:
    """Erase a guardian's personal data and their conversations' words; keep anonymous
    counts. This cannot be undone except from a backup."""
    engine = database()
    with transaction(engine) as session:
        guardian = guardian_by_phone(session, phone)
        name, guardian_id = guardian.name, guardian.id
    if not yes:
        if not _interactive():
            raise UserError(
                "forgetting a guardian cannot be undone: add --yes to confirm "
                "(there is no terminal to ask)"
            )
        if not typer.confirm(
            f"Erase everything about {name} and their conversations? This cannot be undone",
            default=False,
        ):
            console.print("Nothing was changed.")
            raise typer.Exit(1)
    with transaction(engine) as session:
        guardian = guardian_by_phone(session, phone)
        if guardian.id != guardian_id:
            raise UserError("that phone number changed hands meanwhile; nothing was changed")
        forgotten = forget_guardian(session, guardian, utcnow())
    console.print(summary(guardian_id, forgotten), soft_wrap=True)


def summary(guardian_id: int, forgotten: Forgotten) -> str:
    """One line: what was erased (counts) and what was kept."""
    parts = [
        _count(forgotten.contact_points, "contact point"),
        _count(forgotten.children, "child link"),
        _count(forgotten.messages_erased, "message text"),
        _count(forgotten.deliveries_erased, "delivery", "deliveries")
        + (
            f" ({forgotten.deliveries_cancelled} cancelled)"
            if forgotten.deliveries_cancelled
            else ""
        ),
        _count(forgotten.media_files, "media file"),
        _count(forgotten.translations, "cached translation"),
        _count(forgotten.staff_notes, "name in staff notes", "names in staff notes"),
        _count(forgotten.pending_questions, "open question"),
        _count(forgotten.invites, "invite"),
        _count(forgotten.unknown_sender_records, "unknown-sender record"),
        _count(forgotten.early_status_reports, "early status report"),
    ]
    erased = ", ".join(p for p in parts if not p.startswith("0 "))
    return (
        f"Forgot guardian #{guardian_id}: "
        + (f"erased {erased}" if erased else "nothing left to erase")
        + f"; kept "
        f"{_count(forgotten.messages_kept, 'message')} and "
        f"{_count(forgotten.deliveries_kept, 'delivery', 'deliveries')} "
        "without words or addresses."
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _interactive() -> bool:
    """Whether a person can answer a question here (CI and cron have no terminal)."""
    return sys.stdin.isatty()


def _write_stdout(data: bytes) -> None:
    # UTF-8 whatever the locale says: a family's name and words are rarely ASCII.
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
