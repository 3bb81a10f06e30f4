"""`commbot report`: who is reached, who is silent and whom to call, as the operator.

    commbot report broadcast ID
    commbot report deliveries [--since DAY] [--class CLASS]
    commbot report partnership [--class CLASS] [--days 30]
    commbot report unreachable [--class CLASS]

Each prints rich tables (times in the deployment's time zone), or `--csv` (one table; a
report of several has a `section` column) or `--json`. The rows are those `/report` sends
staff on Telegram, for every school: the command line is the operator. The queries are in
`commbot.features.reports`; no phone numbers in any of them.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from typing import Annotated

import typer

from ..db import transaction
from ..errors import UserError
from ..features.reports import render
from ..features.reports.broadcast import broadcast
from ..features.reports.deliveries import deliveries
from ..features.reports.partnership import DAYS, partnership
from ..features.reports.scope import scope_for
from ..features.reports.unreachable import unreachable
from ..models import utcnow
from .context import console, database, settings

app = typer.Typer(
    help="Reports: one broadcast, deliveries, the partnership with families, whom to call.",
    no_args_is_help=True,
)

AsCsv = Annotated[bool, typer.Option("--csv", help="Print CSV instead of tables.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ClassName = Annotated[
    str | None, typer.Option("--class", metavar="CLASS", help="Only this class's families.")
]


def _show(view: render.ReportView, as_csv: bool, as_json: bool) -> None:
    if as_csv and as_json:
        raise UserError("--csv and --json: choose one")
    if as_csv:
        sys.stdout.write(render.to_csv(view))
        return
    if as_json:
        print(json.dumps(render.to_json(view), ensure_ascii=False, indent=2))
        return
    zone = settings().default_timezone
    console.print(view.heading, soft_wrap=True)
    console.print(f"times in {zone}")
    for section, table in zip(view.sections, render.tables(view, zone), strict=True):
        if section.rows:
            console.print(table)
        else:
            console.print(f"{section.name}: none")


@app.command("broadcast")
def broadcast_report(
    broadcast_id: Annotated[
        int, typer.Argument(metavar="ID", help="The broadcast's number.", min=1, max=2**31 - 1)
    ],
    as_csv: AsCsv = False,
    as_json: AsJson = False,
) -> None:
    """One broadcast, family by family: channel, status, when delivered or why not, replied."""
    with transaction(database()) as session:
        view = broadcast(session, broadcast_id, None, now=utcnow()).view()
    _show(view, as_csv, as_json)


def _since(day: str | None, now: dt.datetime) -> dt.datetime:
    """The start of `day` (YYYY-MM-DD) on the deployment's clock; 30 days ago if None."""
    if day is None:
        return now - dt.timedelta(days=DAYS)
    try:
        date = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise UserError(f"--since must be a day like 2026-11-01, not {day[:40]!r}") from None
    zone = zoneinfo.ZoneInfo(settings().default_timezone)
    return dt.datetime.combine(date, dt.time(0), tzinfo=zone)


@app.command("deliveries")
def deliveries_report(
    since: Annotated[
        str | None,
        typer.Option(metavar="DAY", help="From this day (YYYY-MM-DD); 30 days ago by default."),
    ] = None,
    class_name: ClassName = None,
    as_csv: AsCsv = False,
    as_json: AsJson = False,
) -> None:
    """Messages to families by channel and language: sent, delivered, failed and why."""
    now = utcnow()
    start = _since(since, now)
    with transaction(database()) as session:
        scope = scope_for(session, None, class_name)
        view = deliveries(session, scope, since=start, now=now).view()
    _show(view, as_csv, as_json)


@app.command("partnership")
def partnership_report(
    class_name: ClassName = None,
    days: Annotated[
        int, typer.Option(min=1, max=365, help="The window, in days up to now.")
    ] = DAYS,
    as_csv: AsCsv = False,
    as_json: AsJson = False,
) -> None:
    """Each family, class and language: contact both ways, reached, silent, unreachable."""
    with transaction(database()) as session:
        scope = scope_for(session, None, class_name)
        view = partnership(session, scope, now=utcnow(), days=days).view()
    _show(view, as_csv, as_json)


@app.command("unreachable")
def unreachable_report(
    class_name: ClassName = None,
    as_csv: AsCsv = False,
    as_json: AsJson = False,
) -> None:
    """The families to call: what failed on each channel, who speaks their language."""
    with transaction(database()) as session:
        view = unreachable(session, scope_for(session, None, class_name), now=utcnow()).view()
    _show(view, as_csv, as_json)
