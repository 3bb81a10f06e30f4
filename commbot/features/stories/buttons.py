"""Story buttons: the teacher's "Say thank you" under a family's story.

Importable from anywhere (the codecs come from `commbot.callback_data`)."""

from __future__ import annotations

from ...callback_data import ButtonData, Number

# Staff (BUTTONS). "sty:12": thank the family for story 12.
THANK = ButtonData("sty", Number("story"))
