"""SMS segments per message, before and after keeping GSM-7 and splitting on segment
boundaries, for every catalog text and a sample of machine-translated texts in all ten
languages.

Catalog texts: every msgstr (each plural form) of locales/*/LC_MESSAGES/commbot.po, an
untranslated one read in English as gettext does, with its placeholders filled by plausible
values (names, numbers, a link; times and dates as babel writes them in that language, as
`commbot.i18n.times` sends them, narrow no-break spaces and all). Translated sample:
bench/data/translated_sample.json (school notices with the marks machine translation adds),
and per language a "newsletter": all of its notices in one message, to measure splitting.

Before: the text as it is, split as the sender did (`commbot.text.split_text` at 1,600
characters). After: what the sender now sends, `commbot.sms.plan` (`keep_gsm7`, then
`split_for_sms`). Every part is counted by `commbot.sms` and by the fake carrier
(tests/fakes/segments.py, written apart from it); the two must agree.

    python bench/segments.py [--details]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _common import REPO_ROOT
from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.pofile import read_po

from commbot import sms
from commbot.text import split_text
from tests.fakes.segments import sms_segments as carrier_segments

LOCALES = REPO_ROOT / "locales"
SAMPLE = Path(__file__).parent / "data" / "translated_sample.json"
MEETING = dt.datetime(2026, 11, 24, 16, 0)

VALUES = {
    "student": "Alfredo Pérez",
    "guardian": "Rosa Pérez",
    "guardians": "Rosa Pérez, Miguel Pérez",
    "staff": "Emily Carter",
    "name": "Rosa Pérez",
    "owner": "Emily Carter",
    "organizer": "Emily Carter",
    "names": "Rosa Pérez, Miguel Pérez",
    "recipients": "Rosa Pérez",
    "children": "Alfredo Pérez",
    "relationship": "mother",
    "role": "teacher",
    "channel": "SMS",
    "failed": "WhatsApp",
    "number": "2",
    "count": "3",
    "n": "4",
    "total": "12",
    "most": "500",
    "minutes": "30",
    "rating": "4",
    "grade": "7",
    "sent": "14",
    "skipped": "1",
    "unreached": "0",
    "photos": "3",
    "days": "Mon, Wed",
    "target": "Room 12",
    "class_name": "Room 12",
    "command": "/hello",
    "code": "xx",
    "terms": "IEP (the plan for your child's learning at school)",
    "link": "https://meet.example.org/abc-defg-hij",
    "phone": "+1 617 555 0100",
    "words": "Can he have more time on tests?",
    "scale": "good",
    "zone": "America/New_York",
    "titles": "Reading plan, Progress report",
    "purpose": "IEP review",
    "state": "confirmed",
    "status": "delivered",
    "needs": "an interpreter",
    "about": " of Room 12",
    "caption": "Our trip to the aquarium",
    "current": "allowed",
    "example": "2026-12-01",
    "iso": "2026-12-01",
    "short": "12/1",
}


def placeholder_values(language: str) -> dict[str, str]:
    """`VALUES`, with the language's own name and times and dates in its words."""
    locale = language
    time = format_time(MEETING, format="short", locale=locale)
    day = format_date(MEETING, format="full", locale=locale)
    weekday = format_date(MEETING, "EEEE", locale=locale)
    return VALUES | {
        "language": Locale.parse(locale).get_display_name(locale) or language,
        "time": time,
        "end": time,
        "when": f"{weekday} {time}",
        "slot": f"{day}, {time}",
        "date": day,
        "choice": f"{weekday} {time}",
    }


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "X"


def catalog_texts(language: str) -> Iterator[str]:
    with (LOCALES / language / "LC_MESSAGES" / "commbot.po").open("rb") as handle:
        catalog = read_po(handle)
    values = _Blank(placeholder_values(language))
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            text = string or ids[min(index, len(ids) - 1)]
            yield text.format_map(values)


def sample_texts(language: str) -> list[str]:
    texts: list[str] = json.loads(SAMPLE.read_text(encoding="utf-8"))["texts"][language]
    return texts


def segments_of(parts: list[str]) -> int:
    total = 0
    for part in parts:
        ours = sms.count(part).segments
        assert ours == carrier_segments(part), f"commbot and the carrier disagree on {part!r}"
        total += ours
    return total


@dataclass
class Row:
    texts: int = 0
    before: int = 0
    after: int = 0
    gsm_before: int = 0
    gsm_after: int = 0
    changed: int = 0  # UCS-2 before, GSM-7 (every part) after
    parts_before: int = 0
    parts_after: int = 0
    worst: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, text: str) -> None:
        before_parts = split_text(text, 1600) if text else [""]
        plan = sms.plan(text)
        before, after = segments_of(before_parts), segments_of([p.text for p in plan])
        assert after == sum(p.segments for p in plan) == sms.billed_segments(text)
        gsm_before = all(sms.is_gsm7(p) for p in before_parts)
        gsm_after = all(p.encoding is sms.Encoding.GSM7 for p in plan)
        self.texts += 1
        self.before += before
        self.after += after
        self.gsm_before += gsm_before
        self.gsm_after += gsm_after
        self.changed += gsm_after and not gsm_before
        self.parts_before += len(before_parts)
        self.parts_after += len(plan)
        if after != before:
            self.worst.append((before, after, text))


def languages() -> list[str]:
    return sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir())


def print_table(title: str, rows: dict[str, Row]) -> None:
    print(f"\n{title}\n")
    print(
        "| language | texts | GSM-7 before → after | changed alphabet | segments before: "
        "mean, total | after: mean, total | saved |"
    )
    print("|---|---|---|---|---|---|---|")
    total = Row()
    for language, row in rows.items():
        print(_line(language, row))
        for name in ("texts", "before", "after", "gsm_before", "gsm_after", "changed"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    print(_line("all", total))


def _line(language: str, row: Row) -> str:
    saved = 1 - row.after / row.before if row.before else 0.0
    return (
        f"| {language} | {row.texts} | {row.gsm_before} → {row.gsm_after} | {row.changed} | "
        f"{row.before / row.texts:.2f}, {row.before:,} | {row.after / row.texts:.2f}, "
        f"{row.after:,} | {saved:.0%} |"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--details", action="store_true", help="list each text whose cost changed")
    args = p.parse_args()
    catalog: dict[str, Row] = defaultdict(Row)
    sample: dict[str, Row] = defaultdict(Row)
    newsletters: dict[str, Row] = defaultdict(Row)
    for language in languages():
        for text in catalog_texts(language):
            catalog[language].add(text)
        texts = sample_texts(language)
        for text in texts:
            sample[language].add(text)
        newsletters[language].add("\n\n".join(texts))
    print_table("Catalog texts (every msgstr, placeholders filled)", catalog)
    print_table("Translated sample (bench/data/translated_sample.json)", sample)
    print_table("Newsletters (each language's sample in one message)", newsletters)
    print("\nNewsletter parts, before → after (segments of each part):")
    for language in newsletters:
        text = "\n\n".join(sample_texts(language))
        before = [sms.count(p).segments for p in split_text(text, 1600)]
        after = [p.segments for p in sms.plan(text)]
        print(f"  {language:6} {len(text):5,} characters: {before} → {after}")
    if args.details:
        for title, rows in (("catalog", catalog), ("sample", sample)):
            for language, row in rows.items():
                for before, after, text in row.worst:
                    print(f"{title} {language}: {before} → {after}: {text[:70]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
