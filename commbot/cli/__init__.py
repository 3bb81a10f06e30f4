"""The `commbot` command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from ..errors import CommbotError
from . import database, guardian, invite, roster, run, staff
from .outbox import outbox

app = typer.Typer(
    help="commbot: home-school messaging for special education.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
_debug = False


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
) -> None:
    global _debug
    _debug = debug


app.add_typer(database.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(staff.app, name="staff")
app.add_typer(guardian.app, name="guardian")
app.add_typer(invite.app, name="invite")
app.add_typer(run.telegram_app, name="telegram")
app.command()(run.demo)
app.command()(run.serve)
app.command()(run.worker)
app.command()(outbox)

_errors = Console(stderr=True)


def main() -> None:
    """Run a command; commbot's own errors end it with one line (`--debug`: the traceback)."""
    try:
        app()
    except CommbotError as exc:
        if _debug:
            raise
        _errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
