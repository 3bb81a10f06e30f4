"""Keeping the plan's promises: an item done (by its staff owner, by the family), more
time asked for (a new date and a reason, which the family is told), help asked for, and
the open items each person may see. Every entry point (buttons, `DONE 2`, the CLI) calls
these.

INTERFACE (the foundation commit): bodies to be written; signatures are the contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from ...models import Guardian, Staff
from .actions import MeetingError
from .after_models import ActionItem
from .models import Meeting


class ItemError(MeetingError):
    """An item that cannot be changed as asked; the message says why."""


class FamilyDone(StrEnum):
    DONE = "done"
    ALREADY = "already done"
    NOT_YOURS = "not theirs"
    NO_SUCH = "no such number"
    NO_PLAN = "no open plan"


@dataclass(frozen=True)
class FamilyAnswer:
    """What a family's "DONE 2" (or button, or "1" after a reminder) did, and the reply
    to send them, in their language."""

    outcome: FamilyDone
    reply: str
    item: ActionItem | None = None


@dataclass(frozen=True)
class OpenItem:
    item: ActionItem
    meeting: Meeting
    student_name: str
    owner_name: str
    overdue: bool


def item_for(session: Session, actor: Staff | None, item_id: int) -> ActionItem:
    """The item, if the actor may change it (its staff owner, or staff who serve the child;
    None is the operator). One error for both "no such item" and "not yours"."""
    raise NotImplementedError


def mark_done(
    session: Session,
    item: ActionItem,
    *,
    by: Staff | Guardian | None,
    now: dt.datetime,
    default_timezone: str,
) -> bool:
    """Mark it done (False if it already was): its follow-ups close, the family is told
    ("Emily Carter did number 2, as promised"), and the organizer when a family did it."""
    raise NotImplementedError


def need_more_time(
    session: Session,
    actor: Staff | None,
    item: ActionItem,
    *,
    new_due: dt.date,
    reason: str,
    now: dt.datetime,
    default_timezone: str,
) -> None:
    """Move the due date later, with a short reason; the family is told until when, and
    the follow-ups are planned again for the new date."""
    raise NotImplementedError


def family_done(
    session: Session,
    guardian: Guardian,
    number: int | None,
    *,
    now: dt.datetime,
    default_timezone: str,
    item_id: int | None = None,
) -> FamilyAnswer:
    """A family marks its item done: by its number in the latest plan they got ("DONE 2"),
    or by item id (a button, a numbered answer after a reminder)."""
    raise NotImplementedError


def family_needs_help(
    session: Session, guardian: Guardian, item_id: int, *, now: dt.datetime
) -> FamilyAnswer:
    """The family asks for help with its item: the organizer is told, with the item."""
    raise NotImplementedError


def open_items(
    session: Session,
    viewer: Staff | None,
    *,
    now: dt.datetime,
    overdue_only: bool = False,
) -> list[OpenItem]:
    """Open items the viewer may see (those of students they serve; all for the operator),
    soonest due first. Overdue: due before today in the meeting's time zone."""
    raise NotImplementedError
