"""The registries every feature plugs into: staff commands (and the /help made from them),
button presses (a press that does not decode, or points at something gone, is answered
"expired" and changes nothing), numbered questions (the most recent open one takes the
number), and clock jobs (declared once; the worker and the tests run the same list)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import Engine, func, select

from commbot.access import STAFF, Access, Reach, Role, Rule, Surface
from commbot.callback_data import ButtonData, Number
from commbot.conversations.registry import COMMANDS, Buttons, Commands
from commbot.db import transaction
from commbot.features.checkins import jobs as checkin_jobs
from commbot.features.checkins.actions import create_checkin
from commbot.features.checkins.models import CheckinPlan
from commbot.jobs import JOBS, Job, JobContext, job, run_due, start_clock
from commbot.languages import CATALOG_LANGUAGES
from commbot.models import (
    Delivery,
    Guardian,
    Message,
    RecipientKind,
    Staff,
    StaffDialog,
    StaffRole,
    Student,
)

from .support import SECRET, System, press

CARTER, KIM, COORDINATOR, AMINA = 7001, 7002, 7101, 8001
CARTER_EMAIL = "ecarter@lincoln.example.org"
KIM_EMAIL = "dkim@lincoln.example.org"
LAN = "+16175550142"  # mother of Minh (Emily Carter's class) and Bao (David Kim's)
EXPIRED = "This button has expired. Please begin again."
PLAN_GONE = "This check-in no longer exists."
NEW_YORK = "America/New_York"


def _noop(*args: Any) -> None:
    return None


def add_plan(system: System, email: str = CARTER_EMAIL) -> int:
    """A Friday check-in for Alfredo Pérez, made by the staff member with `email`."""
    with transaction(system.engine) as session:
        staff = session.scalars(select(Staff).where(Staff.email == email)).one()
        student_id = session.scalar(select(Student.id).where(Student.name == "Alfredo Pérez"))
        created = create_checkin(
            session,
            staff=staff,
            days="fri",
            time="10:00",
            now=system.clock(),
            default_timezone=NEW_YORK,
            student_id=student_id,
            template="week",
        )
        return created.plan.id


async def add_coordinator(system: System) -> None:
    with transaction(system.engine) as session:
        session.add(
            Staff(
                name="Grace Ortiz", email="gortiz@lincoln.example.org", role=StaffRole.COORDINATOR
            )
        )
    await system.link_staff("gortiz@lincoln.example.org", COORDINATOR)


def state(system: System) -> dict[str, Any]:
    """Everything a stray press could change: plans, dialogs, languages, what families get,
    and the messages kept for staff."""
    with transaction(system.engine) as session:
        return {
            "plans": sorted(
                (p.id, p.paused, p.days, p.time) for p in session.scalars(select(CheckinPlan))
            ),
            "dialogs": session.scalar(select(func.count()).select_from(StaffDialog)),
            "staff languages": sorted(session.scalars(select(Staff.language))),
            "family languages": sorted(session.scalars(select(Guardian.language))),
            "to families": session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.recipient_kind == RecipientKind.GUARDIAN)
            ),
            "messages": session.scalar(select(func.count()).select_from(Message)),
        }


# -- commands and /help ----------------------------------------------------------------


async def test_a_teachers_help_lists_what_teachers_can_use(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.telegram_update(CARTER, "/help")
    await system.drain()
    text = system.telegram_texts(CARTER)[-1]
    assert text.startswith("Reply to a family's message to answer it.")
    for command in ("/msg", "/families", "/checkin", "/language", "/cancel", "/help"):
        assert f"\n{command} " in text, command
    assert "/urgent" not in text


async def test_a_coordinators_help_lists_urgent(system: System) -> None:
    await add_coordinator(system)
    await system.telegram_update(COORDINATOR, "/help")
    await system.drain()
    text = system.telegram_texts(COORDINATOR)[-1]
    assert "\n/urgent <student> <text> reaches the family even in their quiet hours." in text
    assert "\n/msg " in text and "\n/checkin " in text


async def test_an_unknown_command_says_so_and_lists_the_rest(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    before = state(system)
    await system.telegram_update(CARTER, "/foo Alfredo hello")
    await system.drain()
    text = system.telegram_texts(CARTER)[-1]
    first, *listing = text.split("\n")
    assert first == "I do not know the command /foo. You can use:"
    assert any(line.startswith("/msg ") for line in listing)
    assert any(line.startswith("/checkin ") for line in listing)
    assert not any(line.startswith("/urgent ") for line in listing)
    assert system.twilio.messages == []
    assert state(system) == before


async def test_a_teachers_urgent_is_refused_and_sends_nothing(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.telegram_update(CARTER, "/urgent Alfredo Come now, please.")
    await system.drain()
    assert system.telegram_texts(CARTER)[-1].startswith("Only coordinators can send urgent")
    assert system.twilio.messages == []
    assert state(system)["to families"] == 0


def _table(*commands: tuple[str, frozenset[Role]]) -> Access:
    """A small access table of its own, for registries made in a test."""
    return Access(Rule(Surface.COMMAND, n, roles, Reach.OWN, n) for n, roles in commands)


def test_a_command_registered_twice_is_refused() -> None:
    commands = Commands(_table(("/ping", STAFF)))
    commands.add("/ping", _noop, None)
    with pytest.raises(ValueError, match="/ping is registered twice"):
        commands.add("/ping", _noop, None)
    with pytest.raises(ValueError, match="registered twice"):
        COMMANDS.add("/msg", _noop, None)  # the shared registry guards itself too


def test_help_lines_follow_registration_order_and_role() -> None:
    commands = Commands(
        _table(("/b", STAFF), ("/a", frozenset({Role.COORDINATOR})), ("/hidden", STAFF))
    )
    commands.add("/b", _noop, "/b is for everyone.")
    commands.add("/a", _noop, "/a is for coordinators.")
    commands.add("/hidden", _noop, None)
    assert [c.name for c in commands.available_to(StaffRole.TEACHER)] == ["/b", "/hidden"]
    assert commands.help_text(StaffRole.TEACHER, "en").split("\n")[1:] == ["/b is for everyone."]
    assert commands.help_text(StaffRole.COORDINATOR, "en").split("\n")[1:] == [
        "/b is for everyone.",
        "/a is for coordinators.",
    ]


def test_a_button_prefix_registered_twice_is_refused() -> None:
    table = Access([Rule(Surface.BUTTON, "x", STAFF, Reach.OWN, "x")])
    buttons: Buttons[Staff] = Buttons(STAFF, table)
    buttons.add(ButtonData("x", Number("n")), _noop)
    with pytest.raises(ValueError, match="registered twice"):
        buttons.add(ButtonData("x"), _noop)
    assert buttons.resolve("x:1", Role.TEACHER) is not None
    assert buttons.resolve("x:1", Role.GUARDIAN) is None
    assert buttons.resolve("x:one", Role.TEACHER) is None
    assert buttons.resolve("y:1", Role.TEACHER) is None


def test_a_command_or_button_without_a_row_in_the_access_table_is_refused() -> None:
    with pytest.raises(KeyError, match="no row in commbot"):
        Commands(_table()).add("/new", _noop, None)
    with pytest.raises(KeyError, match="no row in commbot"):
        Buttons[Staff](STAFF, _table()).add(ButtonData("new"), _noop)


# -- stale and malformed button presses ------------------------------------------------

_rng = random.Random(64)
RANDOM_64 = "".join(_rng.choice("abcdefghijklmnopqrstuvwxyz0123456789:_-") for _ in range(64))


@pytest.mark.parametrize(
    "data",
    [
        "ckp:pause",  # the id is missing
        "ckp:explode:{plan}",
        "ckp:pause:abc",
        "ckp:pause:١٢",
        "ckp:pause:" + "9" * 19,
        "ck:days:fri",  # a dialog's button, with no dialog open
        "zz:1",
        "lang:xx",
        "",
        RANDOM_64,
        "é" * 40,  # 80 bytes: more than Telegram allows, as a forged webhook could send
        "ckp:pause:{plan}\x00",
    ],
)
async def test_a_malformed_press_is_answered_as_expired_and_changes_nothing(
    system: System, data: str
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = add_plan(system)
    data = data.replace("{plan}", str(plan))
    before = state(system)
    response = await system.post_telegram(press(CARTER, data, 90_001))
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "cb90001"}
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == EXPIRED
    assert state(system) == before
    assert system.twilio.messages == []


@pytest.mark.parametrize("plan_id", ["999999", str(2**31 - 1)])  # no such plan; the largest id
async def test_a_press_for_a_plan_that_is_gone_says_so(
    system: System, plan_id: str, request: pytest.FixtureRequest
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    add_plan(system)
    before = state(system)
    for n, action in enumerate(("pause", "resume", "delete")):
        response = await system.post_telegram(press(CARTER, f"ckp:{action}:{plan_id}", 91_000 + n))
        assert response.status_code == 200
        assert response.json()["method"] == "answerCallbackQuery"
    await system.drain()
    texts = system.telegram_texts(CARTER)[-3:]
    assert all(t.startswith(PLAN_GONE) for t in texts), texts
    assert state(system) == before


async def test_another_teachers_plan_is_gone_for_you(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    plan = add_plan(system)
    before = state(system)
    for n, action in enumerate(("pause", "delete")):
        response = await system.post_telegram(press(KIM, f"ckp:{action}:{plan}", 92_000 + n))
        assert response.status_code == 200
    await system.drain()
    texts = system.telegram_texts(KIM)[-2:]
    assert all(t.startswith(PLAN_GONE) for t in texts), texts
    assert "Alfredo" not in " ".join(texts)  # nothing about another class leaks
    assert state(system) == before


async def test_a_press_after_the_dialog_was_cancelled_has_expired(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.telegram_update(CARTER, "/checkin")
    await system.telegram_update(CARTER, "/cancel")
    response = await system.post_telegram(press(CARTER, "ck:student", 93_001))
    assert response.status_code == 200
    await system.drain()
    assert system.telegram_texts(CARTER)[-1] == EXPIRED
    assert state(system)["dialogs"] == 0


async def test_a_press_with_a_lone_surrogate_is_answered(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    body = json.dumps(press(CARTER, "ckp:pause:\ud800", 94_001))  # "\ud800" stays escaped
    response = await system.http.post(
        "/telegram/webhook",
        content=body.encode(),
        headers={
            "X-Telegram-Bot-Api-Secret-Token": "telegram-secret",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200


async def link_amina_in_somali(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(AMINA, f"/start {code}")
    await system.post_telegram(press(AMINA, "lang:so", 95_000))
    await system.drain()
    with transaction(system.engine) as session:
        amina = session.scalar(select(Guardian).where(Guardian.name == "Amina Bashid"))
        assert amina is not None and amina.language == "so"


@pytest.mark.parametrize("data", ["lang:xx", "lang:", "lang:so:so", "ckp:pause:1", "zz"])
async def test_a_familys_malformed_press_is_answered_in_their_language(
    system: System, data: str
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await link_amina_in_somali(system)
    carter_before = len(system.telegram_texts(CARTER))
    before = state(system)
    response = await system.post_telegram(press(AMINA, data, 95_001))
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "cb95001"}
    await system.drain()
    reply = system.telegram_texts(AMINA)[-1]
    assert reply.startswith("Badhankan waqtigiisii wuu dhammaaday.")  # Somali: expired
    assert len(system.telegram_texts(CARTER)) == carter_before  # nothing relayed
    after = state(system)
    assert after["messages"] == before["messages"]
    assert after["family languages"] == before["family languages"]


# -- numbered questions: the most recent open one takes the number ----------------------


async def test_a_number_answers_the_language_menu_opened_after_the_child_question(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    await system.sms(LAN, "Mai con tôi nghỉ học.")
    system.clock.advance(minutes=1)
    await system.sms(LAN, "NGÔN NGỮ")
    system.clock.advance(minutes=1)
    await system.sms(LAN, "2")  # Español on the language menu; Minh on the child question
    await system.drain()
    with transaction(system.engine) as session:
        lan = session.scalar(select(Guardian).where(Guardian.name == "Lan Nguyen"))
        assert lan is not None and lan.language == CATALOG_LANGUAGES[1] == "es"
    assert "Español" in system.sms_to(LAN)[-1]
    assert system.telegram_texts(CARTER)[-1].startswith("Welcome")  # Minh was not chosen
    assert system.telegram_texts(KIM)[-1].startswith("Welcome")

    # The child question still stands, and now it is the most recent: "1" is Bao.
    system.clock.advance(minutes=1)
    await system.sms(LAN, "1")
    await system.drain()
    assert "Mai con tôi nghỉ học." in system.telegram_texts(KIM)[-1]
    assert system.telegram_texts(CARTER)[-1].startswith("Welcome")


async def test_a_number_answers_the_child_question_asked_after_the_language_menu(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    await system.sms(LAN, "NGÔN NGỮ")
    system.clock.advance(minutes=1)
    await system.sms(LAN, "Mai con tôi nghỉ học.")  # a message: it closes the menu
    system.clock.advance(minutes=1)
    await system.sms(LAN, "2")  # Minh Nguyen (Emily Carter), not Español
    await system.drain()
    assert "Mai con tôi nghỉ học." in system.telegram_texts(CARTER)[-1]
    assert system.telegram_texts(KIM)[-1].startswith("Welcome")
    with transaction(system.engine) as session:
        lan = session.scalar(select(Guardian).where(Guardian.name == "Lan Nguyen"))
        assert lan is not None and lan.language == "vi"
        assert "2" not in [m.text for m in session.scalars(select(Message))]


# -- clock jobs ------------------------------------------------------------------------


def test_jobs_have_unique_names_and_positive_intervals() -> None:
    names = [j.name for j in JOBS]
    assert len(names) == len(set(names)) and names
    assert all(j.every > dt.timedelta(0) for j in JOBS)


def test_a_job_name_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        job(JOBS[0].name, dt.timedelta(minutes=1))(lambda context: 0)
    assert [j.name for j in JOBS].count(JOBS[0].name) == 1


def test_run_due_runs_every_job_once_on_an_empty_database(engine: Engine) -> None:
    now = dt.datetime(2026, 11, 27, 15, 0, 20, tzinfo=dt.UTC)
    done = run_due(engine, now, NEW_YORK)
    assert list(done) == [j.name for j in JOBS]
    assert all(count == 0 for count in done.values())


def test_run_due_calls_each_registered_job_with_the_given_time(engine: Engine) -> None:
    seen: list[JobContext] = []

    def record(context: JobContext) -> int:
        seen.append(context)
        return 3

    extra = job("test_recorder", dt.timedelta(minutes=5))(record)
    try:
        now = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)
        done = run_due(engine, now, NEW_YORK)
    finally:
        JOBS.remove(extra)
    assert done["test_recorder"] == 3
    assert [(c.now, c.default_timezone) for c in seen] == [(now, NEW_YORK)]


def test_the_checkin_feature_declares_its_jobs_in_the_registry() -> None:
    declared = {v.name for v in vars(checkin_jobs).values() if isinstance(v, Job)}
    assert declared == {"fire_checkins", "send_digests", "sync_plans"}
    assert declared <= {j.name for j in JOBS}


async def test_start_clock_schedules_exactly_the_registered_jobs(engine: Engine) -> None:
    """A job a feature registers is scheduled with its interval, and runs."""
    loop = asyncio.get_running_loop()
    ran = asyncio.Event()
    finished: dict[str, bool] = {}

    def listen(event: JobExecutionEvent) -> None:
        finished[event.job_id] = event.exception is None
        if "test_feature_job" in finished:
            loop.call_soon_threadsafe(ran.set)

    extra = job("test_feature_job", dt.timedelta(minutes=7))(lambda context: 0)
    scheduler = start_clock(engine, NEW_YORK, clock=lambda: dt.datetime.now(dt.UTC))
    try:
        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduled = {j.id: j for j in scheduler.get_jobs()}
        assert set(scheduled) == {j.name for j in JOBS}
        assert "test_feature_job" in scheduled
        for declared in JOBS:
            assert scheduled[declared.name].trigger.interval == declared.every
        await asyncio.wait_for(ran.wait(), timeout=30)
        assert finished["test_feature_job"] is True
    finally:
        scheduler.shutdown(wait=False)
        JOBS.remove(extra)
    for _ in range(100):  # the shutdown is handed to the event loop
        if not scheduler.running:
            break
        await asyncio.sleep(0)


async def test_a_family_message_with_a_lone_surrogate_and_a_nul_is_relayed(system: System) -> None:
    """JSON can carry what UTF-8 and PostgreSQL cannot: the words still reach the teacher."""
    await system.link_staff(CARTER_EMAIL, CARTER)
    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(8001, f"/start {code}")
    payload = system.telegram_payload(8001, "Hello\u0000 teacher \ud800!")
    body = json.dumps(payload)  # the surrogate stays escaped, as Telegram would send it
    response = await system.http.post(
        "/telegram/webhook",
        content=body.encode(),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    await system.drain()
    assert any("Hello teacher" in t for t in system.telegram_texts(CARTER))
