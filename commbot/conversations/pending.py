"""Numbered questions to families ("Reply with the number: 1. Alfredo 2. Sofia").

One mechanism for every kind (which child, which language, and the polls to come): a
number answers the most recent open question for that person. Each kind says how many
options it has, what an answer does, whether another message closes it, and when it
lapses on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import find_or_create
from ..models import ChoiceKind, ContactPoint, Guardian, PendingChoice
from .context import Context

Answer = Callable[[Context, ContactPoint, PendingChoice, int], None]
Lapse = Callable[[Context, Guardian, PendingChoice], bool]
# Words that are not a number, taken by the open question (a meeting takes them as the
# family's concerns); True if it took them.
Words = Callable[[Context, ContactPoint, PendingChoice], bool]


@dataclass(frozen=True)
class Question:
    """One kind of numbered question and what its answers do."""

    kind: ChoiceKind
    answer: (
        Answer  # called with the 0-based option picked, the question closed (unless it stays open)
    )
    closes_on_other_message: bool = True
    lapsed: Lapse | None = None  # True when it no longer stands (and has cleaned up)
    takes_words: Words | None = None  # only for kinds that stay open on other messages
    # Answering does not close it (a meeting's menu: a time, then a ride); it ends when it
    # lapses or is closed.
    stays_open: bool = False
    # For rows stored without their options (language menus opened before options were
    # kept): what the numbers mean.
    default_options: Sequence[Any] = ()

    def options(self, pending: PendingChoice) -> Sequence[Any]:
        return pending.options or self.default_options


def number_in(text: str) -> int | None:
    """The number someone replied ("2", "2.", "2)"), if that is all they wrote."""
    choice = text.strip().rstrip(".)")
    # isdecimal: "٢" (Arabic-Indic) and "２" (full width) count; "²" does not.
    if choice.isdecimal() and len(choice) <= 3:
        return int(choice)
    return None


class PendingQuestions:
    """The registry of question kinds, and the one way numbered answers are read."""

    def __init__(self) -> None:
        self._kinds: dict[ChoiceKind, Question] = {}

    def add(self, question: Question) -> None:
        if question.kind in self._kinds:
            raise ValueError(f"question {question.kind} is registered twice")
        self._kinds[question.kind] = question

    def ask(
        self,
        session: Session,
        guardian: Guardian,
        kind: ChoiceKind,
        options: Sequence[Any],
        now: dt.datetime,
        message_ids: Sequence[int] = (),
    ) -> PendingChoice:
        """Open (or re-open) a question; asking again makes it the most recent.

        The messages a question holds accumulate until it is answered: two messages at
        once from a family with two children both ask "which child?", and the one asked
        second keeps the first one's message too (its row is locked, then added to)."""
        pending, created = find_or_create(
            session,
            PendingChoice,
            {"guardian_id": guardian.id, "kind": kind},
            {"options": list(options), "message_ids": list(message_ids), "created_at": now},
            lock=True,
        )
        if not created:
            held = list(pending.message_ids or [])
            pending.message_ids = held + [i for i in message_ids if i not in held]
            pending.options = list(options)
            pending.created_at = now
        return pending

    def close_kind(self, session: Session, guardian: Guardian, kind: ChoiceKind) -> None:
        pending = session.scalar(
            select(PendingChoice).where(
                PendingChoice.guardian_id == guardian.id, PendingChoice.kind == kind
            )
        )
        if pending is not None:
            session.delete(pending)

    def open(self, context: Context, guardian: Guardian) -> list[PendingChoice]:
        """This person's open questions, most recent first (lapsed ones dropped)."""
        rows = context.session.scalars(
            select(PendingChoice)
            .where(PendingChoice.guardian_id == guardian.id)
            .order_by(PendingChoice.created_at.desc(), PendingChoice.id.desc())
        ).all()
        standing = []
        for row in rows:
            question = self._kinds.get(row.kind)
            if question is None:
                continue
            if question.lapsed is not None and question.lapsed(context, guardian, row):
                continue
            standing.append(row)
        return standing

    def answer(
        self, context: Context, point: ContactPoint, open_questions: Sequence[PendingChoice]
    ) -> bool:
        """A number answering the most recent open question. True if it did."""
        if not open_questions or context.inbound.media:
            return False
        number = number_in(context.inbound.text)
        latest = open_questions[0]
        question = self._kinds[latest.kind]
        if number is None or not 1 <= number <= len(question.options(latest)):
            return False
        if not question.stays_open:
            context.session.delete(latest)
        question.answer(context, point, latest, number - 1)
        return True

    def close_on_other_message(
        self, context: Context, open_questions: Sequence[PendingChoice]
    ) -> list[PendingChoice]:
        """They wrote something else: close the questions that close then; the rest stay."""
        remaining = []
        for row in open_questions:
            if self._kinds[row.kind].closes_on_other_message:
                context.session.delete(row)
            else:
                remaining.append(row)
        return remaining

    def take_words(
        self, context: Context, point: ContactPoint, open_questions: Sequence[PendingChoice]
    ) -> bool:
        """Words that answer no number: the most recent open question may take them."""
        if not open_questions:
            return False
        latest = open_questions[0]
        takes = self._kinds[latest.kind].takes_words
        return takes is not None and takes(context, point, latest)


QUESTIONS = PendingQuestions()
