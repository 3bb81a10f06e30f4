"""The `commbot` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperGroup, TyperOption

from .. import __version__
from . import database, family, guardian, invite, meeting, roster, run, staff
from .broadcast import broadcast_command
from .failures import describe
from .outbox import outbox


class _TidyHelp(TyperGroup):
    """The command tree, with help pages that show what to type, not Python types: flags
    show nothing, values their name (`--school SCHOOL`), choices the words to choose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tidy(self)


def _tidy(command: Any) -> None:
    # Typer ships its own copy of click: duck typing, not click's classes.
    for param in command.params:
        if isinstance(param, TyperOption | TyperArgument):
            param.display_type_rich = _shows(_label(param))  # type: ignore[method-assign]
    make_help_option = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            option.display_type_rich = lambda ctx: None
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub)


def _shows(label: str | None) -> Callable[..., str | None]:
    return lambda ctx: label


def _label(param: TyperOption | TyperArgument) -> str | None:
    if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
        return None  # an argument's name already says it; a flag takes no value
    if param.metavar:
        return param.metavar
    described = param.type_descriptor
    if described.is_choice and described.choices:
        return "|".join(str(getattr(c, "value", c)) for c in described.choices)
    return (param.name or "value").upper()


app = typer.Typer(
    cls=_TidyHelp,
    help="commbot: home-school messaging for special education.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
_debug = False


def _print_version(value: bool) -> None:
    if value:
        print(f"commbot {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and stop."
        ),
    ] = False,
) -> None:
    global _debug
    _debug = debug


app.add_typer(database.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(staff.app, name="staff")
app.add_typer(guardian.app, name="guardian")
app.add_typer(family.app, name="family")
app.add_typer(invite.app, name="invite")
app.add_typer(meeting.app, name="meeting")
app.add_typer(run.telegram_app, name="telegram")
app.command()(run.demo)
app.command()(run.serve)
app.command()(run.worker)
app.command()(outbox)
app.command("broadcast")(broadcast_command)

_errors = Console(stderr=True)


def main() -> None:
    """Run a command. Any failure ends it with one line naming the problem, never a secret
    (`--debug`: the traceback instead)."""
    try:
        app()
    except Exception as exc:
        if _debug or "--debug" in sys.argv[1:]:  # also when it failed before the callback ran
            raise
        line = escape(describe(exc))
        _errors.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        sys.exit(2)
    finally:
        _close_database()


def _close_database() -> None:
    """Close the pooled connections on the way out, so SQLite folds its write-ahead log back
    into the database file instead of leaving `-wal` and `-shm` files beside it."""
    from ..db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose()
