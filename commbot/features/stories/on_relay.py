"""The stories hook in relaying (`actions.relay`): a family's message on its way to staff
is recorded as a story when it is one, and the staff delivery carries "Say thank you".

Recording never stands between a family and the teacher: it runs in a savepoint, and if it
fails the message still goes, only without the button.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from ...actions.relay import relay_buttons
from ...i18n import gettext
from ...models import Guardian, Message, Staff, Student
from ...outbox import Keyboard
from . import messages as m
from .actions import record_story
from .buttons import THANK

log = logging.getLogger(__name__)


@relay_buttons
def story_buttons(
    session: Session,
    guardian: Guardian,
    message: Message,
    student: Student,
    staff: Staff,
    now: dt.datetime,
) -> Keyboard:
    """The keyboard for the staff delivery of this family message: a thank-you button if
    it is a story, else none. Never raises."""
    try:
        with session.begin_nested():
            story = record_story(session, guardian, message, student, now)
    except Exception as exc:  # whatever went wrong, the family's words still go
        log.warning("story not recorded for message %s: %s", message.id, type(exc).__name__)
        return []
    if story is None:
        return []
    label = gettext(staff.language, m.THANK_BUTTON)
    return [[{"text": label, "callback_data": THANK.encode(story=story.id)}]]
