"""`commbot report broadcast | deliveries | partnership | unreachable`: the tables, `--csv`
(read back with the csv module) and `--json`, on the month in `reports_support`; mistakes
end with one line; no phone number is ever printed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from commbot.cli import app, main
from commbot.cli.context import console

from .reports_support import EVERYONE, NOW, ROOM_14, World, ago, build_history
from .support import System, command_line_on

runner = CliRunner()


@pytest.fixture
def cli(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    world = build_history(system.engine)
    monkeypatch.setattr("commbot.cli.report.utcnow", lambda: NOW)
    monkeypatch.setattr(console, "_width", 240)  # one line per row, to read them
    url = system.engine.url.render_as_string(False)
    with command_line_on(monkeypatch, url, system.settings.media_dir):
        yield world


def run(*args: str) -> str:
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 0, result.output
    assert "555" not in result.output  # no phone number, in any form
    return result.output


Fails = Callable[..., str]


@pytest.fixture
def fails(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Fails:
    """The one line a failing `commbot report ...` prints, as a shell shows it."""

    def run_failing(*args: str) -> str:
        monkeypatch.setattr("sys.argv", ["commbot", "report", *args])
        with pytest.raises(SystemExit) as stopped:
            main()
        captured = capsys.readouterr()
        output = " ".join((captured.out + captured.err).split())
        assert stopped.value.code == 2, output
        assert "Traceback" not in output
        return output

    return run_failing


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_partnership_as_csv_json_and_tables(cli: World) -> None:
    table = run("partnership")
    assert "Partnership with each family over the last 30 days" in table
    assert "times in America/New_York" in table
    rosa = next(line for line in table.splitlines() if line.lstrip().startswith("Rosa Pérez"))
    assert rosa.split()[2:] == [
        "Alfredo", "Pérez", "Room", "12", "es", "yes", "no", "yes", "4", "1", "2", "1", "50%",
        "Tue", "10", "Nov", "16:50", "Sun", "01", "Nov", "16:30", "0", "0", "-", "-",
    ]  # fmt: skip
    found = rows(run("partnership", "--csv"))
    families = [r for r in found if r["section"] == "families"]
    assert [r["name"] for r in families] == EVERYONE
    assert {r["section"] for r in found} == {"families", "classes", "languages", "total"}
    rosa_row = next(r for r in families if r["name"] == "Rosa Pérez")
    assert rosa_row | {} == {
        **{k: "" for k in ("families", "feedback_count", "feedback_rating", "feedback_at")},
        "section": "families",
        "name": "Rosa Pérez",
        "students": "Alfredo Pérez",
        "classes": "Room 12",
        "language": "es",
        "reached": "1",
        "silent": "0",
        "unreachable": "1",
        "from_school": "4",
        "from_family": "1",
        "school_threads": "2",
        "answered": "1",
        "answered_share": "0.50",
        "last_from_school": ago(days=10, minutes=-20).isoformat(timespec="seconds"),
        "last_from_family": ago(days=19).isoformat(timespec="seconds"),
        "open_items": "0",
        "overdue_items": "0",
    }
    lan = next(r for r in families if r["name"] == "Lan Nguyen")
    assert lan["students"] == "Bao Nguyen; Minh Nguyen"
    total = next(r for r in found if r["section"] == "total")
    assert (total["families"], total["reached"], total["unreachable"]) == ("14", "4", "4")
    document = json.loads(run("partnership", "--json"))
    assert document["report"] == "partnership" and document["days"] == 30
    assert [f["name"] for f in document["families"]] == EVERYONE
    amina = next(f for f in document["families"] if f["name"] == "Amina Bashid")
    assert (amina["reached"], amina["silent"], amina["feedback_rating"]) == (True, True, 4.0)
    assert [c["name"] for c in document["classes"]] == ["Room 12", "Room 14"]
    assert document["total"][0]["answered_share"] == round(2 / 10, 4)


def test_partnership_of_one_class_over_a_shorter_window(cli: World, fails: Fails) -> None:
    found = rows(run("partnership", "--class", "Room 14", "--days", "9", "--csv"))
    assert [r["name"] for r in found if r["section"] == "families"] == ROOM_14
    marie = next(r for r in found if r["name"] == "Marie Joseph")
    assert (marie["from_school"], marie["school_threads"]) == ("1", "1")
    assert fails("partnership", "--class", "Room 9") == "error: no class is called 'Room 9'"
    assert "--days" in fails("partnership", "--days", "0")


def test_deliveries_with_reasons_since_a_day(cli: World, fails: Fails) -> None:
    found = rows(run("deliveries", "--csv"))
    counts = [r for r in found if r["section"] == "counts"]
    assert [(r["channel"], r["language"], r["total"]) for r in counts][:3] == [
        ("sms", "ar", "1"),
        ("sms", "en", "4"),
        ("sms", "es", "4"),
    ]
    reasons = [r for r in found if r["section"] == "reasons"]
    assert (reasons[0]["code"], reasons[0]["reason"], reasons[0]["messages"]) == (
        "30005",
        "the number is unknown or no longer exists",
        "3",
    )
    table = run("deliveries")
    assert "this number is not on WhatsApp" in table and "reasons" in table
    # From the day before yesterday, on the deployment's clock (Boston).
    recent = json.loads(run("deliveries", "--since", "2026-11-18", "--json"))
    assert recent["since"] == "2026-11-18T05:00:00+00:00"
    assert recent["total"][0]["total"] == 11
    line = fails("deliveries", "--since", "last week")
    assert line == "error: --since must be a day like 2026-11-01, not 'last week'"
    assert fails("deliveries", "--csv", "--json") == "error: --csv and --json: choose one"


def test_one_broadcast(cli: World, fails: Fails) -> None:
    found = rows(run("broadcast", str(cli.broadcast_id), "--csv"))
    assert [(r["name"], r["status"], r["replied"]) for r in found] == [
        ("Amina Bashid", "sent", "0"),
        ("Ana Oliveira", "held", "0"),
        ("Faadumo Warsame", "opted out", "0"),
        ("Irina Volkova", "sent", "0"),
        ("Karim Bashid", "delivered", "1"),
        ("Li Wei", "quiet hours", "0"),
        ("Marie Joseph", "failed", "0"),
    ]
    karim = found[4]
    assert (karim["channel"], karim["when"]) == ("sms", cli.times["karim delivered"].isoformat())
    document: dict[str, Any] = json.loads(run("broadcast", str(cli.broadcast_id), "--json"))
    assert (document["broadcast"], document["sender"]) == (cli.broadcast_id, "Grace Ortiz")
    assert document["families"][6]["why_not"] == "SMS: the number is unknown or no longer exists"
    assert "Broadcast" in run("broadcast", str(cli.broadcast_id))
    missing = cli.broadcast_id + 1
    assert fails("broadcast", str(missing)) == f"error: no broadcast has the id {missing}"


def test_the_families_to_call(cli: World) -> None:
    found = rows(run("unreachable", "--csv"))
    assert [(r["name"], r["sms"], r["call"]) for r in found] == [
        ("Faadumo Warsame", "opted out (replied STOP)", ""),
        ("Marie Joseph", "30005: the number is unknown or no longer exists", ""),
        ("Pedro Pérez", "", "Sam Rivera (specialist); Grace Ortiz (coordinator)"),
        ("Rosa Pérez", "30005: the number is unknown or no longer exists", "Sam Rivera (specialist); Grace Ortiz (coordinator)"),
    ]  # fmt: skip
    assert json.loads(run("unreachable", "--json"))["families_checked"] == 14
    only = json.loads(run("unreachable", "--class", "room 14", "--json"))
    assert [f["name"] for f in only["families"]] == ["Faadumo Warsame", "Marie Joseph"]
    assert "who can call" in run("unreachable")
