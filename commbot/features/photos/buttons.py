"""Photo buttons: the teacher's tagging, class choice, preview and /photos list, and a
family's photo permission menu on Telegram.

The codecs come from `commbot.callback_data`, which imports nothing of commbot's, so this
module may be imported from anywhere, handlers included.
"""

from __future__ import annotations

from ...callback_data import ButtonData, Choice, Number, Text

# Staff (BUTTONS). "pht:7:41": post 7, child 41 is in it (pressed again: is not).
TAG = ButtonData("pht", Number("post"), Number("student"))
# "phk:7:3": post 7 goes to class 3 (a teacher with several classes is asked).
CLASS = ButtonData("phk", Number("post"), Number("class"))
# "phs:7:done": the preview's and the tagging's steps for post 7.
STEP = ButtonData(
    "phs", Number("post"), Choice("action", "done", "none", "now", "at", "digest", "cancel")
)
# "pha:7:t1530" (today 15:30) or "pha:7:m0800" (tomorrow 08:00): a preset time for post 7.
AT = ButtonData("pha", Number("post"), Text("when", max_length=8))
# "phx:7": cancel waiting post 7, from the /photos list.
UNSCHEDULE = ButtonData("phx", Number("post"))

# Families (FAMILY_BUTTONS). "phc:41:group": photos of child 41 may be in class photos.
CONSENT = ButtonData("phc", Number("student"), Choice("consent", "individual", "group", "none"))
