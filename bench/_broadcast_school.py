"""The school `bench/broadcast.py` sends to: one coordinator, a class of 25 per teacher,
one family per student in the ten catalog languages in turn, a third each first on
Telegram, SMS and WhatsApp (two in three WhatsApp families wrote within 24 hours; the
others have an SMS number too, which the broadcast takes, as no WhatsApp template is
configured), no quiet hours; seeded with bulk inserts. Also the broadcast's text, what the
fake translation server answers for it, and where each family must get it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from _common import DEFAULT_TIMEZONE, after_bulk_seed, bulk_insert
from sqlalchemy import Engine

from commbot.languages import CATALOG_LANGUAGES
from commbot.models import (
    Channel,
    ContactPoint,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    class_staff,
    enrollments,
    utcnow,
)

PER_CLASS = 25
LANGUAGES = CATALOG_LANGUAGES  # the ten: en, es, zh-CN, vi, ar, so, ht, pt, ru, tl
SENDER_ID = 1  # the coordinator; teachers are 2, 3, ... (one per class)
STAFF_CHAT = 900_000_000  # + staff id
FAMILY_CHAT = 100_000_000  # + family number
SCHOOL_NUMBER = "+16175550100"  # TWILIO_FROM_NUMBER
WHATSAPP_NUMBER = "+16175550199"  # TWILIO_WHATSAPP_FROM
SEEDED = (
    "schools",
    "staff",
    "classes",
    "students",
    "guardians",
    "guardianships",
    "contact_points",
)

TEXT = (
    "Reminder: family conferences are on Thursday from 3 to 7 pm in the school library. "
    "Reply here if you need an interpreter or another time."
)
# What the fake translation server answers for TEXT, by LibreTranslate's language code.
TRANSLATIONS = {
    "es": "Recordatorio: las conferencias con las familias son el jueves de 3 a 7 pm en la "
    "biblioteca de la escuela. Responda aquí si necesita un intérprete u otro horario.",
    "zh": "提醒：家长会将于星期四下午3点至7点在学校图书馆举行。如需翻译或其他时间，请回复此消息。",
    "vi": "Nhắc nhở: buổi họp phụ huynh diễn ra vào thứ Năm từ 3 đến 7 giờ chiều tại thư viện "
    "trường. Hãy trả lời tin nhắn này nếu quý vị cần thông dịch viên hoặc thời gian khác.",
    "ar": "تذكير: اجتماعات أولياء الأمور يوم الخميس من الساعة 3 إلى 7 مساءً في مكتبة المدرسة. "
    "يرجى الرد هنا إذا كنتم بحاجة إلى مترجم أو موعد آخر.",
    "so": "Xusuusin: shirarka waalidiinta waa Khamiista laga bilaabo 3 ilaa 7 galabnimo "
    "maktabadda dugsiga. Halkan ka jawaab haddii aad u baahan tahay turjubaan ama waqti kale.",
    "ht": "Rapèl: reyinyon fanmi yo ap fèt jedi soti 3 rive 7 è diswa nan bibliyotèk lekòl "
    "la. Reponn isit la si ou bezwen yon entèprèt oswa yon lòt lè.",
    "pt": "Lembrete: as reuniões com as famílias são na quinta-feira, das 15h às 19h, na "
    "biblioteca da escola. Responda aqui se precisar de um intérprete ou de outro horário.",
    "ru": "Напоминание: встречи с семьями пройдут в четверг с 15:00 до 19:00 в школьной "
    "библиотеке. Ответьте на это сообщение, если вам нужен переводчик или другое время.",
    "tl": "Paalala: ang mga pulong ng mga pamilya ay sa Huwebes mula 3 hanggang 7 ng hapon sa "
    "aklatan ng paaralan. Sumagot dito kung kailangan ninyo ng tagasalin o ibang oras.",
}
REPLY_TEXT = "Gracias, allí estaremos. Necesitamos un intérprete, por favor. ({marker})"


def libre_code(language: str) -> str:
    return "zh" if language.startswith("zh") else language.split("-")[0]


def expected_words(language: str) -> str:
    """The broadcast's words as a family reading `language` must get them."""
    return TEXT if language == "en" else TRANSLATIONS[libre_code(language)]


# -- seeding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    number: int
    language: str
    channel: Channel  # the channel the broadcast must take
    address: str  # where it must arrive: a chat id, +1..., whatsapp:+1...


@dataclass
class Seeded:
    families: dict[str, Family]  # by the address the broadcast must reach
    classes: int
    replier: Family  # a Spanish-speaking family on SMS
    replier_teacher_chat: int
    in_window: int  # WhatsApp families who wrote within 24 hours
    out_of_window: int  # WhatsApp families who did not: they get SMS

    def by_channel(self) -> Counter[Channel]:
        return Counter(f.channel for f in self.families.values())


def family_plan(n: int) -> tuple[str, Channel, bool]:
    """Family n's language, first channel, and (WhatsApp) whether it wrote within 24 hours:
    languages in turn, channels in turn within each run of ten, so each language has all
    three channels."""
    language = LANGUAGES[n % len(LANGUAGES)]
    channel = (Channel.TELEGRAM, Channel.SMS, Channel.WHATSAPP)[(n // len(LANGUAGES)) % 3]
    return language, channel, (n // 30) % 3 != 0


def sms_number(n: int) -> str:
    return f"+1617{n:07d}"


def whatsapp_number(n: int) -> str:
    return f"+1857{n:07d}"


def seed(engine: Engine, families: int) -> Seeded:
    now = utcnow()
    classes = -(-families // PER_CLASS)
    staff = [
        {
            "id": SENDER_ID,
            "school_id": 1,
            "name": "Maria Lopez",
            "email": "mlopez@bench.example.org",
            "role": StaffRole.COORDINATOR,
            "language": "en",
            "telegram_chat_id": STAFF_CHAT + SENDER_ID,
            "show_back_translation": True,
            "created_at": now,
        }
    ] + [
        {
            "id": c + 1,
            "school_id": 1,
            "name": f"Teacher {c:03d}",
            "email": f"teacher{c}@bench.example.org",
            "role": StaffRole.TEACHER,
            "language": "en",
            "telegram_chat_id": STAFF_CHAT + c + 1,
            "show_back_translation": True,
            "created_at": now,
        }
        for c in range(1, classes + 1)
    ]
    guardians, points, expected = [], [], {}
    in_window = out_of_window = 0
    for n in range(1, families + 1):
        language, channel, recent = family_plan(n)
        guardians.append(
            {
                "id": n,
                "school_id": 1,
                "external_id": f"G{n}",
                "name": f"Guardian {n:05d}",
                "language": language,
                "timezone": DEFAULT_TIMEZONE,
                "quiet_hours": "",
                "preferred_channel": channel,
                "created_at": now,
            }
        )
        point = {"guardian_id": n, "priority": 0, "opted_out": False, "verified": True}
        if channel is Channel.TELEGRAM:
            address = str(FAMILY_CHAT + n)
            points.append({**point, "channel": channel, "address": address, "created_at": now})
            expected[address] = Family(n, language, channel, address)
        elif channel is Channel.SMS:
            address = sms_number(n)
            points.append({**point, "channel": channel, "address": address, "created_at": now})
            expected[address] = Family(n, language, channel, address)
        else:
            wrote = now - dt.timedelta(hours=2 if recent else 72)
            points.append(
                {
                    **point,
                    "channel": channel,
                    "address": whatsapp_number(n),
                    "last_inbound_at": wrote,
                    "created_at": now,
                }
            )
            points.append(
                {
                    **point,
                    "priority": 1,
                    "channel": Channel.SMS,
                    "address": sms_number(n),
                    "created_at": now,
                }
            )
            if recent:
                in_window += 1
                address = "whatsapp:" + whatsapp_number(n)
                expected[address] = Family(n, language, Channel.WHATSAPP, address)
            else:
                out_of_window += 1
                expected[sms_number(n)] = Family(n, language, Channel.SMS, sms_number(n))
    for i, row in enumerate(points, start=1):
        row["id"] = i
        row.setdefault("last_inbound_at", None)
    with engine.begin() as connection:
        bulk_insert(
            connection,
            School.__table__,
            [{"id": 1, "name": "Bench Elementary", "timezone": DEFAULT_TIMEZONE}],
        )
        bulk_insert(connection, Staff.__table__, staff)
        bulk_insert(
            connection,
            SchoolClass.__table__,
            [{"id": c, "school_id": 1, "name": f"{c:03d}"} for c in range(1, classes + 1)],
        )
        bulk_insert(
            connection,
            class_staff,
            [{"class_id": c, "staff_id": c + 1} for c in range(1, classes + 1)],
        )
        bulk_insert(
            connection,
            Student.__table__,
            [
                {
                    "id": n,
                    "school_id": 1,
                    "external_id": f"S{n}",
                    "name": f"Student {n:05d}",
                    "created_at": now,
                }
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(
            connection,
            enrollments,
            [
                {"class_id": (n - 1) // PER_CLASS + 1, "student_id": n}
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(connection, Guardian.__table__, guardians)
        bulk_insert(
            connection,
            Guardianship.__table__,
            [
                {
                    "id": n,
                    "guardian_id": n,
                    "student_id": n,
                    "relationship": "mother",
                    "receives_messages": True,
                    "photo_consent": "none",
                }
                for n in range(1, families + 1)
            ],
        )
        bulk_insert(connection, ContactPoint.__table__, points)
    after_bulk_seed(engine, SEEDED)
    replier = next(
        f
        for f in expected.values()
        if f.language == "es"
        and f.channel is Channel.SMS
        and family_plan(f.number)[1] is Channel.SMS
    )
    teacher = (replier.number - 1) // PER_CLASS + 2
    return Seeded(expected, classes, replier, STAFF_CHAT + teacher, in_window, out_of_window)
