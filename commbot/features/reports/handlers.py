"""`/report` on Telegram: a short summary in the staff member's language and the report
as a spreadsheet file, for the families they serve (a coordinator's or admin's: their
school's). `/report` alone offers the reports as buttons; typed, they take what the
command line takes:

    /report partnership [days] [class]      /report deliveries [days] [class]
    (days first: "/report partnership 60 Room 12"; 30 days when not given)
    /report unreachable [class]             /report broadcast <number>

The reports are read-only (`partnership`, `deliveries`, `unreachable`, `broadcast`);
this module only turns words into a report and the report into a message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ...callback_data import ButtonData, Choice, Text, Value
from ...conversations.context import Context
from ...conversations.registry import BUTTONS, COMMANDS
from ...i18n import gettext
from ...models import Staff
from ...outbox import Keyboard, to_staff
from ...schools import school_timezone
from ..broadcasts.models import Broadcast, BroadcastRecipient, BroadcastState
from . import messages as m
from . import summary
from .broadcast import broadcast
from .deliveries import deliveries
from .files import document
from .partnership import DAYS, partnership
from .render import ReportView
from .scope import ReportError, Scope, scope_for
from .unreachable import unreachable

REPORTS = ("partnership", "unreachable", "deliveries", "broadcast")
# "rpt:partnership", "rpt:broadcast:12"
PICK = ButtonData("rpt", Choice("report", *REPORTS), Text("value", max_length=10, optional=True))
MAX_DAYS = 365
BROADCASTS_SHOWN = 3


@dataclass(frozen=True)
class Asked:
    """What the staff member asked for."""

    report: str
    days: int = DAYS
    class_name: str | None = None
    broadcast_id: int | None = None


class NotUnderstood(ValueError):
    """Words that ask for no report: carries the reply (a catalog message and values)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.values = values


def parse(report: str, words: list[str]) -> Asked:
    """`/report`'s words after the report's name: days and a class, or a broadcast."""
    if report == "broadcast":
        if not words or not (words[0].isascii() and words[0].isdigit()) or len(words[0]) > 9:
            raise NotUnderstood(m.WHICH_BROADCAST)
        return Asked(report, broadcast_id=int(words[0]))
    days, rest = DAYS, words
    if report != "unreachable" and words and words[0].isascii() and words[0].isdigit():
        days, rest = (int(words[0]) if len(words[0]) <= 3 else 0), words[1:]
        if not 1 <= days <= MAX_DAYS:
            raise NotUnderstood(m.BAD_DAYS)
    return Asked(report, days=days, class_name=" ".join(rest) or None)


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def _menu(context: Context, staff: Staff) -> Keyboard:
    language = staff.language
    zone = school_timezone(context.session, staff.school_id, context.default_timezone)
    rows = [
        [_button(gettext(language, label), PICK.encode(report=report))]
        for report, label in (
            ("partnership", m.PARTNERSHIP_BUTTON),
            ("unreachable", m.UNREACHABLE_BUTTON),
            ("deliveries", m.DELIVERIES_BUTTON),
        )
    ]
    for sent in _recent_broadcasts(context, staff):
        label = gettext(
            language,
            m.BROADCAST_BUTTON,
            number=sent.id,
            date=summary.day_text(sent.sent_at or sent.created_at, zone, language),
        )
        rows.append([_button(label, PICK.encode(report="broadcast", value=str(sent.id)))])
    return rows


def _recent_broadcasts(context: Context, staff: Staff) -> list[Broadcast]:
    """The latest broadcasts that reached families this staff member serves."""
    theirs = select(BroadcastRecipient.broadcast_id).where(
        BroadcastRecipient.student_id.in_(Scope(staff).students())
    )
    return list(
        context.session.scalars(
            select(Broadcast)
            .where(
                Broadcast.id.in_(theirs),
                Broadcast.state.in_((BroadcastState.SENDING, BroadcastState.SENT)),
            )
            .order_by(Broadcast.sent_at.desc(), Broadcast.id.desc())
            .limit(BROADCASTS_SHOWN)
        )
    )


@COMMANDS.command("/report", m.REPORT_HELP)
def report_command(context: Context, staff: Staff, argument: str = "") -> None:
    words = argument.split()
    if not words:
        context.reply(gettext(staff.language, m.WHICH), _menu(context, staff))
        return
    name = words[0].casefold()
    if name not in REPORTS:
        text = gettext(staff.language, m.UNKNOWN_REPORT, name=words[0][:40])
        context.reply(text, _menu(context, staff))
        context.events.append("unknown report")
        return
    _answer(context, staff, name, words[1:])


@BUTTONS.on(PICK)
def report_button(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    value = str(values.get("value", ""))
    _answer(context, staff, str(values["report"]), [value] if value else [])


def _answer(context: Context, staff: Staff, report: str, words: list[str]) -> None:
    language = staff.language
    try:
        asked = parse(report, words)
        text, view = _make(context, staff, asked)
    except NotUnderstood as refused:
        context.reply(gettext(language, str(refused), **refused.values))
        context.events.append(f"report {report} not understood")
        return
    if view is None:
        context.reply(text)
    else:
        zone = school_timezone(context.session, staff.school_id, context.default_timezone)
        to_staff(
            context.session,
            staff=staff,
            now=context.now,
            header=text,
            media=[document(view, context.now, zone)],
        )
    context.events.append(f"report {report}")


def _make(context: Context, staff: Staff, asked: Asked) -> tuple[str, ReportView | None]:
    """The summary and the report to send as a file (None: the summary says it all)."""
    session, now, language = context.session, context.now, staff.language
    zone = school_timezone(session, staff.school_id, context.default_timezone)
    if asked.report == "broadcast":
        assert asked.broadcast_id is not None
        try:
            found = broadcast(session, asked.broadcast_id, staff, now=now)
        except ReportError:
            raise NotUnderstood(m.NO_SUCH_BROADCAST, number=asked.broadcast_id) from None
        return summary.broadcast_text(found, language, zone), found.view()
    try:
        scope = scope_for(session, staff, asked.class_name)
    except ReportError:
        raise NotUnderstood(m.NO_SUCH_CLASS, name=(asked.class_name or "")[:80]) from None
    if session.scalar(scope.guardians().limit(1)) is None:
        raise NotUnderstood(m.NO_FAMILIES)
    if asked.report == "partnership":
        made = partnership(session, scope, now=now, days=asked.days)
        return summary.partnership_text(made, language), made.view()
    if asked.report == "deliveries":
        since = now - dt.timedelta(days=asked.days)
        counted = deliveries(session, scope, since=since, now=now)
        return summary.deliveries_text(counted, language, zone), counted.view()
    lost = unreachable(session, scope, now=now)
    return summary.unreachable_text(lost, language), lost.view() if lost.families else None
