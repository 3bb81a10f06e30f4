"""`commbot roster`: import students, classes, teachers and families."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from ..db import session_factory
from ..roster import Outcome, import_roster
from ..roster.importer import DEFAULT_SCHOOL, ImportReport
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
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="The file is the whole school: deactivate students, guardians, links and "
            "teachers it leaves out (kept for history, sent nothing) and report them removed.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would change, removals first; write nothing."),
    ] = False,
) -> None:
    """Add or update everyone in a roster. Bad rows are listed and skipped; good rows import;
    the exit status is 1 when any row was rejected."""
    engine = database()
    with session_factory(engine)() as session:
        report = _import(session, path, school, full)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    _print(report, path, dry_run)
    if report.rejected:
        raise typer.Exit(1)


def _import(session: Session, path: Path, school: str, full: bool) -> ImportReport:
    """Import with a progress bar on a terminal; silently into a pipe or file."""
    if not console.is_terminal:
        return import_roster(session, path, school, full=full)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Importing {path.name}", total=None)
        return import_roster(
            session,
            path,
            school,
            full=full,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _print(report: ImportReport, path: Path, dry_run: bool) -> None:
    if report.removed:
        title = "Would remove" if dry_run else "Removed"
        console.print(f"{title} ({len(report.removed)}):")
        for line in report.removed:
            console.print(f"  {line}", soft_wrap=True)
    summary = ", ".join(f"{report.counts[o]} {o.value}" for o in Outcome)
    removed = f", {len(report.removed)} removed" if report.removed else ""
    verb = "Dry run, nothing written for" if dry_run else "Imported"
    console.print(f"{verb} {path.name}: {summary}{removed}.")
    if report.rejected:
        table = Table("where", "why rejected", title="Rejected rows", title_justify="left")
        for source, reason in report.rejected:
            table.add_row(source, reason)
        console.print(table)
