"""After the meeting, in the family's conversation: "DONE 2" (or the word in their
language), the numbered answers to a reminder ("1. It is done", "2. I need help with it")
and to the feedback question (1 to 5, then what would help next time), and the same
things as Telegram buttons. The rules are in `items` and `feedback`; this module only
talks, and keeps each reply on the meeting's record like every answer about a meeting.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.family import FAMILY_BUTTON_EXPIRED, message_from_family
from ...conversations.pending import QUESTIONS, Question
from ...conversations.registry import FAMILY_BUTTONS, FAMILY_KEYWORDS
from ...i18n import gettext
from ...languages import CATALOG_LANGUAGES
from ...models import ChoiceKind, ContactPoint, Guardian, Guardianship, PendingChoice
from ...policy import receiving_link
from . import after_messages as am
from . import feedback, items
from .actions import MeetingError
from .after_buttons import FAMILY_DONE, FAMILY_HELP
from .after_buttons import FEEDBACK as FEEDBACK_BUTTON
from .after_models import ActionItem, ItemState, MeetingFeedback
from .models import ContactKind, Meeting, MeetingContact, MeetingInvitee

# The feedback question takes a number for a month; a reply after a week still counts.
FEEDBACK_OPEN = dt.timedelta(days=30)
# Words within a day after a rating say what would help next time; later ones are
# ordinary messages for the school.
FEEDBACK_WORDS_WITHIN = dt.timedelta(hours=24)
RATINGS = range(1, 6)


# -- telling the family, on the meeting's record ---------------------------------------------


def tell_received(context: Context, meeting_id: int | None, guardian: Guardian, text: str) -> None:
    """Reply to the family, recorded like every message about the meeting (the record of
    the school's contacts with the family); `meeting_id` None: a reply about no meeting."""
    delivery = context.reply(text)
    if meeting_id is None:
        return
    context.session.flush()
    context.session.add(
        MeetingContact(
            meeting_id=meeting_id,
            guardian_id=guardian.id,
            kind=ContactKind.RECEIVED,
            delivery_id=delivery.id,
            at=context.now,
        )
    )


def _told(context: Context, guardian: Guardian, answer: items.FamilyAnswer) -> None:
    tell_received(context, answer.item.meeting_id if answer.item else None, guardian, answer.reply)
    context.events.append(f"item: {answer.outcome.value}")
    if answer.outcome in (items.FamilyDone.DONE, items.FamilyDone.ALREADY) and answer.item:
        _close_reminder_question(context, guardian, answer.item.id)


def _close_reminder_question(context: Context, guardian: Guardian, item_id: int) -> None:
    """A reminder's "1. It is done" stops standing once the item is done another way."""
    pending = context.session.scalar(
        select(PendingChoice).where(
            PendingChoice.guardian_id == guardian.id,
            PendingChoice.kind == ChoiceKind.ACTION_ITEM,
        )
    )
    if pending is not None and _item_of(pending) == item_id:
        context.session.delete(pending)


def _expired(context: Context, guardian: Guardian, event: str) -> None:
    """A stale or malformed press (an item gone or not theirs, a rating of 9): the short
    answer every expired family button gets, which says to write instead."""
    context.reply(gettext(guardian.language, FAMILY_BUTTON_EXPIRED))
    context.events.append(event)


# -- "DONE 2" ---------------------------------------------------------------------------------


def _done_words() -> frozenset[str]:
    return am.done_words(CATALOG_LANGUAGES)


def has_open_plan(context: Context, guardian: Guardian) -> bool:
    """Whether any plan the family got still has an open item: without one, "done 2" is
    not about a plan, and goes to the school as the family's words."""
    return bool(
        context.session.scalar(
            select(
                exists().where(
                    ActionItem.state == ItemState.OPEN,
                    MeetingInvitee.meeting_id == ActionItem.meeting_id,
                    MeetingInvitee.guardian_id == guardian.id,
                    Meeting.id == ActionItem.meeting_id,
                    Guardianship.student_id == Meeting.student_id,
                    Guardianship.guardian_id == guardian.id,
                    receiving_link(),  # still their child's guardian, getting messages
                )
            )
        )
    )


@FAMILY_KEYWORDS.keyword("DONE", _done_words)
def _done(context: Context, point: ContactPoint, number: int) -> bool:
    guardian = point.guardian
    if not has_open_plan(context, guardian):
        return False
    answer = items.family_done(
        context.session,
        guardian,
        number,
        now=context.now,
        default_timezone=context.default_timezone,
    )
    if answer.outcome is items.FamilyDone.NO_PLAN:
        return False  # their words, then, for the school
    _told(context, guardian, answer)
    return True


# -- after a reminder: "1. It is done" "2. I need help with it" ----------------------------------


def _item_of(pending: PendingChoice) -> int | None:
    try:
        return int(pending.options[0][0])
    except (IndexError, TypeError, ValueError):
        return None


def _item_answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    item_id, choice = pending.options[n]
    if choice == "help":
        _needs_help(context, point, int(item_id))
    else:
        _mark_done(context, point, int(item_id))


def _item_lapsed(context: Context, guardian: Guardian, pending: PendingChoice) -> bool:
    """The reminder's question stops standing when its item is gone or no longer in the
    plan (the meeting was cancelled, the item dropped); a done item still answers "1"
    with "already done"."""
    item_id = _item_of(pending)
    item = context.session.get(ActionItem, item_id) if item_id is not None else None
    if item is not None and item.state is not ItemState.CANCELLED:
        return False
    context.session.delete(pending)
    return True


def _mark_done(context: Context, point: ContactPoint, item_id: int) -> None:
    guardian = point.guardian
    try:
        answer = items.family_done(
            context.session,
            guardian,
            None,
            item_id=item_id,
            now=context.now,
            default_timezone=context.default_timezone,
        )
    except MeetingError:
        _expired(context, guardian, "stale item")
        return
    _told(context, guardian, answer)


def _needs_help(context: Context, point: ContactPoint, item_id: int) -> None:
    guardian = point.guardian
    try:
        answer = items.family_needs_help(context.session, guardian, item_id, now=context.now)
    except MeetingError:
        _expired(context, guardian, "stale item")
        return
    _told(context, guardian, answer)
    context.events.append("help asked")


QUESTIONS.add(Question(ChoiceKind.ACTION_ITEM, _item_answer, lapsed=_item_lapsed))


# -- feedback: 1 to 5, then what would help next time ------------------------------------------


def _meeting_of(pending: PendingChoice) -> int | None:
    try:
        return int(pending.options[0][0])
    except (IndexError, TypeError, ValueError):
        return None


def _feedback_row(context: Context, guardian: Guardian, meeting_id: int) -> MeetingFeedback | None:
    return context.session.scalar(
        select(MeetingFeedback).where(
            MeetingFeedback.meeting_id == meeting_id, MeetingFeedback.guardian_id == guardian.id
        )
    )


def _rating_answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    meeting_id, rating = pending.options[n]
    _rate(context, point, int(meeting_id), int(rating))


def _rate(context: Context, point: ContactPoint, meeting_id: int, rating: int) -> None:
    guardian = point.guardian
    if rating not in RATINGS or _feedback_row(context, guardian, meeting_id) is None:
        _expired(context, guardian, "stale feedback")
        return
    try:
        reply = feedback.record_rating(
            context.session, guardian, meeting_id, rating, now=context.now
        )
    except MeetingError:
        _expired(context, guardian, "stale feedback")
        return
    tell_received(context, meeting_id, guardian, reply)
    context.events.append("feedback rating")


def _feedback_lapsed(context: Context, guardian: Guardian, pending: PendingChoice) -> bool:
    """Open for a month after asking (a reply after a week still counts) until they have
    rated and said what would help, or a day has passed since their rating: then a number
    means something else again (an answer to their teacher, say), never a new rating."""
    meeting_id = _meeting_of(pending)
    row = _feedback_row(context, guardian, meeting_id) if meeting_id is not None else None
    answered = row is not None and row.rated_at is not None and not wants_words(row, context.now)
    if row is not None and not answered and context.now - pending.created_at <= FEEDBACK_OPEN:
        return False
    context.session.delete(pending)
    return True


def wants_words(row: MeetingFeedback, now: dt.datetime) -> bool:
    """Words say what would help next time when they come within a day after a rating and
    none are kept yet; otherwise they are an ordinary message for the school."""
    return (
        row.rated_at is not None
        and row.message_id is None
        and now - row.rated_at <= FEEDBACK_WORDS_WITHIN
    )


def _feedback_words(context: Context, point: ContactPoint, pending: PendingChoice) -> bool:
    guardian = point.guardian
    meeting_id = _meeting_of(pending)
    row = _feedback_row(context, guardian, meeting_id) if meeting_id is not None else None
    if row is None or meeting_id is None or not wants_words(row, context.now):
        return False
    message = message_from_family(context, guardian)  # kept (and relayed) by record_words
    try:
        reply = feedback.record_words(
            context.session, guardian, meeting_id, message, now=context.now
        )
    except MeetingError:
        return False  # an ordinary message, then: it goes the usual way
    tell_received(context, meeting_id, guardian, reply)
    context.events.append("feedback words")
    return True


QUESTIONS.add(
    Question(
        ChoiceKind.FEEDBACK,
        _rating_answer,
        closes_on_other_message=False,
        lapsed=_feedback_lapsed,
        takes_words=_feedback_words,
        stays_open=True,  # a rating, then words; a later rating counts instead
    )
)


# -- buttons, on Telegram ------------------------------------------------------------------------


@FAMILY_BUTTONS.on(FAMILY_DONE)
def _done_pressed(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    _mark_done(context, point, int(values["item"]))


@FAMILY_BUTTONS.on(FAMILY_HELP)
def _help_pressed(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    _needs_help(context, point, int(values["item"]))


@FAMILY_BUTTONS.on(FEEDBACK_BUTTON)
def _rating_pressed(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    _rate(context, point, int(values["meeting"]), int(values["rating"]))
