"""Races: what two transactions doing the same thing at the same moment leave behind.

On PostgreSQL the bad interleavings are forced, not hoped for: a `Rendezvous` holds each
transaction at its INSERT until both have got there (so both have looked the row up and
found nothing), and `HeldOpen` keeps one transaction open, its work done but not committed,
while the other runs. On SQLite every transaction takes the write lock at BEGIN IMMEDIATE,
so the same tests check that nothing in that serial order goes wrong either.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from commbot.actions.drafts import start_draft
from commbot.actions.people import add_staff, assign_student
from commbot.conversations.pending import QUESTIONS
from commbot.db import transaction
from commbot.dispatch.outcomes import apply_status_callback, record_sent
from commbot.features.checkins.actions import create_checkin
from commbot.features.checkins.firing import fire_due
from commbot.features.checkins.models import CheckinPlan, CheckinSchedule
from commbot.features.checkins.plans import sync_schedules
from commbot.invites import Redemption, redeem
from commbot.models import (
    Channel,
    ChoiceKind,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    PendingChoice,
    School,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffCompose,
    StaffDialog,
    StaffRole,
    Student,
    Thread,
    TranslationCache,
)
from commbot.outbox import to_guardian
from commbot.roster.importer import _school
from commbot.threads import thread_for
from commbot.translation.base import TranslationResult
from commbot.translation.cache import CachedTranslator, text_hash

from .support import PUBLIC, System

T = TypeVar("T")
WAIT = 10.0  # seconds any one step may take before the test gives up on it
CARTER_EMAIL = "ecarter@lincoln.example.org"
CARTER = 7001  # Emily Carter, Room 12: Alfredo's and Andrew's teacher
ROSA = "+16175550134"  # Rosa Pérez, Alfredo's mother: SMS only
KARIM = "+16175550177"  # Karim Bashid, Andrew's father: WhatsApp, then SMS
STRANGER = "+16175550999"  # nobody in the roster
BOSTON = "America/New_York"


# -- forcing interleavings ------------------------------------------------------------------


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Rendezvous:
    """On PostgreSQL, holds the first `parties` INSERTs into `table` until all have arrived.

    Each transaction has then looked the row up and found nothing (or, converted to one
    statement, is about to try ON CONFLICT): the interleaving in which a look-up-then-insert
    collides. On SQLite nothing is held: its writers cannot overlap.
    """

    def __init__(self, engine: Engine, table: str, parties: int = 2) -> None:
        self.engine = engine
        self.prefix = f"INSERT INTO {table} "
        self.parties = parties
        self.barrier = threading.Barrier(parties, timeout=WAIT)
        self.arrived = 0
        self.met = False
        self._lock = threading.Lock()

    def _hook(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().startswith(self.prefix):
            return
        with self._lock:
            if self.arrived >= self.parties:
                return
            self.arrived += 1
        try:
            self.barrier.wait()
            self.met = True
        except threading.BrokenBarrierError:
            pass  # the test then fails on `met`, below, rather than hanging

    def __enter__(self) -> Rendezvous:
        if is_postgres(self.engine):
            event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *_exc: object) -> None:
        if is_postgres(self.engine):
            event.remove(self.engine, "before_cursor_execute", self._hook)

    def check(self) -> None:
        """On PostgreSQL, the interleaving did happen: every party reached its INSERT."""
        if is_postgres(self.engine):
            assert self.met, f"only {self.arrived} of {self.parties} reached {self.prefix}"


class Worker:
    """`function` in a thread of its own (and so a connection of its own)."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.function()
        except BaseException as exc:  # handed to the test in `join`
            self.error = exc

    def start(self) -> Worker:
        self.thread.start()
        return self

    def join(self) -> Any:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "a transaction never finished"
        if self.error is not None:
            raise self.error
        return self.result


def in_transaction(engine: Engine, function: Callable[[Session], T]) -> Callable[[], T]:
    def run() -> T:
        with transaction(engine) as session:
            return function(session)

    return run


def together(*functions: Callable[[], Any]) -> list[Any]:
    """Run each function in its own thread at once; their results, or the first error."""
    workers = [Worker(f).start() for f in functions]
    return [w.join() for w in workers]


def wait_until_blocked_or_done(engine: Engine, worker: Worker) -> None:
    """Until `worker` waits on a lock held by another transaction, or has finished.

    PostgreSQL shows who waits on a lock; SQLite's writers wait at BEGIN in a busy handler
    nobody can watch, so there it is given a moment (it cannot finish in that moment unless
    the other transaction's lock failed to hold it)."""
    if not is_postgres(engine):
        worker.thread.join(0.3)
        return
    deadline = time.monotonic() + WAIT
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while worker.thread.is_alive() and time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar():
                return
        time.sleep(0.01)
    assert not worker.thread.is_alive(), "neither blocked nor finished"


@contextmanager
def held_open(engine: Engine, function: Callable[[Session], Any]) -> Iterator[Worker]:
    """Run `function` in a transaction of its own and keep that transaction open, its
    work done but not committed, until the block ends; then commit it."""
    done, release = threading.Event(), threading.Event()

    def run() -> Any:
        with transaction(engine) as session:
            result = function(session)
            session.flush()
            done.set()
            release.wait(WAIT)
            return result

    worker = Worker(run).start()
    assert done.wait(WAIT) or worker.error is not None, "the held transaction never got going"
    try:
        yield worker
    finally:
        release.set()
        worker.join()


def count(engine: Engine, statement: Any) -> int:
    with transaction(engine) as session:
        return int(session.scalar(statement) or 0)


def find(session: Session, model: type[T], **where: Any) -> T:
    row = session.scalars(select(model).filter_by(**where)).one()
    return row


# -- concurrent first messages, through the webhooks -----------------------------------------


async def test_a_family_writing_on_two_channels_at_once_gets_one_thread(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    with Rendezvous(system.engine, "threads") as meeting:
        answers = await asyncio.gather(
            system.sms(KARIM, "Salam, first"),
            system.sms(KARIM, "Salam, second", whatsapp=True),
        )
    assert [a.status_code for a in answers] == [200, 200]
    meeting.check()
    with transaction(system.engine) as session:
        karim = find(session, Guardian, name="Karim Bashid")
        threads = session.scalars(select(Thread).where(Thread.guardian_id == karim.id)).all()
        assert len(threads) == 1
    await system.drain()
    texts = system.telegram_texts(CARTER)
    assert sum("Salam, first" in t for t in texts) == 1
    assert sum("Salam, second" in t for t in texts) == 1


async def test_two_first_whatsapp_messages_at_once_add_one_contact_point(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    with Rendezvous(system.engine, "contact_points") as meeting:
        answers = await asyncio.gather(
            system.sms(ROSA, "Hola, uno", whatsapp=True),
            system.sms(ROSA, "Hola, dos", whatsapp=True),
        )
    assert [a.status_code for a in answers] == [200, 200]
    meeting.check()
    query = select(func.count()).where(
        ContactPoint.channel == Channel.WHATSAPP, ContactPoint.address == ROSA
    )
    assert count(system.engine, select(func.count()).select_from(query.subquery())) == 1
    await system.drain()
    texts = system.telegram_texts(CARTER)
    assert sum("Hola, uno" in t for t in texts) == 1
    assert sum("Hola, dos" in t for t in texts) == 1


async def test_a_stranger_writing_twice_at_once_is_answered_once(system: System) -> None:
    with Rendezvous(system.engine, "unknown_sender_replies") as meeting:
        answers = await asyncio.gather(system.sms(STRANGER, "hi"), system.sms(STRANGER, "hello?"))
    assert [a.status_code for a in answers] == [200, 200]
    meeting.check()
    await system.drain()
    assert len(system.sms_to(STRANGER)) == 1


async def test_two_presses_of_checkin_at_once_open_one_dialog(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    with Rendezvous(system.engine, "staff_dialogs") as meeting:
        answers = await asyncio.gather(
            system.telegram_update(CARTER, "/checkin"), system.telegram_update(CARTER, "/checkin")
        )
    assert [a.status_code for a in answers] == [200, 200]
    meeting.check()
    assert count(system.engine, select(func.count()).select_from(StaffDialog)) == 1


# -- each find-or-create, two at once ---------------------------------------------------------


async def test_the_thread_a_teacher_and_a_family_start_at_once_is_one(system: System) -> None:
    def first_message(session: Session) -> int:
        rosa = find(session, Guardian, name="Rosa Pérez")
        alfredo = find(session, Student, name="Alfredo Pérez")
        carter = find(session, Staff, email=CARTER_EMAIL)
        return thread_for(session, alfredo, rosa, carter, system.clock()).id

    with Rendezvous(system.engine, "threads") as meeting:
        ids = together(*(in_transaction(system.engine, first_message) for _ in range(2)))
    meeting.check()
    assert ids[0] == ids[1]
    assert count(system.engine, select(func.count()).select_from(Thread)) == 1


async def test_a_checkin_going_out_as_a_family_first_writes_shares_their_thread(
    system: System,
) -> None:
    """Rosa's first message makes her thread with Ms Carter while Ms Carter's check-in makes
    the threads of all Room 12: one thread, and the check-in marks it as hers (replies go
    to the staff member who asked)."""
    with transaction(system.engine) as session:
        carter = find(session, Staff, email=CARTER_EMAIL)
        room = session.scalars(select(SchoolClass).filter_by(name="Room 12")).one()
        created = create_checkin(
            session,
            carter,
            days="mon,tue,wed,thu,fri,sat,sun",
            time="16:00",
            now=system.clock() - dt.timedelta(days=1),
            default_timezone=BOSTON,
            class_id=room.id,
            template="week",
        )
        plan_id = created.plan.id

    def first_message(session: Session) -> int:
        rosa = find(session, Guardian, name="Rosa Pérez")
        alfredo = find(session, Student, name="Alfredo Pérez")
        carter = find(session, Staff, email=CARTER_EMAIL)
        return thread_for(session, alfredo, rosa, carter, system.clock()).id

    def fire() -> int:
        return len(fire_due(system.engine, system.clock(), default_timezone=BOSTON).fired)

    with Rendezvous(system.engine, "threads") as meeting:
        _, fired = together(in_transaction(system.engine, first_message), fire)
    meeting.check()
    assert fired == 1
    with transaction(system.engine) as session:
        rosa = find(session, Guardian, name="Rosa Pérez")
        [thread] = session.scalars(select(Thread).filter_by(guardian_id=rosa.id)).all()
        assert thread.last_staff_message_at == system.clock()
        assert session.get_one(CheckinPlan, plan_id).staff_id == thread.staff_id


async def test_a_family_asked_which_child_twice_at_once_keeps_both_messages(
    system: System,
) -> None:
    """Lan Nguyen has two children: two messages at once both ask her which child; the
    question that stands holds both messages, so her answer sends both."""

    def ask(message_id: int) -> Callable[[Session], int]:
        def run(session: Session) -> int:
            lan = find(session, Guardian, name="Lan Nguyen")
            return QUESTIONS.ask(
                session, lan, ChoiceKind.CHILD, [[1, 1], [2, 2]], system.clock(), [message_id]
            ).id

        return run

    with Rendezvous(system.engine, "pending_choices") as meeting:
        ids = together(
            in_transaction(system.engine, ask(101)), in_transaction(system.engine, ask(102))
        )
    meeting.check()
    assert ids[0] == ids[1]
    with transaction(system.engine) as session:
        [pending] = session.scalars(select(PendingChoice)).all()
        assert sorted(pending.message_ids) == [101, 102]


async def test_two_drafts_at_once_leave_one(system: System) -> None:
    def draft(name: str) -> Callable[[Session], None]:
        def run(session: Session) -> None:
            carter = find(session, Staff, email=CARTER_EMAIL)
            start_draft(session, carter, find(session, Student, name=name), now=system.clock())

        return run

    with Rendezvous(system.engine, "staff_compose") as meeting:
        together(
            in_transaction(system.engine, draft("Alfredo Pérez")),
            in_transaction(system.engine, draft("Andrew Bashid")),
        )
    meeting.check()
    with transaction(system.engine) as session:
        [row] = session.scalars(select(StaffCompose)).all()
        student = session.get_one(Student, row.student_id)
        assert student.name in ("Alfredo Pérez", "Andrew Bashid")  # whichever wrote last


async def test_two_workers_caching_one_translation_at_once_keep_one(system: System) -> None:
    class Backend:
        name = "test"

        async def translate(
            self, texts: list[str], source: str, target: str
        ) -> list[TranslationResult]:
            return [TranslationResult(f"[{target}] {t}", True) for t in texts]

    key = ("en", "es", text_hash("Field trip tomorrow"))
    caches = [CachedTranslator(system.engine, Backend()) for _ in range(2)]
    with Rendezvous(system.engine, "translation_cache") as meeting:
        together(*(lambda c=c: c._store({key: "Excursión mañana"}) for c in caches))
    meeting.check()
    assert count(system.engine, select(func.count()).select_from(TranslationCache)) == 1


async def test_two_syncs_of_a_checkin_at_once_keep_one_schedule_per_zone(
    system: System,
) -> None:
    with transaction(system.engine) as session:
        carter = find(session, Staff, email=CARTER_EMAIL)
        alfredo = find(session, Student, name="Alfredo Pérez")
        plan = CheckinPlan(
            staff_id=carter.id,
            student_id=alfredo.id,
            days="fri",
            time="16:00",
            template="week",
            created_at=system.clock(),
        )
        session.add(plan)
        session.flush()
        plan_id = plan.id

    def sync(session: Session) -> None:
        sync_schedules(session, session.get_one(CheckinPlan, plan_id), system.clock(), BOSTON)

    with Rendezvous(system.engine, "checkin_schedules") as meeting:
        together(*(in_transaction(system.engine, sync) for _ in range(2)))
    meeting.check()
    with transaction(system.engine) as session:
        zones = [s.timezone for s in session.scalars(select(CheckinSchedule))]
        assert zones == [BOSTON]


async def test_staff_added_and_assigned_twice_at_once(system: System) -> None:
    def add(session: Session) -> bool:
        _, new = add_staff(
            session,
            email="speech@lincoln.example.org",
            name="Sam Speech",
            role=StaffRole.TEACHER,
            language="en",
        )
        return new

    with Rendezvous(system.engine, "staff") as meeting:
        created = together(*(in_transaction(system.engine, add) for _ in range(2)))
    meeting.check()
    assert sorted(created) == [False, True]

    def assign(service: str) -> Callable[[Session], None]:
        def run(session: Session) -> None:
            speech = find(session, Staff, email="speech@lincoln.example.org")
            assign_student(session, speech, "S1001", service)

        return run

    with Rendezvous(system.engine, "service_assignments") as meeting:
        together(
            in_transaction(system.engine, assign("speech")),
            in_transaction(system.engine, assign("speech")),
        )
    meeting.check()
    assert count(system.engine, select(func.count()).select_from(ServiceAssignment)) == 1


def test_two_first_imports_at_once_make_one_school(engine: Engine) -> None:
    with Rendezvous(engine, "schools") as meeting:
        ids = together(
            *(in_transaction(engine, lambda s: _school(s, "Lincoln").id) for _ in range(2))
        )
    meeting.check()
    assert ids[0] == ids[1]
    assert count(engine, select(func.count()).select_from(School)) == 1


async def test_two_invites_redeemed_from_one_chat_at_once_link_one_person(
    system: System,
) -> None:
    """A staff code and a guardian code sent from one chat at once: the chat belongs to one
    of them, and the other is told it is taken."""
    staff_code = system.invite(email=CARTER_EMAIL)
    family_code = system.invite(guardian="Rosa Pérez")
    chat = 9100
    now = system.clock()
    with held_open(system.engine, lambda s: redeem(s, staff_code, chat, now).outcome) as first:
        second = Worker(
            in_transaction(system.engine, lambda s: redeem(s, family_code, chat, now).outcome)
        ).start()
        wait_until_blocked_or_done(system.engine, second)
    assert (first.join(), second.join()) == (Redemption.LINKED_STAFF, Redemption.CHAT_TAKEN)
    with transaction(system.engine) as session:
        assert find(session, Staff, email=CARTER_EMAIL).telegram_chat_id == chat
        points = session.scalars(
            select(ContactPoint).where(ContactPoint.channel == Channel.TELEGRAM)
        ).all()
        assert points == []


# -- a status report and the send it reports on ----------------------------------------------


def queue_to_karim(system: System, body: str) -> int:
    """A message to Karim Bashid, on WhatsApp (his first channel); SMS is his next."""
    with transaction(system.engine) as session:
        karim = find(session, Guardian, name="Karim Bashid")
        delivery = to_guardian(
            session,
            guardian=karim,
            now=system.clock(),
            default_timezone=BOSTON,
            body=body,
            body_language="en",
        )
        assert delivery is not None and delivery.channel is Channel.WHATSAPP
        session.flush()
        return delivery.id


@pytest.mark.parametrize("status", ["delivered", "undelivered"])
@pytest.mark.parametrize("first", ["send", "report"])
async def test_a_report_and_its_send_meet_whichever_commits_first(
    system: System, status: str, first: str
) -> None:
    """`first` is the transaction left open, its work done, while the other one runs."""
    delivery_id = queue_to_karim(system, "Concert at 6")
    sid = "SM" + "7" * 32
    now = system.clock()
    code = "30006" if status == "undelivered" else None

    def send(session: Session) -> None:
        record_sent(session, session.get_one(Delivery, delivery_id), sid, now, BOSTON)

    def report(session: Session) -> bool:
        return apply_status_callback(session, sid, status, code, now, BOSTON)

    held, other = (send, report) if first == "send" else (report, send)
    with held_open(system.engine, held):
        late = Worker(in_transaction(system.engine, other)).start()
        wait_until_blocked_or_done(system.engine, late)
    late.join()

    expected = DeliveryStatus.DELIVERED if status == "delivered" else DeliveryStatus.UNDELIVERED
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, delivery_id).status is expected

    # Twilio posts the same report again (it retries): nothing moves twice.
    params = {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": system.twilio.account_sid,
        **({"ErrorCode": code} if code else {}),
    }
    signature = system.twilio.sign(PUBLIC + "/twilio/status", params)
    response = await system.post_twilio("/twilio/status", params, signature=signature)
    assert response.status_code == 200
    await system.drain()
    sms = [t for t in system.sms_to(KARIM) if "Concert at 6" in t]
    fallbacks = count(
        system.engine, select(func.count()).where(Delivery.fallback_of_id == delivery_id)
    )
    if status == "undelivered":
        assert (len(sms), fallbacks) == (1, 1)  # the family's next channel, exactly once
    else:
        assert (len(sms), fallbacks) == (0, 0)
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, delivery_id).status is expected


async def test_reports_racing_each_other_never_move_a_delivery_back(system: System) -> None:
    delivery_id = queue_to_karim(system, "Bring a coat")
    sid = "SM" + "8" * 32
    now = system.clock()
    with transaction(system.engine) as session:
        record_sent(session, session.get_one(Delivery, delivery_id), sid, now, BOSTON)

    def report(status: str) -> Callable[[Session], bool]:
        return lambda s: apply_status_callback(s, sid, status, None, now, BOSTON)

    with held_open(system.engine, report("read")):
        late = Worker(in_transaction(system.engine, report("delivered"))).start()
        wait_until_blocked_or_done(system.engine, late)
    late.join()
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, delivery_id).status is DeliveryStatus.READ
