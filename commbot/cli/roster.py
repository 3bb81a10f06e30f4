"""`commbot roster`: import students, classes, teachers and families."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..db import transaction
from ..roster import Outcome, import_roster
from ..roster.importer import DEFAULT_SCHOOL
from .context import console, database

app = typer.Typer(help="Import the school roster.", no_args_is_help=True)


@app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="A roster CSV (see the README) or a OneRoster 1.1 CSV folder.",
            exists=True,
            readable=True,
        ),
    ],
    school: Annotated[str, typer.Option(help="The school these rows belong to.")] = DEFAULT_SCHOOL,
) -> None:
    """Add or update everyone in a roster. Bad rows are listed and skipped; good rows import."""
    engine = database()
    with transaction(engine) as session:
        report = import_roster(session, path, school)
    summary = ", ".join(f"{report.counts[o]} {o.value}" for o in Outcome)
    console.print(f"Imported {path.name}: {summary}.")
    if report.rejected:
        table = Table("where", "why rejected", title="Rejected rows", title_justify="left")
        for source, reason in report.rejected:
            table.add_row(source, reason)
        console.print(table)
