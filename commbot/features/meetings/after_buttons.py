"""Buttons after the meeting: a family marks its own item done, asks for help with it, or
rates the meeting; a staff owner marks an item done or asks for more time.

Like `buttons`, importable from anywhere (the codecs come from `commbot.callback_data`).
"""

from __future__ import annotations

from ...callback_data import ButtonData, Number

# Families (FAMILY_BUTTONS): "afd:31" item 31 is done; "afh:31" help with item 31;
# "afb:12:4" meeting 12 worked for them 4 of 5.
FAMILY_DONE = ButtonData("afd", Number("item"))
FAMILY_HELP = ButtonData("afh", Number("item"))
FEEDBACK = ButtonData("afb", Number("meeting"), Number("rating"))
# Staff (BUTTONS): "asd:31" done; "asm:31" need more time (then a new date and a reason).
STAFF_DONE = ButtonData("asd", Number("item"))
STAFF_MORE_TIME = ButtonData("asm", Number("item"))
