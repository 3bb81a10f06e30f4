"""`commbot meeting notes`, `actions`, `done`, `more-time`: after Ms. Pérez's meeting the
operator records its notes from YAML (every mistake one line naming the field and line, and
nothing written), previews what each family would get, and follows the plan's items; the
meeting view shows the notes, each concern's answer, the plan and each guardian's feedback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from commbot.cli import app
from commbot.cli.context import console
from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import feedback, notes_view
from commbot.features.meetings.after_models import (
    ActionFollowup,
    ActionItem,
    MeetingConcern,
    MeetingNotes,
)
from commbot.features.meetings.models import Meeting, MeetingState
from commbot.features.meetings.notes_yaml import FIELDS
from commbot.features.meetings.view import (
    ConcernView,
    FeedbackView,
    ItemView,
    MeetingView,
    NotesView,
)
from commbot.i18n import gettext
from commbot.models import Delivery, Guardian
from commbot.resources import example_meeting_notes

from .support import PUBLIC, System, command_line_on
from .test_meeting_cli import (
    BOSTON,
    CARTER,
    ROSA,
    ROSA_WORDS,
    count,
    fails,
    invoke,
    meeting_day,
    meeting_file,
    meeting_text,
)

runner = CliRunner()
NOTES_TEXT = example_meeting_notes().read_text(encoding="utf-8")
NOTES_LINES = NOTES_TEXT.splitlines()
SUMMARY = "We looked at how Alfredo reads and talks. He reads more words each week."
ROSA_ITEM = "Read with Alfredo for 15 minutes each night."
CARTER_ITEM = "Send the speech therapy schedule."
AMINA = 8002  # Amina Bashid's Telegram chat


@pytest.fixture
def cli(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """`commbot` against the system's database, on the system's clock, with a public URL."""
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setattr("commbot.cli.meeting.utcnow", system.clock)
    monkeypatch.setattr(console, "_width", 240)  # table rows on one line each, to read them
    url = system.engine.url.render_as_string(False)
    with command_line_on(monkeypatch, url, system.settings.media_dir):
        yield system


def fixed_time_text(now: dt.datetime, student: str = "S1001") -> str:
    """The example meeting at one fixed time, 4 PM on its day (no quiet-hour conflict)."""
    day = meeting_day(now)
    text = re.sub(r"slots:.*?\n(  - .*\n)+", f'time: "{day} 16:00"\n', meeting_text(now))
    return text.replace("student: S1001 ", f"student: {student} ")


def notes_text(day: dt.date) -> str:
    """examples/meeting-notes.yaml with its due dates moved with the meeting's day."""
    assert NOTES_TEXT.count("2027-01-17") == 1 and NOTES_TEXT.count("2027-01-15") == 1
    text = NOTES_TEXT.replace("2027-01-17", (day + dt.timedelta(days=5)).isoformat())
    return text.replace("2027-01-15", (day + dt.timedelta(days=3)).isoformat())


def notes_file(folder: Path, text: str) -> Path:
    path = folder / "meeting-notes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def create(cli: System, tmp_path: Path, student: str = "S1001", text: str = "") -> int:
    text = text or fixed_time_text(cli.clock(), student)
    output = invoke("meeting", "create", str(meeting_file(tmp_path, cli.clock(), text)))
    found = re.search(r"Created meeting (\d+)", output)
    assert found, output
    return int(found.group(1))


def pass_the_start(cli: System, day: dt.date) -> None:
    """The clock to an hour into a 4 PM meeting on `day`."""
    start = dt.datetime(day.year, day.month, day.day, 17, tzinfo=BOSTON)
    cli.clock.advance(seconds=(start - cli.clock()).total_seconds())


async def held_soon(cli: System, tmp_path: Path) -> tuple[int, dt.date]:
    """Ms. Pérez's meeting at a fixed time; Rosa writes her worry; the clock passes its start."""
    day = meeting_day(cli.clock())
    meeting_id = create(cli, tmp_path)
    await cli.drain()
    await cli.sms(ROSA, ROSA_WORDS)
    await cli.drain()
    pass_the_start(cli, day)
    return meeting_id, day


def written(cli: System) -> tuple[int, ...]:
    return tuple(
        count(cli.engine, model)
        for model in (MeetingNotes, MeetingConcern, ActionItem, ActionFollowup, Delivery)
    )


def state_of(cli: System, meeting_id: int) -> MeetingState:
    with transaction(cli.engine) as session:
        return session.get_one(Meeting, meeting_id).state


# -- the example, and the dry run ------------------------------------------------------------


async def test_dry_run_prints_what_rosa_would_get_in_spanish_and_writes_nothing(
    cli: System, tmp_path: Path
) -> None:
    meeting_id, day = await held_soon(cli, tmp_path)
    before = written(cli)
    path = notes_file(tmp_path, notes_text(day))
    output = invoke("meeting", "notes", str(meeting_id), str(path), "--dry-run")
    assert output.startswith(
        f"Dry run, nothing sent or saved: the notes of meeting {meeting_id} about Alfredo Pérez: "
        "1 of the family's concerns answered, 1 raised in the meeting (1 not yet); "
        "2 action items."
    ), output
    [head] = [line for line in output.splitlines() if line.startswith("--- Rosa Pérez")]
    assert re.fullmatch(r"--- Rosa Pérez: sms, es, \d+ messages ---", head), head
    flat = " ".join(output.split())
    for text in (
        gettext("es", am.NOTES_THANKS, student="Alfredo"),
        gettext("es", am.PLAN),
        gettext("es", am.PLAN_REPLY_DONE, number=1),
        gettext("es", am.OWNER_YOU),
        ROSA_WORDS,  # her own words, as she wrote them
        SUMMARY,
        ROSA_ITEM,
    ):
        assert " ".join(text.split()) in flat, text
    assert "machine-translated when sent" in output and "into: es" in output
    assert "Would be told of their items on Telegram: Emily Carter" in output
    assert f"1. Rosa Pérez (guardian), due {day + dt.timedelta(days=5)}: {ROSA_ITEM}" in output
    assert written(cli) == before and state_of(cli, meeting_id) is MeetingState.SCHEDULED
    await cli.drain()
    assert all(ROSA_ITEM not in text for text in cli.sms_to(ROSA))


async def test_dry_run_shows_a_telegram_familys_done_buttons(cli: System, tmp_path: Path) -> None:
    """Amina Bashid reads on Telegram: one message, and a Done button for her item."""
    day = meeting_day(cli.clock())
    meeting_id = create(cli, tmp_path, "S1002")
    response = await cli.telegram_update(AMINA, f"/start {cli.invite(guardian='Amina Bashid')}")
    assert response.status_code == 200
    await cli.drain()
    pass_the_start(cli, day)
    plan = notes_text(day).replace("owner: family ", "owner: Amina Bashid ")
    plan = re.sub(r"concerns:\n(  .*\n)+", "", plan)
    path = notes_file(tmp_path, plan)
    output = invoke("meeting", "notes", str(meeting_id), str(path), "--dry-run")
    assert "--- Amina Bashid: telegram, en, 1 message ---" in output
    assert f"[{gettext('en', am.DONE_BUTTON, number=1)}]" in output
    assert re.search(r"--- Karim Bashid: whatsapp, ar, \d+ messages ---", output)
    assert count(cli.engine, MeetingNotes) == 0


# -- every mistake is one line naming the field, and nothing is written ---------------------------


def line_of(start: str) -> int:
    return next(n for n, line in enumerate(NOTES_LINES, 1) if line.startswith(start))


BAD_NOTES: list[tuple[str, str, str, list[str]]] = [
    # (case, text to replace, replacement, what the one line must say)
    ("yaml syntax", "summary: We", "summary: [We", ["not valid YAML", "line"]),
    (
        "unknown key",
        "decisions:",
        "decision:",
        [f"line {line_of('decisions')}", "unknown key 'decision'", "did you mean decisions?"],
    ),
    (
        "unknown action key",
        "    owner: family",
        "    ownr: family",
        ["actions[1].ownr", "did you mean owner?"],
    ),
    (
        "key twice",
        "feedback_after_days: 2",
        "feedback_after_days: 2\nideas: []",
        ["ideas", "twice"],
    ),
    ("no summary", "summary: We", "sumary: We", ["unknown key 'sumary'", "did you mean summary?"]),
    ("empty summary", f"summary: {SUMMARY}", 'summary: ""', ["summary: is empty"]),
    (
        "decisions not a list",
        "decisions:\n  - Alfredo gets extra time on tests.\n"
        "  - Speech therapy stays at two times a week.",
        "decisions: Extra time.",
        [f"line {line_of('decisions')}, decisions: must be a list"],
    ),
    (
        "raised and concern",
        "  - raised: 1 ",
        "  - raised: 1\n    concern: Tests.\n   ",
        [f"line {line_of('  - raised')}", "concerns[1]", "not both"],
    ),
    (
        "no such concern",
        "  - raised: 1 ",
        "  - raised: 3 ",
        ["concerns[1].raised", "no concern 3: the family wrote 1"],
    ),
    ("concern number", "  - raised: 1 ", "  - raised: one ", ["concerns[1].raised", "number"]),
    (
        "not answered",
        "  - raised: 1 ",
        "  - concern: Something else.\n   ",
        ["concerns:", "concern 1 (Rosa Pérez) is not answered", "raised: 1"],
    ),
    (
        "no response",
        "    response: Alfredo will get extra time on tests, in a quiet room.\n",
        "",
        ["concerns[1].response", "is missing"],
    ),
    ("not yet", "not_yet: true", "not_yet: maybe", ["concerns[2].not_yet", "true or false"]),
    (
        "owner unknown",
        "owner: family ",
        "owner: Tom Reyes ",
        [
            "actions[1].owner",
            "'Tom Reyes' is not staff serving Alfredo Pérez",
            "Emily Carter <ecarter@lincoln.example.org>",
            "Rosa Pérez (guardian)",
        ],
    ),
    (
        "owner misspelt",
        "owner: family ",
        "owner: Rosa Peres ",
        ["actions[1].owner", "did you mean Rosa Pérez?"],
    ),
    (
        "owner who does not serve",
        "owner: ecarter@",
        "owner: dkim@",
        [f"line {line_of('    owner: ecarter')}", "David Kim does not serve Alfredo Pérez"],
    ),
    (
        "owner email",
        "owner: ecarter@",
        "owner: nobody@",
        ["actions[2].owner", "no active staff member has the email nobody@lincoln.example.org"],
    ),
    ("no owner", "    owner: family", "    who: family", ["actions[1].who"]),
    ("no what", "  - what: Read", "  - wat: Read", ["actions[1].wat", "did you mean what?"]),
    ("due words", "due: D5", "due: next week", ["actions[1].due", "'next week' is not a date"]),
    ("due time", "due: D5", "due: D5 10:00:00", ["actions[1].due", "without a time"]),
    ("due past", "due: D5", "due: 2020-01-06", ["actions[1].due", "before the meeting's day"]),
    ("due far", "due: D5", "due: 2031-01-06", ["actions[1].due", "more than 2 years"]),
    (
        "feedback days",
        "feedback_after_days: 2",
        "feedback_after_days: 90",
        ["feedback_after_days", "0 to 30 days"],
    ),
    (
        "feedback words",
        "feedback_after_days: 2",
        "feedback_after_days: two",
        ["feedback_after_days", "whole number"],
    ),
    ("language", "language: en ", "language: klingon ", ["language", "not a language code"]),
    (
        "ideas",
        "ideas:\n  - Ask Alfredo to read a sign or a menu to you.\n"
        "  - Praise him when he tries a new word.",
        "ideas: Read together.",
        ["ideas", "must be a list"],
    ),
    (
        "too many items",
        "actions:",
        "actions:\n"
        + "".join(f"  - {{what: Item {n}, owner: family, due: D5}}\n" for n in range(20))
        + "  # the rest:",
        ["actions", "22 items: at most 20"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [case[1:] for case in BAD_NOTES],
    ids=[case[0] for case in BAD_NOTES],
)
async def test_every_mistake_is_one_line_naming_the_field_and_nothing_is_written(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    expected: list[str],
) -> None:
    meeting_id, day = await held_soon(cli, tmp_path)
    text = notes_text(day)
    due = (day + dt.timedelta(days=5)).isoformat()
    old, new = old.replace("D5", due), new.replace("D5", due)
    assert old in text, old
    path = notes_file(tmp_path, text.replace(old, new, 1))
    before = written(cli)
    for args in (["--dry-run"], []):
        line = fails(
            "meeting", "notes", str(meeting_id), str(path), *args,
            capsys=capsys, monkeypatch=monkeypatch,
        )  # fmt: skip
        assert line.startswith("error: meeting-notes.yaml"), line
        for fragment in expected:
            assert fragment in line, (fragment, line)
    assert written(cli) == before and state_of(cli, meeting_id) is MeetingState.SCHEDULED


async def test_files_that_are_not_notes_and_meetings_not_ready_are_refused_in_one_line(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(meeting: int, text: str | None, *args: str) -> str:
        path = notes_file(tmp_path, text) if text is not None else tmp_path / "nope.yaml"
        return fails(
            "meeting", "notes", str(meeting), str(path), *args,
            capsys=capsys, monkeypatch=monkeypatch,
        )  # fmt: skip

    # Not yet held: its start is two weeks away.
    day = meeting_day(cli.clock())
    meeting_id = create(cli, tmp_path)
    plan = notes_text(day).replace("  - raised: 1 ", "  - concern: Tests.\n   ")
    assert f"meeting {meeting_id} has not happened yet: it starts {day}T16:00" in refused(
        meeting_id, plan
    )
    assert refused(99, plan) == "error: no meeting 99 among yours"
    for text, expected in (
        ("", "the file is empty: see examples/meeting-notes.yaml"),
        ("- a list\n", "the file must be a mapping of summary"),
        ("decisions: [Extra time.]\n", "summary: is missing"),
        ("\tsummary: x\n", "not valid YAML"),
    ):
        assert expected in refused(meeting_id, text)
    assert "nope.yaml: no such file" in refused(meeting_id, None)

    pass_the_start(cli, day)
    invoke("meeting", "notes", str(meeting_id), str(notes_file(tmp_path, plan)))
    assert f"notes for meeting {meeting_id} were already recorded" in refused(meeting_id, plan)
    assert count(cli.engine, MeetingNotes) == 1

    later = meeting_day(cli.clock())
    cancelled = create(cli, tmp_path)
    invoke("meeting", "cancel", str(cancelled))
    plan = notes_text(later).replace("  - raised: 1 ", "  - concern: Tests.\n   ")
    assert f"meeting {cancelled} is cancelled" in refused(cancelled, plan)


async def test_owners_by_name_without_accents_and_ambiguous_names_refused(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id, day = await held_soon(cli, tmp_path)
    text = notes_text(day)
    # A staff member named as Rosa is, who also serves Alfredo: "Rosa Pérez" is two people.
    invoke("staff", "add", "Rosa Pérez", "rperez@lincoln.example.org", "--role", "specialist")
    invoke("staff", "assign", "rperez@lincoln.example.org", "S1001")
    path = notes_file(tmp_path, text.replace("owner: family ", "owner: rosa perez "))
    line = fails(
        "meeting", "notes", str(meeting_id), str(path), "--dry-run",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert "actions[1].owner: 2 people are named 'rosa perez'" in line, line
    assert "Rosa Pérez <rperez@lincoln.example.org> (specialist)" in line
    assert "Rosa Pérez (guardian)" in line and "write family" in line
    # By email, and by a name without accents, each is found.
    text = text.replace("owner: ecarter@lincoln.example.org", "owner: emily carter")
    text = text.replace("owner: family ", "owner: rperez@lincoln.example.org ")
    output = invoke("meeting", "notes", str(meeting_id), str(notes_file(tmp_path, text)))
    assert "1. Rosa Pérez (staff)" in output and "2. Emily Carter (staff)" in output


async def test_family_means_the_only_guardian_and_two_guardians_are_named(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = meeting_day(cli.clock())
    meeting_id = create(cli, tmp_path, "S1002")
    pass_the_start(cli, day)
    plan = re.sub(r"concerns:\n(  .*\n)+", "", notes_text(day))
    line = fails(
        "meeting", "notes", str(meeting_id), str(notes_file(tmp_path, plan)),
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert "actions[1].owner: Andrew Bashid has 2 guardians" in line
    assert "Amina Bashid, Karim Bashid" in line and "name the one" in line


# -- the real run ------------------------------------------------------------------------------


async def test_notes_are_recorded_rosa_is_told_and_the_view_shows_them(
    cli: System, tmp_path: Path
) -> None:
    await cli.link_staff("ecarter@lincoln.example.org", CARTER)
    meeting_id, day = await held_soon(cli, tmp_path)
    heard = len(cli.sms_to(ROSA))
    path = notes_file(tmp_path, notes_text(day))
    output = invoke("meeting", "notes", str(meeting_id), str(path))
    assert output.startswith(
        f"Recorded the notes of meeting {meeting_id} about Alfredo Pérez: 1 of the family's "
        "concerns answered, 1 raised in the meeting (1 not yet); 2 action items; "
        "the meeting is held."
    ), output
    assert re.search(r"  Rosa Pérez: sms, es, \d+ messages queued", output)
    assert "Told of their items on Telegram: Emily Carter" in output
    feedback_day = day + dt.timedelta(days=2)
    assert f"Feedback: each guardian is asked on {feedback_day}." in output
    assert state_of(cli, meeting_id) is MeetingState.HELD
    await cli.drain()
    told = " ".join(" ".join(cli.sms_to(ROSA)[heard:]).split())
    assert gettext("es", am.NOTES_THANKS, student="Alfredo") in told
    assert gettext("es", am.PLAN_REPLY_DONE, number=1) in told
    assert any(CARTER_ITEM in text for text in cli.telegram_texts(CARTER))

    shown = invoke("meeting", "show", str(meeting_id))
    for heading in ("Notes", "Concerns and answers", "Action plan"):
        assert heading in shown, heading
    flat = " ".join(shown.split())
    assert SUMMARY in flat and "Rosa Pérez (their #1)" in flat and "in the meeting" in flat
    assert "not yet: We asked the bus office." in flat
    assert "Rosa Pérez (guardian)" in flat and "Emily Carter (staff)" in flat

    data = json.loads(invoke("meeting", "show", str(meeting_id), "--json"))
    assert set(data) == set(MeetingView.__dataclass_fields__)
    assert set(data["notes"]) == set(NotesView.__dataclass_fields__)
    assert data["state"] == "held" and data["notes"]["summary"] == SUMMARY
    assert data["notes"]["recorded_by"] is None and data["notes"]["feedback_days"] == 2
    first, second = data["notes"]["concerns"]
    assert set(first) == set(ConcernView.__dataclass_fields__)
    assert (first["raised"], first["guardian"], first["concern"]) == (1, "Rosa Pérez", ROSA_WORDS)
    assert first["answered"] and not second["answered"] and second["raised"] is None
    rosa_item, carter_item = data["notes"]["items"]
    assert set(rosa_item) == set(ItemView.__dataclass_fields__)
    assert (rosa_item["number"], rosa_item["owner"], rosa_item["owner_kind"]) == (
        1,
        "Rosa Pérez",
        "guardian",
    )
    assert rosa_item["due_on"] == (day + dt.timedelta(days=5)).isoformat()
    assert (carter_item["owner"], carter_item["state"], carter_item["overdue"]) == (
        "Emily Carter",
        "open",
        False,
    )
    [family] = data["families"]
    assert [(w["kind"], w["number"]) for w in family["words"]] == [("concern", 1)]
    assert family["feedback"] is None


async def test_feedback_is_in_the_view_and_in_meetings_on_telegram(
    cli: System, tmp_path: Path
) -> None:
    """The coordinator sees each guardian's feedback where they see the meeting."""
    await cli.link_staff("ecarter@lincoln.example.org", CARTER)
    meeting_id, day = await held_soon(cli, tmp_path)
    invoke("meeting", "notes", str(meeting_id), str(notes_file(tmp_path, notes_text(day))))
    cli.clock.advance(days=2)
    with transaction(cli.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        rosa = session.scalars(select(Guardian).where(Guardian.name == "Rosa Pérez")).one()
        feedback.ask(session, meeting, rosa, now=cli.clock(), default_timezone="America/New_York")
    data = json.loads(invoke("meeting", "show", str(meeting_id), "--json"))
    [family] = data["families"]
    assert set(family["feedback"]) == set(FeedbackView.__dataclass_fields__)
    assert family["feedback"]["rating"] is None
    assert "no answer yet" in invoke("meeting", "show", str(meeting_id))

    with transaction(cli.engine) as session:
        rosa = session.scalars(select(Guardian).where(Guardian.name == "Rosa Pérez")).one()
        feedback.record_rating(session, rosa, meeting_id, 4, now=cli.clock())
    [family] = json.loads(invoke("meeting", "show", str(meeting_id), "--json"))["families"]
    assert family["feedback"]["rating"] == 4
    shown = invoke("meeting", "show", str(meeting_id))
    assert "Feedback" in shown and "4 of 5" in shown

    await cli.drain()
    before = len(cli.telegram_texts(CARTER))
    await cli.telegram_update(CARTER, "/meetings")
    await cli.drain()
    [view] = cli.telegram_texts(CARTER)[before:]

    def en(message: str, **values: Any) -> str:
        return gettext("en", message, **values)

    scale = en(am.FEEDBACK_SCALE[3])
    assert "  " + en(notes_view.VIEW_FEEDBACK_RATING, rating=4, scale=scale) in view
    assert en(notes_view.VIEW_PLAN) in view and SUMMARY in view
    due = am.due_text(day + dt.timedelta(days=3), "en")
    item = en(notes_view.VIEW_ITEM, number=2, owner="Emily Carter", date=due, words=CARTER_ITEM)
    assert item in view
    words = f'"{ROSA_WORDS}"'
    assert en(notes_view.VIEW_CONCERN_BY, number=1, guardian="Rosa Pérez", words=words) in view
    assert en(am.CONCERN_NOT_YET) in view
    assert "555" not in view


# -- the plan's items: actions, done, more time (these need items.py, helper H2's) --------------


async def recorded_plan(cli: System, tmp_path: Path) -> tuple[int, dt.date, dict[int, int]]:
    """The meeting held with the example's notes; its day; its items' ids by number."""
    meeting_id, day = await held_soon(cli, tmp_path)
    invoke("meeting", "notes", str(meeting_id), str(notes_file(tmp_path, notes_text(day))))
    await cli.drain()
    with transaction(cli.engine) as session:
        rows = session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting_id))
        return meeting_id, day, {item.position: item.id for item in rows}


OPEN_ITEM_KEYS = {
    "item",
    "meeting",
    "number",
    "student",
    "what",
    "owner",
    "owner_kind",
    "due_on",
    "first_due_on",
    "delays",
    "delay_reason",
    "overdue",
    "timezone",
}


async def test_actions_lists_every_open_item_for_the_operator(cli: System, tmp_path: Path) -> None:
    """The command line has no staff member: it sees every school's items, Room 14's too."""
    meeting_id, day, ids = await recorded_plan(cli, tmp_path)
    assert "No overdue items." in invoke("meeting", "actions", "--overdue")
    assert json.loads(invoke("meeting", "actions", "--overdue", "--json")) == []
    # David Kim's meeting about Josie Lopez, another class, two weeks later.
    josie_day = meeting_day(cli.clock())
    josie = fixed_time_text(cli.clock(), "S1003").replace("organizer: ecarter@", "organizer: dkim@")
    other = create(cli, tmp_path, text=re.sub(r"attendees:\n(  .*\n)+", "", josie))
    pass_the_start(cli, josie_day)
    plan = re.sub(r"concerns:\n(  .*\n)+", "", notes_text(josie_day))
    plan = plan.replace("ecarter@", "dkim@").replace("owner: family ", "owner: Donna Lopez ")
    invoke("meeting", "notes", str(other), str(notes_file(tmp_path, plan)))

    rows = json.loads(invoke("meeting", "actions", "--json"))
    assert all(set(row) == OPEN_ITEM_KEYS for row in rows)
    assert {(r["meeting"], r["number"], r["owner"]) for r in rows} == {
        (meeting_id, 1, "Rosa Pérez"),
        (meeting_id, 2, "Emily Carter"),
        (other, 1, "Donna Lopez"),
        (other, 2, "David Kim"),
    }
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)  # soonest first
    [rosa] = [r for r in rows if r["item"] == ids[1]]
    assert rosa["owner_kind"] == "guardian" and rosa["student"] == "Alfredo Pérez"
    assert rosa["due_on"] == (day + dt.timedelta(days=5)).isoformat() and rosa["overdue"]
    table = invoke("meeting", "actions")
    assert "Rosa Pérez (guardian)" in table and "David Kim (staff)" in table
    # Two weeks on, Alfredo's plan is past its dates; Josie's is not yet.
    late = json.loads(invoke("meeting", "actions", "--overdue", "--json"))
    assert {(r["meeting"], r["number"]) for r in late} == {(meeting_id, 1), (meeting_id, 2)}
    assert all(r["overdue"] for r in late)
    assert "overdue" in invoke("meeting", "actions", "--overdue")


async def test_done_and_more_time_tell_the_family(
    cli: System,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id, day, ids = await recorded_plan(cli, tmp_path)
    heard = len(cli.sms_to(ROSA))
    carter_item = ids[2]

    def refused(*args: str) -> str:
        return fails("meeting", *args, capsys=capsys, monkeypatch=monkeypatch)

    assert refused("more-time", str(carter_item), "--until", "soon", "--reason", "x") == (
        "error: --until: 'soon' is not a date: write YYYY-MM-DD"
    )
    assert "--reason: say why" in refused(
        "more-time", str(carter_item), "--until", "2027-02-01", "--reason", "  "
    )
    assert refused("done", "9999").startswith("error: ")
    later = day + dt.timedelta(days=10)
    output = invoke(
        "meeting", "more-time", str(carter_item), "--until", later.isoformat(),
        "--reason", "The speech therapist is still setting the times.",
    )  # fmt: skip
    assert output.startswith(
        f"Item {carter_item} (meeting {meeting_id}, number 2) is now due "
        f"{am.due_text(later, 'en')}; 1 message queued to families"
    ), output
    [row] = [r for r in json.loads(invoke("meeting", "actions", "--json")) if r["number"] == 2]
    assert (row["due_on"], row["delays"]) == (later.isoformat(), 1)
    await cli.drain()
    assert len(cli.sms_to(ROSA)) > heard
    heard = len(cli.sms_to(ROSA))

    output = invoke("meeting", "done", str(carter_item))
    assert output.startswith(
        f"Item {carter_item} (meeting {meeting_id}, number 2) is done; 1 message queued to families"
    ), output
    assert "was already done" in invoke("meeting", "done", str(carter_item))
    rows = json.loads(invoke("meeting", "actions", "--json"))
    assert [r["number"] for r in rows if r["meeting"] == meeting_id] == [1]
    await cli.drain()
    assert len(cli.sms_to(ROSA)) > heard
    data = json.loads(invoke("meeting", "show", str(meeting_id), "--json"))
    [done] = [i for i in data["notes"]["items"] if i["number"] == 2]
    assert done["state"] == "done" and done["delays"] == 1 and done["done_at"]
    assert done["first_due_on"] != done["due_on"]


# -- the docs and the help ----------------------------------------------------------------------


def test_the_readme_documents_every_notes_field_and_command() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### After the meeting", 1)[1].split("\n## ", 1)[0]
    for name in FIELDS:
        assert f"| `{name}`" in section, name
    for command in ("notes", "actions", "done", "more-time"):
        assert f"commbot meeting {command}" in section, command


def test_the_example_notes_use_every_field() -> None:
    for name in FIELDS:
        assert any(line.startswith(f"{name}:") for line in NOTES_LINES), name


def test_notes_commands_have_help() -> None:
    for args in (["notes"], ["actions"], ["done"], ["more-time"]):
        result = runner.invoke(app, ["meeting", *args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, args
