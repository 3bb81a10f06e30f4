"""Run the reliability experiments (kill, faults, fuzz, scale-out) and print their figures.

Each experiment runs as its own process with a time bound (killed, with everything it
started, if it overruns), on 127.0.0.1 only. Without `--database-url` the experiments that
can run on SQLite do, and scale-out (PostgreSQL only) is skipped; with it, each runs in a
scratch schema of that database, dropped afterwards.

    python bench/reliability/run.py [--quick] [--database-url URL] [--code DIR]
        [--only kill,faults,fuzz,scaleout] [--check] [--sequential]

`--quick` is the CI run: small bursts, the experiments side by side, about two minutes in
all. Without it, the full experiments run one after another (about 20 minutes on the code
before issue 10, mostly waiting out its 5-minute claims). `--check` makes the exit status
1 when an experiment misses a correctness goal or overruns its bound; figures that are times
are printed, never judged.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPERIMENTS = ("kill", "faults", "fuzz", "scaleout")
# Seconds each may take, quick and full (the full bounds cover the old code's 5-minute claims).
BOUNDS = {
    "kill": (110, 900),
    "faults": (120, 1000),
    "fuzz": (120, 1200),
    "scaleout": (150, 700),
}


@dataclass
class Running:
    name: str
    popen: subprocess.Popen[bytes]
    output: Path
    started: float
    bound: float
    timed_out: bool = False

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)  # it cleans up what it started
            self.popen.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(15)


def supported_flags(script: Path) -> str:
    """The experiment's --help text, to pass it only the options it has."""
    try:
        return subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


QUICK_REQUESTS = "400"  # for an experiment without --quick that takes --requests (fuzz)


def command(name: str, args: argparse.Namespace) -> tuple[list[str], dict[str, str]] | None:
    """The experiment's command line and extra environment, or None if it is absent."""
    script = HERE / f"{name}.py"
    if not script.exists():
        return None
    flags = supported_flags(script)
    cmd = [sys.executable, str(script)]
    env: dict[str, str] = {}
    if args.quick and "--quick" in flags:
        cmd.append("--quick")
    elif args.quick and "--requests" in flags:
        cmd += ["--requests", QUICK_REQUESTS]
    if args.database_url and "--database-url" in flags:
        cmd += ["--database-url", args.database_url]
    if args.code and "--code" in flags:
        cmd += ["--code", str(args.code)]
    elif args.code:
        env["PYTHONPATH"] = str(args.code.resolve())  # its processes run that commbot
    if args.check and "--check" in flags:
        cmd.append("--check")
    return cmd, env


def start(name: str, cmd: list[str], env: dict[str, str], tmp: Path, bound: float) -> Running:
    output = tmp / f"{name}.txt"
    with output.open("wb") as out:
        popen = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
    print(f"started {name} (bound {bound:.0f} s)", flush=True)
    return Running(name, popen, output, time.monotonic(), bound)


def wait(runs: list[Running]) -> None:
    pending = list(runs)
    while pending:
        time.sleep(0.5)
        for run in list(pending):
            if run.popen.poll() is not None:
                pending.remove(run)
            elif time.monotonic() - run.started > run.bound:
                run.timed_out = True
                run.kill()
                pending.remove(run)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--database-url", default=os.environ.get("COMMBOT_BENCH_DATABASE_URL"))
    p.add_argument("--code", type=Path, default=None, help="the commbot checkout to measure")
    p.add_argument("--only", default=",".join(EXPERIMENTS))
    p.add_argument("--check", action="store_true")
    p.add_argument("--sequential", action="store_true", help="one at a time even with --quick")
    args = p.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(names) - set(EXPERIMENTS))
    if unknown:
        p.error(f"unknown experiment(s): {', '.join(unknown)}")
    side_by_side = args.quick and not args.sequential
    started = time.monotonic()
    results: list[Running] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="commbot-reliability-run-") as tmp_name:
        tmp = Path(tmp_name)
        runs: list[Running] = []

        def stop(signum: int, frame: object) -> None:
            for run in runs:
                if run.popen.poll() is None:
                    run.kill()
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for name in names:
            found = command(name, args)
            if found is None:
                skipped.append(name)
                continue
            bound = BOUNDS[name][0 if args.quick else 1]
            runs.append(start(name, *found, tmp, bound))
            if not side_by_side:
                wait(runs[-1:])
        wait(runs)
        for run in runs:
            print()
            print(run.output.read_text(errors="replace").rstrip())
            if run.timed_out:
                print(f"== {run.name}: STOPPED after its bound of {run.bound:.0f} s ==")
            results.append(run)
    print()
    print("== reliability run ==")
    for run in results:
        code = run.popen.returncode
        state = "overran its bound" if run.timed_out else ("ok" if code == 0 else f"exit {code}")
        print(f"  {run.name:<9} {state}")
    for name in skipped:
        print(f"  {name:<9} not present")
    print(f"  done in {time.monotonic() - started:.0f} s")
    failed = any(r.timed_out or r.popen.returncode != 0 for r in results)
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
