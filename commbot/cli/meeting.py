"""`commbot meeting`: meetings with a family, from a YAML file, as the operator; after the
meeting, its notes and action plan (`notes`), and the plan's open items (`actions`, `done`,
`more-time`), so that every action on the plan has an entry point here too.

The rules are in `commbot.features.meetings.actions` (and `notes`, `items`); the files'
schemas are read by `yaml_spec` and `notes_yaml` (and documented in the README). The
command line is the operator: it acts with `actor=None`, and the organizer named in the
file must serve the student. Output is for the operator, in English; it names guardians,
their channel and language, never their phone numbers.
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

from ..channels.base import clean_text
from ..config import Settings
from ..db import session_factory, transaction
from ..errors import UserError
from ..features.meetings import actions, changes, items, notes
from ..features.meetings import after_messages as am
from ..features.meetings import messages as m
from ..features.meetings.after_models import ActionItem, ItemState, MeetingConcern, MeetingNotes
from ..features.meetings.audience import invitees
from ..features.meetings.conflicts import Conflict, meeting_conflicts, quiet_conflicts
from ..features.meetings.models import (
    Meeting,
    MeetingContact,
    MeetingReminder,
)
from ..features.meetings.notes_message import build_notes
from ..features.meetings.notes_yaml import NotesFile, load_notes
from ..features.meetings.preview import build_preview
from ..features.meetings.times import check_meeting_time, local_time
from ..features.meetings.view import MeetingView, meeting_view
from ..features.meetings.yaml_spec import MeetingSpec, load_meeting
from ..i18n import gettext
from ..models import Channel, Guardian, Staff, Student, utcnow
from ..outbox import usable_points
from ..policy import receiving_guardians
from .context import console, database, settings

app = typer.Typer(
    help="Meetings with a family: create from YAML, see the answers, settle, move, cancel.",
    no_args_is_help=True,
)

MeetingId = Annotated[int, typer.Argument(help="The meeting's number (`commbot meeting list`).")]
ItemId = Annotated[int, typer.Argument(help="The item's id (`commbot meeting actions`).")]
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
    """One meeting: its facts, times, attendees, each family's answers; after it, the notes,
    each concern's answer, the plan's items and each guardian's feedback."""
    with transaction(database()) as session:
        view = meeting_view(session, _meeting(session, meeting_id), utcnow())
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
    for column in ("guardian", "kind", "#", "at", "words"):
        words.add_column(column, overflow="fold", no_wrap=column != "words")
    for family in view.families:
        for said in family.words:
            at = _short(said.at, zone) if said.at else ""
            number = str(said.number) if said.number else ""
            words.add_row(
                escape(family.name), said.kind, number, at, escape(said.text or "(erased)")
            )
    if words.row_count:
        tables.append(words)
    return tables + _notes_tables(view)


def _notes_tables(view: MeetingView) -> list[Table]:
    """After the meeting: the notes, each concern and its answer, the plan, the feedback."""
    notes_view = view.notes
    if notes_view is None:
        return []
    zone = view.timezone
    facts = Table(title="Notes", box=box.SIMPLE_HEAD, pad_edge=False, show_header=False)
    facts.add_column("field", no_wrap=True, style="bold")
    facts.add_column("value", overflow="fold")
    recorded = _short(notes_view.recorded_at, zone) if notes_view.recorded_at else ""
    days = notes_view.feedback_days
    rows = [
        ("recorded", f"{recorded} by {notes_view.recorded_by or 'the command line'}"),
        ("language", notes_view.language),
        ("summary", notes_view.summary),
        ("decisions", "\n".join(f"{n}. {d}" for n, d in enumerate(notes_view.decisions, 1))),
        ("ideas for home", "\n".join(f"- {idea}" for idea in notes_view.ideas)),
        ("feedback", f"asked {days} day{'s' if days != 1 else ''} after" if days else "not asked"),
    ]
    for name, value in rows:
        if value:
            facts.add_row(name, escape(value))
    tables = [facts]
    if notes_view.concerns:
        concerns = Table(title="Concerns and answers", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("#", "raised by", "concern", "answer"):
            concerns.add_column(column, overflow="fold", no_wrap=column == "#")
        for concern in notes_view.concerns:
            by = (
                f"{concern.guardian} (their #{concern.raised})"
                if concern.raised is not None
                else "in the meeting"
            )
            answer = concern.response if concern.answered else f"not yet: {concern.response}"
            concerns.add_row(
                str(concern.number), escape(by), escape(concern.concern), escape(answer)
            )
        tables.append(concerns)
    if notes_view.items:
        plan = Table(title="Action plan", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("#", "item", "owner", "due", "state", "what"):
            plan.add_column(column, overflow="fold", no_wrap=column in ("#", "item", "due"))
        for item in notes_view.items:
            state = "overdue" if item.overdue else item.state
            if item.state == "done" and item.done_at:
                state += f" {_short(item.done_at, zone)}"
                state += f" by {item.done_by}" if item.done_by else ""
            if item.delays:
                state += f"; moved {item.delays}x from {item.first_due_on}: {item.delay_reason}"
            plan.add_row(
                str(item.number),
                str(item.id),
                escape(f"{item.owner} ({item.owner_kind})"),
                item.due_on,
                escape(state),
                escape(item.what),
            )
        tables.append(plan)
    asked = [f for f in view.families if f.feedback is not None]
    if asked:
        feedback = Table(title="Feedback", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("guardian", "asked", "rating", "what would help next time"):
            feedback.add_column(
                column, overflow="fold", no_wrap=column != "what would help next time"
            )
        for family in asked:
            given = family.feedback
            assert given is not None
            rating = f"{given.rating} of 5" if given.rating else "no answer yet"
            feedback.add_row(
                escape(family.name),
                _short(given.asked_at, zone) if given.asked_at else "",
                rating,
                escape(given.words),
            )
        tables.append(feedback)
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


# -- after the meeting: notes and the action plan -----------------------------------------------


@app.command("notes")
def notes_command(
    meeting_id: MeetingId,
    file: Annotated[
        Path, typer.Argument(help="The notes, in YAML (see examples/meeting-notes.yaml).")
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check the file and print what each guardian would get; send and save nothing.",
        ),
    ] = False,
) -> None:
    """Record a meeting's notes and action plan: it becomes held, each family gets the notes
    in its language, owners are reminded before each due date, feedback is asked later."""
    config = settings()
    engine = database()
    now = utcnow()
    if dry_run:
        with session_factory(engine)() as session:  # read only: nothing is added or flushed
            meeting = _meeting(session, meeting_id)
            read = load_notes(session, file, meeting, now=now)
            lines = _notes_dry_run(session, meeting, read)
            session.rollback()
    else:
        with transaction(engine) as session:
            meeting = _meeting(session, meeting_id)
            read = load_notes(session, file, meeting, now=now)
            recorded = notes.record_notes(
                session,
                None,
                meeting,
                read.spec,
                now=now,
                default_timezone=config.default_timezone,
            )
            lines = _notes_recorded(session, meeting, read, recorded)
    for line in lines:
        _say(line)


def _notes_head(session: Session, meeting: Meeting, read: NotesFile) -> str:
    student = session.get_one(Student, meeting.student_id)
    spec = read.spec
    raised = sum(1 for c in spec.concerns if c.raised is not None)
    during = len(spec.concerns) - raised
    not_yet = sum(1 for c in spec.concerns if not c.answered)
    concerns = f"{raised} of the family's concerns answered, {during} raised in the meeting"
    if not spec.concerns:
        concerns = "no concerns"
    elif not_yet:
        concerns += f" ({not_yet} not yet)"
    count = len(spec.items)
    return (
        f"meeting {meeting.id} about {student.name}: {concerns}; "
        f"{count} action item{'s' if count != 1 else ''}"
    )


def _plan_lines(meeting: Meeting, read: NotesFile) -> list[str]:
    lines = []
    for number, (item, owner) in enumerate(zip(read.spec.items, read.owners, strict=True), 1):
        who = f"{owner.name} (staff)" if isinstance(owner, Staff) else f"{owner.name} (guardian)"
        lines.append(f"  {number}. {who}, due {item.due_on.isoformat()}: {item.what}")
    days = read.spec.feedback_days
    if days and meeting.starts_at is not None:
        day = notes.school_day(meeting, meeting.starts_at) + dt.timedelta(days=days)
        lines.append(f"Feedback: each guardian is asked on {day.isoformat()}.")
    else:
        lines.append("Feedback: not asked (feedback_after_days: 0).")
    return lines


def _notes_recorded(
    session: Session, meeting: Meeting, read: NotesFile, recorded: notes.RecordedNotes
) -> list[str]:
    lines = [f"Recorded the notes of {_notes_head(session, meeting, read)}; the meeting is held."]
    unreachable = []
    for guardian, deliveries in recorded.families:
        if not deliveries:
            unreachable.append(guardian.name)
            continue
        channel = deliveries[0].channel.value
        count = f"{len(deliveries)} message{'s' if len(deliveries) != 1 else ''} queued"
        lines.append(f"  {guardian.name}: {channel}, {guardian.language}, {count}")
    if not recorded.families:
        lines.append("  No guardian of this student gets messages: no family was told.")
    if unreachable:
        lines.append("No usable channel (nothing sent; fix the roster): " + ", ".join(unreachable))
    staff = sorted({o.name for o in read.owners if isinstance(o, Staff)})
    if staff:
        lines.append("Told of their items on Telegram: " + ", ".join(staff))
    return [*lines, "Plan:", *_plan_lines(meeting, read)]


def _notes_dry_run(session: Session, meeting: Meeting, read: NotesFile) -> list[str]:
    """What `notes` would send each guardian, built from unsaved rows (never added to the
    session, so nothing is written): catalog text in their language, on their channel,
    split as it would be; the organizer's words as written (translated when sent)."""
    record, concerns, plan = _unsaved_notes(session, meeting, read)
    lines = [f"Dry run, nothing sent or saved: the notes of {_notes_head(session, meeting, read)}."]
    unreachable = []
    audience = invitees(session, meeting)
    for _invitee, guardian in audience:
        points = usable_points(session, guardian)
        if not points:
            unreachable.append(guardian.name)
            continue
        channel = points[0].channel
        built = build_notes(session, meeting, record, concerns, plan, guardian, channel)
        parts = len(built.parts)
        lines.append("")
        lines.append(
            f"--- {guardian.name}: {channel.value}, {guardian.language}, "
            f"{parts} message{'s' if parts != 1 else ''} ---"
        )
        lines.append(built.as_text())
        if channel is Channel.TELEGRAM:
            lines += [f"[{label}]" for label in _done_buttons(guardian, plan)]
    lines.append("")
    if not audience:
        lines.append("No guardian of this student gets messages: no family would be told.")
    if unreachable:
        lines.append("No usable channel (nothing would be sent): " + ", ".join(unreachable))
    languages = {g.language for _, g in audience} - {record.language}
    if languages:
        lines.append(
            f"The notes' own words (in {record.language}) are machine-translated when sent, "
            f"with the glossary, into: {', '.join(sorted(languages))}."
        )
    staff = sorted({o.name for o in read.owners if isinstance(o, Staff)})
    if staff:
        lines.append("Would be told of their items on Telegram: " + ", ".join(staff))
    return [*lines, "Plan:", *_plan_lines(meeting, read)]


def _done_buttons(guardian: Guardian, plan: list[ActionItem]) -> list[str]:
    """The Done buttons a Telegram family gets, one per item of theirs."""
    return [
        gettext(guardian.language, am.DONE_BUTTON, number=item.position)
        for item in plan
        if item.owner_guardian_id == guardian.id
    ]


def _unsaved_notes(
    session: Session, meeting: Meeting, read: NotesFile
) -> tuple[MeetingNotes, list[MeetingConcern], list[ActionItem]]:
    """The rows `record_notes` would write, as plain objects that are never added."""
    spec = read.spec
    record = MeetingNotes(
        meeting_id=meeting.id,
        summary=spec.summary,
        decisions=list(spec.decisions),
        ideas=list(spec.ideas),
        language=spec.language or meeting.language,
        feedback_days=spec.feedback_days,
    )
    raised = {r.number: r for r in notes.raised_concerns(session, meeting)}
    concerns = [
        MeetingConcern(
            meeting_id=meeting.id,
            position=n,
            input_id=raised[c.raised].input_id if c.raised is not None else None,
            guardian_id=raised[c.raised].guardian_id if c.raised is not None else None,
            concern=c.concern if c.raised is None else "",
            response=c.response,
            answered=c.answered,
        )
        for n, c in enumerate(spec.concerns, 1)
    ]
    plan = [
        ActionItem(
            meeting_id=meeting.id,
            position=n,
            what=item.what,
            owner_staff_id=item.owner.staff_id,
            owner_guardian_id=item.owner.guardian_id,
            owner_name=owner.name,
            due_on=item.due_on,
            first_due_on=item.due_on,
            state=ItemState.OPEN,
            delays=0,
        )
        for n, (item, owner) in enumerate(zip(spec.items, read.owners, strict=True), 1)
    ]
    return record, concerns, plan


@app.command("actions")
def actions_command(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only items past their due date.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Open items of every meeting's plan: who does what, by when, and what is overdue."""
    with transaction(database()) as session:
        found = items.open_items(session, None, now=utcnow(), overdue_only=overdue)
        rows = [_open_item(session, o) for o in found]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        console.print("No overdue items." if overdue else "No open items.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("item", "meeting", "#", "student", "owner", "due", "state", "what"):
        wraps = column in ("student", "owner", "what")
        table.add_column(column, overflow="fold", no_wrap=not wraps, min_width=len(column))
    for row in rows:
        state = "overdue" if row["overdue"] else "open"
        if row["delays"]:
            state += f", moved {row['delays']}x"
        table.add_row(
            str(row["item"]),
            str(row["meeting"]),
            str(row["number"]),
            escape(row["student"]),
            escape(f"{row['owner']} ({row['owner_kind']})"),
            row["due_on"],
            state,
            escape(row["what"]),
        )
    console.print(table)


def _open_item(session: Session, found: items.OpenItem) -> dict[str, Any]:
    item = found.item
    return {
        "item": item.id,
        "meeting": found.meeting.id,
        "number": item.position,
        "student": found.student_name,
        "what": item.what,
        "owner": found.owner_name,
        "owner_kind": "staff" if item.owner_staff_id is not None else "guardian",
        "due_on": item.due_on.isoformat(),
        "first_due_on": item.first_due_on.isoformat(),
        "delays": item.delays,
        "delay_reason": item.delay_reason,
        "overdue": found.overdue,
        "timezone": found.meeting.timezone,
    }


@app.command("done")
def done_command(item: ItemId) -> None:
    """Mark a plan's item done: its reminders stop and the family is told."""
    config = settings()
    with transaction(database()) as session:
        row = items.item_for(session, None, item)
        meeting = session.get_one(Meeting, row.meeting_id)
        mark = _last_contact(session)
        changed = items.mark_done(
            session, row, by=None, now=utcnow(), default_timezone=config.default_timezone
        )
        name = f"Item {row.id} (meeting {meeting.id}, number {row.position})"
        if changed:
            line = f"{name} is done; {_queued(session, meeting, mark)}."
        else:
            line = f"{name} was already done: nobody was told again."
    _say(line)


@app.command("more-time")
def more_time_command(
    item: ItemId,
    until: Annotated[
        str,
        typer.Option(
            "--until",
            metavar="YYYY-MM-DD",
            help="The new due date, a day on the school's calendar.",
            show_default=False,
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Why, in a few plain words: the family reads this (translated).",
            show_default=False,
        ),
    ],
) -> None:
    """Give a plan's item more time: the family is told until when, and why."""
    config = settings()
    try:
        new_due = dt.date.fromisoformat(until.strip())
    except ValueError:
        raise UserError(f"--until: {until!r} is not a date: write YYYY-MM-DD") from None
    why = clean_text(reason).strip()
    if not why:
        raise UserError("--reason: say why, in a few words (the family reads it)")
    with transaction(database()) as session:
        row = items.item_for(session, None, item)
        meeting = session.get_one(Meeting, row.meeting_id)
        mark = _last_contact(session)
        items.need_more_time(
            session,
            None,
            row,
            new_due=new_due,
            reason=why,
            now=utcnow(),
            default_timezone=config.default_timezone,
        )
        line = (
            f"Item {row.id} (meeting {meeting.id}, number {row.position}) is now due "
            f"{am.due_text(row.due_on, 'en')}; {_queued(session, meeting, mark)}."
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
