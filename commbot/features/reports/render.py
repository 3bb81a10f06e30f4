"""A report's rows as rich tables, CSV or JSON: the command line and Telegram show the same.

Each report gives a `ReportView`: a heading, a few facts (the window, the broadcast) and its
sections, each a list of one row dataclass. Columns are the row's fields in order; the
row class may give the tables other titles (`TITLES`, by field; a newline makes a header
of two lines, to keep tables narrow) and show fractions as percentages (`PERCENT`, the
fields' names). Values are written as:

| value      | table                  | CSV               | JSON              |
| ---------- | ---------------------- | ----------------- | ----------------- |
| time       | local, `Fri 20 Nov 16:30` | ISO 8601, UTC  | ISO 8601, UTC     |
| yes or no  | yes, no                | 1, 0 (to add up)  | true, false       |
| names      | joined by `; `         | joined by `; `    | a list            |
| fraction   | 67%                    | 0.67              | 0.6667            |
| nothing    | -                      | (empty)           | null              |

A report of several sections is one CSV all the same: a first column `section` names the
table each row comes from, and the columns are every section's, in order of first use.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from rich import box
from rich.table import Table

from ...models import Channel


@dataclass(frozen=True)
class Section:
    name: str
    row_type: type[Any]
    rows: Sequence[Any]


@dataclass(frozen=True)
class ReportView:
    name: str  # "partnership": the JSON's "report", the file's name
    heading: str  # one line for the command line, in English as the command line is
    facts: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)


def _fields(row_type: type[Any]) -> list[dataclasses.Field[Any]]:
    return list(dataclasses.fields(row_type))


def _title(row_type: type[Any], f: dataclasses.Field[Any]) -> str:
    titles: dict[str, str] = getattr(row_type, "TITLES", {})
    return titles.get(f.name) or f.name.replace("_", " ")


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, dt.datetime):
        return _utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def to_json(view: ReportView) -> dict[str, Any]:
    document: dict[str, Any] = {"report": view.name}
    document.update({key: plain(value) for key, value in view.facts.items()})
    for section in view.sections:
        document[section.name] = [
            {f.name: plain(getattr(row, f.name)) for f in _fields(section.row_type)}
            for row in section.rows
        ]
    return document


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, tuple | list):
        return "; ".join(_csv_cell(v) for v in value)
    return str(plain(value))


def to_csv(view: ReportView) -> str:
    names: list[str] = []
    for section in view.sections:
        names += [f.name for f in _fields(section.row_type) if f.name not in names]
    several = len(view.sections) > 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((["section"] if several else []) + names)
    for section in view.sections:
        for row in section.rows:
            cells = [_csv_cell(getattr(row, name, None)) for name in names]
            writer.writerow(([section.name] if several else []) + cells)
    return buffer.getvalue()


def _table_cell(value: Any, percent: bool, zone: zoneinfo.ZoneInfo) -> str:
    if value is None or value == ():
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).strftime("%a %d %b %H:%M")
    if isinstance(value, float):
        return f"{value:.0%}" if percent else f"{value:.1f}"
    if isinstance(value, Channel):
        return value.label
    if isinstance(value, tuple | list):
        return "; ".join(str(plain(v)) for v in value)
    return str(plain(value))


def tables(view: ReportView, timezone: str) -> list[Table]:
    """One rich table per section; times in `timezone`."""
    zone = zoneinfo.ZoneInfo(timezone)
    found = []
    for section in view.sections:
        table = Table(
            title=section.name if len(view.sections) > 1 else None,
            box=box.SIMPLE_HEAD,
            title_justify="left",
            show_edge=False,
        )
        columns = _fields(section.row_type)
        percent: frozenset[str] = getattr(section.row_type, "PERCENT", frozenset())
        for f in columns:
            numeric = f.type in ("int", "float | None", "int | None", "bool")
            # Words and lists wrap; names, figures and times stay on one line.
            wraps = f.type in ("tuple[str, ...]", "str | None")
            table.add_column(
                _title(section.row_type, f),
                justify="right" if numeric else "left",
                overflow="fold" if wraps else "ellipsis",
                no_wrap=not wraps,
                min_width=12 if wraps else None,
            )
        for row in section.rows:
            cells = (_table_cell(getattr(row, f.name), f.name in percent, zone) for f in columns)
            table.add_row(*cells)
        found.append(table)
    return found


def file_name(view: ReportView, now: dt.datetime, timezone: str) -> str:
    """What the CSV is called when sent as a file: `partnership-2026-11-20.csv`."""
    day = now.astimezone(zoneinfo.ZoneInfo(timezone)).date().isoformat()
    return f"{view.name}-{day}.csv"
