"""Each report's figures, exactly, on the month of history in `reports_support` (SQLite and
PostgreSQL): the partnership per family and per class and language, deliveries by channel
and language with their reasons, one broadcast family by family, and the families to call;
each bounded to the families the viewer serves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commbot.db import transaction
from commbot.features.reports import broadcast as broadcast_report
from commbot.features.reports.broadcast import BroadcastFamily, broadcast
from commbot.features.reports.deliveries import DeliveryCounts, FailureReason, deliveries
from commbot.features.reports.partnership import (
    FamilyPartnership,
    GroupPartnership,
    partnership,
    threads,
)
from commbot.features.reports.scope import ReportError, Scope, scope_for
from commbot.features.reports.unreachable import NO_POINTS, UnreachableFamily, unreachable
from commbot.models import Channel, Staff

from .reports_support import (
    CARTER,
    EVERYONE,
    GRACE,
    KIM,
    NOW,
    ROOM_12,
    ROOM_14,
    SAM,
    World,
    ago,
    build_history,
)
from .support import System

GONE = "30005: the number is unknown or no longer exists"
STOPPED = "opted out (replied STOP)"
CALLERS = ("Sam Rivera (specialist)", "Grace Ortiz (coordinator)")


@pytest.fixture
def world(system: System) -> World:
    return build_history(system.engine)


def viewer(session: Session, chat: int) -> Staff:
    return session.scalars(select(Staff).where(Staff.telegram_chat_id == chat)).one()


# -- partnership ------------------------------------------------------------------------

# name: students, classes, language, reached, silent, unreachable, from school, from family,
# threads started, answered, last from school, last from family, open, overdue, feedback.
FAMILIES: dict[str, tuple[Any, ...]] = {
    "Amina Bashid": (("Andrew Bashid",), ("Room 12",), "en", True, True, False, 2, 0, 2, 0, ago(days=2), None, 2, 1, (4.0, ago(days=3))),
    "Ana Oliveira": (("Lucas Oliveira",), ("Room 12",), "pt", False, False, False, 0, 0, 0, 0, None, None, 0, 0, None),
    "Donna Lopez": (("Josie Lopez",), ("Room 14",), "en", False, False, False, 0, 0, 0, 0, None, None, 0, 0, None),
    "Faadumo Warsame": (("Hodan Warsame",), ("Room 14",), "so", False, False, True, 1, 0, 1, 0, ago(days=6), None, 0, 0, None),
    "Irina Volkova": (("Dmitri Volkov",), ("Room 14",), "ru", True, True, False, 1, 0, 1, 0, ago(days=2), None, 0, 0, None),
    "Jim Lopez": (("Josie Lopez",), ("Room 14",), "en", False, False, False, 0, 0, 0, 0, None, None, 0, 0, None),
    "Karim Bashid": (("Andrew Bashid",), ("Room 12",), "ar", True, False, False, 1, 1, 1, 1, ago(days=2), ago(days=1), 2, 1, None),
    "Lan Nguyen": (("Bao Nguyen", "Minh Nguyen"), ("Room 12", "Room 14"), "vi", False, False, False, 0, 1, 0, 0, None, ago(days=15), 0, 0, None),
    "Li Wei": (("Wen Li",), ("Room 12",), "zh-CN", False, False, False, 0, 0, 0, 0, None, None, 0, 0, None),
    "Margaret Ruby": (("Tyrell Ruby",), ("Room 14",), "en", False, False, False, 0, 0, 0, 0, None, None, 0, 0, None),
    "Maricel Santos": (("Jasmine Santos",), ("Room 12",), "tl", False, False, False, 1, 0, 1, 0, ago(days=2, hours=12), None, 0, 0, None),
    "Marie Joseph": (("Jean-Baptiste Joseph",), ("Room 14",), "ht", False, False, True, 2, 0, 2, 0, ago(days=2), None, 0, 0, None),
    "Pedro Pérez": (("Alfredo Pérez",), ("Room 12",), "es", False, False, True, 0, 0, 0, 0, None, None, 0, 0, None),
    "Rosa Pérez": (("Alfredo Pérez",), ("Room 12",), "es", True, False, True, 4, 1, 2, 1, ago(days=10, minutes=-20), ago(days=19), 0, 0, None),
}  # fmt: skip


def family_row(name: str, **changes: Any) -> FamilyPartnership:
    (students, classes, language, reached, silent, lost, told, wrote, started, answered,
     last_school, last_family, items, overdue, feedback) = FAMILIES[name]  # fmt: skip
    row = FamilyPartnership(
        name=name,
        students=students,
        classes=classes,
        language=language,
        reached=reached,
        silent=silent,
        unreachable=lost,
        from_school=told,
        from_family=wrote,
        school_threads=started,
        answered=answered,
        answered_share=answered / started if started else None,
        last_from_school=last_school,
        last_from_family=last_family,
        open_items=items,
        overdue_items=overdue,
        feedback_rating=feedback[0] if feedback else None,
        feedback_at=feedback[1] if feedback else None,
    )
    return FamilyPartnership(**{**row.__dict__, **changes})


def group_row(
    name: str,
    counts: tuple[int, int, int, int, int, int, int, int, int],
    last: tuple[dt.datetime | None, dt.datetime | None],
    feedback: tuple[float | None, int] = (None, 0),
    items: tuple[int, int] = (0, 0),
) -> GroupPartnership:
    families, reached, silent, lost, told, wrote, started, answered, _ = counts
    return GroupPartnership(
        name=name,
        families=families,
        reached=reached,
        silent=silent,
        unreachable=lost,
        from_school=told,
        from_family=wrote,
        school_threads=started,
        answered=answered,
        answered_share=answered / started if started else None,
        last_from_school=last[0],
        last_from_family=last[1],
        open_items=items[0],
        overdue_items=items[1],
        feedback_rating=feedback[0],
        feedback_count=feedback[1],
    )


async def test_partnership_with_every_family_and_each_group(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        report = partnership(session, Scope(), now=NOW)
    assert report.since == NOW - dt.timedelta(days=30)
    assert report.families == [family_row(name) for name in EVERYONE]
    plan = {"items": (2, 1)}
    assert report.classes == [
        group_row("Room 12", (8, 3, 1, 2, 8, 3, 6, 2, 0), (ago(days=2), ago(days=1)), (4.0, 1), **plan),
        group_row("Room 14", (7, 1, 1, 2, 4, 1, 4, 0, 0), (ago(days=2), ago(days=15))),
    ]  # fmt: skip
    assert report.languages == [
        group_row("ar", (1, 1, 0, 0, 1, 1, 1, 1, 0), (ago(days=2), ago(days=1)), **plan),
        group_row("en", (4, 1, 1, 0, 2, 0, 2, 0, 0), (ago(days=2), None), (4.0, 1), **plan),
        group_row("es", (2, 1, 0, 2, 4, 1, 2, 1, 0), (ago(days=10, minutes=-20), ago(days=19))),
        group_row("ht", (1, 0, 0, 1, 2, 0, 2, 0, 0), (ago(days=2), None)),
        group_row("pt", (1, 0, 0, 0, 0, 0, 0, 0, 0), (None, None)),
        group_row("ru", (1, 1, 1, 0, 1, 0, 1, 0, 0), (ago(days=2), None)),
        group_row("so", (1, 0, 0, 1, 1, 0, 1, 0, 0), (ago(days=6), None)),
        group_row("tl", (1, 0, 0, 0, 1, 0, 1, 0, 0), (ago(days=2, hours=12), None)),
        group_row("vi", (1, 0, 0, 0, 0, 1, 0, 0, 0), (None, ago(days=15))),
        group_row("zh-CN", (1, 0, 0, 0, 0, 0, 0, 0, 0), (None, None)),
    ]  # fmt: skip
    # Andrew's two open items are his parents' both: counted once for the school.
    assert report.total == group_row(
        "all families", (14, 4, 2, 4, 12, 3, 10, 2, 0), (ago(days=2), ago(days=1)), (4.0, 1), **plan
    )


async def test_a_shorter_window_counts_only_what_happened_in_it(
    system: System, world: World
) -> None:
    with transaction(system.engine) as session:
        report = partnership(session, Scope(), now=NOW, days=9)
    rows = {r.name: r for r in report.families}
    # Rosa's thread and her answer were 19 and 20 days ago; the failures 10 days ago.
    assert rows["Rosa Pérez"] == family_row(
        "Rosa Pérez",
        reached=False,
        from_school=0,
        from_family=0,
        school_threads=0,
        answered=0,
        answered_share=None,
    )
    assert rows["Karim Bashid"] == family_row("Karim Bashid")
    # Marie's undelivered message was 25 days ago: only the broadcast is in the window.
    assert rows["Marie Joseph"] == family_row(
        "Marie Joseph", from_school=1, school_threads=1, answered_share=0.0
    )
    assert report.total.reached == 3 and report.total.school_threads == 7


@pytest.mark.parametrize(
    ("chat", "names", "lan"),
    [
        (CARTER, ROOM_12, ("Minh Nguyen",)),
        (KIM, ROOM_14, ("Bao Nguyen",)),
        (SAM, ["Pedro Pérez", "Rosa Pérez"], None),
        (GRACE, EVERYONE, ("Bao Nguyen", "Minh Nguyen")),
    ],
)
async def test_staff_see_only_the_families_they_serve(
    system: System, world: World, chat: int, names: list[str], lan: tuple[str, ...] | None
) -> None:
    with transaction(system.engine) as session:
        report = partnership(session, Scope(viewer(session, chat)), now=NOW)
    assert [r.name for r in report.families] == names
    rows = {r.name: r for r in report.families}
    if lan is not None:  # Lan's other child is not theirs: not named, no class of his
        assert rows["Lan Nguyen"].students == lan
        assert len(rows["Lan Nguyen"].classes) == len(lan)
    assert report.total.families == len(names)
    assert {c.name for c in report.classes} <= {"Room 12", "Room 14", "(no class)"}


async def test_one_class_only(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        scope = scope_for(session, None, "  room   14 ")
        report = partnership(session, scope, now=NOW)
        with pytest.raises(ReportError, match="no class is called 'Room 9'"):
            scope_for(session, None, "Room 9")
        with pytest.raises(ReportError, match="no class is called 'Room 14'"):
            scope_for(session, viewer(session, CARTER), "Room 14")
    assert [r.name for r in report.families] == ROOM_14
    assert {r.name: r for r in report.families}["Lan Nguyen"].classes == ("Room 14",)
    assert [c.name for c in report.classes] == ["Room 14"]


def test_threads_the_school_started_and_those_answered() -> None:
    day = dt.timedelta(days=1)
    start = NOW - 30 * day
    t = [NOW - n * day for n in range(30, -1, -1)]  # t[0] is the window's start
    # A thread answered, the school's reply to the answer (no thread), then a burst of two
    # messages half an hour apart: one thread, not answered.
    burst = [t[10], t[10] + dt.timedelta(minutes=30)]
    assert threads([t[1], t[3], *burst], [t[2]], start) == (2, 1)
    assert threads([t[3]], [t[2]], start) == (0, 0)  # the school answered the family
    # Fifteen days after the family wrote, the school's message starts a thread anew.
    assert threads([t[17]], [t[2]], start) == (1, 0)
    # Answered within 14 days, or not at all.
    assert threads([t[1]], [t[15]], start) == (1, 1)
    assert threads([t[1]], [t[16]], start) == (1, 0)
    # Before the window: judged, not counted.
    assert threads([start - day, t[1]], [start - day / 2], start) == (0, 0)


# -- deliveries -------------------------------------------------------------------------


def counts(channel: Channel | None, language: str, **buckets: int) -> DeliveryCounts:
    row = DeliveryCounts(channel, language)
    for name, count in buckets.items():
        row.add(name, count)
    return row


async def test_deliveries_by_channel_and_language_with_reasons(
    system: System, world: World
) -> None:
    since = NOW - dt.timedelta(days=30)
    with transaction(system.engine) as session:
        report = deliveries(session, Scope(), since=since, now=NOW)
    sms, telegram, whatsapp = Channel.SMS, Channel.TELEGRAM, Channel.WHATSAPP
    assert report.rows == [
        counts(sms, "ar", delivered=1),
        counts(sms, "en", delivered=1, sent=1, cancelled=1, queued=1),
        counts(sms, "es", delivered=2, failed=2),
        counts(sms, "ht", failed=1, undelivered=1),
        counts(sms, "so", opted_out=1),
        counts(sms, "tl", sent=1),
        counts(sms, "vi", held=1),
        counts(sms, "zh-CN", held=1),
        counts(telegram, "ru", sent=1),
        counts(whatsapp, "ar", failed=1),
        counts(whatsapp, "pt", held=1),
        counts(whatsapp, "so", opted_out=2),  # cancelled at STOP, and skipped by the broadcast
    ]
    assert report.total == counts(
        None,
        "all",
        queued=1,
        held=3,
        sent=3,
        delivered=4,
        failed=4,
        undelivered=1,
        opted_out=3,
        cancelled=1,
    )
    assert report.total.total == 20
    stop = "the family opted out of this channel (replied STOP)"
    assert report.reasons == [
        FailureReason(sms, "30005", "the number is unknown or no longer exists", 3, 2),
        FailureReason(whatsapp, "opted-out", stop, 2, 1),
        FailureReason(sms, "21610", stop, 1, 1),
        FailureReason(
            sms, "undelivered", "the carrier reported it undelivered, without saying why", 1, 1
        ),
        FailureReason(whatsapp, "63003", "this number is not on WhatsApp", 1, 1),
    ]


async def test_deliveries_since_a_day_and_for_a_teacher(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        recent = deliveries(session, Scope(), since=ago(days=3), now=NOW)
        carter = deliveries(session, Scope(viewer(session, CARTER)), since=ago(days=30), now=NOW)
    # The last three days: the broadcast (8 deliveries, 1 skip), Maricel's, Lan's, Jim's.
    assert recent.total.total == 11
    assert {(r.channel, r.language) for r in carter.rows} == {
        (Channel.SMS, "ar"),
        (Channel.SMS, "en"),
        (Channel.SMS, "es"),
        (Channel.SMS, "tl"),
        (Channel.SMS, "vi"),
        (Channel.SMS, "zh-CN"),
        (Channel.WHATSAPP, "ar"),
        (Channel.WHATSAPP, "pt"),
    }
    assert carter.total.total == 12 and carter.total.delivered == 4


# -- one broadcast ----------------------------------------------------------------------


async def test_a_broadcast_family_by_family(system: System, world: World) -> None:
    times = world.times
    with transaction(system.engine) as session:
        report = broadcast(session, world.broadcast_id, None, now=NOW)
    assert (report.sender, report.state, report.sent_at) == ("Grace Ortiz", "sending", ago(days=2))
    assert report.audience == "classes: Room 12, Room 14"
    b = broadcast_report
    assert report.families == [
        BroadcastFamily("Amina Bashid", "Andrew Bashid", "en", Channel.SMS, "sent", False, times["amina sent"], "no delivery report yet", False, None),
        BroadcastFamily("Ana Oliveira", "Lucas Oliveira", "pt", Channel.WHATSAPP, "held", False, None, b.HELD_WHY, False, None),
        BroadcastFamily("Faadumo Warsame", "Hodan Warsame", "so", None, "opted out", False, None, b.OPTED_OUT_WHY, False, None),
        BroadcastFamily("Irina Volkova", "Dmitri Volkov", "ru", Channel.TELEGRAM, "sent", True, times["irina sent"], None, False, None),
        BroadcastFamily("Karim Bashid", "Andrew Bashid", "ar", Channel.SMS, "delivered", True, times["karim delivered"], None, True, times["karim replied"]),
        BroadcastFamily("Li Wei", "Wen Li", "zh-CN", Channel.SMS, "quiet hours", False, times["li wei due"], b.QUIET_WHY, False, None),
        BroadcastFamily("Marie Joseph", "Jean-Baptiste Joseph", "ht", Channel.SMS, "failed", False, times["marie failed"], "SMS: the number is unknown or no longer exists", False, None),
    ]  # fmt: skip
    assert (report.reached, report.replied) == (2, 1)


@pytest.mark.parametrize(
    ("chat", "names"),
    [
        (CARTER, ["Amina Bashid", "Ana Oliveira", "Karim Bashid", "Li Wei"]),
        (KIM, ["Faadumo Warsame", "Irina Volkova", "Marie Joseph"]),
        (GRACE, [n for n in EVERYONE if n not in ("Donna Lopez", "Jim Lopez", "Lan Nguyen", "Margaret Ruby", "Maricel Santos", "Pedro Pérez", "Rosa Pérez")]),
    ],
)  # fmt: skip
async def test_a_broadcast_shows_each_teacher_their_families_only(
    system: System, world: World, chat: int, names: list[str]
) -> None:
    with transaction(system.engine) as session:
        report = broadcast(session, world.broadcast_id, viewer(session, chat), now=NOW)
    assert [f.name for f in report.families] == names


async def test_a_broadcast_none_of_theirs_is_not_found(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        sam = viewer(session, SAM)  # serves Alfredo only, whose family it did not go to
        for broadcast_id, who in ((world.broadcast_id, sam), (world.broadcast_id + 1, None)):
            with pytest.raises(ReportError, match=f"no broadcast has the id {broadcast_id}"):
                broadcast(session, broadcast_id, who, now=NOW)
        with pytest.raises(ReportError):
            broadcast(session, 2**40, None, now=NOW)  # beyond any id: no query


# -- the families to call ---------------------------------------------------------------


async def test_the_families_to_call_and_who_can_call_them(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        report = unreachable(session, Scope(), now=NOW)
        carter = unreachable(session, Scope(viewer(session, CARTER)), now=NOW)
    rosa = ("Alfredo Pérez",), ("Room 12",), "es"
    assert report.families == [
        UnreachableFamily("Faadumo Warsame", ("Hodan Warsame",), ("Room 14",), "so", STOPPED, STOPPED, None, None, None, ()),
        UnreachableFamily("Marie Joseph", ("Jean-Baptiste Joseph",), ("Room 14",), "ht", GONE, None, None, None, None, ()),
        UnreachableFamily("Pedro Pérez", *rosa, None, None, None, NO_POINTS, None, CALLERS),
        UnreachableFamily("Rosa Pérez", *rosa, GONE, None, None, None, world.times["rosa reached"], CALLERS),
    ]  # fmt: skip
    assert report.in_scope == 14
    assert [f.name for f in carter.families] == ["Pedro Pérez", "Rosa Pérez"]


async def test_nobody_unlinked_or_removed_is_offered_to_call(system: System, world: World) -> None:
    with transaction(system.engine) as session:
        viewer(session, SAM).telegram_chat_id = None  # cannot be reached to ask
        viewer(session, GRACE).active = False
    with transaction(system.engine) as session:
        report = unreachable(session, Scope(), now=NOW)
    assert {f.name: f.call for f in report.families}["Rosa Pérez"] == ()
