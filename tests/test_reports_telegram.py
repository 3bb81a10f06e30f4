"""`/report` through the real webhook and the fake Telegram: a short summary and the report
as a CSV document, holding only the families the staff member serves; the menu's buttons,
every press answered; mistakes answered in a line; our copy of the file forgotten once
sent. The month of history is `reports_support`'s."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from commbot import jobs
from commbot.conversations.staff import STAFF_BUTTON_EXPIRED
from commbot.db import transaction
from commbot.features.reports import messages as m
from commbot.i18n import gettext
from commbot.models import Delivery, RecipientKind, ServiceAssignment

from .reports_support import CARTER, GRACE, KIM, PAT, ROOM_12, SAM, build_history
from .support import System, press


def en(message: str, **values: Any) -> str:
    return gettext("en", message, **values)


async def write(system: System, chat: int, text: str) -> None:
    response = await system.telegram_update(chat, text)
    assert response.status_code == 200
    await system.drain()


async def tap(system: System, chat: int, data: str) -> None:
    update = press(chat, data, next(system._update_ids))
    response = await system.post_telegram(update)
    # Every press is answered (the button's spinner stops), whatever it asked for.
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": update["callback_query"]["id"],
    }
    await system.drain()


def last(system: System, chat: int) -> Any:
    return system.telegram.sent_messages(chat)[-1]


def document(system: System, chat: int) -> tuple[str, list[dict[str, str]]]:
    """The summary and the rows of the CSV the staff member got last."""
    sent = last(system, chat)
    assert sent.method == "sendDocument"
    text = sent.files["document"].decode("utf-8-sig")  # with a BOM, for spreadsheets
    return sent.params["caption"], list(csv.DictReader(io.StringIO(text)))


def buttons(system: System, chat: int) -> list[str]:
    markup = last(system, chat).params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_teacher_gets_their_families_partnership_as_a_file(system: System) -> None:
    build_history(system.engine)
    await write(system, CARTER, "/report partnership")
    summary, rows = document(system, CARTER)
    assert summary == (
        "Your 8 families, over the last 30 days: 3 reached, 1 silent (reached but never wrote "
        "back), 2 cannot be reached.\n"
        "Families answered 2 of the 6 conversations the school started.\n"
        "Meeting plans: 2 open items, 1 of them overdue.\n"
        "Fewest reached: Chinese (0 of 1), Portuguese (0 of 1), Tagalog (0 of 1).\n"
        "The file has each family, then each class and each language."
    )
    assert [r["name"] for r in rows if r["section"] == "families"] == ROOM_12
    assert [r["name"] for r in rows if r["section"] == "classes"] == ["Room 12"]
    lan = next(r for r in rows if r["name"] == "Lan Nguyen")
    assert (lan["students"], lan["classes"]) == ("Minh Nguyen", "Room 12")  # not Bao
    text = "\n".join(f"{r}" for r in rows)
    assert "Bao" not in text and "Room 14" not in text and "555" not in text
    # Days first, then a class of theirs.
    await write(system, CARTER, "/report partnership 60 room 12")
    summary, rows = document(system, CARTER)
    assert summary.startswith("Your 8 families, over the last 60 days:")


async def test_an_admin_picks_reports_from_the_menu(system: System) -> None:
    world = build_history(system.engine)
    await write(system, PAT, "/report")
    assert system.telegram_texts(PAT)[-1] == en(m.WHICH)
    offered = buttons(system, PAT)
    assert offered == [
        "rpt:partnership",
        "rpt:unreachable",
        "rpt:deliveries",
        f"rpt:broadcast:{world.broadcast_id}",
    ]
    keyboard = last(system, PAT).params["reply_markup"]["inline_keyboard"]
    labels = [b["text"] for row in keyboard for b in row]
    assert labels[-1] == f"Broadcast {world.broadcast_id} (Nov 18, 2026)"
    await tap(system, PAT, "rpt:unreachable")
    summary, rows = document(system, PAT)
    assert summary == (
        "4 families cannot be reached on any channel.\n"
        "Please call them: Faadumo Warsame, Marie Joseph, Pedro Pérez, Rosa Pérez.\n"
        "The file says what failed on each channel, and who can call each family in their "
        "language."
    )
    assert [(r["name"], r["call"]) for r in rows][2:] == [
        ("Pedro Pérez", "Sam Rivera (specialist); Grace Ortiz (coordinator)"),
        ("Rosa Pérez", "Sam Rivera (specialist); Grace Ortiz (coordinator)"),
    ]
    await tap(system, PAT, f"rpt:broadcast:{world.broadcast_id}")
    summary, rows = document(system, PAT)
    assert summary == (
        f"Broadcast {world.broadcast_id} (Nov 18, 2026), 7 families: 2 reached, 3 waiting, "
        "1 did not arrive, 1 opted out or cannot be reached. 1 replied.\n"
        "The file has each family: the channel, where it stands, when it arrived or why not, "
        "and whether they replied."
    )
    assert [r["status"] for r in rows] == [
        "sent", "held", "opted out", "sent", "delivered", "quiet hours", "failed",
    ]  # fmt: skip


async def test_each_teacher_sees_only_theirs_in_a_broadcast_and_in_deliveries(
    system: System,
) -> None:
    world = build_history(system.engine)
    await write(system, KIM, f"/report broadcast {world.broadcast_id}")
    _, rows = document(system, KIM)
    assert [r["name"] for r in rows] == ["Faadumo Warsame", "Irina Volkova", "Marie Joseph"]
    await write(system, KIM, "/report deliveries")
    summary, rows = document(system, KIM)
    assert summary == (
        "Messages to your families since Oct 21, 2026: 9. Delivered: 0. Sent, no report yet: 1. "
        "Waiting: 2. Did not arrive: 2. Opted out: 3.\n"
        "The file has each channel and language, and why messages did not arrive."
    )
    languages = {r["language"] for r in rows if r["section"] == "counts"}
    assert languages == {"en", "ht", "ru", "so", "vi"}
    # The speech therapist serves Alfredo only: the broadcast did not go to his family.
    await write(system, SAM, f"/report broadcast {world.broadcast_id}")
    assert system.telegram_texts(SAM)[-1] == gettext(  # Sam reads Spanish
        "es", m.NO_SUCH_BROADCAST, number=world.broadcast_id
    )
    await write(system, SAM, "/report")
    assert all(not b.startswith("rpt:broadcast") for b in buttons(system, SAM))
    await tap(system, SAM, "rpt:unreachable")
    _, rows = document(system, SAM)
    assert [r["name"] for r in rows] == ["Pedro Pérez", "Rosa Pérez"]


async def test_what_cannot_be_a_report_is_answered_in_a_line(system: System) -> None:
    world = build_history(system.engine)
    missing = world.broadcast_id + 5
    for typed, answer in (
        ("/report partnership 400", en(m.BAD_DAYS)),
        ("/report deliveries 0", en(m.BAD_DAYS)),
        ("/report partnership Room 14", en(m.NO_SUCH_CLASS, name="Room 14")),
        ("/report broadcast", en(m.WHICH_BROADCAST)),
        ("/report broadcast next", en(m.WHICH_BROADCAST)),
        (f"/report broadcast {missing}", en(m.NO_SUCH_BROADCAST, number=missing)),
        ("/report weather", en(m.UNKNOWN_REPORT, name="weather")),
    ):
        await write(system, CARTER, typed)
        assert system.telegram_texts(CARTER)[-1] == answer, typed
    assert buttons(system, CARTER)[:3] == ["rpt:partnership", "rpt:unreachable", "rpt:deliveries"]
    for stale, answer in (
        (f"rpt:broadcast:{missing}", en(m.NO_SUCH_BROADCAST, number=missing)),
        ("rpt:weather", en(STAFF_BUTTON_EXPIRED)),
        ("rpt:broadcast:x", en(m.WHICH_BROADCAST)),
    ):
        await tap(system, CARTER, stale)
        assert system.telegram_texts(CARTER)[-1] == answer, stale
    assert not any(c.method == "sendDocument" for c in system.telegram.sent_messages(CARTER))


async def test_a_staff_member_with_no_families_is_told_so(system: System) -> None:
    build_history(system.engine)
    with transaction(system.engine) as session:
        for row in session.scalars(select(ServiceAssignment)):
            session.delete(row)
    await write(system, SAM, "/report partnership")
    assert system.telegram_texts(SAM)[-1] == gettext("es", m.NO_FAMILIES)  # Sam reads Spanish
    await write(system, CARTER, "/report unreachable room 12")
    assert last(system, CARTER).method == "sendDocument"


async def test_our_copy_of_the_file_goes_once_it_is_sent(system: System) -> None:
    build_history(system.engine)
    await write(system, CARTER, "/report unreachable")

    def files() -> list[str]:
        with transaction(system.engine) as session:
            sent = session.scalars(
                select(Delivery).where(Delivery.recipient_kind == RecipientKind.STAFF)
            ).all()
            return [item["inline"] for d in sent for item in d.media if "inline" in item]

    [before] = files()
    assert "Rosa Pérez" in before
    done = jobs.run_due(system.engine, system.clock(), system.settings.default_timezone)
    assert done["forget_sent_reports"] == 1
    assert files() == [""]
    _, rows = document(system, CARTER)  # what Telegram got is whole
    assert [r["name"] for r in rows] == ["Pedro Pérez", "Rosa Pérez"]


async def test_the_summary_is_in_the_staff_members_language(system: System) -> None:
    """Grace Ortiz reads Spanish: the menu, the dates and the summary come from the Spanish
    catalog (the report file's columns are in English, as the command line's)."""
    world = build_history(system.engine)
    await write(system, GRACE, "/report")
    keyboard = last(system, GRACE).params["reply_markup"]["inline_keyboard"]
    assert system.telegram_texts(GRACE)[-1] == gettext("es", m.WHICH)
    assert keyboard[-1][0]["text"] == gettext(
        "es", m.BROADCAST_BUTTON, number=world.broadcast_id, date="18 nov 2026"
    )
    await write(system, GRACE, "/report unreachable")
    summary, _ = document(system, GRACE)
    names = "Faadumo Warsame, Marie Joseph, Pedro Pérez, Rosa Pérez"
    assert summary.splitlines()[1:] == [
        gettext("es", m.PLEASE_CALL, names=names),
        gettext("es", m.UNREACHABLE_FILE),
    ]
