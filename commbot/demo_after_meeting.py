"""The demo's last week: after Ms. Pérez's meeting. The teacher records the notes and the
plan; Rosa reads them in Spanish; the teacher's item needs more time and Rosa is told; Rosa
marks her own item done with HECHO 1, rates the meeting and says what would help; the
teacher's item is done, as promised.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from sqlalchemy import select

from .db import transaction
from .features.meetings.models import Meeting
from .features.meetings.notes import ConcernSpec, ItemSpec, NotesSpec, Owner, record_notes
from .models import Channel, Guardian, Staff

if TYPE_CHECKING:
    from .demo import Demo

SUMMARY = "We looked at how Alfredo reads and talks. He reads more words each week."
DECISIONS = ["Alfredo gets extra time on tests.", "Speech therapy stays at two times a week."]
CONCERN_RESPONSE = "Alfredo will get extra time on tests, in a quiet room."
ROSA_ITEM = "Read with Alfredo for 15 minutes each night."
CARTER_ITEM = "Send the speech therapy schedule."
IDEAS = ["Ask Alfredo to read a sign or a menu to you.", "Praise him when he tries a new word."]
DELAY_REASON = "The speech therapist is still setting the times."
ROSA_FEEDBACK = "Gracias. La próxima vez, envíen el borrador antes, por favor."

# What the demo's stand-in translation service knows for these scenes.
PHRASES = {
    (SUMMARY, "es"): "Vimos cómo lee y habla Alfredo. Cada semana lee más palabras.",
    (DECISIONS[0], "es"): "Alfredo tendrá más tiempo en los exámenes.",
    (DECISIONS[1], "es"): "La terapia del habla sigue dos veces por semana.",
    (CONCERN_RESPONSE, "es"): "Alfredo tendrá más tiempo en los exámenes, en un salón tranquilo.",
    (ROSA_ITEM, "es"): "Leer con Alfredo 15 minutos cada noche.",
    (CARTER_ITEM, "es"): "Enviar el horario de la terapia del habla.",
    (IDEAS[0], "es"): "Pídale a Alfredo que le lea un letrero o un menú.",
    (IDEAS[1], "es"): "Felicítelo cuando intente una palabra nueva.",
    (DELAY_REASON, "es"): "La terapeuta del habla todavía está fijando los horarios.",
    (ROSA_FEEDBACK, "en"): "Thank you. Next time, please send the draft earlier.",
}


def play_after_meeting(demo: Demo) -> None:
    from .demo import CARTER_CHAT, CARTER_EMAIL, ROSA, tuesday

    demo.scene("Tuesday 5:10 PM: the teacher records the notes and the plan", at=tuesday(17, 10))
    with transaction(demo.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        meeting = session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
        assert meeting is not None
        rosa = session.scalars(select(Guardian).where(Guardian.name == "Rosa Pérez")).one()
        day = tuesday(0, 0).date()
        spec = NotesSpec(
            summary=SUMMARY,
            decisions=tuple(DECISIONS),
            concerns=(ConcernSpec(CONCERN_RESPONSE, raised=1),),
            items=(
                ItemSpec(ROSA_ITEM, Owner(guardian_id=rosa.id), day + 3 * DAY),
                ItemSpec(CARTER_ITEM, Owner(staff_id=carter.id), day + 3 * DAY),
            ),
            ideas=tuple(IDEAS),
            feedback_days=2,
        )
        record_notes(
            session,
            carter,
            meeting,
            spec,
            now=demo.now,
            default_timezone=demo.settings.default_timezone,
        )
    demo.console.print(
        Text.assemble(
            ("Emily Carter (teacher)", "cyan"),
            " records the notes: the summary, what answers Rosa's worry about tests, "
            "two promises with dates, and ideas for home.",
        )
    )
    demo.drain()
    demo.console.print(
        "[dim](Rosa's worry is answered in her own words. Her item and the teacher's are "
        "numbered, each with its owner and its date in Spanish.)[/]"
    )

    demo.scene("Wednesday 8:00 AM: the teacher's reminder, two days before", at=tuesday(8, 0) + DAY)
    demo.clock_tick()
    label, data = demo.button_to(CARTER_CHAT, "asm:")
    demo.console.print(Text.assemble(("Emily Carter (teacher)", "cyan"), f" taps [ {label} ]"))
    demo.press(CARTER_CHAT, data)
    demo.write(Channel.TELEGRAM, CARTER_CHAT, (tuesday(0, 0) + 7 * DAY).date().isoformat())
    demo.write(Channel.TELEGRAM, CARTER_CHAT, DELAY_REASON)

    demo.scene("Wednesday 3:00 PM: Rosa wakes to the news, in Spanish", at=tuesday(15, 0) + DAY)
    demo.clock_tick()

    demo.scene("5:00 PM: a gentle reminder of Rosa's own item", at=tuesday(17, 0) + DAY)
    demo.clock_tick()
    demo.write(Channel.SMS, ROSA, "HECHO 1")

    demo.scene("Thursday 5:00 PM: how did the meeting work for Rosa?", at=tuesday(17, 0) + 2 * DAY)
    demo.clock_tick()
    demo.write(Channel.SMS, ROSA, "5")
    demo.write(Channel.SMS, ROSA, ROSA_FEEDBACK)

    demo.scene("5:30 PM: the schedule is ready sooner; the teacher taps Done", 30)
    label, data = demo.button_to(CARTER_CHAT, "asd:")
    demo.console.print(Text.assemble(("Emily Carter (teacher)", "cyan"), f" taps [ {label} ]"))
    demo.press(CARTER_CHAT, data)
    demo.console.print(
        "[dim](Every reminder of a done item is closed: nothing more goes out about it.)[/]"
    )


DAY = dt.timedelta(days=1)
