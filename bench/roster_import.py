"""How long `roster import` takes for a large district file, and a re-import of it unchanged.

Writes a roster CSV of 20,000 rows (`--rows`): 200 classes of about 75 students, one teacher
each, one or two guardians per student (one row per guardian–student pair), languages spread
over en/es/vi/ar/zh-CN, one family in ten on WhatsApp, one in five with quiet hours. Then it
imports it into a fresh database with `import_roster` and commits, timed with
`time.perf_counter()`, and does the same again with the same file (nothing changes), and a
third time as a full import (`full=True`, nothing to remove). Targets on SQLite: the first
import within 20 s, the unchanged re-import within 10 s.

    python bench/roster_import.py [--rows 20000] [--database-url URL]
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from _common import backend_name, fresh_database, parser

from commbot.db import transaction
from commbot.roster import COLUMNS, Outcome, import_roster

LANGUAGES = ("en", "es", "vi", "ar", "zh-CN")
TARGETS = {"first import": 20.0, "unchanged re-import": 10.0}


def write_roster(path: Path, rows: int) -> None:
    """`rows` guardian–student pairs: every third student has a second guardian."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        student = 0
        written = 0
        while written < rows:
            student += 1
            room = student % 200 + 1
            for guardian in range(2 if student % 3 == 0 else 1):
                if written == rows:
                    break
                number = student * 2 + guardian
                family = student * 7 + guardian
                writer.writerow(
                    [
                        f"S{student:06d}",
                        f"Student {student}",
                        f"Room {room}",
                        f"Teacher {room}",
                        f"teacher{room}@district.example",
                        f"Guardian {number}",
                        "mother" if guardian == 0 else "father",
                        f"+1617{2000000 + number:07d}",
                        LANGUAGES[family % len(LANGUAGES)],
                        "whatsapp" if family % 10 == 0 else "sms",
                        "",
                        "22:00-07:00" if family % 5 == 0 else "",
                        "group" if family % 2 == 0 else "none",
                    ]
                )
                written += 1


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="commbot-roster-") as tmp:
        path = Path(tmp) / "roster.csv"
        write_roster(path, args.rows)
        with fresh_database(args.database_url) as (url, engine):
            print(f"roster import of {args.rows:,} rows on {backend_name(url)}")
            figures: dict[str, float] = {}
            for name, full in (
                ("first import", False),
                ("unchanged re-import", False),
                ("unchanged full re-import", True),
            ):
                started = time.perf_counter()
                with transaction(engine) as session:
                    report = import_roster(session, path, "District School", full=full)
                figures[name] = time.perf_counter() - started
                counts = ", ".join(f"{report.counts[o]} {o.value}" for o in Outcome)
                print(
                    f"  {name:<26} {figures[name]:7.2f} s   ({counts}; "
                    f"{len(report.removed)} removed)"
                )
    failed = False
    if backend_name(url) == "SQLite":
        for name, target in TARGETS.items():
            ok = figures[name] <= target
            failed |= not ok
            print(f"  {name}: {'meets' if ok else 'MISSES'} the {target:.0f} s target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
