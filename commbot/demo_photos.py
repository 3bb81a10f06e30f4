"""The demo's Friday photos and stories. The teacher shares a class photo of three children,
says who is in it, and sees who will get it before she sends it: the Bashids get it (Amina
protected on Telegram, Karim by MMS as WhatsApp is closed for him). A second photo has
Lucas in it, whose family allows his photos only for themselves: it goes to his family
alone, and the teacher is told why the others do not get it. Then Karim shares a story
from home, and the teacher's Thank you reaches him in Arabic; Rosa changes who may see
Alfredo's photos by text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from .models import Channel

if TYPE_CHECKING:
    from .demo import Demo

GARDEN = "We planted tomatoes in the class garden today!"
READING = "Reading buddies this morning."
KARIM_STORY = "أندرو زرع بذور الطماطم في حديقتنا اليوم، مثل المدرسة!"

# What the demo's stand-in translation service knows for these scenes.
PHRASES = {
    (GARDEN, "ar"): "زرعنا الطماطم في حديقة الصف اليوم!",
    (GARDEN, "es"): "¡Hoy plantamos tomates en el huerto de la clase!",
    (GARDEN, "vi"): "Hôm nay chúng tôi đã trồng cà chua trong vườn của lớp!",
    (GARDEN, "zh-CN"): "我们今天在班级花园里种了西红柿！",
    (GARDEN, "pt"): "Hoje plantamos tomates na horta da turma!",
    (GARDEN, "tl"): "Nagtanim kami ng kamatis sa hardin ng klase ngayon!",
    (READING, "pt"): "Parceiros de leitura hoje de manhã.",
    (KARIM_STORY, "en"): "Andrew planted tomato seeds in our garden today, like at school!",
}


def tap(demo: Demo, chat: str, label: str) -> None:
    """The staff member on `chat` taps the button labelled `label` (ticks aside) on the
    latest message that has it."""
    found = next(
        (shown, data)
        for sent in reversed(demo.sandbox.sent)
        if sent.outbound.address == chat
        for row in sent.outbound.buttons
        for shown, data in row
        if label in shown
    )
    demo.console.print(Text.assemble(("Emily Carter (teacher)", "cyan"), f" taps [ {found[0]} ]"))
    demo.press(chat, found[1])


def play_photos(demo: Demo) -> None:
    from .demo import CARTER_CHAT, ROSA

    karim = "+16175550177"
    demo.scene("A class photo: who is in it, and who will get it")
    demo.write(Channel.TELEGRAM, CARTER_CHAT, GARDEN, photo=True)
    for child in ("Andrew Bashid", "Minh Nguyen", "Wen Li"):
        tap(demo, CARTER_CHAT, child)
    tap(demo, CARTER_CHAT, "Done")
    tap(demo, CARTER_CHAT, "Send now")
    demo.console.print(
        "[dim](Every child in it may be in class photos, so the whole class gets it, each "
        "family in its language. On Telegram it is protected: it cannot be forwarded or "
        "saved. By MMS and WhatsApp the copy has no location or camera data. WhatsApp is "
        "closed for Karim, so his goes by MMS.)[/]"
    )

    demo.scene("Lucas's family allows his photos only for themselves", 1)
    demo.write(Channel.TELEGRAM, CARTER_CHAT, READING, photo=True)
    for child in ("Andrew Bashid", "Lucas Oliveira"):
        tap(demo, CARTER_CHAT, child)
    tap(demo, CARTER_CHAT, "Done")
    tap(demo, CARTER_CHAT, "Send now")

    demo.scene("The teacher hears how her photos went", 1)
    demo.clock_tick()

    demo.scene("The Bashids share a story from home; the teacher says thank you", 1)
    demo.write(Channel.WHATSAPP, karim, KARIM_STORY, photo=True)
    label, data = demo.button_to(CARTER_CHAT, "sty:")
    demo.console.print(Text.assemble(("Emily Carter (teacher)", "cyan"), f" taps [ {label} ]"))
    demo.press(CARTER_CHAT, data)

    demo.scene("Rosa chooses who may see photos of Alfredo, by text", 1)
    demo.write(Channel.SMS, ROSA, "FOTOS")
    demo.write(Channel.SMS, ROSA, "2")
