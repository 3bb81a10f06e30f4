"""A short digest to the staff member after a check-in: who replied and who did not."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from babel.dates import format_datetime
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ...db import transaction
from ...i18n import N_, gettext, ngettext
from ...languages import catalog_language
from ...models import Guardian, Message, Staff, Student, Thread
from ...outbox import to_staff
from .models import CheckinPlan, CheckinRun
from .plans import target_name

log = logging.getLogger(__name__)

NAMES_SHOWN = 25  # a digest is a glance; long lists end with "and N more"

HEADER = N_("Check-in digest for {target}, sent {when}:")
REPLIED = N_("Replied:")
NOT_YET = N_("No reply yet:")
AND_MORE = N_("and {n} more")


def send_due_digests(engine: Engine, now: dt.datetime, limit: int = 20) -> int:
    """Queue every digest that is due; each run's digest is sent once."""
    sent = 0
    while sent < limit:
        with transaction(engine) as session:
            run = session.scalar(
                select(CheckinRun)
                .where(CheckinRun.digest_due_at <= now, CheckinRun.digest_sent_at.is_(None))
                .order_by(CheckinRun.digest_due_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if run is None:
                return sent
            run.digest_sent_at = now
            plan = session.get(CheckinPlan, run.plan_id)
            if plan is None:
                continue
            staff = session.get_one(Staff, plan.staff_id)
            to_staff(session, staff=staff, now=now, header=digest_text(session, run, plan, staff))
            sent += 1
    return sent


def digest_text(session: Session, run: CheckinRun, plan: CheckinPlan, staff: Staff) -> str:
    pairs = [(g, s) for g, s in run.recipients]
    guardian_ids = {g for g, _ in pairs}
    replied_ids = set(
        session.scalars(
            select(Message.author_guardian_id)
            .join(Thread, Thread.id == Message.thread_id)
            .where(
                Thread.staff_id == staff.id,
                Message.created_at >= run.fired_at,
                Message.author_guardian_id.in_(guardian_ids),
            )
            .distinct()
        )
    )
    names = dict(
        session.execute(
            select(Guardian.id, Guardian.name).where(Guardian.id.in_(guardian_ids))
        ).all()
    )
    students = dict(
        session.execute(
            select(Student.id, Student.name).where(Student.id.in_({s for _, s in pairs}))
        ).all()
    )
    language = staff.language
    label = {g: f"{names.get(g, '?')} ({students.get(s, '?')})" for g, s in pairs}
    replied = sorted(label[g] for g in guardian_ids if g in replied_ids)
    waiting = sorted(label[g] for g in guardian_ids if g not in replied_ids)
    lines = [
        gettext(language, HEADER, target=target_name(session, plan), when=_when(run, language)),
        ngettext(
            language,
            "{n} of {total} family replied.",
            "{n} of {total} families replied.",
            len(guardian_ids),
            n=len(replied),
            total=len(guardian_ids),
        ),
    ]
    for title, people in ((REPLIED, replied), (NOT_YET, waiting)):
        if people:
            shown = ", ".join(people[:NAMES_SHOWN])
            if len(people) > NAMES_SHOWN:
                shown += " " + gettext(language, AND_MORE, n=len(people) - NAMES_SHOWN)
            lines.append(f"{gettext(language, title)} {shown}")
    return "\n".join(lines)


def _when(run: CheckinRun, language: str) -> str:
    local = run.fired_at.astimezone(zoneinfo.ZoneInfo(run.timezone))
    return format_datetime(
        local, "EEEE d MMMM, HH:mm", locale=catalog_language(language).replace("-", "_")
    )
