"""A family chooses who may see photos of each child: the word PHOTOS (or its word in their
language) shows a numbered menu, three options per child; a number answers it, and on
Telegram the same options are buttons. The rule and what a change stops are in
`consent_actions`; this module only talks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.family import FAMILY_BUTTON_EXPIRED
from ...conversations.pending import QUESTIONS, Question
from ...conversations.registry import FAMILY_BUTTONS, FAMILY_WORDS
from ...i18n import gettext
from ...languages import CATALOG_LANGUAGES
from ...models import (
    Channel,
    ChoiceKind,
    ContactPoint,
    Guardian,
    Guardianship,
    PendingChoice,
    PhotoConsent,
    Student,
)
from ...outbox import Keyboard
from . import messages as pm
from .buttons import CONSENT
from .consent_actions import ConsentResult, set_photo_consent
from .models import ConsentSource

# A family with two children may answer for each from one menu, for a few minutes (any
# other message closes it sooner): a "2" hours later answers whatever the school asked
# then, and must never loosen a child's photo consent.
MENU_OPEN = dt.timedelta(minutes=10)


def photos_words() -> frozenset[str]:
    """PHOTOS in English and in every catalog language."""
    return frozenset({"PHOTOS", *(gettext(code, pm.PHOTOS_WORD) for code in CATALOG_LANGUAGES)})


def children_of(session: Session, guardian: Guardian) -> list[tuple[Student, PhotoConsent]]:
    """The guardian's children, by name, each with what this guardian chose for them."""
    rows = session.execute(
        select(Student, Guardianship.photo_consent)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.guardian_id == guardian.id, Guardianship.active, Student.active)
        .order_by(Student.name, Student.id)
    ).all()
    return [(student, consent) for student, consent in rows]


def menu(
    guardian: Guardian, children: list[tuple[Student, PhotoConsent]], telegram: bool
) -> tuple[str, Keyboard | None]:
    """The numbered menu, options numbered on across children; on Telegram, a button per
    option with the same number."""
    language = guardian.language
    lines = [gettext(language, pm.MENU_INTRO)]
    buttons: Keyboard = []
    number = 0
    for student, current in children:
        lines.append(
            gettext(
                language,
                pm.MENU_CHILD,
                student=student.name,
                current=pm.choice_text(language, current),
            )
        )
        for consent in pm.MENU_ORDER:
            number += 1
            option = gettext(
                language, pm.MENU_OPTION, number=number, choice=pm.choice_text(language, consent)
            )
            lines.append(option)
            data = CONSENT.encode(student=student.id, consent=consent.value)
            buttons.append([{"text": option, "callback_data": data}])
    return "\n".join(lines), (buttons if telegram else None)


@FAMILY_WORDS.keyword("PHOTOS", photos_words)
def _photos(context: Context, point: ContactPoint) -> bool:
    guardian = point.guardian
    children = children_of(context.session, guardian)
    if not children:
        context.reply(gettext(guardian.language, pm.NO_CHILDREN_FOR_PHOTOS))
        context.events.append("photo menu: no children")
        return True
    options = [[student.id, consent.value] for student, _ in children for consent in pm.MENU_ORDER]
    QUESTIONS.ask(context.session, guardian, ChoiceKind.PHOTO_CONSENT, options, context.now)
    text, buttons = menu(guardian, children, point.channel is Channel.TELEGRAM)
    context.reply(text, buttons=buttons)
    context.events.append("photo menu")
    return True


def _answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    student_id, consent = pending.options[n]
    if len({int(s) for s, _ in pending.options}) == 1:
        context.session.delete(pending)  # one child: answered
    _choose(context, point, int(student_id), str(consent))


def _lapsed(context: Context, guardian: Guardian, pending: PendingChoice) -> bool:
    if context.now - pending.created_at < MENU_OPEN:
        return False
    context.session.delete(pending)
    return True


QUESTIONS.add(
    Question(
        ChoiceKind.PHOTO_CONSENT,
        _answer,
        closes_on_other_message=True,
        lapsed=_lapsed,
        stays_open=True,
    )
)


@FAMILY_BUTTONS.on(CONSENT)
def _button(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    _choose(context, point, int(values["student"]), str(values["consent"]))


def _choose(context: Context, point: ContactPoint, student_id: int, consent: str) -> None:
    guardian = point.guardian
    student = context.session.get(Student, student_id)
    try:
        if student is None:
            raise ValueError("no such child")
        result = set_photo_consent(
            context.session,
            guardian,
            student,
            PhotoConsent(consent),
            source=ConsentSource.GUARDIAN,
            now=context.now,
        )
    except ValueError:  # not (or no longer) their child: a stale menu or button
        context.reply(gettext(guardian.language, FAMILY_BUTTON_EXPIRED))
        context.events.append("stale photo choice")
        return
    context.reply(confirmation(guardian.language, result))
    context.events.append("photo consent set")
    if result.withdrawn:
        context.events.append(f"withdrew {result.withdrawn} photo deliveries")


def confirmation(language: str, result: ConsentResult) -> str:
    """Saved (or: a co-guardian's stricter choice holds), and what was stopped."""
    name = result.student.name
    if result.effective is result.chosen:
        lines = [
            gettext(
                language,
                pm.CONSENT_SAVED,
                student=name,
                choice=pm.choice_text(language, result.chosen),
            )
        ]
    else:
        lines = [
            gettext(
                language,
                pm.CONSENT_STRICTER_HOLDS,
                student=name,
                choice=pm.choice_text(language, result.effective),
            )
        ]
    if result.withdrawn:
        lines.append(gettext(language, pm.CONSENT_WITHDRAWN, student=name))
    return "\n".join(lines)
