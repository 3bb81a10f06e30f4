"""A family's privacy rights: `commbot family export` shows everything stored about a
guardian and nothing about anyone else; `commbot family forget` erases their personal data
and their conversations' words everywhere, and keeps the counts reports need."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, String, Text, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from commbot import jobs
from commbot.actions.privacy import (
    EXPORTED,
    FORGOTTEN_NAME,
    NOT_ABOUT_GUARDIANS,
    export_guardian,
    forget_guardian,
)
from commbot.channels.base import Sender
from commbot.cli import app, main
from commbot.cli.context import guardian_by_phone
from commbot.db import transaction
from commbot.errors import UserError
from commbot.features.photos.models import ConsentChange, PhotoPost, PhotoRecipient
from commbot.features.stories.models import Story
from commbot.models import (
    Base,
    Channel,
    Delivery,
    DeliveryStatus,
    Guardian,
    InviteCode,
    MediaFile,
    Message,
    Staff,
    TranslationCache,
    UnknownSenderReply,
)
from commbot.translation.cache import CachedTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes.translation import FakeLibreTranslate
from .support import PUBLIC, System, command_line_on
from .test_dispatch import png_bytes

CARTER = 7001
AMINA_CHAT = 8001
ROSA = "+16175550134"
ROSA_FORMS = (ROSA, "16175550134", "6175550134", "(617) 555-0134", "617-555-0134", "617.555.0134")
LI = "+16175550153"
ROSA_WORDS = "Mi hija tiene fiebre otra vez"
TEACHER_WORDS = "Please bring the signed permission slip"
TEACHER_REPLY = "Thank you, I will call the nurse."
LI_WORDS = "Wen left his jacket at school"

runner = CliRunner()


def senders(system: System) -> dict[Channel, Sender]:
    return {
        Channel.TELEGRAM: system.telegram_sender,
        Channel.SMS: system.twilio_sender,
        Channel.WHATSAPP: system.twilio_sender,
    }


async def converse(system: System) -> str:
    """Rosa and her child's teacher write to each other (a photo each way, translated,
    cached), Rosa opens the language menu, has an invite and an old unknown-sender record;
    Li Wei, another family, writes too. Returns the media token of the teacher's photo."""
    with FakeLibreTranslate() as service:
        backend = LibreTranslateTranslator(service.base_url)
        system.dispatcher = system.make_dispatcher(
            senders(system), translator=CachedTranslator(system.engine, backend)
        )
        await system.link_staff("ecarter@lincoln.example.org", CARTER)
        photo = system.telegram.add_file(png_bytes())
        await system.telegram_update(CARTER, f"/msg Alfredo {TEACHER_WORDS}", photo_file_id=photo)
        await system.drain()
        await system.send_photo_post(CARTER)  # a photo post: Done, Send now
        url = system.twilio.add_media(png_bytes(), "image/png")
        await system.sms(ROSA, ROSA_WORDS, media=[url])
        await system.drain()
        relayed = system.telegram.sent_messages(CARTER)[-1].result["message_id"]
        await system.telegram_update(CARTER, TEACHER_REPLY, reply_to=relayed)
        await system.sms(ROSA, "IDIOMA")
        await system.sms(LI, LI_WORDS)
        await system.drain()
        await backend.close()
    system.invite(guardian="Rosa Pérez")
    with transaction(system.engine) as session:
        session.add(UnknownSenderReply(channel=Channel.SMS, address=ROSA))
        [token] = session.scalars(select(MediaFile.token))
    return token


def _values_of(tree: Any, key: str) -> list[Any]:
    """Every value stored under `key`, at any depth of an export."""
    if isinstance(tree, dict):
        found = [tree[key]] if key in tree else []
        return found + [v for value in tree.values() for v in _values_of(value, key)]
    if isinstance(tree, list):
        return [v for item in tree for v in _values_of(item, key)]
    return []


def rosa(session: Session) -> Guardian:
    return guardian_by_phone(session, ROSA)


def every_text(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, value) for every string or JSON value in the database."""
    found = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for column in columns:
                for (value,) in connection.execute(select(column).where(column.is_not(None))):
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    found.append((table.name, column.name, text))
    return found


def counts(engine: Engine) -> dict[str, Any]:
    with transaction(engine) as session:
        return {
            "messages": dict(
                session.execute(
                    select(Message.author_kind, func.count()).group_by(Message.author_kind)
                ).all()
            ),
            "deliveries": dict(
                session.execute(
                    select(Delivery.channel, func.count()).group_by(Delivery.channel)
                ).all()
            ),
        }


# -- which tables hold what ---------------------------------------------------------------


def test_every_table_is_either_exported_or_said_to_hold_nothing_about_families() -> None:
    tables = set(Base.metadata.tables)
    assert set(EXPORTED) | set(NOT_ABOUT_GUARDIANS) == tables, "classify new tables"
    assert not set(EXPORTED) & set(NOT_ABOUT_GUARDIANS)
    about_families = set()
    for table in Base.metadata.sorted_tables:
        refers = {fk.column.table.name for fk in table.foreign_keys}
        names = {c.name for c in table.columns}
        if refers & {"guardians", "contact_points"} or any(
            "address" in n or "guardian" in n or "phone" in n for n in names
        ):
            about_families.add(table.name)
    assert about_families - set(EXPORTED) == set()


async def test_the_export_names_a_section_for_every_exported_table(system: System) -> None:
    await converse(system)
    with transaction(system.engine) as session:
        exported = export_guardian(session, rosa(session), system.clock())
    assert set(EXPORTED.values()) <= set(exported)


# -- export --------------------------------------------------------------------------------


async def test_export_holds_the_guardians_conversations_and_nobody_elses(system: System) -> None:
    await converse(system)
    with transaction(system.engine) as session:
        exported = export_guardian(session, rosa(session), system.clock())
    dumped = json.dumps(exported, ensure_ascii=False)

    assert exported["guardian"]["name"] == "Rosa Pérez"
    assert exported["guardian"]["quiet_hours"] == "08:00-15:00;22:00-23:59"
    assert [p["address"] for p in exported["contact_points"]] == [ROSA]
    [child] = exported["children"]
    assert (child["student"], child["photo_consent"]) == ("Alfredo Pérez", "individual")
    texts = [m["text"] for m in exported["messages"]]
    assert ROSA_WORDS in texts and TEACHER_REPLY in texts
    assert any(TEACHER_WORDS in t for t in texts)
    mine = next(m for m in exported["messages"] if m["text"] == ROSA_WORDS)
    assert mine["from_this_guardian"] and mine["media"][0]["content_type"] == "image/png"
    assert {t["translated"] for t in mine["translations"]} == {f"[en] {ROSA_WORDS}"}
    to_her = [d for d in exported["deliveries"] if d.get("address") == ROSA]
    assert to_her and all(d["history"] for d in to_her)
    assert exported["pending_questions"][0]["kind"] == "language"
    assert len(exported["invites"]) == 1 and len(exported["media_files"]) == 1
    assert exported["unknown_sender_replies"][0]["address"] == ROSA
    # The teacher was told "Sending to Rosa Pérez": listed, not quoted.
    assert exported["notes_to_staff"] and all(
        set(n) == {"staff", "created_at", "sent_at", "status"} for n in exported["notes_to_staff"]
    )

    # Nothing about another family; staff are named, their chat ids are not given.
    for other in (LI, LI[2:], LI_WORDS, "Li Wei", "Wen Li", "Karim"):
        assert other not in dumped
    assert all("address" not in d for d in exported["deliveries"] if d["recipient_kind"] == "staff")
    # Her teacher's chat id is nowhere an address (a provider's message id may be any
    # number, so the digits alone prove nothing).
    assert str(CARTER) not in {str(v) for v in _values_of(exported, "address")}
    with transaction(system.engine) as session:
        token = session.scalar(select(MediaFile.token))
    assert token is not None and token not in dumped  # the link is a secret, even from her


# -- forget --------------------------------------------------------------------------------


async def test_forget_leaves_no_trace_of_the_number_or_the_words(system: System) -> None:
    token = await converse(system)
    before = counts(system.engine)
    media_path = system.settings.media_dir
    assert any(Path(media_path).iterdir())
    assert any(ROSA_WORDS in value for _, _, value in every_text(system.engine))
    with transaction(system.engine) as session:
        carter = session.scalar(select(Staff).where(Staff.telegram_chat_id == CARTER))
        assert carter is not None
        staff_before = (carter.name, carter.email, carter.active)
        forgotten = forget_guardian(session, rosa(session), system.clock())
    assert forgotten.contact_points == 1 and forgotten.children == 1
    assert forgotten.messages_erased >= 3 and forgotten.media_files == 1
    assert forgotten.translations >= 3 and forgotten.invites == 1

    private = (*ROSA_FORMS, ROSA_WORDS, TEACHER_WORDS, TEACHER_REPLY, "Rosa Pérez", "Rosa P")
    leaks = [
        (table, column, word)
        for table, column, value in every_text(system.engine)
        for word in private
        if word in value
    ]
    assert leaks == []
    # Another family's words and number are untouched; so is the staff member.
    assert any(LI_WORDS in value for _, _, value in every_text(system.engine))
    with transaction(system.engine) as session:
        carter = session.scalar(select(Staff).where(Staff.telegram_chat_id == CARTER))
        assert carter is not None and (carter.name, carter.email, carter.active) == staff_before
        assert session.scalar(select(func.count()).select_from(TranslationCache)) > 0
        assert session.scalar(select(func.count()).select_from(MediaFile)) == 0
        gone = session.scalar(select(Guardian).where(Guardian.name == FORGOTTEN_NAME))
        assert gone is not None and not gone.active
        with pytest.raises(UserError, match="no guardian in the roster has that phone number"):
            rosa(session)
    assert not any(Path(media_path).iterdir())  # the photo's file is gone from disk
    assert (await system.http.get(f"/media/{token}")).status_code == 404
    # The counts reports need: messages by author, deliveries by channel.
    assert counts(system.engine) == before


async def test_forget_cancels_what_waits_and_tells_nobody(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, f"/msg Alfredo {TEACHER_WORDS}")  # not yet sent
    with transaction(system.engine) as session:
        forgotten = forget_guardian(session, rosa(session), system.clock())
    assert forgotten.deliveries_cancelled == 1
    await system.drain()
    assert system.sms_to(ROSA) == []
    assert not any("reach" in t for t in system.telegram_texts(CARTER))
    [to_her] = [d for d in system.deliveries() if d.recipient_kind.value == "guardian"]
    assert (to_her.status, to_her.address, to_her.body) == (DeliveryStatus.CANCELLED, "", "")


async def test_forget_is_idempotent_and_keeps_words_another_parent_holds(system: System) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    await system.telegram_update(CARTER, "/msg Andrew The bus is late today")
    await system.drain()
    with transaction(system.engine) as session:
        karim = session.scalar(select(Guardian).where(Guardian.name == "Karim Bashid"))
        assert karim is not None
        forget_guardian(session, karim, system.clock())
        again = forget_guardian(session, karim, system.clock())
    assert again.erased == 0
    with transaction(system.engine) as session:
        # Amina, Andrew's mother, still has the message; Karim's copy has no address.
        texts = list(session.scalars(select(Message.text)))
        assert "The bus is late today" in texts
        to_karim = session.scalars(select(Delivery).where(Delivery.guardian_id == karim.id)).all()
        assert to_karim and all(d.address == "" and d.body == "" for d in to_karim)


async def test_a_telegram_family_forgotten_leaves_no_chat_id_and_is_a_stranger_after(
    system: System,
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(AMINA_CHAT, f"/start {code}")
    await system.telegram_update(AMINA_CHAT, "Andrew lost his glasses")
    await system.telegram_update(CARTER, "/msg Andrew We found them")
    await system.drain()
    with transaction(system.engine) as session:
        amina = guardian_by_phone(session, "617-555-0178")
        exported = export_guardian(session, amina, system.clock())
        assert str(AMINA_CHAT) in [p["address"] for p in exported["contact_points"]]
        assert exported["invites"][0]["used_by_chat_id"] == AMINA_CHAT
        forget_guardian(session, amina, system.clock())
    with transaction(system.engine) as session:
        assert (
            session.scalars(select(Delivery).where(Delivery.address == str(AMINA_CHAT))).all() == []
        )
        assert session.scalar(select(func.count()).select_from(InviteCode)) == 1  # Carter's
        texts = set(session.scalars(select(Message.text)))
        assert "Andrew lost his glasses" not in texts
        # Karim, Andrew's father, also got "We found them": it stays his.
        assert "We found them" in texts
    answered = len(system.telegram.sent_messages(AMINA_CHAT))
    await system.telegram_update(AMINA_CHAT, "Hello?")
    await system.drain()
    [reply] = system.telegram_texts(AMINA_CHAT)[answered:]
    assert "We do not have this number or account" in reply


async def test_a_forgotten_number_writing_again_is_an_unknown_sender(system: System) -> None:
    await converse(system)
    with transaction(system.engine) as session:
        forget_guardian(session, rosa(session), system.clock())
    sent_to_carter = len(system.telegram.sent_messages(CARTER))
    await system.sms(ROSA, "Hola, soy yo otra vez")
    await system.drain()
    assert len(system.telegram.sent_messages(CARTER)) == sent_to_carter  # relayed to nobody
    [answer] = system.sms_to(ROSA)[-1:]
    assert "We do not have this number" in answer


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """`commbot` commands against the system's database (SQLite or PostgreSQL)."""
    url = system.engine.url.render_as_string(False)
    with command_line_on(monkeypatch, url, system.settings.media_dir):
        yield system


def run_main(
    *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["commbot", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out + captured.err


async def test_export_command_prints_utf8_json_or_writes_a_private_file(
    cli: System, tmp_path: Path
) -> None:
    await converse(cli)
    result = runner.invoke(app, ["family", "export", "(617) 555-0134"], catch_exceptions=False)
    assert result.exit_code == 0
    exported = json.loads(result.stdout_bytes.decode("utf-8"))
    assert exported["guardian"]["name"] == "Rosa Pérez"
    assert "Rosa Pérez" in result.stdout_bytes.decode("utf-8")  # UTF-8, not \u00e9
    target = tmp_path / "rosa.json"
    result = runner.invoke(
        app, ["family", "export", ROSA, "--output", str(target)], catch_exceptions=False
    )
    assert result.exit_code == 0 and "rosa.json" in result.output
    assert json.loads(target.read_text(encoding="utf-8")) == {
        **exported,
        "exported_at": json.loads(target.read_text(encoding="utf-8"))["exported_at"],
    }
    assert os.stat(target).st_mode & 0o777 == 0o600


async def test_forget_command_asks_or_needs_yes(
    cli: System, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await converse(cli)
    # No terminal (CI): refused in one line without --yes.
    code, output = run_main("family", "forget", ROSA, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert output.strip().splitlines() == [
        "error: forgetting a guardian cannot be undone: add --yes to confirm "
        "(there is no terminal to ask)"
    ]
    # At a terminal: asked, and "no" changes nothing.
    monkeypatch.setattr("commbot.cli.family._interactive", lambda: True)
    result = runner.invoke(app, ["family", "forget", ROSA], input="n\n")
    assert result.exit_code == 1 and "Nothing was changed." in result.output
    assert "cannot be undone" in result.output
    with transaction(cli.engine) as session:
        assert rosa(session).name == "Rosa Pérez"
    result = runner.invoke(app, ["family", "forget", ROSA], input="y\n")
    assert result.exit_code == 0
    [line] = result.output.strip().splitlines()[-1:]
    assert line.startswith("Forgot guardian #") and "1 contact point" in line
    assert "kept" in line and ROSA not in line
    # Done: the number belongs to nobody now.
    code, output = run_main(
        "family", "forget", ROSA, "--yes", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 2 and "no guardian in the roster has that phone number" in output
    code, output = run_main(
        "family", "export", "not a phone", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 2 and len(output.strip().splitlines()) == 1


async def test_forget_command_with_yes_needs_no_terminal(cli: System) -> None:
    await converse(cli)
    result = runner.invoke(app, ["family", "forget", ROSA, "--yes"], catch_exceptions=False)
    assert result.exit_code == 0 and "erased 1 contact point" in result.output
    assert PUBLIC not in result.output


async def test_a_roster_that_still_lists_a_forgotten_family_brings_them_back_as_new(
    system: System,
) -> None:
    with transaction(system.engine) as session:
        old = rosa(session)
        old_id = old.id
        forget_guardian(session, old, system.clock())
    system.import_examples()
    with transaction(system.engine) as session:
        again = rosa(session)
        assert again.id != old_id and again.name == "Rosa Pérez"
        forgotten = session.get_one(Guardian, old_id)
        assert (forgotten.name, forgotten.active) == (FORGOTTEN_NAME, False)


def test_family_commands_have_help_that_warns_forget_is_final() -> None:
    for args in (["family"], ["family", "export"], ["family", "forget"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, args
    forget = runner.invoke(app, ["family", "forget", "--help"], terminal_width=100)
    assert "cannot be undone" in " ".join(forget.output.split())
    assert "--yes" in forget.output


async def test_check_ins_asked_are_exported_and_digests_forget_the_name(system: System) -> None:
    from commbot.features.checkins.actions import create_checkin
    from commbot.models import SchoolClass

    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    with transaction(system.engine) as session:
        carter = session.scalar(select(Staff).where(Staff.telegram_chat_id == CARTER))
        room = session.scalar(select(SchoolClass).where(SchoolClass.name == "Room 12"))
        assert carter is not None and room is not None
        create_checkin(
            session,
            carter,
            days="fri",
            time="16:00",
            now=system.clock(),
            default_timezone="America/New_York",
            class_id=room.id,
            template="proud",
        )
    system.clock.now = dt.datetime(2026, 11, 27, 21, 0, 20, tzinfo=dt.UTC)  # Friday, 4 PM
    jobs.run_due(system.engine, system.clock(), "America/New_York")
    await system.drain()
    await system.sms(ROSA, "Alfredo leyó un libro entero")
    system.clock.advance(hours=49)
    jobs.run_due(system.engine, system.clock(), "America/New_York")
    await system.drain()
    [digest] = [t for t in system.telegram_texts(CARTER) if t.startswith("Check-in digest")][:1]
    assert "Rosa Pérez" in digest and "Lan Nguyen" in digest

    with transaction(system.engine) as session:
        exported = export_guardian(session, rosa(session), system.clock())
    [asked] = exported["checkins"]
    assert (asked["staff"], asked["question"], asked["students"]) == (
        "Emily Carter",
        "proud",
        ["Alfredo Pérez"],
    )
    assert asked["digest_sent_at"] is not None
    assert "Lan Nguyen" not in json.dumps(exported, ensure_ascii=False)  # the digest is not quoted

    with transaction(system.engine) as session:
        forgotten = forget_guardian(session, rosa(session), system.clock())
        assert forgotten.staff_notes >= 1
        headers = [
            d.header
            for d in session.scalars(select(Delivery))
            if d.header.startswith("Check-in digest")
        ]
    assert headers and all("Rosa Pérez" not in h and "Lan Nguyen" in h for h in headers)


async def test_meetings_are_exported_with_her_answers_and_forget_removes_her_part(
    system: System,
) -> None:
    from commbot.features.meetings.actions import create_meeting
    from commbot.features.meetings.models import (
        Meeting,
        MeetingContact,
        MeetingInput,
        MeetingInvitee,
        MeetingReminder,
    )
    from commbot.features.meetings.yaml_spec import parse_meeting

    from .test_meeting_cli import meeting_text

    await system.link_staff("ecarter@lincoln.example.org", CARTER)
    with transaction(system.engine) as session:
        spec = parse_meeting(
            session,
            meeting_text(system.clock()).replace("auto_confirm: false", "auto_confirm: true"),
            source="meeting.yaml",
            now=system.clock(),
            default_timezone="America/New_York",
        )
        create_meeting(
            session,
            spec.organizer,
            spec.draft,
            now=system.clock(),
            default_timezone="America/New_York",
            base_url=PUBLIC,
        )
    await system.drain()
    words = "Alfredo tiene miedo de los examenes"
    for text in ("2", "4", words):  # the afternoon (settles it), an interpreter, her words
        await system.sms(ROSA, text)
    await system.drain()

    with transaction(system.engine) as session:
        exported = export_guardian(session, rosa(session), system.clock())
        token = session.scalar(select(MeetingInvitee.calendar_token))
    [meeting] = exported["meetings"]
    assert (meeting["purpose"], meeting["state"], meeting["student"]) == (
        "annual_review",
        "scheduled",
        "Alfredo Pérez",
    )
    assert meeting["chosen_slot"]["number"] == 2
    assert meeting["starts_at"] == meeting["chosen_slot"]["starts_at"]
    assert meeting["needs"] == ["interpreter"]
    assert [(w["kind"], w["text"]) for w in meeting["their_words"]] == [("concern", words)]
    assert {c["kind"] for c in meeting["messages_sent"]} >= {"preview", "confirmation"}
    assert meeting["reminders"] and all(r["done_at"] is None for r in meeting["reminders"])
    # Her calendar link is a key: not a field of its own (it is only in the texts she got).
    assert token and token not in json.dumps(exported["meetings"])

    with transaction(system.engine) as session:
        forgotten = forget_guardian(session, rosa(session), system.clock())
    assert forgotten.meeting_records >= 1 + 1 + 3 + 3  # invitee, words, contacts, reminders
    with transaction(system.engine) as session:
        for model in (MeetingInvitee, MeetingInput, MeetingReminder, MeetingContact):
            theirs = select(model).where(model.guardian_id.is_not(None))
            assert session.scalars(theirs).all() == [], model
        # The staff attendee's reminders are not hers: they stay.
        assert session.scalars(select(MeetingReminder)).all()
        kept = session.scalars(select(Meeting)).one()  # the school's meeting stays
        assert kept.place.startswith("Room 12")
    leaks = [
        (table, column)
        for table, column, value in every_text(system.engine)
        if words in value or ROSA in value
    ]
    assert leaks == []
    assert (await system.http.get(f"/calendar/{token}.ics")).status_code == 404


async def test_photos_are_exported_and_forget_removes_her_consent_history(system: System) -> None:
    """Rosa got a photo for her family alone, sent a photo from home (a story) and changed
    Alfredo's photo consent by text: all three are in her export. Forgetting her deletes the
    consent history and the post's words (they were hers alone); which post she got, and
    that her message was a story, stay as ids and times."""
    await converse(system)
    await system.sms(ROSA, "FOTOS")
    await system.sms(ROSA, "2")
    await system.drain()
    with transaction(system.engine) as session:
        photos = export_guardian(session, rosa(session), system.clock())["photos"]
    [change] = photos["consent_changes"]
    assert (change["student"], change["from"], change["to"], change["by"]) == (
        "Alfredo Pérez",
        "individual",
        "group",
        "guardian",
    )
    assert [p["outcome"] for p in photos["class_photos"]] == ["queued"]
    [story] = photos["stories"]
    assert story["student"] == "Alfredo Pérez" and story["thanked_at"] is None

    with transaction(system.engine) as session:
        forgotten = forget_guardian(session, rosa(session), system.clock())
    assert forgotten.photo_consent_changes == 1
    with transaction(system.engine) as session:
        assert session.scalars(select(ConsentChange)).all() == []
        assert [p.caption for p in session.scalars(select(PhotoPost))] == [""]
        assert len(session.scalars(select(PhotoRecipient)).all()) == 1
        assert len(session.scalars(select(Story)).all()) == 1
    assert not [row for row in every_text(system.engine) if TEACHER_WORDS in row[2]]
