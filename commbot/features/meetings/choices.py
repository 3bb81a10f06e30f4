"""The family's menu for a meeting: a slot, none of them, a need, or someone they bring.

The same choices are numbered on SMS and WhatsApp and are buttons on Telegram; each has a
short code ("s2", "none", "interpreter", "bring") kept in the pending question and in the
button's data, so a number and a press reach the same action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...i18n import gettext
from . import messages as m
from .models import Meeting, MeetingSlot, MeetingState, Need

NONE = "none"
BRING = "bring"
SLOT_PREFIX = "s"


@dataclass(frozen=True)
class MenuChoice:
    code: str
    slot: MeetingSlot | None = None
    fixed_time: bool = False  # "none" on a meeting with one fixed time

    @property
    def need(self) -> Need | None:
        return Need(self.code) if self.code in Need._value2member_map_ else None

    def label(self, language: str, timezone: str) -> str:
        if self.slot is not None:
            return m.when_text(self.slot.starts_at, timezone, language)
        if self.code == NONE:
            return gettext(language, m.TIME_DOES_NOT_WORK if self.fixed_time else m.NONE_WORK)
        if self.code == BRING:
            return gettext(language, m.BRINGING_CHOICE)
        need = self.need
        assert need is not None
        return gettext(language, m.NEED_CHOICES[need])

    def button(self, meeting_id: int, number: int, language: str, timezone: str) -> dict[str, str]:
        from .buttons import CHOICE_BUTTON

        return {
            "text": f"{number}. {self.label(language, timezone)}",
            "callback_data": CHOICE_BUTTON.encode(meeting=meeting_id, choice=self.code),
        }


def menu_choices(meeting: Meeting, slots: Sequence[MeetingSlot]) -> list[MenuChoice]:
    """The menu in the order families see it: slots first (while no time is settled)."""
    fixed = meeting.state is MeetingState.SCHEDULED and meeting.starts_at is not None
    choices = [] if fixed else [MenuChoice(f"{SLOT_PREFIX}{s.position}", slot=s) for s in slots]
    choices.append(MenuChoice(NONE, fixed_time=fixed))
    choices += [MenuChoice(need.value) for need in Need]
    choices.append(MenuChoice(BRING))
    return choices


def slot_position(code: str) -> int | None:
    """2 for "s2"; None for any other code."""
    digits = code[len(SLOT_PREFIX) :]
    if code.startswith(SLOT_PREFIX) and digits.isascii() and digits.isdigit():
        return int(digits)
    return None


def is_choice_code(code: str) -> bool:
    return (
        code in (NONE, BRING) or code in Need._value2member_map_ or slot_position(code) is not None
    )
