"""Families' phone numbers and message texts never appear in logs, at INFO or DEBUG, from any
feature; nor do tokens (media links, invite codes, the bot token, Twilio's auth token, the
webhook secret); nor do the SQL parameters that carry them when something fails. Media
links are unguessable and expire."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from commbot import jobs, phones
from commbot.channels.base import Sender
from commbot.cli import app
from commbot.db import transaction
from commbot.logs import quiet_libraries
from commbot.media import LIFETIME, TOKEN_BITS, MediaStore
from commbot.models import Channel, MediaFile
from commbot.phones import redact, set_label_key
from commbot.roster import import_roster
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .conftest import EXAMPLES
from .fakes.translation import FakeLibreTranslate
from .support import SECRET, System, command_line_on, press
from .test_dispatch import png_bytes

CARTER = 7001
ROSA = "+16175550134"
SECRET_WORDS = "Mi hija tiene fiebre otra vez"


async def test_a_conversation_logs_no_numbers_or_words(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # more than production logs, our records included
    quiet_libraries()  # as every commbot process does
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.sms(ROSA, SECRET_WORDS)
    await system.sms("+16175550999", "Who is this? My number is private")
    await system.drain()
    relayed = system.telegram.sent_messages(CARTER)[-1].result["message_id"]
    await system.telegram_update(CARTER, "Thank you, I will call the nurse.", reply_to=relayed)
    system.twilio.fail_to(ROSA, 21610)
    await system.drain()
    logged = caplog.text
    assert "inbound sms from addr:" in logged  # the events are logged, by a one-way label
    for private in (ROSA, "16175550134", "+16175550999", SECRET_WORDS, "call the nurse"):
        assert private not in logged


def test_database_errors_do_not_echo_values(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO schools (name) VALUES ('Lincoln')"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO schools (name) VALUES (:name)"), {"name": "Lincoln"})
    assert "Lincoln" not in str(caught.value).split("[SQL:")[1]


# -- every feature, at DEBUG --------------------------------------------------------------

KARIM = "+16175550177"  # WhatsApp, then SMS
AMINA_CHAT = 8001
NEW_FAMILY = "+16175550161"
NEW_ROW = (
    "S1013,Nora Haddad,Room 12,Emily Carter,ecarter@lincoln.example.org,Samira Haddad,"
    "mother,(617) 555-0161,ar,sms,,22:00-06:00,group"
)
TAKEN_ROW = (  # Rosa's number given to someone else: refused, with the reason in the report
    "S1014,Tom Reed,Room 12,Emily Carter,ecarter@lincoln.example.org,Tim Reed,"
    "father,(617) 555-0134,en,sms,,,none"
)
WORDS = {
    "teacher photo": "Here is Alfredo at the science fair",
    "family mms": "Mire el dibujo de mi hija",
    "teacher reply": "What a lovely drawing, gracias",
    "quiet": "Reminder about tomorrow's early dismissal",
    "karim": "Picture day is Monday",
    "answer": "Alfredo hizo su tarea solo esta semana",
    "amina": "Andrew forgot his lunch box today",
    "unknown": "Is this the school? My number is private",
    "stopped": "Please bring a coat on Friday",
}


def phone_forms(e164: str) -> set[str]:
    """A US number as logs might spell it: E.164, digits, and the usual formats."""
    digits = e164.removeprefix("+1")
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return {
        e164,
        e164[1:],
        digits,
        f"({a}) {b}-{c}",
        f"{a}-{b}-{c}",
        f"{a}.{b}.{c}",
        f"{a} {b} {c}",
    }


def family_numbers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {
            address
            for (address,) in connection.execute(text("SELECT address FROM contact_points"))
            if address.startswith("+")
        }


async def test_every_feature_logs_no_numbers_words_or_tokens(
    system: System,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_libraries()
    secrets_used: set[str] = {
        system.telegram.token,
        system.twilio.auth_token,
        SECRET,
    }
    with FakeLibreTranslate() as service:
        backend = LibreTranslateTranslator(service.base_url)
        senders: dict[Channel, Sender] = {
            Channel.TELEGRAM: system.telegram_sender,
            Channel.SMS: system.twilio_sender,
            Channel.WHATSAPP: system.twilio_sender,
        }
        system.dispatcher = system.make_dispatcher(
            senders, translator=CachedTranslator(system.engine, backend)
        )

        # Roster import: a new family, and a row refused for a number already taken.
        roster = tmp_path / "roster.csv"
        original = (EXAMPLES / "roster.csv").read_text(encoding="utf-8")
        roster.write_text(original + NEW_ROW + "\n" + TAKEN_ROW + "\n", encoding="utf-8")
        with transaction(system.engine) as session:
            report = import_roster(session, roster)
        assert report.rejected  # the refused row is reported to the importer, not logged

        # Invites and linking, a wrong code too.
        staff_code = system.invite(email="ecarter@lincoln.example.org")
        secrets_used.add(staff_code)
        await system.telegram_update(CARTER, f"/start {staff_code}")
        family_code = system.invite(guardian="Amina Bashid")
        secrets_used.add(family_code)
        await system.telegram_update(AMINA_CHAT, "/start WrongCode0000000")
        await system.telegram_update(AMINA_CHAT, f"/start {family_code}")
        await system.drain()

        # Check-in set up through the dialog's buttons.
        await system.telegram_update(CARTER, "/checkin")
        await system.drain()
        markup = system.telegram.sent_messages(CARTER)[-1].params.get("reply_markup") or {}
        room = next(
            b["callback_data"]
            for row in markup["inline_keyboard"]
            for b in row
            if b["text"] == "Room 12"
        )
        for n, data in enumerate([room, "ck:days:fri", "ck:time:16:00", "ck:q:proud"]):
            await system.post_telegram(press(CARTER, data, 70_000 + n))
        await system.drain()

        # MMS out (a teacher's photo, stored under a media token) and in (a family's).
        photo = system.telegram.add_file(png_bytes())
        await system.telegram_update(
            CARTER, f"/msg Alfredo {WORDS['teacher photo']}", photo_file_id=photo
        )
        await system.drain()
        await system.send_photo_post(CARTER)  # a photo post: Done, Send now
        with transaction(system.engine) as session:
            secrets_used |= set(session.scalars(select(MediaFile.token)))
        url = system.twilio.add_media(png_bytes(), "image/png")
        await system.sms(ROSA, WORDS["family mms"], media=[url])
        await system.drain()
        relayed = system.telegram.sent_messages(CARTER)[-1].result["message_id"]
        system.telegram.fail_next(1, 500, chat_id=CARTER)  # a retry on Telegram
        await system.telegram_update(CARTER, WORDS["teacher reply"], reply_to=relayed)
        await system.drain()
        system.clock.advance(seconds=30)
        await system.drain()
        await system.telegram_update(AMINA_CHAT, WORDS["amina"])  # a family on Telegram
        await system.drain()

        # A WhatsApp failure that falls back to SMS, and a carrier's late "undelivered".
        await system.sms(KARIM, "مرحبا", whatsapp=True)
        await system.drain()
        system.twilio.fail_to("whatsapp:" + KARIM, 21610)
        await system.telegram_update(CARTER, f"/msg Andrew {WORDS['karim']}")
        await system.drain()
        system.twilio.fail_to(KARIM, 30006)
        await system.drain()
        [to_karim] = [m for m in system.twilio.messages if m.to == KARIM]
        params = system.twilio.status_callback_params(to_karim.sid, "undelivered")
        await system.post_twilio("/twilio/status", params)
        await system.drain()
        system.twilio.reset_failures()

        # STOP, a message that cannot go, START.
        await system.sms(ROSA, "STOP")
        await system.telegram_update(CARTER, f"/msg Alfredo {WORDS['stopped']}")
        await system.drain()
        await system.sms(ROSA, "START")
        await system.drain()

        # Quiet hours: 10:30 PM in Boston, inside Rosa's; the message waits until midnight.
        system.clock.now = dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC)
        await system.telegram_update(CARTER, f"/msg Alfredo {WORDS['quiet']}")
        await system.drain()
        system.clock.advance(hours=2)
        await system.drain()

        # The check-in fires next Friday at 4 PM; Rosa answers; the digest follows.
        system.clock.now = dt.datetime(2026, 11, 27, 21, 0, 20, tzinfo=dt.UTC)
        run_due(system)
        await system.drain()
        await system.sms(ROSA, WORDS["answer"])
        await system.drain()
        system.clock.advance(hours=49)
        run_due(system)
        await system.drain()

        # Someone the school does not know.
        await system.sms("+16175550999", WORDS["unknown"])
        await system.drain()
        await backend.close()
    # Each feature did its work (or this test would prove nothing).
    assert service.calls  # translated
    assert any(t.startswith("Check-in digest") for t in system.telegram_texts(CARTER))
    assert any(WORDS["answer"] in t for t in system.telegram_texts(CARTER))
    assert any(WORDS["quiet"] in t for t in system.sms_to(ROSA))
    assert any(WORDS["karim"] in t for t in system.sms_to(KARIM))  # fell back to SMS
    assert any(m.media_urls for m in system.twilio.messages if m.to == ROSA)  # MMS out
    assert WORDS["stopped"] not in " ".join(system.sms_to(ROSA))
    assert len(secrets_used) == 6  # a media token was made

    # A family's data exported and forgotten, through the command line.
    numbers = family_numbers(system.engine) | {"+16175550999"}
    url = system.engine.url.render_as_string(False)
    with command_line_on(monkeypatch, url, system.settings.media_dir):
        runner = CliRunner()
        exported = runner.invoke(app, ["family", "export", ROSA], catch_exceptions=False)
        assert WORDS["family mms"] in exported.stdout
        forgotten = runner.invoke(app, ["family", "forget", ROSA, "--yes"], catch_exceptions=False)
        assert forgotten.exit_code == 0

    logged = caplog.text
    assert "inbound sms from addr:" in logged  # the events are logged, by a one-way label
    assert "check-in" in logged or "checkin" in logged
    private = {form for number in numbers for form in phone_forms(number)}
    private |= set(WORDS.values()) | secrets_used | {"مرحبا"}
    leaks = sorted(p for p in private if p in logged)
    assert leaks == []


def run_due(system: System) -> None:
    """Every clock job, as the worker's scheduler would run them now."""
    jobs.run_due(system.engine, system.clock(), system.settings.default_timezone)


# -- media links --------------------------------------------------------------------------


def test_media_tokens_carry_at_least_128_random_bits(session: Session, tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    tokens = [store.save(session, b"x", "image/png", now) for _ in range(400)]
    assert TOKEN_BITS >= 128
    raw = [base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in tokens]
    # 32 URL-safe characters each, 24 bytes (192 bits) when decoded, never the same twice.
    assert {len(t) for t in tokens} == {32} and {len(r) for r in raw} == {TOKEN_BITS // 8}
    assert len(set(tokens)) == len(tokens)
    # Every bit is as often 0 as 1 (within 6 standard deviations): no fixed or derived parts.
    for bit in range(TOKEN_BITS):
        ones = sum((int.from_bytes(r, "big") >> bit) & 1 for r in raw)
        assert 140 <= ones <= 260, bit


async def test_a_media_link_serves_until_it_expires_and_a_guess_gets_nothing(
    system: System,
) -> None:
    store = MediaStore(system.settings.media_dir)
    image = png_bytes()
    with transaction(system.engine) as session:
        token = store.save(session, image, "image/png", system.clock())
    served = await system.http.get(f"/media/{token}")
    assert (served.status_code, served.content) == (200, image)

    unknown = await system.http.get(f"/media/{secrets.token_urlsafe(TOKEN_BITS // 8)}")
    assert unknown.status_code == 404
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for guess in (flipped, token[:-1], token.upper(), token + "x", "x" * 500, "..%2Fmedia"):
        response = await system.http.get(f"/media/{guess}")
        assert response.status_code == 404, guess
        assert image not in response.content

    system.clock.advance(seconds=LIFETIME.total_seconds() - 1)
    assert (await system.http.get(f"/media/{token}")).status_code == 200
    system.clock.advance(seconds=1)
    expired = await system.http.get(f"/media/{token}")
    # Expired answers exactly as unknown does: nothing tells which tokens once existed.
    assert (expired.status_code, expired.content) == (404, unknown.content)
    with transaction(system.engine) as session:
        assert MediaStore.find(session, token, system.clock()) is None
    jobs.run_due(system.engine, system.clock(), system.settings.default_timezone)
    assert not any(Path(system.settings.media_dir).iterdir())  # the file is deleted too
    with transaction(system.engine) as session:
        assert session.scalar(select(MediaFile).where(MediaFile.token == token)) is None


def test_address_labels_in_logs_cannot_be_matched_by_hashing_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phones, "_label_key", phones._label_key)  # restored afterwards
    label = redact(ROSA)
    assert label == redact(ROSA) and label != redact("+16175550135")
    # An unkeyed hash of every possible number would find Rosa's; this label is keyed.
    assert label.removeprefix("addr:") != hashlib.sha256(ROSA.encode()).hexdigest()[:10]
    # The web and worker processes of one deployment (same secrets) label her alike;
    # another deployment, or anyone without the secrets, cannot.
    set_label_key(["bot-token", "twilio-auth-token"])
    ours = redact(ROSA)
    set_label_key(["twilio-auth-token", None, "bot-token"])
    assert redact(ROSA) == ours
    set_label_key(["someone-elses-token"])
    assert redact(ROSA) != ours
