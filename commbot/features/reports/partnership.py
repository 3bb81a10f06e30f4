"""The partnership with each family over a window (30 days by default), and the same
rolled up per class and per language, so a coordinator sees which groups of families the
school is losing.

Per family: when the school and the family last wrote (ever); messages each way in the
window; the threads the school started in the window and how many the family answered;
reached (a delivery reached them in the window), silent (reached, but never wrote in the
window), unreachable (every channel failed or was opted out: `history.unreachable`); the
open and overdue items of their child's meeting plans; their latest meeting feedback.

A thread the school started: a message from the school that was not an answer to the
family (they had not written since the school's previous message, or not in the 14 days
before), and not one more of a burst (within an hour of the school's previous message,
with no word from the family between). The family answered it if they wrote within 14
days after it: the same 14 days that route a family's reply to the staff member who wrote
(`actions.relay.RECENT_THREAD`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...actions.relay import RECENT_THREAD
from ..meetings.models import ActionItem, ItemState, Meeting, MeetingFeedback, MeetingState
from . import history
from .render import ReportView, Section
from .scope import Family, Scope, families

DAYS = 30
BURST = dt.timedelta(hours=1)
NO_CLASS = "(no class)"
# The table headings a family's row and a group's row share.
COLUMN_TITLES = {
    "unreachable": "unreach-\nable",
    "last_from_school": "last from\nschool",
    "last_from_family": "last from\nfamily",
    "open_items": "open\nitems",
    "overdue_items": "overdue\nitems",
    "from_school": "from\nschool",
    "from_family": "from\nfamily",
    "school_threads": "threads\nstarted",
    "answered": "threads\nanswered",
    "answered_share": "share\nanswered",
    "feedback_rating": "feedback\n(1-5)",
}


@dataclass(frozen=True)
class FamilyPartnership:
    TITLES: ClassVar[dict[str, str]] = {
        "name": "family",
        **COLUMN_TITLES,
        "feedback_at": "feedback\ngiven",
    }
    PERCENT: ClassVar[frozenset[str]] = frozenset({"answered_share"})
    name: str
    students: tuple[str, ...]
    classes: tuple[str, ...]
    language: str
    reached: bool
    silent: bool
    unreachable: bool
    from_school: int
    from_family: int
    school_threads: int
    answered: int
    answered_share: float | None
    last_from_school: dt.datetime | None
    last_from_family: dt.datetime | None
    open_items: int
    overdue_items: int
    feedback_rating: float | None
    feedback_at: dt.datetime | None


@dataclass(frozen=True)
class GroupPartnership:
    TITLES: ClassVar[dict[str, str]] = {
        "name": "group",
        **COLUMN_TITLES,
        "feedback_count": "families\nrating",
    }
    PERCENT: ClassVar[frozenset[str]] = frozenset({"answered_share"})
    name: str
    families: int
    reached: int
    silent: int
    unreachable: int
    from_school: int
    from_family: int
    school_threads: int
    answered: int
    answered_share: float | None
    last_from_school: dt.datetime | None
    last_from_family: dt.datetime | None
    open_items: int
    overdue_items: int
    feedback_rating: float | None
    feedback_count: int


@dataclass(frozen=True)
class PartnershipReport:
    days: int
    since: dt.datetime
    families: list[FamilyPartnership]
    classes: list[GroupPartnership]
    languages: list[GroupPartnership]
    total: GroupPartnership

    def view(self) -> ReportView:
        return ReportView(
            "partnership",
            f"Partnership with each family over the last {self.days} days",
            {"days": self.days, "since": self.since},
            [
                Section("families", FamilyPartnership, self.families),
                Section("classes", GroupPartnership, self.classes),
                Section("languages", GroupPartnership, self.languages),
                Section("total", GroupPartnership, [self.total]),
            ],
        )


class Threads(NamedTuple):
    started: int
    answered: int


def threads(school: list[dt.datetime], family: list[dt.datetime], since: dt.datetime) -> Threads:
    """The threads the school started since `since`, and how many the family answered
    (both lists sorted, reaching back 14 days before `since` to judge the first ones)."""
    events = sorted([(at, 0) for at in family] + [(at, 1) for at in school])
    starts: list[dt.datetime] = []
    previous: dt.datetime | None = None  # the school's previous message
    last_family: dt.datetime | None = None
    for at, from_school in events:
        if not from_school:
            last_family = at
            continue
        family_since = last_family is not None and (previous is None or last_family > previous)
        if previous is not None and not family_since and at - previous < BURST:
            previous = at  # one more of a burst: the same thread
            continue
        answering = family_since and last_family is not None and at - last_family <= RECENT_THREAD
        if not answering and at >= since:
            starts.append(at)
        previous = at
    answered = 0
    for start in starts:
        after = bisect.bisect_right(family, start)
        if after < len(family) and family[after] <= start + RECENT_THREAD:
            answered += 1
    return Threads(len(starts), answered)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _open_items(
    session: Session, scope: Scope, now: dt.datetime
) -> dict[int, list[tuple[int, bool]]]:
    """Each student's open plan items: (id, overdue), overdue being due before today in
    the meeting's time zone (as `meetings.items.open_items` has it)."""
    rows = session.execute(
        select(ActionItem.id, ActionItem.due_on, Meeting.student_id, Meeting.timezone)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(
            ActionItem.state == ItemState.OPEN,
            Meeting.state != MeetingState.CANCELLED,
            Meeting.student_id.in_(scope.students()),
        )
    )
    found: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for item_id, due_on, student_id, timezone in rows:
        today = now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
        found[student_id].append((item_id, due_on < today))
    return found


def _feedback(session: Session, scope: Scope) -> dict[int, tuple[int, dt.datetime]]:
    """Each family's latest rating of a meeting about a student in scope."""
    rows = session.execute(
        select(MeetingFeedback.guardian_id, MeetingFeedback.rating, MeetingFeedback.rated_at)
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .where(
            MeetingFeedback.guardian_id.in_(scope.guardians()),
            Meeting.student_id.in_(scope.students()),
            MeetingFeedback.rating.is_not(None),
            MeetingFeedback.rated_at.is_not(None),
        )
    )
    latest: dict[int, tuple[int, dt.datetime]] = {}
    for guardian_id, rating, at in rows:
        if rating is None or at is None:
            continue  # (excluded by the query: for the type checker)
        if guardian_id not in latest or at > latest[guardian_id][1]:
            latest[guardian_id] = (rating, at)
    return latest


@dataclass(frozen=True)
class _Counted:
    """A family's row, with what its groups need to count items once each."""

    row: FamilyPartnership
    items: frozenset[int]
    overdue: frozenset[int]


def partnership(
    session: Session, scope: Scope, *, now: dt.datetime, days: int = DAYS
) -> PartnershipReport:
    since = now - dt.timedelta(days=days)
    guardians = scope.guardians()
    lookback = since - RECENT_THREAD
    school = history.school_message_times(session, guardians, lookback)
    family = history.family_message_times(session, guardians, lookback)
    last_school = history.last_from_school(session, guardians)
    last_family = history.last_from_family(session, guardians)
    reached = history.last_reached(session, guardians, since)
    states = history.point_states(session, guardians)
    items = _open_items(session, scope, now)
    feedback = _feedback(session, scope)
    counted: list[tuple[Family, _Counted]] = []
    for found in families(session, scope):
        g = found.guardian_id
        wrote = [at for at in family.get(g, []) if since <= at <= now]
        told = [at for at in school.get(g, []) if since <= at <= now]
        started = threads(school.get(g, []), family.get(g, []), since)
        mine = [item for s in found.student_ids for item in items.get(s, [])]
        rating = feedback.get(g)
        row = FamilyPartnership(
            name=found.name,
            students=found.students,
            classes=found.classes,
            language=found.language,
            reached=g in reached,
            silent=g in reached and not wrote,
            unreachable=history.unreachable(states.get(g, [])),
            from_school=len(told),
            from_family=len(wrote),
            school_threads=started.started,
            answered=started.answered,
            answered_share=_share(started.answered, started.started),
            last_from_school=last_school.get(g),
            last_from_family=last_family.get(g),
            open_items=len({i for i, _ in mine}),
            overdue_items=len({i for i, late in mine if late}),
            feedback_rating=float(rating[0]) if rating else None,
            feedback_at=rating[1] if rating else None,
        )
        ids = frozenset(i for i, _ in mine)
        late = frozenset(i for i, overdue in mine if overdue)
        counted.append((found, _Counted(row, ids, late)))
    by_class: dict[str, list[_Counted]] = defaultdict(list)
    by_language: dict[str, list[_Counted]] = defaultdict(list)
    for found, each in counted:
        for name in found.classes or (NO_CLASS,):
            by_class[name].append(each)
        by_language[found.language].append(each)
    return PartnershipReport(
        days=days,
        since=since,
        families=[each.row for _, each in counted],
        classes=[group(name, by_class[name]) for name in sorted(by_class)],
        languages=[group(name, by_language[name]) for name in sorted(by_language)],
        total=group("all families", [each for _, each in counted]),
    )


def _latest(times: Iterable[dt.datetime | None]) -> dt.datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def group(name: str, members: list[_Counted]) -> GroupPartnership:
    rows = [m.row for m in members]
    started = sum(r.school_threads for r in rows)
    answered = sum(r.answered for r in rows)
    ratings = [r.feedback_rating for r in rows if r.feedback_rating is not None]
    return GroupPartnership(
        name=name,
        families=len(rows),
        reached=sum(r.reached for r in rows),
        silent=sum(r.silent for r in rows),
        unreachable=sum(r.unreachable for r in rows),
        from_school=sum(r.from_school for r in rows),
        from_family=sum(r.from_family for r in rows),
        school_threads=started,
        answered=answered,
        answered_share=_share(answered, started),
        last_from_school=_latest(r.last_from_school for r in rows),
        last_from_family=_latest(r.last_from_family for r in rows),
        # A plan's items are shared by the child's guardians: each counted once.
        open_items=len(frozenset().union(*(m.items for m in members))),
        overdue_items=len(frozenset().union(*(m.overdue for m in members))),
        feedback_rating=sum(ratings) / len(ratings) if ratings else None,
        feedback_count=len(ratings),
    )
