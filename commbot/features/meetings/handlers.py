"""Meetings in conversations: the family's numbered menu and buttons, their words while a
meeting is open, and the organizer's confirm button. The staff commands (`/meeting`,
`/meetings`) are in `dialog` and `view_handlers`."""

from __future__ import annotations

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.family import message_from_family
from ...conversations.pending import QUESTIONS, Question
from ...conversations.registry import BUTTONS, FAMILY_BUTTONS
from ...i18n import gettext
from ...models import (
    ChoiceKind,
    ContactPoint,
    Guardian,
    PendingChoice,
    Staff,
)
from . import (  # noqa: F401  (they register themselves)
    actions_handlers,
    after_handlers,
    dialog,
    notes_dialog,
    view_handlers,
)
from . import messages as m
from .actions import MeetingError, meeting_for
from .after_handlers import tell_received
from .answers import MeetingClosed, answer_choice, take_words, takes_answers
from .buttons import CHOICE_BUTTON, CONFIRM
from .changes import confirm_meeting
from .choices import is_choice_code
from .models import Meeting


def _answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    meeting_id, code = pending.options[n]
    _choose(context, point, int(meeting_id), str(code))


def _choose(context: Context, point: ContactPoint, meeting_id: int, code: str) -> None:
    guardian = point.guardian
    try:
        received = answer_choice(
            context.session,
            guardian,
            meeting_id,
            code,
            now=context.now,
            default_timezone=context.default_timezone,
            base_url=context.settings.public_base_url,
        )
    except MeetingClosed:
        context.reply(gettext(guardian.language, m.MEETING_CLOSED))
        context.events.append("meeting closed")
        return
    if received.reply:
        tell_received(context, meeting_id, guardian, received.reply)
    context.events.append(received.event)


def _lapsed(context: Context, guardian: Guardian, pending: PendingChoice) -> bool:
    """The menu stops standing once its meeting no longer takes answers: cancelled, held,
    begun, or every proposed time passed with none settled."""
    meeting_id = pending.options[0][0] if pending.options else None
    meeting = context.session.get(Meeting, int(meeting_id)) if meeting_id is not None else None
    if meeting is not None and takes_answers(context.session, meeting, context.now):
        return False
    context.session.delete(pending)
    return True


def _words(context: Context, point: ContactPoint, pending: PendingChoice) -> bool:
    """Any other message while the meeting is open is what the family wants the team to
    know (or the times that suit them, or whom they bring, when just asked)."""
    meeting_id = int(pending.options[0][0])
    guardian = point.guardian
    message = message_from_family(context, guardian)
    try:
        received = take_words(context.session, guardian, meeting_id, message, now=context.now)
    except MeetingClosed:
        return False  # an ordinary message, then: it goes the usual way
    tell_received(context, meeting_id, guardian, received.reply)
    context.events.append(received.event)
    return True


QUESTIONS.add(
    Question(
        ChoiceKind.MEETING,
        _answer,
        closes_on_other_message=False,
        lapsed=_lapsed,
        takes_words=_words,
        stays_open=True,  # a family may pick a time, then ask for a ride
    )
)


@FAMILY_BUTTONS.on(CHOICE_BUTTON)
def _pressed(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    code = str(values["choice"])
    if not is_choice_code(code):
        context.reply(gettext(point.guardian.language, m.MEETING_CLOSED))
        context.events.append("malformed meeting button")
        return
    _choose(context, point, int(values["meeting"]), code)


@BUTTONS.on(CONFIRM)
def _confirm(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    """The organizer settles the time a family picked; everyone gets it."""
    try:
        meeting = meeting_for(context.session, staff, int(values["meeting"]))
        confirm_meeting(
            context.session,
            staff,
            meeting,
            slot=int(values["slot"]),
            now=context.now,
            default_timezone=context.default_timezone,
            base_url=context.settings.public_base_url,
        )
    except MeetingError:
        context.reply(gettext(staff.language, view_handlers.NOT_OPEN))
        context.events.append("stale meeting button")
        return
    view_handlers.confirmed(context, staff, meeting)
    context.events.append("meeting confirmed")
