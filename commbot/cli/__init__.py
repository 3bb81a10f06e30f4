"""The `commbot` command line."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..config import ConfigError
from ..errors import UserError
from ..roster import RosterFileError
from . import database, invite, roster, run, staff
from .outbox import outbox

app = typer.Typer(
    help="commbot: home-school messaging for special education.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
app.add_typer(database.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(staff.app, name="staff")
app.add_typer(invite.app, name="invite")
app.add_typer(run.telegram_app, name="telegram")
app.command()(run.demo)
app.command()(run.serve)
app.command()(run.worker)
app.command()(outbox)

_errors = Console(stderr=True)


def main() -> None:
    try:
        app()
    except (ConfigError, UserError, RosterFileError) as exc:
        _errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
