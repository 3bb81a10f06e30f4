"""A report as a few lines in the staff member's language: what `/report` sends above the
file. Plain figures only; the file has the rows."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date

from ...i18n import gettext, ngettext
from ...languages import catalog_language, name_in
from . import messages as m
from .broadcast import BroadcastReport
from .deliveries import DeliveriesReport
from .partnership import GroupPartnership, PartnershipReport
from .unreachable import UnreachableReport

NAMES_SHOWN = 10  # a summary is a glance: the file has every family
GROUPS_SHOWN = 3


def day_text(when: dt.datetime, timezone: str, language: str) -> str:
    """A day as the reader writes it ("Nov 20, 2026", "20 nov 2026")."""
    local = when.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    return format_date(local, format="medium", locale=catalog_language(language).replace("-", "_"))


def partnership_text(report: PartnershipReport, language: str) -> str:
    total = report.total
    lines = [
        gettext(
            language,
            m.PARTNERSHIP,
            families=total.families,
            days=report.days,
            reached=total.reached,
            silent=total.silent,
            unreachable=total.unreachable,
        )
    ]
    if total.school_threads:
        lines.append(
            gettext(language, m.ANSWERED, answered=total.answered, started=total.school_threads)
        )
    else:
        lines.append(gettext(language, m.NO_THREADS))
    if total.open_items:
        lines.append(gettext(language, m.ITEMS, open=total.open_items, overdue=total.overdue_items))
    losing = _fewest_reached(report, language)
    if losing:
        lines.append(gettext(language, m.FEWEST_REACHED, groups=", ".join(losing)))
    lines.append(gettext(language, m.PARTNERSHIP_FILE))
    return "\n".join(lines)


def _fewest_reached(report: PartnershipReport, language: str) -> list[str]:
    """The classes and languages with the smallest share of families reached (only those
    not all reached), for the coordinator to see whom the school is losing."""
    groups: list[tuple[str, GroupPartnership]] = [(g.name, g) for g in report.classes]
    groups += [(name_in(g.name, language), g) for g in report.languages]
    behind = [(name, g) for name, g in groups if g.families and g.reached < g.families]
    behind.sort(key=lambda pair: (pair[1].reached / pair[1].families, pair[0]))
    return [
        gettext(language, m.GROUP_REACHED, group=name, reached=g.reached, families=g.families)
        for name, g in behind[:GROUPS_SHOWN]
    ]


def deliveries_text(report: DeliveriesReport, language: str, timezone: str) -> str:
    total = report.total
    text = gettext(
        language,
        m.DELIVERIES,
        date=day_text(report.since, timezone, language),
        total=total.total,
        delivered=total.delivered,
        sent=total.sent,
        waiting=total.queued + total.held,
        failed=total.failed + total.undelivered,
        opted_out=total.opted_out,
    )
    return f"{text}\n{gettext(language, m.DELIVERIES_FILE)}"


def unreachable_text(report: UnreachableReport, language: str) -> str:
    families = report.families
    if not families:
        return gettext(language, m.ALL_REACHABLE)
    first = ngettext(
        language,
        "{n} family cannot be reached on any channel.",
        "{n} families cannot be reached on any channel.",
        len(families),
    )
    names = ", ".join(f.name for f in families[:NAMES_SHOWN])
    if len(families) > NAMES_SHOWN:
        names += " " + gettext(language, m.AND_MORE, n=len(families) - NAMES_SHOWN)
    lines = [first, gettext(language, m.PLEASE_CALL, names=names)]
    lines.append(gettext(language, m.UNREACHABLE_FILE))
    return "\n".join(lines)


def broadcast_text(report: BroadcastReport, language: str, timezone: str) -> str:
    sent = report.sent_at
    text = gettext(
        language,
        m.BROADCAST,
        number=report.broadcast_id,
        date=day_text(sent, timezone, language) if sent else gettext(language, m.NOT_SENT_YET),
        families=len(report.families),
        reached=report.reached,
        waiting=report.count("queued", "quiet hours", "held")
        + sum(1 for f in report.families if f.status == "sent" and not f.reached),
        failed=report.count("failed", "undelivered", "cancelled"),
        skipped=report.count("opted out", "unreachable"),
        replied=report.replied,
    )
    return f"{text}\n{gettext(language, m.BROADCAST_FILE)}"
