"""Meeting buttons: the family's menu on Telegram, and the organizer's "confirm this time".

The codecs come from `commbot.callback_data`, which imports nothing of commbot's, so this
module may be imported from anywhere, handlers included.
"""

from __future__ import annotations

from ...callback_data import ButtonData, Number, Text
from ...i18n import gettext
from . import messages as m
from .models import Meeting, MeetingSlot

# A family's press: "mtg:12:s2" (meeting 12, its time number 2; or "none", "bring", a need).
CHOICE_BUTTON = ButtonData("mtg", Number("meeting"), Text("choice", max_length=16))
# "mtc:12:2": confirm meeting 12 at its time number 2.
CONFIRM = ButtonData("mtc", Number("meeting"), Number("slot"))


def confirm_button(meeting: Meeting, slot: MeetingSlot, language: str) -> dict[str, str]:
    when = m.when_text(slot.starts_at, meeting.timezone, language)
    return {
        "text": gettext(language, m.CONFIRM_BUTTON, when=when),
        "callback_data": CONFIRM.encode(meeting=meeting.id, slot=slot.position),
    }
