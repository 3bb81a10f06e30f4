"""Broadcast buttons on Telegram: the dialog's audience choices, and a broadcast's Send,
Schedule, Urgent and Cancel.

The codecs come from `commbot.callback_data`, which imports nothing of commbot's, so this
module may be imported from anywhere, handlers included.
"""

from __future__ import annotations

from ...callback_data import ButtonData, Choice, Number, Text

# The audience step of the open `/broadcast` dialog, whose number (`dialog`, drawn when it
# began) every press carries, so a press under an earlier dialog's question is stale:
# "bca:81723:school", "bca:81723:class:12" (toggles class 12), "bca:81723:next" (the
# classes ticked), "bca:81723:lang" (asks which), "bca:81723:lang:es", "bca:81723:meeting",
# "bca:81723:quiet" (not reached lately), "bca:81723:students" (asks for names); after a
# picture, "bca:81723:flyer" (no child in it) or "bca:81723:kids" (children are in it).
PICKS = ("school", "class", "next", "lang", "meeting", "quiet", "students", "flyer", "kids")
AUDIENCE = ButtonData(
    "bca", Number("dialog"), Choice("pick", *PICKS), Text("value", optional=True, max_length=16)
)
# Under the preview of draft 7: "bcx:send:7", "bcx:schedule:7", "bcx:urgent:7",
# "bcx:cancel:7" (also under a scheduled broadcast's confirmation).
ACTIONS = ("send", "schedule", "urgent", "cancel")
ACTION = ButtonData("bcx", Choice("action", *ACTIONS), Number("broadcast"))


def button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}
