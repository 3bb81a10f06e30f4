"""`commbot db`: the schema."""

from __future__ import annotations

import typer

from ..db import get_engine
from ..migrate import current_revision, upgrade
from .context import console

app = typer.Typer(help="Create or update the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Bring the database named by DATABASE_URL to the latest schema."""
    engine = get_engine()
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        console.print(f"[green]✓[/] {url} is up to date (revision {after}).")
    else:
        console.print(f"[green]✓[/] {url} upgraded from {before or 'empty'} to {after}.")
