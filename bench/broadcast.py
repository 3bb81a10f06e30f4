"""A coordinator's broadcast to 10,000 families in ten languages over Telegram, SMS and
WhatsApp: time to enqueue, translation calls, dispatch rate per sender, and a family's reply
while it goes.

The school is `_broadcast_school.py`: 400 classes of 25, the ten catalog languages in turn,
a third each on Telegram, SMS and WhatsApp (a third of the WhatsApp families outside the
24-hour window: they get SMS), no quiet hours. `commbot worker` and `commbot serve` run as
their own processes, configured by their environment only, against fakes served here:
`FakeTelegram(enforce_limits=True)` (429 above 30 sends in any second, or 1/s per chat),
`FakeTwilio(enforce_mps=MPS)` (429 to a send that would put more than MPS segments into the
same sender's trailing second: Twilio's MPS counts SMS segments) and a LibreTranslate fake
that counts its calls. Once the worker is idle, the coordinator's broadcast to the whole
school is created and sent (`broadcasts.actions.create` + `send_now`, timed up to the
commit). Some seconds in, a Spanish-speaking family on SMS answers through a signed Twilio
webhook to the web app; that is timed from the webhook's start until the fake Bot API
accepts the relayed message in the sender's chat, and the copy in the class teacher's.

    python bench/broadcast.py [--families 10000] [--twilio-mps 100] [--replies 1]
        [--quick] [--keep-logs DIR] [--database-url URL]

A sender's rate is what it had accepted after its first send (messages; for the SMS number,
segments, as Twilio counts its MPS) divided by the time from its first acceptance to its
last, as a share of what it allows (Telegram 30/s; the SMS number and the WhatsApp number
COMMBOT_TWILIO_MPS each). How long the first send took after the commit is printed apart.
Every family's message is checked: once, in its language, on its channel. Exit status 1 if
a target or a check is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _broadcast_school import (
    LANGUAGES,
    REPLY_TEXT,
    SCHOOL_NUMBER,
    SENDER_ID,
    STAFF_CHAT,
    TEXT,
    TRANSLATIONS,
    WHATSAPP_NUMBER,
    Family,
    Seeded,
    expected_words,
    libre_code,
    seed,
)
from _common import (
    DEFAULT_TIMEZONE,
    PUBLIC_BASE_URL,
    TELEGRAM_ALLOWED_PER_SECOND,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    backend_name,
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
from commbot.i18n import translations
from commbot.models import Channel, Delivery, DeliveryStatus, Lane, Staff, utcnow
from tests.fakes import FakeTelegram, FakeTwilio, TelegramCall, TwilioCall
from tests.fakes.segments import sms_segments
from tests.fakes.telegram import SEND_METHODS
from tests.fakes.translation import FakeLibreTranslate

FAMILIES = 10_000
QUICK_FAMILIES = 600
TWILIO_MPS = 100.0
REPLY_INTO = 8.0  # seconds after the commit: every sender is busy by then
QUICK_REPLY_INTO = 3.0
BETWEEN_REPLIES = 5.0
REPLY_TIMEOUT = 20.0
ENQUEUE_TARGET = 5.0
RATE_TARGET = 0.97
REPLY_TARGET = 1.0


# -- sending the broadcast -------------------------------------------------------------


@dataclass(frozen=True)
class Enqueued:
    seconds: float  # create + send_now, up to the commit
    catalogs: float  # compiling the ten catalogs first, as a fresh process does once
    queued: int
    opted_out: int
    unreachable: int


def send_broadcast(engine: Engine, settings: Settings) -> Enqueued:
    """The coordinator sends the broadcast to the whole school: timed up to the commit, with
    the catalogs already compiled, as in the web app that has run a while (timed apart)."""
    start = time.perf_counter()
    for language in LANGUAGES:
        translations(language)
    catalogs = time.perf_counter() - start
    start = time.perf_counter()
    with transaction(engine) as session:
        sender = session.get_one(Staff, SENDER_ID)
        now = utcnow()
        audience = Audience(AudienceKind.SCHOOL)
        broadcast = actions.create(session, sender, audience, text=TEXT, language="en", now=now)
        fanned = actions.send_now(session, sender, broadcast, settings=settings, now=now)
    seconds = time.perf_counter() - start
    return Enqueued(seconds, catalogs, fanned.queued, fanned.opted_out, fanned.unreachable)


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
        # The fakes run in this process and stand in for servers that never stop for its
        # garbage collector: its full passes over the seeded school (0.15 s each) showed as
        # gaps in every sender's sends.
        gc.freeze()
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
    allowed: float  # units per second
    accepted: list[tuple[float, int]]  # when the fake accepted each send, and its units
    refused_429: int
    other_errors: int
    commit: float
    unit: str = "messages"

    @property
    def span(self) -> float:
        times = [at for at, _ in self.accepted]
        return max(times) - min(times) if times else 0.0

    @property
    def units(self) -> int:
        return sum(n for _, n in self.accepted)

    @property
    def rate(self) -> float:
        """Units per second after the first send (the first starts the clock)."""
        if self.span <= 0:
            return 0.0
        first = min(self.accepted)
        return (self.units - first[1]) / self.span

    @property
    def ratio(self) -> float:
        return self.rate / self.allowed


def sender_figures(run: Run, mps: float) -> list[SenderFigures]:
    sends = [c for c in run.telegram if c.method in SEND_METHODS]
    figures = [
        SenderFigures(
            "Telegram bot",
            TELEGRAM_ALLOWED_PER_SECOND,
            [(c.at, 1) for c in sends if c.ok],
            sum(1 for c in sends if c.status == 429),
            sum(1 for c in sends if not c.ok and c.status != 429),
            run.commit,
        )
    ]
    for name, sender in (("SMS number", SCHOOL_NUMBER), ("WhatsApp number", WHATSAPP_NUMBER)):
        calls = [c for c in run.twilio if c.sender in (sender, "whatsapp:" + sender)]
        sms = sender == SCHOOL_NUMBER
        figures.append(
            SenderFigures(
                name,
                mps,
                [(c.at, sms_segments(c.body or "") if sms else 1) for c in calls if c.ok],
                sum(1 for c in calls if c.status == 429),
                sum(1 for c in calls if not c.ok and c.status != 429),
                run.commit,
                "segments" if sms else "messages",
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
    sqlite = not url.startswith("postgresql")
    if sqlite:
        ok.append(e.seconds <= ENQUEUE_TARGET)
    print(
        f"enqueue:            {e.seconds:.2f} s, create + send_now up to the commit "
        f"({e.queued} queued, {e.opted_out} opted out, {e.unreachable} unreachable) "
        f"(target <= {ENQUEUE_TARGET:g} s on SQLite) "
        + (f"[{verdict(ok[-1])}]" if sqlite else "[no target here]")
    )
    print(
        f"                    catalogs compiled before: {e.catalogs:.2f} s, once per process "
        "(the web app has them; `commbot broadcast` pays it on every run)"
    )
    counts, others = translation_counts(run)
    ok.append(counts["en"] == 0 and all(n == 1 for lang, n in counts.items() if lang != "en"))
    print(
        "translation calls:  "
        + ", ".join(f"{lang} {n}" for lang, n in counts.items())
        + f" (target 1 per non-English language, 0 for en) [{verdict(ok[-1])}]"
    )
    print(f"                    {others} other call(s): the family's reply, for the staff")
    print("dispatch, per sender (accepted after the first / time from the first to the last):")
    for f in sender_figures(run, mps):
        ok.append(f.ratio >= RATE_TARGET and f.refused_429 == 0)
        first = min(f.accepted)[0] - f.commit if f.accepted else float("nan")
        print(
            f"  {f.name:16}  {len(f.accepted):5d} sent ({f.units} {f.unit}) in {f.span:6.1f} s"
            f" = {f.rate:6.2f}/s = {f.ratio:.3f} of {f.allowed:g}/s, {f.refused_429} 429s "
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
    p = parser(" ".join((__doc__ or "").split("\n\n")[0].split()))
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
