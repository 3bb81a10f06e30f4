"""The demo's broadcast: the coordinator reminds both classes' families of conference
week. She picks Room 12 and Room 14, writes once in English, and sees before sending how
many families it reaches, in which languages and on which channels, who waits for quiet
hours, and what the texts cost; each family gets it in their language. Rosa answers from
her phone after her quiet hours: her words reach the coordinator, naming Alfredo, and a copy
goes to his teacher. Then the coordinator's report, family by family.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from sqlalchemy import select

from .actions.people import add_staff
from .db import transaction
from .features.broadcasts.models import Broadcast
from .features.reports import render
from .features.reports.broadcast import broadcast as broadcast_report
from .models import Channel, StaffRole

if TYPE_CHECKING:
    from .demo import Demo

OKAFOR_CHAT, OKAFOR_EMAIL = "7003", "gokafor@lincoln.example.org"
REMINDER = (
    "Family conference week starts Monday. Your child's teacher will send you a time. "
    "Please reply if you need an interpreter or a different day."
)
ROSA_ANSWER = "Gracias. Necesito una intérprete, por favor."

# What the demo's stand-in translation service knows for this scene.
PHRASES = {
    (REMINDER, "es"): (
        "La semana de conferencias con las familias empieza el lunes. El maestro de su hijo "
        "le enviará una hora. Responda si necesita un intérprete u otro día."
    ),
    (REMINDER, "ar"): (
        "يبدأ أسبوع لقاءات الأسر يوم الاثنين. سيرسل لكم معلم طفلكم موعدًا. "
        "يرجى الرد إذا كنتم بحاجة إلى مترجم أو يوم آخر."
    ),
    (REMINDER, "vi"): (
        "Tuần họp phụ huynh bắt đầu vào thứ Hai. Giáo viên của con quý vị sẽ gửi giờ hẹn. "
        "Xin trả lời nếu quý vị cần thông dịch viên hoặc một ngày khác."
    ),
    (REMINDER, "zh-CN"): (
        "家长会周将于周一开始。您孩子的老师会给您发送时间。如需口译员或其他日期，请回复。"
    ),
    (REMINDER, "pt"): (
        "A semana de reuniões com as famílias começa na segunda-feira. O professor do seu "
        "filho vai enviar um horário. Responda se precisar de um intérprete ou de outro dia."
    ),
    (REMINDER, "tl"): (
        "Magsisimula sa Lunes ang linggo ng pulong ng pamilya. Magpapadala ang guro ng "
        "inyong anak ng oras. Sumagot po kung kailangan ninyo ng interpreter o ibang araw."
    ),
    (REMINDER, "so"): (
        "Toddobaadka kulanka qoysaska wuxuu bilaabanayaa Isniinta. Macallinka ilmahaagu "
        "wuxuu kuu soo diri doonaa waqti. Fadlan ka jawaab haddii aad u baahan tahay "
        "turjubaan ama maalin kale."
    ),
    (REMINDER, "ht"): (
        "Semenn reyinyon fanmi yo kòmanse lendi. Pwofesè pitit ou a ap voye yon lè ba ou. "
        "Tanpri reponn si ou bezwen yon entèprèt oswa yon lòt jou."
    ),
    (REMINDER, "ru"): (
        "Неделя встреч с семьями начинается в понедельник. Учитель вашего ребенка пришлет "
        "вам время. Ответьте, если вам нужен переводчик или другой день."
    ),
    (ROSA_ANSWER, "en"): "Thank you. I need an interpreter, please.",
}


def say(demo: Demo, action: str) -> None:
    demo.console.print(Text.assemble(("Grace Okafor (coordinator)", "cyan"), " ", action))


def tap(demo: Demo, label: str) -> None:
    """The coordinator taps the button labelled `label` on her latest message that has it."""
    shown, data = next(
        (shown, data)
        for sent in reversed(demo.sandbox.sent)
        if sent.outbound.address == OKAFOR_CHAT
        for row in sent.outbound.buttons
        for shown, data in row
        if shown.removeprefix("✓ ") == label
    )
    say(demo, f"taps [ {shown} ]")
    demo.press(OKAFOR_CHAT, data)


def play_broadcast(demo: Demo, at: dt.datetime) -> None:
    from .demo import ROSA

    with transaction(demo.engine) as session:
        add_staff(
            session,
            email=OKAFOR_EMAIL,
            name="Grace Okafor",
            role=StaffRole.COORDINATOR,
            language="en",
            school="Lincoln Elementary",
        )
    demo.link(OKAFOR_CHAT, email=OKAFOR_EMAIL)

    demo.scene("Monday 10:00 AM: the coordinator reminds two classes of conference week", at=at)
    demo.write(Channel.TELEGRAM, OKAFOR_CHAT, "/broadcast")
    for label in ("Room 12", "Room 14", "Next"):
        tap(demo, label)
    demo.write(Channel.TELEGRAM, OKAFOR_CHAT, REMINDER)
    demo.console.print(
        "[dim](Nothing has gone yet: she sees how many families it reaches, in which "
        "languages and on which channels, who is opted out, who waits for quiet hours and "
        "until when, and what the texts cost in SMS segments.)[/]"
    )
    tap(demo, "Send now")
    demo.clock_tick()
    demo.console.print(
        "[dim](Each family reads it in their language, on their channel. Her progress "
        "message is edited as it goes, not sent again.)[/]"
    )

    demo.scene("3:00 PM: Rosa's quiet hours end; she answers", at=at.replace(hour=15))
    demo.clock_tick()
    demo.write(Channel.SMS, ROSA, ROSA_ANSWER)
    demo.console.print(
        "[dim](Her answer goes to the coordinator, naming Alfredo, and a copy to his "
        "teacher, who was not the one who wrote.)[/]"
    )

    demo.scene("The coordinator's report on the broadcast, family by family", 5)
    demo.clock_tick()
    say(demo, "runs commbot report broadcast")
    with transaction(demo.engine) as session:
        sent = session.scalars(select(Broadcast).order_by(Broadcast.id.desc())).first()
        assert sent is not None
        view = broadcast_report(session, sent.id, None, now=demo.now).view()
    zone = demo.settings.default_timezone
    demo.console.print(view.heading, soft_wrap=True)
    for section, table in zip(view.sections, render.tables(view, zone), strict=True):
        if section.rows:
            demo.console.print(table)
