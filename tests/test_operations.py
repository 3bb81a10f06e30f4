"""Running commbot: one-line errors without secrets, a worker that outlives a provider outage
at start, health checks that show whether a worker is sending, and readable help."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from commbot import __version__, config, db
from commbot.cli import app, main
from commbot.db import transaction
from commbot.dispatch import leases
from commbot.models import Channel, ContactPoint, DeliveryStatus, Guardian, utcnow
from commbot.outbox import to_guardian
from commbot.web import create_app
from commbot.worker import run_worker

from .fakes import FakeTelegram, FakeTwilio
from .support import SMS_FROM, System, command_line_on

TOKEN = "987654321:AAHfakeTokenForTestsOnly_abcdefghijk"
ROSA = "+16175550134"  # SMS only, in the example roster


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield tmp_path
    if db.get_engine.cache_info().currsize:  # a malformed DATABASE_URL never made one
        db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def run_main(
    *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    monkeypatch.setattr("sys.argv", ["commbot", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out + captured.err


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in output
    return lines[0]


# -- one-line errors --------------------------------------------------------------------


def test_db_upgrade_against_an_unreachable_postgresql(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql+psycopg://commbot:pa55word@127.0.0.1:{closed_port()}/commbot"
    monkeypatch.setenv("DATABASE_URL", url)
    code, output = run_main("db", "upgrade", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    line = one_line_error(output)
    assert "cannot use the database" in line
    assert "127.0.0.1" in line
    assert "pa55word" not in output


def test_debug_shows_the_traceback(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://u@127.0.0.1:{closed_port()}/commbot")
    monkeypatch.setattr("sys.argv", ["commbot", "--debug", "db", "upgrade"])
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    with pytest.raises(Exception, match=r"Connection refused|connection failed"):
        main()


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("DATABASE_URL", "commbot.db", "DATABASE_URL"),
        ("DATABASE_URL", "mysql://u@db/commbot", "DATABASE_URL"),
        ("DATABASE_URL", "postgresql+asyncpg://u@db/commbot", "DATABASE_URL"),
        ("TWILIO_FROM_NUMBER", "(617) 555-0100", "TWILIO_FROM_NUMBER"),
        ("TWILIO_WHATSAPP_FROM", "16175550101", "TWILIO_WHATSAPP_FROM"),
    ],
)
def test_malformed_settings_stop_any_command_with_one_line(
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    named: str,
) -> None:
    monkeypatch.setenv(name, value)
    code, output = run_main("staff", "list", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    line = one_line_error(output)
    assert f"{named} is malformed" in line


def test_sending_numbers_are_kept_in_e164(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+16175550100")
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "whatsapp:+16175550101")
    settings = config.load_settings()
    assert settings.twilio_from_number == "+16175550100"
    assert settings.twilio_whatsapp_from == "+16175550101"


def test_set_webhook_refuses_an_http_public_url(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://bot.school.example")
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert "PUBLIC_BASE_URL must start with https://" in one_line_error(output)


def test_set_webhook_with_telegram_unreachable(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.school.example")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{port}")
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    line = one_line_error(output)
    assert f"cannot reach Telegram at http://127.0.0.1:{port}" in line
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


def test_set_webhook_with_a_rejected_token_never_prints_it(
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fake_telegram: FakeTelegram,
) -> None:
    assert fake_telegram.token != TOKEN
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.school.example")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in one_line_error(output)
    assert TOKEN.split(":")[1] not in output


def test_a_token_of_the_wrong_shape_is_rejected_in_one_line(
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fake_telegram: FakeTelegram,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "pasted-the-wrong-thing-entirely")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.school.example")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in one_line_error(output)
    assert "pasted-the-wrong-thing-entirely" not in output


def test_set_webhook_registers_with_a_good_token(
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fake_telegram: FakeTelegram,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_telegram.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.school.example")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    code, output = run_main("telegram", "set-webhook", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, output
    assert "https://bot.school.example/telegram/webhook" in output
    webhook = fake_telegram.webhook
    assert webhook is not None and webhook["url"] == "https://bot.school.example/telegram/webhook"


# -- version and help -------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run_main("--version", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    assert output.strip() == f"commbot {__version__}"


@pytest.mark.parametrize(
    "args",
    [[], ["outbox"], ["roster", "import"], ["invite", "guardian"], ["staff", "add"], ["serve"]],
)
def test_help_pages_show_no_python_types(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for clutter in ("<str>", "<int", "<bool>", "<path>", "TEXT", "INTEGER", "BOOLEAN"):
        assert clutter not in result.output, (args, clutter)


def test_outbox_help_offers_problems() -> None:
    result = CliRunner().invoke(app, ["outbox", "--help"], env={"COLUMNS": "200"})
    assert "problems" in result.output


# -- the worker -------------------------------------------------------------------------


async def test_worker_sends_sms_while_telegram_is_unreachable_at_start(
    system: System,
    fake_twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = closed_port()
    settings = config.load_settings(
        **{
            **_settings_of(system),
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
        }
    )
    with transaction(system.engine) as session:
        rosa = session.scalars(
            select(Guardian).join(ContactPoint).where(ContactPoint.address == ROSA)
        ).one()
        queued = to_guardian(
            session,
            guardian=rosa,
            now=utcnow(),
            default_timezone="America/New_York",
            body="The bus is late today.",
            urgent=True,
        )
        assert queued is not None and queued.channel is Channel.SMS
    fake_twilio.clear()
    stop = asyncio.Event()
    caplog.set_level(logging.INFO)
    for handler in logging.getLogger().handlers:  # what `configure` adds to the handlers
        handler.addFilter(_scrub_filter())
    worker = asyncio.create_task(run_worker(settings, system.engine, stop))
    try:
        for _ in range(100):
            if any(call.to == ROSA for call in fake_twilio.messages):
                break
            await asyncio.sleep(0.1)
        [sent] = [call for call in fake_twilio.messages if call.to == ROSA]
        assert sent.sender == SMS_FROM
        assert not worker.done(), "the worker stopped"
        # Twilio has it; the worker records that just after Twilio answers.
        for _ in range(100):
            with transaction(system.engine) as session:
                status = session.get_one(type(queued), queued.id).status
            if status is not DeliveryStatus.SENDING:
                break
            await asyncio.sleep(0.05)
        assert status is DeliveryStatus.SENT
        await asyncio.sleep(1.5)  # long enough for a retry of Telegram
        assert not worker.done()
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
    downs = [r for r in caplog.records if "Telegram is unreachable" in r.getMessage()]
    assert len(downs) == 1  # one line per state change, not one per retry
    assert TOKEN.split(":")[1] not in caplog.text


async def test_worker_stops_with_one_reason_when_the_token_is_rejected(
    system: System, fake_telegram: FakeTelegram
) -> None:
    settings = config.load_settings(**{**_settings_of(system), "TELEGRAM_BOT_TOKEN": TOKEN})
    with pytest.raises(config.ConfigError, match="rejected TELEGRAM_BOT_TOKEN") as stopped:
        await asyncio.wait_for(run_worker(settings, system.engine, asyncio.Event()), 10)
    assert TOKEN.split(":")[1] not in str(stopped.value)


def _settings_of(system: System) -> dict[str, Any]:
    names = config._FIELD_BY_ENV
    return {
        env: getattr(system.settings, field)
        for env, field in names.items()
        if getattr(system.settings, field) is not None
    }


def _scrub_filter() -> logging.Filter:
    from commbot.logs import ScrubSecrets, hide

    hide([TOKEN])
    return ScrubSecrets()


def test_logs_never_carry_a_bot_token(caplog: pytest.LogCaptureFixture) -> None:
    """httpx logs Bot API URLs, which hold the token; the filter `configure` installs
    rewrites them."""
    from commbot.logs import ScrubSecrets

    logger = logging.getLogger("commbot.test")
    caplog.handler.addFilter(ScrubSecrets())
    logger.warning("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
    try:
        raise RuntimeError(f"bad {TOKEN}")
    except RuntimeError:
        logger.exception("boom")
    assert "getMe failed" in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


# -- serve and health -------------------------------------------------------------------


def test_serve_warns_once_per_missing_secret(caplog: pytest.LogCaptureFixture) -> None:
    from commbot.server import warn_missing_secrets

    caplog.set_level(logging.WARNING)
    warn_missing_secrets(config.load_settings(PUBLIC_BASE_URL="https://bot.school.example"))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert any("TELEGRAM_WEBHOOK_SECRET" in m and "/telegram/webhook" in m for m in messages)
    assert any("TWILIO_AUTH_TOKEN" in m and "/twilio/inbound" in m for m in messages)
    assert all("403" in m for m in messages)


async def _get(engine: Engine, settings: config.Settings, path: str) -> httpx.Response:
    web = create_app(settings, engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="https://commbot.test"
    ) as client:
        return await client.get(path)


async def test_healthz_without_a_worker(system: System) -> None:
    response = await _get(system.engine, system.settings, "/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "degraded"
    assert set(body["channels"]) == {"telegram", "sms", "whatsapp"}
    assert body["channels"]["sms"] == {"worker": False, "renewed_seconds_ago": None}
    monitor = await _get(system.engine, system.settings, "/healthz/worker")
    assert monitor.status_code == 503


async def test_healthz_with_a_worker_holding_every_lease(system: System) -> None:
    now = utcnow()
    for channel in ("telegram", "sms", "whatsapp"):
        assert leases.hold(system.engine, f"channel:{channel}", "host:1234", now)
    response = await _get(system.engine, system.settings, "/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for state in body["channels"].values():
        assert state["worker"] is True
        assert 0 <= state["renewed_seconds_ago"] < 5
    monitor = await _get(system.engine, system.settings, "/healthz/worker")
    assert monitor.status_code == 200


async def test_healthz_notices_a_lease_that_was_not_renewed(system: System) -> None:
    long_ago = utcnow() - dt.timedelta(minutes=10)
    for channel in ("telegram", "sms", "whatsapp"):
        assert leases.hold(system.engine, f"channel:{channel}", "host:dead", long_ago)
    body = (await _get(system.engine, system.settings, "/healthz")).json()
    assert body["channels"]["sms"]["worker"] is False
    assert body["channels"]["sms"]["renewed_seconds_ago"] >= 600
    assert (await _get(system.engine, system.settings, "/healthz/worker")).status_code == 503


async def test_healthz_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    from commbot.db import make_engine

    url = f"postgresql+psycopg://u@127.0.0.1:{closed_port()}/commbot"
    engine = make_engine(url)
    settings = config.load_settings(DATABASE_URL=url)
    response = await _get(engine, settings, "/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    engine.dispose()


def test_outbox_problems_lists_failed_and_undelivered(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:

    with transaction(system.engine) as session:
        rosa = session.scalars(
            select(Guardian).join(ContactPoint).where(ContactPoint.address == ROSA)
        ).one()
        made = []
        for status in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED, DeliveryStatus.SENT):
            delivery = to_guardian(
                session,
                guardian=rosa,
                now=utcnow(),
                default_timezone="America/New_York",
                body=f"note {status.value}",
            )
            assert delivery is not None
            delivery.status = status
            made.append(delivery)
        session.flush()
        ids = {d.status.value: d.id for d in made}
    with command_line_on(monkeypatch, system.engine.url.render_as_string(False)):
        result = CliRunner().invoke(app, ["outbox", "--status", "problems", "--json"])
    assert result.exit_code == 0, result.output
    import json

    listed = {json.loads(line)["id"] for line in result.output.splitlines()}
    assert listed == {ids["failed"], ids["undelivered"]}
