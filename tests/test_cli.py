"""The `commbot` command line, as an administrator uses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from commbot import config, db
from commbot.cli import app, main

from .conftest import EXAMPLES

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield tmp_path
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def run_main(
    *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["commbot", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out + captured.err


def test_every_command_has_help() -> None:
    for args in (
        [],
        ["db"],
        ["roster"],
        ["staff"],
        ["invite"],
        ["telegram"],
        ["outbox"],
        ["demo"],
        ["serve"],
        ["worker"],
        ["roster", "import"],
        ["invite", "guardian"],
        ["staff", "add"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage" in result.output


def test_commands_refuse_a_database_that_is_not_upgraded(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_main("staff", "list", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert "run `commbot db upgrade`" in output
    assert "Traceback" not in output


def test_roster_import_reports_counts_and_bad_lines(cli_env: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    result = invoke("roster", "import", str(EXAMPLES / "roster.csv"))
    assert "14 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    result = invoke("roster", "import", str(EXAMPLES / "roster.csv"))
    assert "0 created, 0 updated, 14 unchanged, 0 rejected" in result.output
    bad = cli_env / "bad.csv"
    bad.write_text(
        (EXAMPLES / "roster.csv").read_text().splitlines()[0]
        + "\nS9,Zed,Room 9,T,t@x.example,G,father,123,en,sms,,,\n"
    )
    result = invoke("roster", "import", str(bad))
    assert "1 rejected" in result.output and "line 2" in result.output


def test_staff_add_and_invites(
    cli_env: Path, fake_telegram: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("db", "upgrade")
    invoke("roster", "import", str(EXAMPLES / "roster.csv"))
    result = invoke(
        "staff", "add", "Sam Ortiz", "SOrtiz@Lincoln.example.org", "--role", "coordinator"
    )
    assert "Added Sam Ortiz <sortiz@lincoln.example.org> as coordinator." in result.output

    # Without a bot token: the code and the /start line to send.
    result = invoke("invite", "staff", "sortiz@lincoln.example.org")
    assert "/start " in result.output

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_telegram.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    config.get_settings.cache_clear()
    result = invoke("invite", "guardian", "(617) 555-0134")
    assert "Invite for Rosa Pérez" in result.output
    assert "https://t.me/commbot_test_bot?start=" in result.output


def test_errors_are_one_clear_line(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_main("db", "upgrade", capsys=capsys, monkeypatch=monkeypatch)
    code, output = run_main(
        "invite", "guardian", "+1 617 555 0999", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 2 and "no guardian in the roster has that phone number" in output
    monkeypatch.setenv("COMMBOT_DEFAULT_TIMEZONE", "Nowhere/Land")
    config.get_settings.cache_clear()
    code, output = run_main("staff", "list", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert output.strip().splitlines() == [
        "error: COMMBOT_DEFAULT_TIMEZONE is malformed: 'Nowhere/Land' is not an IANA time zone name."
    ]
    monkeypatch.delenv("COMMBOT_DEFAULT_TIMEZONE")
    config.get_settings.cache_clear()
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2 and "TELEGRAM_BOT_TOKEN is not set" in output


def test_outbox_lists_deliveries_as_json(cli_env: Path) -> None:
    invoke("db", "upgrade")
    invoke("roster", "import", str(EXAMPLES / "roster.csv"))
    invoke("invite", "staff", "ecarter@lincoln.example.org")
    from commbot.channels.base import Inbound
    from commbot.conversations import handle_inbound
    from commbot.db import get_engine, transaction
    from commbot.models import Channel, utcnow

    with transaction(get_engine()) as session:
        inbound = Inbound(Channel.SMS, "+16175550134", "Hola", "SM1", utcnow())
        handle_inbound(session, inbound, config.get_settings())
    result = invoke("outbox", "--json", "--status", "held")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["recipient"] for r in rows] == ["Emily Carter"]
    assert rows[0]["channel"] == "telegram" and rows[0]["attempts"] == 0
    assert "+1617" not in result.output and "Hola" not in result.output


def test_demo_plays_the_conversation(cli_env: Path) -> None:
    result = invoke("demo")
    assert result.exit_code == 0
    assert "to Rosa Pérez · SMS" in result.output
    assert "Which child is your message about?" in result.output or "1. Bao Nguyen" in result.output


def test_demo_plays_rosas_meeting(cli_env: Path) -> None:
    """The meeting scene: the conflict warning, her answers reach the teacher, the
    confirmation with a calendar link, and a reminder moved out of her sleep."""
    output = " ".join(invoke("demo").output.split())  # panels wrap: compare words only
    assert "⚠ Rosa Pérez asked for no messages until 3:00 PM" in output
    assert "10:00 AM falls in that time" in output
    assert "Salón 12, Escuela Lincoln" in output  # the teacher's words, translated
    assert "Rosa Pérez (Alfredo Pérez) picked Tuesday, November 24, 2026, 4:00 PM" in output
    assert "asks for an interpreter" in output and "asks for help with a ride" in output
    assert "Alfredo is afraid of tests. Can he have more time?" in output
    assert "https://commbot.school.example/calendar/" in output
    morning = output.split("Tuesday 7:30 AM")[1].split("2:00 PM: the team")[0]
    # Her reminder (in Spanish once the catalog is in: the translated place is in either).
    assert "to Rosa Pérez · SMS" in morning and "Salón 12" in morning
    assert "to Emily Carter" not in morning  # the team's comes at 2:00 PM, as due


def test_set_webhook_registers_url_and_secret(
    cli_env: Path, fake_telegram: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_telegram.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.school.example")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    config.get_settings.cache_clear()
    result = invoke("telegram", "set-webhook")
    assert "https://bot.school.example/telegram/webhook" in result.output
    assert fake_telegram.webhook["url"] == "https://bot.school.example/telegram/webhook"
    assert fake_telegram.webhook["secret_token"] == "s3cret"


def test_outbox_table_fits_80_columns_with_local_times_kind_and_student(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("db", "upgrade")
    invoke("roster", "import", str(EXAMPLES / "roster.csv"))
    import datetime as dt

    from commbot.channels.base import Inbound
    from commbot.conversations import handle_inbound
    from commbot.db import get_engine, transaction
    from commbot.models import Channel

    at = dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC)  # Friday 4:30 PM in Boston
    with transaction(get_engine()) as session:
        inbound = Inbound(Channel.SMS, "+16175550134", "Hola", "SM2", at)
        handle_inbound(session, inbound, config.get_settings(), now=at)
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("outbox")
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, result.output
    assert "times in America/New_York" in lines[0]
    row = next(line for line in lines if "Emily Carter" in line)
    assert "Fri 20 Nov 16:30" in row and "message" in row and "Alfredo Pérez" in row
    assert "waiting for the staff member to link Telegram" in result.output
    assert "+1617" not in result.output and "Hola" not in result.output


def test_demo_plays_the_coordinators_broadcast(cli_env: Path) -> None:
    """Issue 14's scene: the preview before anything goes, each family in its language,
    Rosa's answer to the coordinator with a copy to Alfredo's teacher, and the report."""
    output = " ".join(invoke("demo").output.split())
    scene = output.split("the coordinator reminds two classes of conference week")[1]
    preview, sent = scene.split("Grace Okafor (coordinator) taps [ Send now ]")
    assert "Nothing is sent yet." in preview and "Goes to 12 guardians of 11 students." in preview
    assert "Opted out, will not get it: 1" in preview and "SMS segments: 35 in all" in preview
    assert "[ Send now ] [ Schedule ] [ Mark urgent ] [ Cancel ]" in preview
    assert "A semana de reuniões com as famílias começa na segunda-feira." in sent  # Ana, pt
    reply = sent.split("Rosa Pérez writes on SMS: Gracias.")[1]
    to_grace, to_emily = reply.split("to Emily Carter (teacher) · Telegram")
    assert "to Grace Okafor (coordinator)" in to_grace
    assert "Rosa Pérez (mother of Alfredo Pérez) wrote:" in to_grace
    assert "Thank you. I need an interpreter, please." in to_grace
    assert "For you to know: Rosa Pérez (mother of Alfredo Pérez) wrote to Grace Okafor" in to_emily
    assert "Broadcast done. 12 families: 0 delivered, 12 sent, 0 failed. Opted out: 1." in sent
    assert "runs commbot report broadcast" in sent
