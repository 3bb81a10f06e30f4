"""`commbot meeting`: an operator creates Ms. Pérez's meeting from YAML, follows her answers,
settles, moves and cancels it; every mistake in the file is one line naming the field."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from commbot.cli import app, main
from commbot.db import transaction
from commbot.features.meetings import messages as meeting_messages
from commbot.features.meetings.models import (
    Meeting,
    MeetingAttendee,
    MeetingReminder,
    MeetingSlot,
    MeetingState,
)
from commbot.features.meetings.view import MeetingView
from commbot.features.meetings.yaml_spec import FIELDS
from commbot.i18n import gettext
from commbot.models import Delivery
from commbot.resources import example_meeting

from .fakes.segments import sms_segments
from .support import PUBLIC, System, command_line_on

BOSTON = zoneinfo.ZoneInfo("America/New_York")
ROSA = "+16175550134"
CARTER = 7001
# Every phone number in the example roster, in the forms people write them.
PHONE = re.compile(r"555[\s.-]?01\d\d")
ROSA_WORDS = "Alfredo tiene miedo de los examenes."

runner = CliRunner()


def meeting_day(now: dt.datetime) -> dt.date:
    """A weekday two weeks after `now`, on the school's calendar."""
    day = (now.astimezone(BOSTON) + dt.timedelta(days=14)).date()
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def meeting_text(now: dt.datetime) -> str:
    """examples/meeting.yaml with its day moved to two weeks after `now`."""
    text = example_meeting().read_text(encoding="utf-8")
    assert text.count("2027-01-12") == 2
    return text.replace("2027-01-12", meeting_day(now).isoformat())


def meeting_file(folder: Path, now: dt.datetime, text: str | None = None) -> Path:
    path = folder / "meeting.yaml"
    path.write_text(text if text is not None else meeting_text(now), encoding="utf-8")
    return path


@pytest.fixture
def cli(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """`commbot` against the system's database, on the system's clock, with a public URL."""
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setattr("commbot.cli.meeting.utcnow", system.clock)
    url = system.engine.url.render_as_string(False)
    with command_line_on(monkeypatch, url, system.settings.media_dir):
        yield system


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert not PHONE.search(result.output), result.output
    return result.output


def fails(*args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The one line a failing command prints, as `commbot` run from a shell shows it."""
    monkeypatch.setattr("sys.argv", ["commbot", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    output = (captured.out + captured.err).strip()
    assert stopped.value.code == 2, output
    assert len(output.splitlines()) == 1 and "Traceback" not in output, output
    return output


def count(engine: Engine, model: Any) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def create(system: System, tmp_path: Path) -> int:
    output = invoke("meeting", "create", str(meeting_file(tmp_path, system.clock())))
    found = re.search(r"Created meeting (\d+)", output)
    assert found, output
    return int(found.group(1))


# -- create --------------------------------------------------------------------------------------


async def test_create_from_the_example_asks_rosa_and_shows_her_quiet_hour_conflict(
    cli: System, tmp_path: Path
) -> None:
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock())))
    day = meeting_day(cli.clock())
    assert "Created meeting 1: annual review about Alfredo Pérez, organised by Emily Carter" in (
        output
    )
    assert "1. " in output and "10:00 AM" in output and "4:00 PM" in output
    assert "Rosa Pérez: sms, es, 3 messages queued" in output
    [conflict] = [line for line in output.splitlines() if "falls in that time" in line]
    assert "Rosa Pérez asked for no messages until 3:00 PM" in conflict
    assert "10:00 AM" in conflict and "4:00 PM" not in conflict
    with transaction(cli.engine) as session:
        meeting = session.get_one(Meeting, 1)
        assert (meeting.state, meeting.timezone) == (MeetingState.PROPOSED, "America/New_York")
        assert meeting.duration_minutes == 45 and meeting.reminder_minutes == [10080, 1440, 120]
        slots = session.scalars(select(MeetingSlot).order_by(MeetingSlot.position)).all()
        assert [s.starts_at.astimezone(BOSTON) for s in slots] == [
            dt.datetime(day.year, day.month, day.day, 10, tzinfo=BOSTON),
            dt.datetime(day.year, day.month, day.day, 16, tzinfo=BOSTON),
        ]
        people = session.scalars(select(MeetingAttendee).order_by(MeetingAttendee.position))
        assert [(a.name, a.role.value, a.staff_id is not None) for a in people] == [
            ("Emily Carter", "special_education_teacher", True),
            ("Dr. Ruth Hale", "school_psychologist", False),
            ("Tom Reyes", "speech_therapist", False),
        ]
    await cli.drain()
    parts = cli.sms_to(ROSA)
    # Three messages; the second, with the note that its words could not be translated (no
    # translator here), is 11 segments: it goes as two SMS of at most 10 (commbot.sms).
    assert len(parts) == 4 and all(sms_segments(part) <= 10 for part in parts)
    assert "Draft IEP" in parts[1] and "Dr. Ruth Hale" in parts[1]


async def test_dry_run_prints_each_preview_and_writes_nothing(cli: System, tmp_path: Path) -> None:
    before = (count(cli.engine, Meeting), count(cli.engine, Delivery))
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock())), "--dry-run")
    assert output.startswith("Dry run, nothing sent or saved: annual review about Alfredo Pérez")
    assert "--- Rosa Pérez: sms, es, 3 messages ---" in output
    greeting = gettext("es", meeting_messages.GREETING, guardian="Rosa Pérez", student="Alfredo")
    assert greeting in output and "Alfredo reads a little every day" in output
    assert "Tom Reyes" in output and gettext("es", meeting_messages.REPLY_NUMBER) in output
    assert "asked for no messages until 3:00 PM" in output
    assert (count(cli.engine, Meeting), count(cli.engine, Delivery)) == before
    await cli.drain()
    assert cli.sms_to(ROSA) == []


async def test_a_guardian_with_no_usable_channel_is_named(cli: System, tmp_path: Path) -> None:
    from commbot.models import ContactPoint

    with transaction(cli.engine) as session:
        for point in session.scalars(select(ContactPoint).where(ContactPoint.address == ROSA)):
            point.opted_out = True
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock())))
    assert "No usable channel (nothing sent; fix the roster): Rosa Pérez" in output
    assert "messages queued" not in output


# -- every mistake is one line naming the field -----------------------------------------------------

EXAMPLE_LINES = example_meeting().read_text(encoding="utf-8").splitlines()


def line_of(start: str) -> int:
    return next(n for n, line in enumerate(EXAMPLE_LINES, 1) if line.startswith(start))


BAD_FILES: list[tuple[str, str, str, list[str]]] = [
    # (case, text to replace, replacement, what the one line must say)
    ("yaml syntax", "student: S1001", "student: [S1001", ["not valid YAML", "line"]),
    (
        "unknown key",
        "duration_minutes: 45",
        "duration: 45",
        [f"line {line_of('duration_minutes')}", "unknown key 'duration'", "duration_minutes?"],
    ),
    (
        "unknown attendee key",
        "    role: school_psychologist",
        "    rol: school_psychologist",
        ["attendees[2].rol", "did you mean role?"],
    ),
    ("key twice", "duration_minutes: 45", "duration_minutes: 45\nplace: Gym", ["place", "twice"]),
    (
        "purpose",
        "purpose: annual_review",
        "purpose: anual review",
        [f"line {line_of('purpose')}", "purpose:", "did you mean annual_review?"],
    ),
    (
        "role",
        "role: school_psychologist",
        "role: psychologist",
        ["attendees[2].role", "did you mean school_psychologist?"],
    ),
    ("student", "student: S1001 ", "student: S9999 ", ["student:", "no student 'S9999'"]),
    (
        "organizer",
        "organizer: ecarter@",
        "organizer: nobody@",
        ["organizer:", "no staff member has the email nobody@lincoln.example.org"],
    ),
    (
        "organizer who does not serve the student",
        "organizer: ecarter@",
        "organizer: dkim@",
        ["organizer:", "David Kim does not serve Alfredo Pérez"],
    ),
    ("no time", "slots:  ", "times:  ", ["unknown key 'times'"]),
    ("time and slots", "duration_minutes", 'time: "2027-02-01 16:00"\nduration_minutes', ["both"]),
    ("bad time", '  - "DAY 16:00"', '  - "DAY 4 PM"', ["slots[2]", "YYYY-MM-DD HH:MM"]),
    ("past", '  - "DAY 10:00"', '  - "2020-01-06 10:00"', ["slots[1]", "is in the past"]),
    ("same time", '  - "DAY 16:00"', '  - "DAY 10:00"', ["slots[2]", "same time as slot 1"]),
    (
        "clocks skip",
        '  - "DAY 16:00"',
        '  - "2027-03-14 02:30"',
        ["slots[2]", "does not happen in America/New_York"],
    ),
    (
        "clocks go back",
        '  - "DAY 16:00"',
        '  - "2027-11-07 01:30"',
        ["slots[2]", "happens twice in America/New_York"],
    ),
    (
        "year 9999",  # once an OverflowError turning it into UTC
        '  - "DAY 16:00"',
        '  - "9999-12-31 23:00"',
        ["slots[2]", "9999-12-31 23:00 is more than 2 years ahead"],
    ),
    (
        "years ahead",
        '  - "DAY 10:00"',
        '  - "2029-01-08 10:00"',
        ["slots[1]", "2029-01-08 10:00 is more than 2 years ahead: pick a nearer time"],
    ),
    (
        "six slots",
        '  - "DAY 16:00"',
        "\n".join(f'  - "DAY 1{n}:00"' for n in range(1, 7)),
        ["slots", "7 items: at most 5"],
    ),
    ("duration", "duration_minutes: 45", "duration_minutes: 5", ["duration_minutes", "15 to 480"]),
    ("duration words", "duration_minutes: 45", "duration_minutes: an hour", ["duration_minutes"]),
    ("nowhere", "place: Room 12", "purpose_note: Room 12", ["say where"]),
    (
        "video link",
        "place: Room 12",
        "video_link: meet.example/abc\nplace: Room 12",
        ["video_link"],
    ),
    ("document link", "link: https://", "link: ftp://", ["documents[1].link", "https://"]),
    ("document title", "  - title: Draft IEP", "  - titel: Draft IEP", ["documents[1].titel"]),
    ("attendee email", "email: ecarter@", "email: carter@", ["attendees[1].email"]),
    ("attendee role", "    role: speech_therapist\n", "\n", ["attendees[3]", "role is missing"]),
    ("reminder", 'reminders: ["7d", "1d", "2h"]', 'reminders: ["7 days"]', ["reminders[1]"]),
    (
        "reminder range",
        'reminders: ["7d", "1d", "2h"]',
        "reminders: [1]",
        ["reminders[1]", "5 min"],
    ),
    (
        "auto confirm",
        "auto_confirm: false",
        "auto_confirm: maybe",
        ["auto_confirm", "true or false"],
    ),
    (
        "agenda",
        "\n".join(EXAMPLE_LINES[line_of("agenda") - 1 : line_of("documents") - 1]),
        "agenda: Reading",
        ["agenda", "must be a list"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_every_mistake_is_one_line_naming_the_field_and_nothing_is_created(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    expected: list[str],
) -> None:
    day = meeting_day(cli.clock()).isoformat()
    text = meeting_text(cli.clock())
    old, new = old.replace("DAY", day), new.replace("DAY", day)
    assert old in text, old
    path = meeting_file(tmp_path, cli.clock(), text.replace(old, new, 1))
    for args in (["--dry-run"], []):
        line = fails("meeting", "create", str(path), *args, capsys=capsys, monkeypatch=monkeypatch)
        assert line.startswith("error: meeting.yaml"), line
        for fragment in expected:
            assert fragment in line, (fragment, line)
    assert count(cli.engine, Meeting) == 0 and count(cli.engine, Delivery) == 0


def test_files_that_are_not_a_meeting_are_refused_in_one_line(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for text, expected in (
        ("", "the file is empty"),
        ("- a list\n", "the file must be a mapping"),
        ("student: S1001\n", "organizer is missing"),
        ("\tstudent: S1001\n", "not valid YAML"),
    ):
        path = meeting_file(tmp_path, cli.clock(), text)
        assert expected in fails(
            "meeting", "create", str(path), capsys=capsys, monkeypatch=monkeypatch
        )
    missing = fails(
        "meeting", "create", str(tmp_path / "nope.yaml"), capsys=capsys, monkeypatch=monkeypatch
    )
    assert "nope.yaml: no such file" in missing


def test_control_characters_in_the_file_are_dropped_not_stored(cli: System, tmp_path: Path) -> None:
    """A NUL (which PostgreSQL refuses in text) or a bell, written as YAML escapes."""
    text = meeting_text(cli.clock())
    text = text.replace(
        "place: Room 12, Lincoln Elementary School, 25 Lincoln Street",
        'place: "Room\\0 12\\a, Lincoln"',
    )
    text = text.replace("  - Goals for next year", '  - "Goals\\0 for\\x1b next year"')
    text = text.replace("  - name: Tom Reyes", '  - name: "Tom\\0 Reyes"')
    assert text.count("\\0") == 3
    invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock(), text)))
    with transaction(cli.engine) as session:
        meeting = session.get_one(Meeting, 1)
        assert meeting.place == "Room 12, Lincoln"
        assert "Goals for next year" in meeting.agenda
        names = session.scalars(select(MeetingAttendee.name).order_by(MeetingAttendee.position))
        assert "Tom Reyes" in list(names)


def test_a_student_can_be_named_in_full(cli: System, tmp_path: Path) -> None:
    text = meeting_text(cli.clock()).replace("student: S1001 ", "student: alfredo pérez ")
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock(), text)))
    assert "about Alfredo Pérez" in output


# -- list and show ---------------------------------------------------------------------------------


async def test_list_and_show_follow_rosas_answers(cli: System, tmp_path: Path) -> None:
    meeting_id = create(cli, tmp_path)
    listed = invoke("meeting", "list")
    assert "Alfredo" in listed and "2 proposed" in listed and "0/1" in listed
    [row] = json.loads(invoke("meeting", "list", "--json"))
    assert row["id"] == meeting_id and row["state"] == "proposed" and len(row["slots"]) == 2
    assert (row["families"], row["answered"]) == (1, 0)

    await cli.drain()
    await cli.sms(ROSA, "2")  # the afternoon
    await cli.sms(ROSA, "4")  # an interpreter
    await cli.sms(ROSA, ROSA_WORDS)
    await cli.drain()

    shown = invoke("meeting", "show", str(meeting_id))
    for heading in ("Meeting 1", "Proposed times", "Attendees", "Families", "Their words"):
        assert heading in shown, heading
    [rosa] = [line for line in shown.splitlines() if "Rosa Pérez" in line and " sms " in line]
    assert "sms" in rosa and "interpreter" in rosa and rosa.rstrip().endswith("no")
    [afternoon] = [line for line in shown.splitlines() if "4:00 PM" in line and "Rosa" in line]
    assert afternoon.strip().startswith("2 ")
    assert "concern" in shown and ROSA_WORDS in " ".join(shown.split())
    assert "school psychologist" in shown and "Draft IEP" in shown

    data = json.loads(invoke("meeting", "show", str(meeting_id), "--json"))
    assert set(data) == set(MeetingView.__dataclass_fields__)
    [family] = data["families"]
    assert (family["name"], family["channel"], family["chosen_slot"]) == ("Rosa Pérez", "sms", 2)
    assert family["needs"] == ["interpreter"] and not family["unanswered"]
    assert [(w["kind"], w["text"]) for w in family["words"]] == [("concern", ROSA_WORDS)]
    assert "1/1" in invoke("meeting", "list")


def test_show_and_change_an_unknown_meeting_are_one_line(
    cli: System, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (["show", "99"], ["confirm", "99", "1"], ["cancel", "99"]):
        line = fails("meeting", *args, capsys=capsys, monkeypatch=monkeypatch)
        assert line == "error: no meeting 99 among yours"
    assert "No open meetings" in invoke("meeting", "list")


# -- confirm, reschedule, cancel -------------------------------------------------------------------


def open_reminders(engine: Engine, meeting_id: int) -> list[MeetingReminder]:
    with transaction(engine) as session:
        return list(
            session.scalars(
                select(MeetingReminder).where(
                    MeetingReminder.meeting_id == meeting_id, MeetingReminder.done_at.is_(None)
                )
            )
        )


async def test_confirm_reschedule_and_cancel_tell_everyone_and_move_the_reminders(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await cli.link_staff("ecarter@lincoln.example.org", CARTER)
    meeting_id = create(cli, tmp_path)
    await cli.drain()
    await cli.sms(ROSA, "2")
    await cli.drain()
    day = meeting_day(cli.clock())
    heard, told_carter = len(cli.sms_to(ROSA)), len(cli.telegram_texts(CARTER))

    line = fails("meeting", "confirm", str(meeting_id), "7", capsys=capsys, monkeypatch=monkeypatch)
    assert "has no time number 7" in line
    output = invoke("meeting", "confirm", str(meeting_id), "2")
    assert f"Meeting {meeting_id} is set for" in output and "4:00 PM (America/New_York)" in output
    assert "1 message queued to families, 1 to staff" in output
    afternoon = dt.datetime(day.year, day.month, day.day, 16, tzinfo=BOSTON)
    with transaction(cli.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        assert (meeting.state, meeting.starts_at) == (MeetingState.SCHEDULED, afternoon)
    reminders = open_reminders(cli.engine, meeting_id)
    assert reminders and {r.starts_at for r in reminders} == {afternoon}
    await cli.drain()
    assert len(cli.sms_to(ROSA)) == heard + 1 and len(cli.telegram_texts(CARTER)) == told_carter + 1

    line = fails(
        "meeting", "reschedule", str(meeting_id), "--slot", "next week",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert line.startswith("error: --slot: 'next week' is not a time")
    later = day + dt.timedelta(days=1)
    for far, why in (
        ("9999-12-31 23:00", "9999-12-31 23:00 is more than 2 years ahead"),  # once a traceback
        (f"{later.replace(year=later.year + 3)} 16:30", "is more than 2 years ahead"),
        ("2027-03-14 02:30", "does not happen in America/New_York"),
        ("2027-11-07 01:30", "happens twice in America/New_York"),
    ):
        line = fails(
            "meeting", "reschedule", str(meeting_id), "--slot", far,
            capsys=capsys, monkeypatch=monkeypatch,
        )  # fmt: skip
        assert line.startswith("error: --slot: ") and why in line, line
    output = invoke("meeting", "reschedule", str(meeting_id), "--slot", f"{later} 16:30")
    assert "moved to" in output and "4:30 PM" in output and "1 message queued to families" in output
    moved = dt.datetime(later.year, later.month, later.day, 16, 30, tzinfo=BOSTON)
    assert {r.starts_at for r in open_reminders(cli.engine, meeting_id)} == {moved}
    await cli.drain()
    assert len(cli.sms_to(ROSA)) == heard + 2
    assert "Quiet-hour conflicts" not in output
    # A new time in Rosa's sleep (8 AM to 3 PM) is marked, as when times are proposed.
    output = invoke("meeting", "reschedule", str(meeting_id), "--slot", f"{later} 10:00")
    assert "Quiet-hour conflicts:" in output
    assert "Rosa Pérez asked for no messages until 3:00 PM" in output and "10:00 AM" in output
    await cli.drain()
    heard += 1

    output = invoke("meeting", "cancel", str(meeting_id))
    assert f"Cancelled meeting {meeting_id}; 1 message queued to families, 1 to staff" in output
    assert open_reminders(cli.engine, meeting_id) == []
    await cli.drain()
    assert len(cli.sms_to(ROSA)) == heard + 3
    assert "No open meetings" in invoke("meeting", "list")
    [row] = json.loads(invoke("meeting", "list", "--all", "--json"))
    assert row["state"] == "cancelled"
    line = fails("meeting", "cancel", str(meeting_id), capsys=capsys, monkeypatch=monkeypatch)
    assert "already cancelled" in line


async def test_a_fixed_time_meeting_is_scheduled_at_once(cli: System, tmp_path: Path) -> None:
    day = meeting_day(cli.clock())
    text = meeting_text(cli.clock())
    text = re.sub(r"slots:.*?\n(  - .*\n)+", f'time: "{day} 16:00"\n', text)
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock(), text)))
    assert "at " in output and "4:00 PM" in output and "No proposed time" in output
    with transaction(cli.engine) as session:
        assert session.get_one(Meeting, 1).state is MeetingState.SCHEDULED
    assert open_reminders(cli.engine, 1)


# -- the docs --------------------------------------------------------------------------------------


def test_the_readme_documents_every_field_and_command() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Meetings", 1)[1].split("\n## ", 1)[0]
    for name in FIELDS:
        assert f"| `{name}`" in section, name
    for command in ("create", "list", "show", "confirm", "reschedule", "cancel"):
        assert f"commbot meeting {command}" in section, command


def test_meeting_commands_have_help() -> None:
    for args in (["meeting"], ["meeting", "create"], ["meeting", "reschedule"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, args
