"""`commbot broadcast` as the operator runs it on the server: the preview first (the very
lines Telegram shows), then Send? unless --yes; --json, --at, --wait; nothing sent without
--yes when there is no terminal to ask; one-line errors. What it queues is then sent by
the real dispatcher to the fakes.

The command line reads the real clock, so the tests that send mark the broadcast urgent
(quiet hours would depend on the hour the suite runs) and move the system's clock to now.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from commbot.cli import app
from commbot.cli import broadcast as cli_broadcast
from commbot.db import transaction
from commbot.features.broadcasts import audiences, preview
from commbot.features.broadcasts.models import Broadcast, BroadcastState
from commbot.models import Delivery, Lane, RecipientKind

from .support import System, command_line_on
from .test_broadcasts import (
    CARTER_EMAIL,
    GRACE_EMAIL,
    ROOM_12,
    ready,
    sms_bodies,
    staff,
)
from .test_cli import run_main

runner = CliRunner()
TEXT = "Report cards go home on Monday."
TZ = "America/New_York"


@pytest.fixture
def shell(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """The operator's shell on the server, on the system's database."""
    monkeypatch.setenv("COMMBOT_TRANSLATOR", "none")  # as the system's worker is set up
    with command_line_on(monkeypatch, system.engine.url.render_as_string(hide_password=False)):
        yield system


def cli(*args: str, code: int = 0, **kwargs: Any) -> str:
    result = runner.invoke(app, ["broadcast", *args], **kwargs)
    assert result.exit_code == code, result.output
    return result.output


def broadcasts(system: System) -> list[Broadcast]:
    with transaction(system.engine) as session:
        return list(session.scalars(select(Broadcast).order_by(Broadcast.id)))


def family_deliveries(system: System) -> list[Delivery]:
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.GUARDIAN and d.lane == Lane.BROADCAST
    ]


async def drain_now(system: System) -> None:
    system.clock.now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    await system.drain()


def expected_preview(system: System, email: str, spec: str, urgent: bool) -> preview.Preview:
    with transaction(system.engine) as session:
        return preview.build(
            session,
            staff(session, email),
            audiences.parse(spec),
            text=TEXT,
            language="en",
            urgent=urgent,
            settings=system.settings,
            now=dt.datetime.now(dt.UTC),
        )


async def test_with_yes_it_prints_the_preview_sends_and_says_what_it_did(shell: System) -> None:
    await ready(shell)
    shown = expected_preview(shell, GRACE_EMAIL, "class:Room 12", urgent=True)
    output = cli(
        "--from", GRACE_EMAIL, "--audience", "class:Room 12", "--text", TEXT, "--urgent", "--yes"
    )
    for line in preview.render(shown, "en", TZ).splitlines():
        assert line.strip() in output
    [sent] = broadcasts(shell)  # its number: PostgreSQL's sequence moved for the preview's draft
    assert (
        f"Broadcast {sent.id} is on its way: 7 families queued (0 after their quiet hours)"
        in output
    )
    assert "555" not in output
    await drain_now(shell)
    delivered = {d.guardian_id for d in family_deliveries(shell)}
    assert len(delivered) == len(ROOM_12) == 7
    assert all(TEXT in texts[0] for texts in sms_bodies(shell).values())


async def test_json_gives_the_preview_and_the_result(shell: System) -> None:
    await ready(shell)
    shown = expected_preview(shell, GRACE_EMAIL, "school", urgent=True)
    args = ("--from", GRACE_EMAIL, "--audience", "school", "--text", TEXT, "--urgent")
    data = json.loads(cli(*args, "--yes", "--json"))
    assert data["preview"] == shown.to_json() | {"send_seconds": data["preview"]["send_seconds"]}
    assert data["preview"]["families"] == 13 and data["sent"] is True
    assert data["broadcast"] == {
        "id": broadcasts(shell)[0].id,
        "state": "sending",
        "queued": 13,
        "quiet_held": 0,
        "opted_out": 0,
        "unreachable": 0,
    }
    assert len(family_deliveries(shell)) == 13


async def test_at_schedules_it_on_the_schools_clock(shell: System) -> None:
    await ready(shell)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date()
    args = ("--from", CARTER_EMAIL, "--audience", "school", "--text", TEXT)
    output = cli(*args, "--at", f"{day} 16:30", "--yes")
    [scheduled] = broadcasts(shell)
    when = f"{day:%-m/%-d/%y}, 4:30 PM (America/New_York)"
    assert f"Broadcast {scheduled.id} is scheduled for {when}." in output
    assert scheduled.state is BroadcastState.SCHEDULED
    local = dt.datetime.combine(day, dt.time(16, 30), tzinfo=ZoneInfo(TZ))
    assert scheduled.send_at == local.astimezone(dt.UTC)
    assert family_deliveries(shell) == []


async def test_without_yes_and_no_terminal_nothing_is_sent(
    shell: System, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready(shell)
    args = ("--from", GRACE_EMAIL, "--audience", "school", "--text", TEXT)
    code, output = run_main("broadcast", *args, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert "Goes to 13 guardians of 11 students." in output
    assert output.strip().endswith(
        "error: nothing was sent: add --yes to send (there is no terminal to ask Send?)"
    )
    code, output = run_main("broadcast", *args, "--json", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert json.loads(output[: output.rindex("}") + 1])["sent"] is False
    assert broadcasts(shell) == [] and family_deliveries(shell) == []


async def test_at_a_terminal_it_asks_first(shell: System, monkeypatch: pytest.MonkeyPatch) -> None:
    await ready(shell)
    monkeypatch.setattr(cli_broadcast, "_interactive", lambda: True)
    args = ("--from", GRACE_EMAIL, "--audience", "class:Room 14", "--text", TEXT)
    output = cli(*args, code=1, input="n\n")
    assert "Send it now? [y/N]" in output and "Nothing was sent." in output
    assert broadcasts(shell) == []
    output = cli(*args, input="y\n")
    assert "7 families queued" in output
    assert len(family_deliveries(shell)) == 7


async def test_errors_are_one_line(
    shell: System, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready(shell)
    wrong = {
        ("--from", "nobody@lincoln.example.org", "--audience", "school"): (
            "no active staff member has the email 'nobody@lincoln.example.org'"
        ),
        ("--from", GRACE_EMAIL, "--audience", "everyone"): "everyone is not an audience.",
        ("--from", CARTER_EMAIL, "--audience", "class:Room 14"): (
            "Not found among those you serve: Room 14."
        ),
        ("--from", CARTER_EMAIL, "--audience", "school", "--urgent"): (
            "Only a coordinator or an administrator can mark a broadcast urgent."
        ),
        ("--from", GRACE_EMAIL, "--audience", "school", "--at", "noon"): (
            "noon is not a time like 16:30 or 2027-01-12 16:30."
        ),
        ("--from", GRACE_EMAIL, "--audience", "school", "--at", "2001-01-01 10:00"): (
            "That time has already passed."
        ),
        ("--from", GRACE_EMAIL, "--audience", "school", "--at", "2099-01-01 10:00"): (
            "That time is more than 60 days away."
        ),
    }
    for args, error in wrong.items():
        code, output = run_main(
            "broadcast", *args, "--text", TEXT, "--yes", capsys=capsys, monkeypatch=monkeypatch
        )
        assert code == 2, output
        [line] = [line for line in output.splitlines() if line.startswith("error:")]
        assert error in line, output
        assert "Traceback" not in output
    assert broadcasts(shell) == [] and family_deliveries(shell) == []


async def test_wait_shows_progress_until_every_family_is_done(
    shell: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready(shell)
    monkeypatch.setattr(cli_broadcast, "POLL_SECONDS", 0.05)
    args = ("--from", GRACE_EMAIL, "--audience", "class:Room 14", "--text", TEXT, "--urgent")
    outcome: dict[str, Any] = {}

    def run() -> None:
        outcome["result"] = runner.invoke(app, ["broadcast", *args, "--yes", "--json", "--wait"])

    command = threading.Thread(target=run)
    command.start()
    for _ in range(400):  # the worker's part, until the command has seen every family done
        if not command.is_alive():
            break
        await drain_now(shell)
        await asyncio.sleep(0.05)
    command.join(timeout=5)
    result = outcome["result"]
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["progress"]["families"] == 7 and data["progress"]["sent"] == 7
    assert data["progress"]["done"] is True and data["progress"]["waiting"] == 0
