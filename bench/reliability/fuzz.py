"""Webhook fuzzing against a running server: answers by status, 5xx count, memory held.

Starts commbot's web app under uvicorn on 127.0.0.1 in a child process (as `commbot serve`
does), on a fresh database holding the example roster with Emily Carter's Telegram linked,
then:

1. Memory: posts an unsigned 48 MB Twilio form, and (to a fresh server) a 48 MB Telegram
   body with the right secret; reports how far each grew the server's peak resident memory
   (VmHWM in /proc/PID/status) and what it answered.
2. Fuzzing: sends N odd, validly signed requests (Telegram updates, Twilio inbound and
   status forms, media links), drawn from the strategies of tests/test_fuzz_webhooks.py, and
   prints the answers by status code and the number of 5xx.

Runs on SQLite, and on PostgreSQL when a URL is given (`--database-url` or
COMMBOT_BENCH_DATABASE_URL; schema public there is dropped and re-created).

    python bench/reliability/fuzz.py [--requests 5000] [--database-url URL]

The server runs whatever `commbot` its Python finds first: `PYTHONPATH=/path/to/other/checkout`
measures that checkout's code with these same requests (the client side stays this one's).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/_common
import httpx  # noqa: E402
from _common import (  # noqa: E402
    PUBLIC_BASE_URL,
    REPO_ROOT,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    backend_name,
    clean_environment,
)
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.test_fuzz_webhooks import (  # noqa: E402
    STAFF_CHAT,
    FuzzRequest,
    media_requests,
    telegram_requests,
    twilio_requests,
)

SECRET = "bench-telegram-secret"
BIG = 48 * 1024 * 1024
STAFF_EMAIL = "ecarter@lincoln.example.org"

# Run in the server's own Python (its PYTHONPATH), so an older checkout migrates its own
# schema: a fresh database with the example roster, an invite for Emily Carter, one photo.
SETUP = """
import json, sys, datetime as dt
from pathlib import Path
from sqlalchemy import select, text
from commbot.db import make_engine, transaction
from commbot.invites import create_invite
from commbot.media import MediaStore
from commbot.migrate import upgrade
from commbot.models import Staff
from commbot.roster import import_roster
url, media_dir, roster = sys.argv[1:4]
engine = make_engine(url)
if url.startswith("postgresql"):
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
upgrade(engine)
now = dt.datetime.now(dt.UTC)
with transaction(engine) as session:
    import_roster(session, Path(roster))
with transaction(engine) as session:
    staff = session.scalar(select(Staff).where(Staff.email == sys.argv[4]))
    code = create_invite(session, staff=staff, now=now)
    token = MediaStore(media_dir).save(session, b"\\x89PNG", "image/png", now)
import commbot
print(json.dumps({"code": code, "token": token, "commbot": commbot.__file__}))
"""

SERVE = """
import sys
from commbot.config import load_settings
from commbot.db import make_engine
from commbot.server import serve
settings = load_settings()
serve(settings, make_engine(settings.database_url), port=int(sys.argv[1]))
"""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memory(self) -> dict[str, int]:
        """The server's resident memory now and at its peak, in KiB."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
        return values

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Environment:
    database_url: str
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    invite: str = ""
    token: str = ""
    server_code: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(database_url: str, tmp: Path) -> Environment:
    environment = Environment(database_url, tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
        COMMBOT_TRANSLATOR="none",
        COMMBOT_MEDIA_DIR=str(tmp / "media"),
    )
    environment.env = env
    result = subprocess.run(
        [sys.executable, "-c", SETUP, database_url, str(tmp / "media"),
         str(REPO_ROOT / "examples" / "roster.csv"), STAFF_EMAIL],
        env=env, cwd=tmp, capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = json.loads(result.stdout.strip().splitlines()[-1])
    environment.invite, environment.token = found["code"], found["token"]
    environment.server_code = str(Path(found["commbot"]).parent)
    return environment


def start(environment: Environment, name: str) -> Server:
    port = free_port()
    log = environment.tmp / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        env=environment.env,
        cwd=environment.tmp,  # not the checkout: the server imports the commbot it is given
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{server.url}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


def raw_post(
    port: int, path: str, headers: dict[str, str], pieces: list[bytes], chunked: bool
) -> str:
    """POST the body made of `pieces`, as a client that keeps sending whatever the server
    does: with a Content-Length, or chunked (no length given, so only a limit applied while
    reading can stop it). The status line the server answered, or how the connection
    ended."""
    size = sum(len(piece) for piece in pieces)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{length}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"

    def framed(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data

    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(head.encode())
            for piece in pieces:
                sock.sendall(framed(piece))
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed while we were still sending
        try:
            answer = sock.recv(200).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError as exc:
            answer = f"connection ended: {type(exc).__name__}"
    return answer or "connection closed without an answer"


def twilio_pieces() -> list[bytes]:
    """48 MB of form: 96 fields of 512 KiB each, in 64 KiB pieces (a form parser's usual
    limits, 1 MB a field and 1,000 fields, let each of them through)."""
    field_size = 512 * 1024
    pieces = []
    for index in range(BIG // field_size):
        name = b"%sF%d=" % (b"&" if index else b"", index)
        pieces.append(name)
        pieces.extend([b"a" * 65536] * (field_size // 65536))
    return pieces


def telegram_pieces() -> list[bytes]:
    """48 MB of JSON: one update whose text is 48 MB long."""
    return [b'{"update_id": 1, "message": {"text": "', *[b"a" * 65536] * (BIG // 65536), b'"}}']


def warm_up(server: Server, environment: Environment) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(3):
            client.get("/healthz")


def big_body(environment: Environment, kind: str, chunked: bool) -> tuple[str, int, float]:
    """What a fresh server answers to a 48 MB body, how far its peak memory grew (KiB), and
    how long the answer took."""
    server = start(environment, f"big-{kind}")
    try:
        warm_up(server, environment)
        before = server.memory()["VmRSS"]
        began = time.monotonic()
        if kind == "twilio":
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": "unsigned",
            }
            answer = raw_post(server.port, "/twilio/inbound", headers, twilio_pieces(), chunked)
        else:
            headers = {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            }
            pieces = telegram_pieces()
            answer = raw_post(server.port, "/telegram/webhook", headers, pieces, chunked)
        took = time.monotonic() - began
        time.sleep(0.3)
        return answer, server.memory()["VmHWM"] - before, took
    finally:
        server.stop()


def route(path: str) -> str:
    return "/media/…" if path.startswith("/media/") else path


def fuzz(
    environment: Environment, count: int
) -> tuple[Counter[int], Counter[str], list[str], float]:
    server = start(environment, "fuzz")
    statuses: Counter[int] = Counter()
    errors_by_path: Counter[str] = Counter()
    failures: list[str] = []
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            start_update = {"update_id": 1, "message": {
                "message_id": 1, "date": int(time.time()),
                "chat": {"id": STAFF_CHAT, "type": "private", "first_name": "E"},
                "from": {"id": STAFF_CHAT, "is_bot": False, "first_name": "E"},
                "text": f"/start {environment.invite}"}}  # fmt: skip
            linked = client.post(
                "/telegram/webhook",
                json=start_update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            linked.raise_for_status()
            requests = st.one_of(
                telegram_requests(SECRET),
                telegram_requests(SECRET),
                twilio_requests("/twilio/inbound", PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN),
                twilio_requests("/twilio/status", PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN),
                media_requests((environment.token,)),
            )

            @seed(20261201)
            @settings(
                max_examples=count,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(request=requests)
            def send(request: FuzzRequest) -> None:
                try:
                    response = client.request(
                        request.method, request.path, headers=request.headers,
                        content=request.body,
                    )  # fmt: skip
                except httpx.HTTPError as exc:
                    statuses[0] += 1
                    errors_by_path[route(request.path)] += 1
                    failures.append(f"no answer ({type(exc).__name__}) to {request.describe()}")
                    return
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors_by_path[route(request.path)] += 1
                    failures.append(f"{response.status_code} for {request.describe()[:300]}")

            started = time.monotonic()
            send()
            return statuses, errors_by_path, failures, time.monotonic() - started
    finally:
        server.stop()


def run(database_url: str | None, count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="commbot-fuzz-") as name:
        tmp = Path(name)
        url = database_url or f"sqlite:///{tmp / 'fuzz.db'}"
        environment = prepare(url, tmp)
        print(f"\n== {backend_name(url)} (server code: {environment.server_code})")
        for kind in ("twilio", "telegram"):
            for chunked in (False, True):
                answer, grown, took = big_body(environment, kind, chunked)
                what = "unsigned Twilio form" if kind == "twilio" else "Telegram body"
                how = "chunked, no length" if chunked else "Content-Length given"
                print(
                    f"48 MB {what} ({how}): {answer!r} after {took:.1f} s; "
                    f"server peak memory grew {grown / 1024:.1f} MB"
                )
        statuses, by_path, failures, took = fuzz(environment, count)
        total = sum(statuses.values())
        print(f"{total} odd, validly signed requests in {took:.1f} s:")
        for status, n in sorted(statuses.items()):
            print(f"  {status or 'no answer'}: {n}")
        errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
        print(f"5xx (or no answer): {errors}", dict(by_path) if by_path else "")
        for failure in failures[:5]:
            print(f"  e.g. {failure}")
        return {"statuses": statuses, "errors": errors}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=5000, help="odd requests per database")
    p.add_argument(
        "--database-url",
        default=os.environ.get("COMMBOT_BENCH_DATABASE_URL") or None,
        help="also run on this PostgreSQL database (schema public is dropped and re-created)",
    )
    args = p.parse_args()
    clean_environment()
    errors = run(None, args.requests)["errors"]
    if args.database_url:
        url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        errors += run(url, args.requests)["errors"]
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
