"""`commbot meeting`: meetings with a family, from a YAML file, as the operator.

The rules are in `commbot.features.meetings.actions`; the file's schema is read by
`yaml_spec` (and documented in the README). The command line is the operator: it acts with
`actor=None`, and the organizer named in the file must serve the student. Output is for
the operator, in English; it names guardians, their channel and language, never their
phone numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..db import session_factory, transaction
from ..errors import UserError
from ..features.meetings import actions, changes
from ..features.meetings import messages as m
from ..features.meetings.conflicts import Conflict, meeting_conflicts, quiet_conflicts
from ..features.meetings.models import (
    Meeting,
    MeetingContact,
    MeetingReminder,
)
from ..features.meetings.preview import build_preview
from ..features.meetings.times import check_meeting_time, local_time
from ..features.meetings.view import MeetingView, meeting_view
from ..features.meetings.yaml_spec import MeetingSpec, load_meeting
from ..models import utcnow
from ..outbox import usable_points
from ..policy import receiving_guardians
from .context import console, database, settings

app = typer.Typer(
    help="Meetings with a family: create from YAML, see the answers, settle, move, cancel.",
    no_args_is_help=True,
)

MeetingId = Annotated[int, typer.Argument(help="The meeting's number (`commbot meeting list`).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(when: dt.datetime | str | None, zone: str) -> str:
    """ "Tuesday, January 12, 2027, 4:00 PM" on the school's clock."""
    if when is None:
        return "-"
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    return m.when_text(when, zone, "en")


def _short(when: str, zone: str) -> str:
    """ "2027-01-12 16:00", for a table row."""
    local = dt.datetime.fromisoformat(when).astimezone(zoneinfo.ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M")


def _say(line: str) -> None:
    console.print(escape(line), soft_wrap=True)


# -- create ------------------------------------------------------------------------------------


@app.command("create")
def create_command(
    file: Annotated[Path, typer.Argument(help="The meeting, in YAML (see examples/meeting.yaml).")],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the file and print each family's preview; send nothing."
        ),
    ] = False,
) -> None:
    """Create a meeting from a YAML file and send each family its preview."""
    config = settings()
    engine = database()
    now = utcnow()
    if dry_run:
        with session_factory(engine)() as session:  # read only: nothing is added or flushed
            spec = load_meeting(session, file, now=now, default_timezone=config.default_timezone)
            lines = _dry_run(session, spec, config, now)
            session.rollback()
        for line in lines:
            _say(line)
        return
    with transaction(engine) as session:
        spec = load_meeting(session, file, now=now, default_timezone=config.default_timezone)
        created = actions.create_meeting(
            session,
            spec.organizer,
            spec.draft,
            now=now,
            default_timezone=config.default_timezone,
            base_url=config.public_base_url,
            actor=None,
        )
        lines = _created(session, spec, created)
    for line in lines:
        _say(line)


def _summary(spec: MeetingSpec, zone: str) -> list[str]:
    draft = spec.draft
    purpose = draft.purpose.value.replace("_", " ")
    head = f"{purpose} about {spec.student.name}, organised by {spec.organizer.name}"
    if draft.fixed_time is not None:
        return [f"{head}, at {_when(draft.fixed_time, zone)} ({zone})."]
    lines = [f"{head}; {len(draft.slots)} proposed times ({zone}):"]
    lines += [f"  {n}. {_when(when, zone)}" for n, when in enumerate(sorted(draft.slots), 1)]
    return lines


def _conflict_lines(conflicts: list[Conflict]) -> list[str]:
    if not conflicts:
        return ["No proposed time falls in a family's quiet hours."]
    return ["Quiet-hour conflicts:"] + [f"  {c.text}" for c in conflicts]


def _created(session: Session, spec: MeetingSpec, created: actions.CreatedMeeting) -> list[str]:
    meeting = created.meeting
    summary = _summary(spec, meeting.timezone)
    lines = [f"Created meeting {meeting.id}: {summary[0]}", *summary[1:]]
    unreachable = [s.guardian.name for s in created.sent if s.channel is None]
    for sent in created.sent:
        if sent.channel is not None:
            count = f"{sent.deliveries} message{'s' if sent.deliveries != 1 else ''} queued"
            lines.append(
                f"  {sent.guardian.name}: {sent.channel}, {sent.guardian.language}, {count}"
            )
    if not created.sent:
        lines.append("  No guardian of this student gets messages: nobody was asked.")
    if unreachable:
        lines.append("No usable channel (nothing sent; fix the roster): " + ", ".join(unreachable))
    return lines + _conflict_lines(created.conflicts)


def _dry_run(session: Session, spec: MeetingSpec, config: Settings, now: dt.datetime) -> list[str]:
    """What `create` would send, built from unsaved rows: the meeting is never added to the
    session, so nothing is written (no id, no sequence number taken)."""
    draft = spec.draft
    meeting, slots, attendees = actions.unsaved(spec.organizer, draft, config.default_timezone, now)
    guardians = receiving_guardians(session, spec.student)
    summary = _summary(spec, meeting.timezone)
    lines = [f"Dry run, nothing sent or saved: {summary[0]}", *summary[1:]]
    unreachable = []
    for guardian in guardians:
        points = usable_points(session, guardian)
        if not points:
            unreachable.append(guardian.name)
            continue
        channel = points[0].channel
        preview = build_preview(
            meeting,
            student=spec.student,
            guardian=guardian,
            organizer=spec.organizer,
            slots=slots,
            attendees=attendees,
            channel=channel,
            default_timezone=config.default_timezone,
        )
        parts = len(preview.parts)
        lines.append("")
        lines.append(
            f"--- {guardian.name}: {channel.value}, {guardian.language}, "
            f"{parts} message{'s' if parts != 1 else ''} ---"
        )
        lines.append(preview.as_text())
    lines.append("")
    if not guardians:
        lines.append("No guardian of this student gets messages: nobody would be asked.")
    if unreachable:
        lines.append("No usable channel (nothing would be sent): " + ", ".join(unreachable))
    times = [s.starts_at for s in slots] or ([meeting.starts_at] if meeting.starts_at else [])
    conflicts = quiet_conflicts(guardians, times, config.default_timezone, spec.organizer.language)
    return lines + _conflict_lines(conflicts)


# -- list and show ------------------------------------------------------------------------------


@app.command("list")
def list_command(
    everything: Annotated[
        bool, typer.Option("--all", help="Also cancelled and held meetings.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """List open meetings: who they are about, when, and how many families answered."""
    with transaction(database()) as session:
        views = [
            meeting_view(session, meeting)
            for meeting in actions.meetings_for(session, None, include_closed=everything)
        ]
    if as_json:
        _print_json([_listed(v) for v in views])
        return
    if not views:
        console.print("No meetings." if everything else "No open meetings (--all shows every one).")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "student", "purpose", "state", "when", "organizer", "replied"):
        wraps = column in ("student", "purpose", "organizer")
        table.add_column(column, overflow="fold", no_wrap=not wraps, min_width=len(column))
    for view in views:
        row = _listed(view)
        when = (
            _short(view.starts_at, view.timezone)
            if view.starts_at
            else f"{len(view.slots)} proposed"
        )
        table.add_row(
            str(view.id),
            view.student,
            view.purpose.replace("_", " "),
            view.state,
            when,
            view.organizer,
            f"{row['answered']}/{row['families']}",
        )
    console.print(table)


def _listed(view: MeetingView) -> dict[str, Any]:
    return {
        "id": view.id,
        "student": view.student,
        "organizer": view.organizer,
        "purpose": view.purpose,
        "state": view.state,
        "starts_at": view.starts_at,
        "timezone": view.timezone,
        "slots": [s["starts_at"] for s in view.slots],
        "families": len(view.families),
        "answered": sum(not f.unanswered for f in view.families),
    }


@app.command("show")
def show_command(meeting_id: MeetingId, as_json: AsJson = False) -> None:
    """One meeting: its facts, times, attendees, and each family's answers."""
    with transaction(database()) as session:
        view = meeting_view(session, _meeting(session, meeting_id))
    if as_json:
        _print_json(view.as_json())
        return
    for table in _show_tables(view):
        console.print(table)


def _show_tables(view: MeetingView) -> list[Table]:
    zone = view.timezone
    facts = Table(
        title=f"Meeting {view.id}", box=box.SIMPLE_HEAD, pad_edge=False, show_header=False
    )
    facts.add_column("field", no_wrap=True, style="bold")
    facts.add_column("value", overflow="fold")
    rows = [
        ("student", view.student),
        ("organizer", view.organizer),
        ("purpose", view.purpose.replace("_", " ")),
        ("state", view.state),
        ("time", _when(view.starts_at, zone) if view.starts_at else "not settled"),
        ("duration", f"{view.duration_minutes} minutes"),
        ("time zone", zone),
        ("place", view.place),
        ("video link", view.video_link),
        ("dial-in", view.phone),
        ("strengths", view.strengths),
        ("agenda", "\n".join(f"{n}. {item}" for n, item in enumerate(view.agenda, 1))),
        (
            "documents",
            "\n".join(
                f"{d.get('title', '')}" + (f": {d['link']}" if d.get("link") else "")
                for d in view.documents
            ),
        ),
        ("reminders pending", str(view.reminders_pending)),
        ("invite version", str(view.sequence)),
    ]
    for name, value in rows:
        if value:
            facts.add_row(name, escape(value))
    tables = [facts]
    if view.slots:
        slots = Table(title="Proposed times", box=box.SIMPLE_HEAD, pad_edge=False)
        slots.add_column("#", no_wrap=True)
        slots.add_column("time", overflow="fold")
        slots.add_column("picked by", overflow="fold")
        for slot in view.slots:
            picked = [f.name for f in view.families if f.chosen_slot == slot["number"]]
            slots.add_row(
                str(slot["number"]), _when(slot["starts_at"], zone), escape(", ".join(picked))
            )
        tables.append(slots)
    if view.attendees:
        people = Table(title="Attendees", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("name", "role", "staff"):
            people.add_column(column, overflow="fold")
        for attendee in view.attendees:
            people.add_row(
                escape(attendee["name"]),
                attendee["role"].replace("_", " "),
                "yes (Telegram)" if attendee["staff"] else "no",
            )
        tables.append(people)
    families = Table(title="Families", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("guardian", "lang", "channel", "preview", "picked", "needs", "unanswered"):
        families.add_column(column, overflow="fold")
    for family in view.families:
        chosen = (
            str(family.chosen_slot)
            if family.chosen_slot
            else ("none work" if family.none_work else "-")
        )
        families.add_row(
            escape(family.name),
            family.language,
            family.channel or "none",
            family.preview_status,
            chosen,
            ", ".join(family.needs) or "-",
            "yes" if family.unanswered else "no",
        )
    if not view.families:
        families.add_row("(no guardian gets messages)", "", "", "", "", "", "")
    tables.append(families)
    words = Table(title="Their words (originals)", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("guardian", "kind", "at", "words"):
        words.add_column(column, overflow="fold", no_wrap=column != "words")
    for family in view.families:
        for said in family.words:
            at = _short(said.at, zone) if said.at else ""
            words.add_row(escape(family.name), said.kind, at, escape(said.text or "(erased)"))
    if words.row_count:
        tables.append(words)
    return tables


# -- settle, move, cancel -------------------------------------------------------------------------


@app.command("confirm")
def confirm_command(
    meeting_id: MeetingId,
    slot: Annotated[int, typer.Argument(help="The proposed time's number (`meeting show`).")],
) -> None:
    """Settle a proposed meeting on one of its times: everyone gets the final time."""
    config = settings()
    with transaction(database()) as session:
        meeting = _meeting(session, meeting_id)
        mark = _last_contact(session)
        changes.confirm_meeting(
            session,
            None,
            meeting,
            slot=slot,
            now=utcnow(),
            default_timezone=config.default_timezone,
            base_url=config.public_base_url,
        )
        line = (
            f"Meeting {meeting.id} is set for {_when(meeting.starts_at, meeting.timezone)} "
            f"({meeting.timezone}); {_queued(session, meeting, mark)}."
        )
    _say(line)


@app.command("reschedule")
def reschedule_command(
    meeting_id: MeetingId,
    slot: Annotated[
        str,
        typer.Option(
            "--slot",
            metavar='"YYYY-MM-DD HH:MM"',
            help="The new time, on the school's clock.",
            show_default=False,
        ),
    ],
) -> None:
    """Move a meeting to a new time (or set one): everyone is told, reminders move."""
    config = settings()
    with transaction(database()) as session:
        meeting = _meeting(session, meeting_id)
        try:
            starts_at = local_time(slot, meeting.timezone)
            check_meeting_time(starts_at, utcnow())
        except ValueError as exc:  # an InputError is a ValueError too
            raise UserError(f"--slot: {exc}") from None
        mark = _last_contact(session)
        changes.reschedule_meeting(
            session,
            None,
            meeting,
            starts_at=starts_at,
            now=utcnow(),
            default_timezone=config.default_timezone,
            base_url=config.public_base_url,
        )
        line = (
            f"Meeting {meeting.id} moved to {_when(meeting.starts_at, meeting.timezone)} "
            f"({meeting.timezone}); {_queued(session, meeting, mark)}."
        )
        conflicts = meeting_conflicts(session, meeting, [starts_at], config.default_timezone, "en")
    _say("\n".join([line, *_conflict_lines(conflicts)]))


@app.command("cancel")
def cancel_command(meeting_id: MeetingId) -> None:
    """Cancel a meeting: nothing still queued about it goes out, everyone who heard is told."""
    config = settings()
    with transaction(database()) as session:
        meeting = _meeting(session, meeting_id)
        open_reminders = _open_reminders(session, meeting)
        mark = _last_contact(session)
        changes.cancel_meeting(
            session,
            None,
            meeting,
            now=utcnow(),
            default_timezone=config.default_timezone,
            base_url=config.public_base_url,
        )
        line = (
            f"Cancelled meeting {meeting.id}; {_queued(session, meeting, mark)}; "
            f"{open_reminders} pending reminder{'s' if open_reminders != 1 else ''} dropped."
        )
    _say(line)


# -- helpers ---------------------------------------------------------------------------------------


def _meeting(session: Session, meeting_id: int) -> Meeting:
    return actions.meeting_for(session, None, meeting_id)


def _last_contact(session: Session) -> int:
    return session.scalar(select(func.max(MeetingContact.id))) or 0


def _queued(session: Session, meeting: Meeting, after: int) -> str:
    """ "2 messages queued to families, 1 to staff": what the action just queued."""
    session.flush()
    rows = session.execute(
        select(MeetingContact.guardian_id, MeetingContact.staff_id).where(
            MeetingContact.meeting_id == meeting.id,
            MeetingContact.id > after,
            MeetingContact.delivery_id.is_not(None),
        )
    ).all()
    families = sum(1 for guardian, _ in rows if guardian is not None)
    staff = sum(1 for _, member in rows if member is not None)
    noun = "message" if families == 1 else "messages"
    return f"{families} {noun} queued to families, {staff} to staff"


def _open_reminders(session: Session, meeting: Meeting) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(MeetingReminder)
            .where(MeetingReminder.meeting_id == meeting.id, MeetingReminder.done_at.is_(None))
        )
        or 0
    )


def _print_json(value: Any) -> None:
    # UTF-8 whatever the locale says: names and families' words are rarely ASCII.
    data = (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
