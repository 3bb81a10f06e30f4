"""A coordinator's broadcast to 10,000 families in ten languages over Telegram, SMS and
WhatsApp: time to enqueue, translation calls, dispatch rate per sender, and a family's reply
while it goes.

Seeds one school: 400 classes of 25 students, a teacher each, and a coordinator, all linked on
Telegram; one family per student, the ten catalog languages in turn; a third on Telegram, a
third on SMS, a third on WhatsApp. Two in three WhatsApp families wrote within the last 24
hours; the others have an SMS number too, which the broadcast takes instead (no WhatsApp
template is configured). Nobody has quiet hours.

Then, with the worker already running (`run_worker`, as `commbot worker`: the dispatcher and
the clock) against `FakeTelegram(enforce_limits=True)` (429 above 30/s, or 1/s per chat),
`FakeTwilio(enforce_mps=MPS)` (429 to a send less than 1/MPS s after the sender's last) and a
fake LibreTranslate server, the coordinator's broadcast to the whole school is created and
sent (`broadcasts.actions.create` + `send_now`, timed up to the commit). Some seconds in, a
Spanish-speaking family on SMS answers through a signed Twilio webhook to commbot's web app
(its own process, as `commbot serve`); that is timed from the webhook's start until the fake
Bot API accepts the relayed message.

    python bench/broadcast.py [--families 10000] [--twilio-mps 100] [--replies 1]
        [--quick] [--database-url URL]

A sender's rate is the sends it accepted divided by the time from the broadcast's commit to
its last acceptance, as a share of what it allows (Telegram 30/s; each Twilio number
COMMBOT_TWILIO_MPS).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _common import (
    DEFAULT_TIMEZONE,
    PUBLIC_BASE_URL,
    TELEGRAM_ALLOWED_PER_SECOND,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    after_bulk_seed,
    backend_name,
    bulk_insert,
    cpu_seconds,
    free_port,
    fresh_database,
    make_settings,
    parser,
    start_commbot,
    stop_process,
    verdict,
)
from sqlalchemy import Engine, func, select
from twilio.request_validator import RequestValidator

from commbot.config import Settings
from commbot.db import transaction
from commbot.features.broadcasts import actions
from commbot.features.broadcasts.audiences import Audience, AudienceKind
from commbot.languages import CATALOG_LANGUAGES
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Lane,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
    utcnow,
)
from tests.fakes import FakeTelegram, FakeTwilio, TelegramCall, TwilioCall
from tests.fakes.telegram import SEND_METHODS
from tests.fakes.translation import FakeLibreTranslate

FAMILIES = 10_000
QUICK_FAMILIES = 600
PER_CLASS = 25
LANGUAGES = CATALOG_LANGUAGES  # the ten: en, es, zh-CN, vi, ar, so, ht, pt, ru, tl
TWILIO_MPS = 100.0
SENDER_ID = 1  # the coordinator; teachers are 2, 3, ... (one per class)
STAFF_CHAT = 900_000_000  # + staff id
FAMILY_CHAT = 100_000_000  # + family number
SCHOOL_NUMBER = "+16175550100"  # TWILIO_FROM_NUMBER
WHATSAPP_NUMBER = "+16175550199"  # TWILIO_WHATSAPP_FROM
REPLY_INTO = 8.0  # seconds after the commit: every sender is busy by then
QUICK_REPLY_INTO = 3.0
BETWEEN_REPLIES = 5.0
REPLY_TIMEOUT = 20.0
ENQUEUE_TARGET = 5.0
RATE_TARGET = 0.97
REPLY_TARGET = 1.0
SEEDED = (
    "schools",
    "staff",
    "classes",
    "students",
    "guardians",
    "guardianships",
    "contact_points",
)

TEXT = (
    "Reminder: family conferences are on Thursday from 3 to 7 pm in the school library. "
    "Reply here if you need an interpreter or another time."
)
# What the fake translation server answers for TEXT, by LibreTranslate's language code.
TRANSLATIONS = {
    "es": "Recordatorio: las conferencias con las familias son el jueves de 3 a 7 pm en la "
    "biblioteca de la escuela. Responda aquí si necesita un intérprete u otro horario.",
    "zh": "提醒：家长会将于星期四下午3点至7点在学校图书馆举行。如需翻译或其他时间，请回复此消息。",
    "vi": "Nhắc nhở: buổi họp phụ huynh diễn ra vào thứ Năm từ 3 đến 7 giờ chiều tại thư viện "
    "trường. Hãy trả lời tin nhắn này nếu quý vị cần thông dịch viên hoặc thời gian khác.",
    "ar": "تذكير: اجتماعات أولياء الأمور يوم الخميس من الساعة 3 إلى 7 مساءً في مكتبة المدرسة. "
    "يرجى الرد هنا إذا كنتم بحاجة إلى مترجم أو موعد آخر.",
    "so": "Xusuusin: shirarka waalidiinta waa Khamiista laga bilaabo 3 ilaa 7 galabnimo "
    "maktabadda dugsiga. Halkan ka jawaab haddii aad u baahan tahay turjubaan ama waqti kale.",
    "ht": "Rapèl: reyinyon fanmi yo ap fèt jedi soti 3 rive 7 è diswa nan bibliyotèk lekòl "
    "la. Reponn isit la si ou bezwen yon entèprèt oswa yon lòt lè.",
    "pt": "Lembrete: as reuniões com as famílias são na quinta-feira, das 15h às 19h, na "
    "biblioteca da escola. Responda aqui se precisar de um intérprete ou de outro horário.",
    "ru": "Напоминание: встречи с семьями пройдут в четверг с 15:00 до 19:00 в школьной "
    "библиотеке. Ответьте на это сообщение, если вам нужен переводчик или другое время.",
    "tl": "Paalala: ang mga pulong ng mga pamilya ay sa Huwebes mula 3 hanggang 7 ng hapon sa "
    "aklatan ng paaralan. Sumagot dito kung kailangan ninyo ng tagasalin o ibang oras.",
}
REPLY_TEXT = "Gracias, allí estaremos. Necesitamos un intérprete, por favor. ({marker})"


def libre_code(language: str) -> str:
    return "zh" if language.startswith("zh") else language.split("-")[0]


def expected_words(language: str) -> str:
    """The broadcast's words as a family reading `language` must get them."""
    return TEXT if language == "en" else TRANSLATIONS[libre_code(language)]


# -- seeding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    number: int
    language: str
    channel: Channel  # the channel the broadcast must take
    address: str  # where it must arrive: a chat id, +1..., whatsapp:+1...


@dataclass
class Seeded:
    families: dict[str, Family]  # by the address the broadcast must reach
    classes: int
    replier: Family  # a Spanish-speaking family on SMS
    replier_teacher_chat: int
    in_window: int  # WhatsApp families who wrote within 24 hours
    out_of_window: int  # WhatsApp families who did not: they get SMS

    def by_channel(self) -> Counter[Channel]:
        return Counter(f.channel for f in self.families.values())


def family_plan(n: int) -> tuple[str, Channel, bool]:
    """Family n's language, first channel, and (WhatsApp) whether it wrote within 24 hours:
    languages in turn, channels in turn within each run of ten, so each language has all
    three channels."""
    language = LANGUAGES[n % len(LANGUAGES)]
    channel = (Channel.TELEGRAM, Channel.SMS, Channel.WHATSAPP)[(n // len(LANGUAGES)) % 3]
    return language, channel, (n // 30) % 3 != 0


def sms_number(n: int) -> str:
    return f"+1617{n:07d}"


def whatsapp_number(n: int) -> str:
    return f"+1857{n:07d}"


def seed(engine: Engine, families: int) -> Seeded:
    now = utcnow()
    classes = -(-families // PER_CLASS)
    staff = [
        {
            "id": SENDER_ID,
            "school_id": 1,
            "name": "Maria Lopez",
            "email": "mlopez@bench.example.org",
            "role": StaffRole.COORDINATOR,
            "language": "en",
            "telegram_chat_id": STAFF_CHAT + SENDER_ID,
            "show_back_translation": True,
            "created_at": now,
        }
    ] + [
        {
            "id": c + 1,
            "school_id": 1,
            "name": f"Teacher {c:03d}",
            "email": f"teacher{c}@bench.example.org",
            "role": StaffRole.TEACHER,
            "language": "en",
            "telegram_chat_id": STAFF_CHAT + c + 1,
            "show_back_translation": True,
            "created_at": now,
        }
        for c in range(1, classes + 1)
    ]
    guardians, points, expected = [], [], {}
    in_window = out_of_window = 0
    for n in range(1, families + 1):
        language, channel, recent = family_plan(n)
        guardians.append(
            {
                "id": n,
                "school_id": 1,
                "external_id": f"G{n}",
                "name": f"Guardian {n:05d}",
                "language": language,
                "timezone": DEFAULT_TIMEZONE,
                "quiet_hours": "",
                "preferred_channel": channel,
                "created_at": now,
            }
        )
        point = {"guardian_id": n, "priority": 0, "opted_out": False, "verified": True}
        if channel is Channel.TELEGRAM:
            address = str(FAMILY_CHAT + n)
            points.append({**point, "channel": channel, "address": address, "created_at": now})
            expected[address] = Family(n, language, channel, address)
        elif channel is Channel.SMS:
            address = sms_number(n)
            points.append({**point, "channel": channel, "address": address, "created_at": now})
            expected[address] = Family(n, language, channel, address)
        else:
            wrote = now - dt.timedelta(hours=2 if recent else 72)
            points.append(
                {
                    **point,
                    "channel": channel,
                    "address": whatsapp_number(n),
                    "last_inbound_at": wrote,
                    "created_at": now,
                }
            )
            points.append(
                {
                    **point,
                    "priority": 1,
                    "channel": Channel.SMS,
                    "address": sms_number(n),
                    "created_at": now,
                }
            )
            if recent:
                in_window += 1
                address = "whatsapp:" + whatsapp_number(n)
                expected[address] = Family(n, language, Channel.WHATSAPP, address)
            else:
                out_of_window += 1
                expected[sms_number(n)] = Family(n, language, Channel.SMS, sms_number(n))
    for i, row in enumerate(points, start=1):
        row["id"] = i
        row.setdefault("last_inbound_at", None)
    with engine.begin() as connection:
        bulk_insert(
            connection,
            School.__table__,
            [{"id": 1, "name": "Bench Elementary", "timezone": DEFAULT_TIMEZONE}],
        )
        bulk_insert(connection, Staff.__table__, staff)
        bulk_insert(
            connection,
            SchoolClass.__table__,
            [{"id": c, "school_id": 1, "name": f"{c:03d}"} for c in range(1, classes + 1)],
        )
        bulk_insert(
            connection,
            class_staff,
            [{"class_id": c, "staff_id": c + 1} for c in range(1, classes + 1)],
        )
        bulk_insert(
            connection,
            Student.__table__,
            [
                {
                    "id": n,
                    "school_id": 1,
                    "external_id": f"S{n}",
                    "name": f"Student {n:05d}",
                    "created_at": now,
                }
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(
            connection,
            enrollments,
            [
                {"class_id": (n - 1) // PER_CLASS + 1, "student_id": n}
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(connection, Guardian.__table__, guardians)
        bulk_insert(
            connection,
            Guardianship.__table__,
            [
                {
                    "id": n,
                    "guardian_id": n,
                    "student_id": n,
                    "relationship": "mother",
                    "receives_messages": True,
                    "photo_consent": "none",
                }
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(connection, ContactPoint.__table__, points)
    after_bulk_seed(engine, SEEDED)
    replier = next(
        f
        for f in expected.values()
        if f.language == "es"
        and f.channel is Channel.SMS
        and family_plan(f.number)[1] is Channel.SMS
    )
    teacher = (replier.number - 1) // PER_CLASS + 2
    return Seeded(expected, classes, replier, STAFF_CHAT + teacher, in_window, out_of_window)


# -- sending the broadcast -------------------------------------------------------------


@dataclass(frozen=True)
class Enqueued:
    seconds: float  # create + send_now, up to the commit
    queued: int
    opted_out: int
    unreachable: int


def send_broadcast(engine: Engine, settings: Settings) -> Enqueued:
    """The coordinator sends the broadcast to the whole school: timed up to the commit."""
    start = time.perf_counter()
    with transaction(engine) as session:
        sender = session.get_one(Staff, SENDER_ID)
        now = utcnow()
        audience = Audience(AudienceKind.SCHOOL)
        broadcast = actions.create(session, sender, audience, text=TEXT, language="en", now=now)
        fanned = actions.send_now(session, sender, broadcast, settings=settings, now=now)
    seconds = time.perf_counter() - start
    return Enqueued(seconds, fanned.queued, fanned.opted_out, fanned.unreachable)


def waiting(engine: Engine) -> int:
    """Broadcast deliveries not yet sent (or failed for good)."""
    with transaction(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.lane == int(Lane.BROADCAST),
                    Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
                )
            )
            or 0
        )


# -- a family answers ------------------------------------------------------------------


@dataclass
class ReplySample:
    into: float  # seconds after the broadcast's commit
    status: int  # the web app's answer
    answered: float  # seconds from the webhook's start to its answer
    to_teacher: float | None  # ... to the fake Bot API accepting it in the teacher's chat
    to_sender: float | None  # ... in the broadcast sender's chat


def inbound_form(family: Family, body: str, n: int) -> dict[str, str]:
    """What Twilio posts for an SMS a family sends to the school's number."""
    sid = f"SM{n:032x}"
    return {
        "ToCountry": "US",
        "ToState": "MA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "BOSTON",
        "FromZip": "02134",
        "SmsSid": sid,
        "FromState": "MA",
        "SmsStatus": "received",
        "FromCity": "BOSTON",
        "Body": body,
        "FromCountry": "US",
        "To": SCHOOL_NUMBER,
        "ToZip": "02108",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": family.address,
        "ApiVersion": "2010-04-01",
    }


async def family_reply(
    client: httpx.AsyncClient, telegram: FakeTelegram, seeded: Seeded, n: int, commit: float
) -> ReplySample:
    """The family's signed SMS webhook; then wait for the relayed copies at the fake."""
    marker = f"R{n:03d}"
    form = inbound_form(seeded.replier, REPLY_TEXT.format(marker=marker), n)
    path = "/twilio/inbound"
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
    seen = len(telegram.requests)
    start = time.monotonic()
    response = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    answered = time.monotonic() - start
    chats = {"teacher": seeded.replier_teacher_chat, "sender": STAFF_CHAT + SENDER_ID}
    got: dict[str, float] = {}
    deadline = start + REPLY_TIMEOUT
    while len(got) < len(chats) and time.monotonic() < deadline:
        calls = telegram.requests
        for call in calls[seen:]:
            for who, chat in chats.items():
                text = str(call.params.get("text", ""))
                if who not in got and call.ok and call.chat_id == chat and marker in text:
                    got[who] = call.at - start
        seen = len(calls)
        if got:  # the other copy, if any, follows within a few seconds
            deadline = min(deadline, start + max(got.values()) + 5.0)
        await asyncio.sleep(0.01)
    return ReplySample(
        start - commit, response.status_code, answered, got.get("teacher"), got.get("sender")
    )


# -- the run ---------------------------------------------------------------------------


@dataclass
class Run:
    enqueued: Enqueued
    commit: float  # monotonic time of the broadcast's commit
    replies: list[ReplySample]
    telegram: list[TelegramCall]
    twilio: list[TwilioCall]
    translations: list[tuple[tuple[str, ...], str]]  # (texts, target) per call
    done_after: float | None  # seconds from the commit until nothing was left to send
    notes: list[str] = field(default_factory=list)


async def wait_ready(telegram: FakeTelegram, worker: subprocess.Popen[bytes]) -> None:
    """Until the worker has asked Telegram getMe, and a moment for its leases."""
    deadline = time.monotonic() + 60
    while not any(c.method == "getMe" for c in telegram.requests):
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped (exit {worker.returncode})")
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not start")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)


async def wait_healthy(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the web app did not answer /healthz")
        await asyncio.sleep(0.1)


def family_sends(telegram: FakeTelegram, twilio: FakeTwilio) -> int:
    to_families = sum(
        1
        for c in telegram.requests
        if c.ok
        and c.method in SEND_METHODS
        and isinstance(c.chat_id, int)
        and c.chat_id < STAFF_CHAT
    )
    return to_families + twilio.accepted_count


async def run_broadcast(
    engine: Engine,
    settings: Settings,
    processes: tuple[subprocess.Popen[bytes], str],
    fakes: tuple[FakeTelegram, FakeTwilio, FakeLibreTranslate],
    seeded: Seeded,
    replies: int,
    reply_into: float,
) -> Run:
    worker, web_url = processes
    telegram, twilio, translator = fakes
    families = len(seeded.families)
    notes: list[str] = []
    samples: list[ReplySample] = []
    done_after = None
    async with httpx.AsyncClient(base_url=web_url, timeout=30) as client:
        await wait_healthy(client)
        await wait_ready(telegram, worker)
        print("worker and web app running; sending the broadcast ...", flush=True)
        enqueued = await asyncio.to_thread(send_broadcast, engine, settings)
        commit = time.monotonic()
        cpu_at_commit = cpu_seconds(worker.pid), time.process_time()
        print(f"  enqueued in {enqueued.seconds:.2f} s; sending ...", flush=True)
        # Telegram's share at 30/s, with room to spare.
        deadline = commit + 60 + 2 * families / 3 / TELEGRAM_ALLOWED_PER_SECOND
        next_reply, next_print = commit + reply_into, commit + 10
        while True:
            if worker.poll() is not None:
                notes.append(f"the worker stopped by itself (exit {worker.returncode})")
                break
            now = time.monotonic()
            if len(samples) < replies and now >= next_reply:
                sample = await family_reply(client, telegram, seeded, len(samples) + 1, commit)
                samples.append(sample)
                print(
                    f"  reply {len(samples)} at {sample.into:.1f} s: to the teacher "
                    f"{_seconds(sample.to_teacher)}, to the sender "
                    f"{_seconds(sample.to_sender)}",
                    flush=True,
                )
                next_reply = time.monotonic() + BETWEEN_REPLIES
                continue
            if now >= next_print:
                print(
                    f"  {now - commit:5.0f} s: {family_sends(telegram, twilio)} of "
                    f"{families} families sent to",
                    flush=True,
                )
                next_print += 10
            sent = len(samples) >= replies and family_sends(telegram, twilio) >= families
            if sent and await asyncio.to_thread(waiting, engine) == 0:
                done_after = time.monotonic() - commit
                break
            if now > deadline:
                notes.append(f"gave up {deadline - commit:.0f} s after the commit")
                break
            await asyncio.sleep(0.25)
    elapsed = time.monotonic() - commit
    if worker.poll() is None:
        busy = (cpu_seconds(worker.pid) - cpu_at_commit[0]) / elapsed
        notes.append(f"the worker process used {busy:.0%} of one CPU while sending")
    fakes_busy = (time.process_time() - cpu_at_commit[1]) / elapsed
    notes.append(f"this process (the fakes) used {fakes_busy:.0%} of one CPU meanwhile")
    notes.append(f"load average at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return Run(
        enqueued,
        commit,
        samples,
        telegram.requests,
        twilio.requests,
        [(c.texts, c.target) for c in translator.calls],
        done_after,
        notes,
    )


def _seconds(value: float | None) -> str:
    return "not at all" if value is None else f"{value:.3f} s"


# -- figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderFigures:
    name: str
    allowed: float  # sends per second
    accepted: list[float]  # when the fake accepted each send
    refused_429: int
    other_errors: int
    commit: float

    @property
    def span(self) -> float:
        return max(self.accepted) - self.commit if self.accepted else 0.0

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.span if self.span > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.allowed


def sender_figures(run: Run, mps: float) -> list[SenderFigures]:
    sends = [c for c in run.telegram if c.method in SEND_METHODS]
    figures = [
        SenderFigures(
            "Telegram bot",
            TELEGRAM_ALLOWED_PER_SECOND,
            [c.at for c in sends if c.ok],
            sum(1 for c in sends if c.status == 429),
            sum(1 for c in sends if not c.ok and c.status != 429),
            run.commit,
        )
    ]
    for name, sender in (("SMS number", SCHOOL_NUMBER), ("WhatsApp number", WHATSAPP_NUMBER)):
        calls = [c for c in run.twilio if c.sender in (sender, "whatsapp:" + sender)]
        figures.append(
            SenderFigures(
                name,
                mps,
                [c.at for c in calls if c.ok],
                sum(1 for c in calls if c.status == 429),
                sum(1 for c in calls if not c.ok and c.status != 429),
                run.commit,
            )
        )
    return figures


def translation_counts(run: Run) -> tuple[dict[str, int], int]:
    """Calls that asked for the broadcast's text, by family language; and the others."""
    by_code = Counter(target for texts, target in run.translations if TEXT in texts)
    others = sum(1 for texts, _ in run.translations if TEXT not in texts)
    return {language: by_code.get(libre_code(language), 0) for language in LANGUAGES}, others


def check_families(run: Run, seeded: Seeded) -> list[str]:
    """Every family got the broadcast once, in its language, on the channel it must take."""
    received: Counter[str] = Counter()
    wrong_language: list[str] = []
    stray: list[str] = []
    sends: list[tuple[str, str]] = [
        (str(c.chat_id), str(c.params.get("text") or c.params.get("caption") or ""))
        for c in run.telegram
        if c.ok
        and c.method in SEND_METHODS
        and isinstance(c.chat_id, int)
        and c.chat_id < STAFF_CHAT
    ]
    sends += [(c.to or "", c.body or "") for c in run.twilio if c.ok]
    for address, text in sends:
        family = seeded.families.get(address)
        if family is None:
            stray.append(address)
            continue
        received[address] += 1
        if expected_words(family.language) not in text:
            wrong_language.append(f"{family.language} family {family.number}")
    missing = [a for a in seeded.families if a not in received]
    twice = [a for a, n in received.items() if n > 1]
    problems = []
    if missing:
        problems.append(f"{len(missing)} families got nothing (first: {missing[0]})")
    if twice:
        problems.append(f"{len(twice)} families got it more than once")
    if wrong_language:
        problems.append(
            f"{len(wrong_language)} families got other words than their language's "
            f"(first: {wrong_language[0]})"
        )
    if stray:
        problems.append(f"{len(stray)} sends to an address no family should get it on")
    return problems


def report(run: Run, seeded: Seeded, url: str, mps: float) -> bool:
    """Print the figures and a verdict per target; True if every target and check passed."""
    families = len(seeded.families)
    channels = seeded.by_channel()
    e = run.enqueued
    ok: list[bool] = []
    print()
    print(f"== broadcast to {families} families, {len(LANGUAGES)} languages ==")
    print(f"database:           {backend_name(url)}")
    print(
        f"families:           Telegram {channels[Channel.TELEGRAM]}, SMS {channels[Channel.SMS]}"
        f" (of them {seeded.out_of_window} WhatsApp families outside the 24-hour window), "
        f"WhatsApp {channels[Channel.WHATSAPP]}"
    )
    ok.append(e.seconds <= ENQUEUE_TARGET)
    print(
        f"enqueue:            {e.seconds:.2f} s, create + send_now up to the commit "
        f"({e.queued} queued, {e.opted_out} opted out, {e.unreachable} unreachable) "
        f"(target <= {ENQUEUE_TARGET:g} s on SQLite) [{verdict(ok[-1])}]"
    )
    counts, others = translation_counts(run)
    ok.append(counts["en"] == 0 and all(n == 1 for lang, n in counts.items() if lang != "en"))
    print(
        "translation calls:  "
        + ", ".join(f"{lang} {n}" for lang, n in counts.items())
        + f" (target 1 per non-English language, 0 for en) [{verdict(ok[-1])}]"
    )
    print(f"                    {others} other call(s): the family's reply, for the staff")
    print("dispatch, per sender (sends accepted / time from the commit to its last):")
    for f in sender_figures(run, mps):
        ok.append(f.ratio >= RATE_TARGET and f.refused_429 == 0)
        first = min(f.accepted) - f.commit if f.accepted else float("nan")
        print(
            f"  {f.name:16}  {len(f.accepted):5d} sent in {f.span:6.1f} s = {f.rate:6.2f}/s = "
            f"{f.ratio:.3f} of {f.allowed:g}/s, {f.refused_429} 429s "
            f"(target >= {RATE_TARGET}, 0) [{verdict(ok[-1])}]"
        )
        print(
            f"  {'':16}  first {first:.2f} s after the commit"
            + (f"; {f.other_errors} other errors" if f.other_errors else "")
        )
    for sample in run.replies:
        print(
            f"family reply:       {sample.into:.1f} s into the broadcast; the webhook answered "
            f"{sample.status} in {sample.answered * 1000:.0f} ms"
        )
        for who, latency in (("the sender", sample.to_sender), ("the teacher", sample.to_teacher)):
            ok.append(sample.status == 200 and latency is not None and latency <= REPLY_TARGET)
            print(
                f"  relayed to {who + ':':12} accepted by Telegram {_seconds(latency)} after "
                f"the webhook's start (target <= {REPLY_TARGET:g} s) [{verdict(ok[-1])}]"
            )
    problems = check_families(run, seeded)
    ok.append(not problems)
    print(
        f"checks:             every family got it once, in its language, on its channel "
        f"[{verdict(ok[-1])}]"
    )
    for problem in problems:
        print(f"  CHECK FAILED: {problem}")
    if run.done_after is not None:
        print(f"broadcast done:     nothing left to send {run.done_after:.1f} s after the commit")
    for note in run.notes:
        print(f"note:               {note}")
    return all(ok)


# -- main ------------------------------------------------------------------------------


def provider_env(
    url: str,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    translator: FakeLibreTranslate,
    mps: float,
    media_dir: Path,
) -> dict[str, str]:
    """The worker's and the web app's environment: the fakes as providers."""
    return {
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_FROM_NUMBER": SCHOOL_NUMBER,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_NUMBER,
        "COMMBOT_TWILIO_MPS": f"{mps:g}",
        "COMMBOT_TRANSLATOR": "libretranslate",
        "LIBRETRANSLATE_URL": translator.base_url,
        "COMMBOT_MEDIA_DIR": str(media_dir),
        "COMMBOT_DEFAULT_TIMEZONE": DEFAULT_TIMEZONE,
    }


def log_errors(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if " ERROR " in line or "Traceback" in line]


async def main_async(args: argparse.Namespace) -> bool:
    families = QUICK_FAMILIES if args.quick and args.families is None else args.families
    families = families or FAMILIES
    reply_into = QUICK_REPLY_INTO if args.quick else REPLY_INTO
    with fresh_database(args.database_url) as (url, engine):
        print(
            f"database: {backend_name(url)}; load average {os.getloadavg()[0]:.2f} on "
            f"{os.cpu_count()} CPUs before the run"
        )
        start = time.perf_counter()
        seeded = await asyncio.to_thread(seed, engine, families)
        print(
            f"seeded {families} families ({seeded.classes} classes) in "
            f"{time.perf_counter() - start:.1f} s"
        )
        phrasebook = {(TEXT, code): words for code, words in TRANSLATIONS.items()}
        mps = args.twilio_mps
        with (
            tempfile.TemporaryDirectory(prefix="commbot-bench-") as tmp_name,
            FakeTelegram(enforce_limits=True) as telegram,
            FakeTwilio(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, enforce_mps=mps) as twilio,
            FakeLibreTranslate(phrasebook=phrasebook) as translator,
        ):
            tmp = Path(tmp_name)
            env = provider_env(url, telegram, twilio, translator, mps, tmp / "media")
            settings = make_settings(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
            port = free_port()
            logs = {"worker": tmp / "worker.log", "web app": tmp / "web.log"}
            web = start_commbot(["serve", "--port", str(port)], env, logs["web app"], tmp / "cwd")
            worker = start_commbot(["worker"], env, logs["worker"], tmp / "cwd")
            try:
                run = await run_broadcast(
                    engine,
                    settings,
                    (worker, f"http://127.0.0.1:{port}"),
                    (telegram, twilio, translator),
                    seeded,
                    args.replies,
                    reply_into,
                )
            finally:
                stop_process(worker)
                stop_process(web)
            for name, log in logs.items():
                if errors := log_errors(log):
                    run.notes.append(f"{name} log: {len(errors)} error lines, first: {errors[0]}")
                if args.keep_logs:
                    kept = Path(args.keep_logs) / log.name
                    kept.write_bytes(log.read_bytes())
    return report(run, seeded, url, mps)


def main() -> None:
    p = parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--families", type=int, default=None, help=f"families (default {FAMILIES})")
    p.add_argument(
        "--twilio-mps",
        type=float,
        default=TWILIO_MPS,
        help=f"COMMBOT_TWILIO_MPS, enforced by the fake per sender (default {TWILIO_MPS:g})",
    )
    p.add_argument("--replies", type=int, default=1, help="family replies to time, 5 s apart")
    p.add_argument("--quick", action="store_true", help=f"a small run ({QUICK_FAMILIES} families)")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the worker's and web app's logs here")
    args = p.parse_args()
    if args.families is not None and args.families < 30:
        p.error("--families must be at least 30 (every language on every channel)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)
    if not asyncio.run(main_async(args)):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
