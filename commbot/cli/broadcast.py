"""`commbot broadcast`: a message to many families, as a staff member of the school, from the
server: the preview first (the same numbers as on Telegram), then Send? unless `--yes`.

The operator acts in the name of the staff member given by `--from`, within what that
staff member may reach (`features.broadcasts`): a teacher's classes, a coordinator's
school. Output is for the operator, in English; it counts families and names no phone
numbers. With no terminal and no `--yes` nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..db import session_factory, transaction
from ..errors import UserError
from ..features.broadcasts import actions, audiences, preview
from ..features.broadcasts.models import Broadcast, BroadcastState
from ..features.broadcasts.progress import Progress as Sent
from ..features.broadcasts.progress import progress, summary_text
from ..models import Staff, utcnow
from ..schools import school_timezone
from .context import console, database, settings

POLL_SECONDS = 1.0


def broadcast_command(
    sender_email: Annotated[
        str, typer.Option("--from", metavar="EMAIL", help="The staff member it comes from.")
    ],
    audience: Annotated[
        str,
        typer.Option(
            "--audience",
            metavar="SPEC",
            help="school, class:3A,4B, students:Ana Diaz;Leo Park, language:es, meeting:7, "
            "or not-reached:30.",
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="The message, in the sender's words.")],
    language: Annotated[
        str | None,
        typer.Option("--language", metavar="CODE", help="The text's language (the sender's)."),
    ] = None,
    urgent: Annotated[
        bool,
        typer.Option("--urgent", help="Through quiet hours (coordinators and admins only)."),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help='Send later: "YYYY-MM-DD HH:MM" or "HH:MM", on the school\'s clock.',
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Send without asking (needed with no terminal).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the preview and the result as JSON.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Show its progress until every family's is final.")
    ] = False,
) -> None:
    """Preview a broadcast to many families, then send or schedule it."""
    if wait and at:
        raise UserError("--wait follows a broadcast sent now; leave out --at or --wait")
    config = settings()
    engine = database()
    now = utcnow()
    with session_factory(engine)() as session:  # the preview writes nothing that stays
        sender, spec, zone, send_at = _request(session, config, sender_email, audience, at, now)
        _draft(session, sender, spec, text, language, urgent, now)
        shown = preview.build(
            session,
            sender,
            spec,
            text=text,
            language=language or sender.language,
            urgent=urgent,
            settings=config,
            now=now,
            send_at=send_at,
        )
        session.rollback()
    if not as_json:
        lines = preview.render(shown, "en", zone)
        console.rule("Preview")
        console.print(escape(lines), soft_wrap=True)  # whole lines: the same as on Telegram
        console.rule()
    if not yes:
        if not _interactive():
            if as_json:
                _print_json({"preview": shown.to_json(), "sent": False})
            raise UserError(
                "nothing was sent: add --yes to send (there is no terminal to ask Send?)"
            )
        question = f"Schedule it for {at} ({zone})?" if send_at else "Send it now?"
        if not typer.confirm(question, default=False, err=as_json):
            if as_json:
                _print_json({"preview": shown.to_json(), "sent": False})
            else:
                console.print("Nothing was sent.")
            raise typer.Exit(1)
    result = _go(engine, config, sender_email, audience, text, language, urgent, at)
    if not as_json:
        console.print(escape(_said(result, zone)), soft_wrap=True)
    final = _follow(engine, result["id"], quiet=as_json) if wait else None
    if as_json:
        output = {"preview": shown.to_json(), "sent": True, "broadcast": result}
        if final is not None:
            output["progress"] = asdict(final) | {"done": final.done}
        _print_json(output)


def _request(
    session: Session, config: Settings, email: str, spec: str, at: str | None, now: dt.datetime
) -> tuple[Staff, audiences.Audience, str, dt.datetime | None]:
    sender = session.scalar(
        select(Staff).where(func.lower(Staff.email) == email.strip().lower(), Staff.active)
    )
    if sender is None:
        raise UserError(f"no active staff member has the email {email.strip()[:80]!r}")
    try:
        audience = audiences.parse(spec)
    except audiences.AudienceError as exc:
        raise UserError(str(exc)) from None
    zone = school_timezone(session, sender.school_id, config.default_timezone)
    send_at = None
    if at is not None:
        try:
            send_at = actions.parse_time(at, zone, now)
            actions.check_send_at(send_at, now)
        except actions.BroadcastError as exc:
            raise UserError(str(exc)) from None
    return sender, audience, zone, send_at


def _draft(
    session: Session,
    sender: Staff,
    spec: audiences.Audience,
    text: str,
    language: str | None,
    urgent: bool,
    now: dt.datetime,
) -> Broadcast:
    try:
        return actions.create(
            session, sender, spec, text=text, language=language, urgent=urgent, now=now
        )
    except actions.BroadcastError as exc:
        raise UserError(str(exc)) from None


def _go(
    engine: Any,
    config: Settings,
    email: str,
    spec: str,
    text: str,
    language: str | None,
    urgent: bool,
    at: str | None,
) -> dict[str, Any]:
    """Create it again, now for good, and send or schedule it: what the roster says at this
    moment decides, as it would on Telegram after the preview."""
    now = utcnow()
    with transaction(engine) as session:
        sender, audience, _, send_at = _request(session, config, email, spec, at, now)
        draft = _draft(session, sender, audience, text, language, urgent, now)
        try:
            if send_at is not None:
                actions.schedule(session, sender, draft, send_at, now=now)
                return {"id": draft.id, "state": draft.state.value, "send_at": send_at.isoformat()}
            fanned = actions.send_now(session, sender, draft, settings=config, now=now)
        except actions.BroadcastError as exc:
            raise UserError(str(exc)) from None
        return {
            "id": draft.id,
            "state": draft.state.value,
            "queued": fanned.queued,
            "quiet_held": fanned.quiet_held,
            "opted_out": fanned.opted_out,
            "unreachable": fanned.unreachable,
        }


def _said(result: dict[str, Any], zone: str) -> str:
    if "send_at" in result:
        when = preview.when_words(dt.datetime.fromisoformat(result["send_at"]), "en", zone)
        return f"Broadcast {result['id']} is scheduled for {when} ({zone})."
    return (
        f"Broadcast {result['id']} is on its way: {result['queued']} families queued"
        f" ({result['quiet_held']} after their quiet hours), {result['opted_out']} opted out,"
        f" {result['unreachable']} unreachable."
    )


def _follow(engine: Any, broadcast_id: int, *, quiet: bool) -> Sent:
    """A progress bar from `progress()` until every family's delivery is final (the worker
    sends; this only watches), then the summary."""
    bar = Progress(
        TextColumn("Sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    with bar:
        task = bar.add_task("broadcast", total=None, detail="")
        while True:
            with transaction(engine) as session:
                found = session.get_one(Broadcast, broadcast_id)
                done = progress(session, found)
                cancelled = found.state is BroadcastState.CANCELLED
            detail = f"{done.delivered} delivered, {done.failed} failed, {done.waiting} waiting"
            finished = done.families - done.waiting
            bar.update(task, total=done.families, completed=finished, detail=detail)
            if done.done or cancelled:
                break
            time.sleep(POLL_SECONDS)
    if not quiet:
        console.print(escape(summary_text(done, "en")), soft_wrap=True)
    return done


def _interactive() -> bool:
    """Whether a person can answer Send? here (CI and cron have no terminal)."""
    return sys.stdin.isatty()


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))
