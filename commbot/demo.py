"""`commbot demo`: the real routing, outbox and dispatcher, offline, on a fresh SQLite file.

Channels are an in-process sandbox; everything else is what runs in production. The clock
starts on a school-day Friday afternoon (class photos and a story from home come before
the meeting is proposed) and jumps from scene to scene (to the next week for
Ms. Pérez's meeting, and
the week after it), so the story reads the same every time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tempfile
import zoneinfo
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text
from sqlalchemy import Engine, select

from .channels.base import Inbound, Media, MediaKind
from .channels.sandbox import SandboxSender, SandboxSent
from .config import TranslatorName, load_settings
from .conversations import handle_inbound
from .db import make_engine, transaction
from .demo_after_meeting import PHRASES as AFTER_MEETING_PHRASES
from .demo_after_meeting import play_after_meeting
from .demo_photos import PHRASES as PHOTO_PHRASES
from .demo_photos import play_photos
from .dispatch import ChannelSettings, Dispatcher
from .features.meetings.actions import AttendeeSpec, DocumentSpec, MeetingDraft, create_meeting
from .features.meetings.models import AttendeeRole, Purpose
from .glossary import load_glossary
from .invites import create_invite
from .jobs import run_due
from .media import MediaStore
from .migrate import upgrade
from .models import Channel, ContactPoint, Guardian, Staff, Student
from .resources import example_roster
from .roster import Outcome, import_roster
from .translation.phrasebook import PhrasebookTranslator

SCHOOL_ZONE = zoneinfo.ZoneInfo("America/New_York")
# Friday 20 November 2026, 1:30 PM in Boston: the teacher sets up a check-in after lunch.
START = dt.datetime(2026, 11, 20, 13, 30, tzinfo=SCHOOL_ZONE)
CARTER_CHAT, KIM_CHAT, AMINA_CHAT = "7001", "7002", "8001"
CARTER_EMAIL = "ecarter@lincoln.example.org"
ROSA = "+16175550134"
DAY = dt.timedelta(days=1)


class Demo:
    def __init__(self, workdir: Path, console: Console) -> None:
        self.console = console
        self.now = START.astimezone(dt.UTC)
        self.settings = load_settings(
            DATABASE_URL=f"sqlite:///{workdir / 'demo.db'}",
            PUBLIC_BASE_URL="https://commbot.school.example",
            COMMBOT_TRANSLATOR=TranslatorName.NONE.value,
            COMMBOT_MEDIA_DIR=str(workdir / "media"),
        )
        self.base_url = str(self.settings.public_base_url).rstrip("/")
        self.engine: Engine = make_engine(self.settings.database_url)
        self.sandbox = SandboxSender(on_send=self._show)
        self.translator = PhrasebookTranslator(PHRASES)
        for english, language, translated in STAFF_PHRASES:
            self.teach_back_translation(english, language, translated)
        self.dispatcher = Dispatcher(
            self.engine,
            {channel: self.sandbox for channel in Channel},
            # The sandbox has no rate limits, and the demo's clock stands still between scenes.
            limits={channel: ChannelSettings(per_second=1000) for channel in Channel},
            media_store=MediaStore(self.settings.media_dir),
            public_base_url=self.settings.public_base_url,
            default_timezone=self.settings.default_timezone,
            clock=lambda: self.now,
            translator=self.translator,
        )
        self.names: dict[tuple[Channel, str], str] = {}
        self._ids = itertools.count(1)

    # -- setup -------------------------------------------------------------------------

    def teach_back_translation(self, english: str, language: str, translated: str) -> None:
        """Teach the phrasebook a staff sentence, both ways, as the family will read it."""
        glossary = load_glossary()
        self.translator.add(english, language, translated)
        terms = glossary.find(english)
        family_reads = glossary.explain(translated, language, terms)
        self.translator.add(family_reads, "en", glossary.explain(english, "en", terms))

    def setup(self) -> None:
        upgrade(self.engine)
        with transaction(self.engine) as session:
            report = import_roster(session, example_roster(), "Lincoln Elementary")
        created = report.counts[Outcome.CREATED]
        self.console.print(f"Roster: {created} family–student pairs from examples/roster.csv.")

    def link(self, chat: str, *, email: str | None = None, guardian: str | None = None) -> None:
        with transaction(self.engine) as session:
            if email:
                staff = session.scalar(select(Staff).where(Staff.email == email))
                code = create_invite(session, staff=staff, now=self.now)
            else:
                person = session.scalar(select(Guardian).where(Guardian.name == guardian))
                code = create_invite(session, guardian=person, now=self.now)
        self.write(Channel.TELEGRAM, chat, f"/start {code}", quiet=True)

    def buttons_to(self, chat: str) -> list[tuple[str, str]]:
        """The inline buttons on the latest message to `chat`."""
        last = next(s.outbound for s in reversed(self.sandbox.sent) if s.outbound.address == chat)
        return [button for row in last.buttons for button in row]

    def refresh_names(self) -> None:
        with transaction(self.engine) as session:
            for staff in session.scalars(select(Staff)):
                if staff.telegram_chat_id:
                    self.names[(Channel.TELEGRAM, str(staff.telegram_chat_id))] = (
                        f"{staff.name} (teacher)"
                    )
            for point in session.scalars(select(ContactPoint)):
                self.names[(point.channel, point.address)] = point.guardian.name

    # -- the story ---------------------------------------------------------------------

    def scene(self, title: str, minutes: int = 5, at: dt.datetime | None = None) -> None:
        self.now = at.astimezone(dt.UTC) if at else self.now + dt.timedelta(minutes=minutes)
        local = self.now.astimezone(SCHOOL_ZONE).strftime("%a %-I:%M %p")
        self.console.rule(f"[bold]{title}[/]  [dim]{local}[/]")

    def write(
        self,
        channel: Channel,
        address: str,
        text: str,
        *,
        reply_to: str | None = None,
        photo: bool = False,
        quiet: bool = False,
    ) -> None:
        self.refresh_names()
        who = self.names.get((channel, address), "someone not on the roster")
        if not quiet:
            line = Text.assemble((who, "cyan"), f" writes on {channel.label}: ", text)
            if photo:
                line.append("  📷 photo", style="magenta")
            self.console.print(line)
        inbound = Inbound(
            channel=channel,
            address=address,
            text=text,
            provider_id=f"demo-{next(self._ids)}",
            received_at=self.now,
            reply_to_provider_id=reply_to,
            media=(Media(telegram_file_id="demo-photo"),) if photo else (),
        )
        with transaction(self.engine) as session:
            handle_inbound(session, inbound, self.settings, now=self.now)
        asyncio.run(self.dispatcher.drain())
        self.refresh_names()

    def press(self, chat: str, data: str) -> None:
        """A staff member taps an inline button."""
        inbound = Inbound(
            channel=Channel.TELEGRAM,
            address=chat,
            text="",
            provider_id=f"demo-{next(self._ids)}",
            received_at=self.now,
            callback_data=data,
        )
        with transaction(self.engine) as session:
            handle_inbound(session, inbound, self.settings, now=self.now)
        asyncio.run(self.dispatcher.drain())

    def button_to(self, chat: str, prefix: str) -> tuple[str, str]:
        """The latest inline button to `chat` whose data starts with `prefix`: (label, data)."""
        return next(
            (label, data)
            for sent in reversed(self.sandbox.sent)
            if sent.outbound.address == chat
            for row in sent.outbound.buttons
            for label, data in row
            if data.startswith(prefix)
        )

    def drain(self) -> None:
        """Send what is due now, as the worker's dispatcher would."""
        asyncio.run(self.dispatcher.drain())

    def clock_tick(self) -> None:
        """What the worker's clock does every few seconds: every job, at the demo's time."""
        run_due(self.engine, self.now, self.settings.default_timezone)
        asyncio.run(self.dispatcher.drain())

    def last_to(self, address: str, containing: str = "") -> str:
        """The provider id of the latest message to `address` (with `containing` in it)."""
        return next(
            sent.provider_message_id
            for sent in reversed(self.sandbox.sent)
            if sent.outbound.address == address and containing in sent.outbound.text
        )

    def _show(self, sent: SandboxSent) -> None:
        out = sent.outbound
        if (out.channel, out.address) not in self.names:
            self.refresh_names()
        who = self.names.get((out.channel, out.address), "someone not on the roster")
        body = Text(out.text or "")
        for item in out.media:
            label = f"📎 {item.file_name}" if item.kind is MediaKind.DOCUMENT else "📷 photo"
            body = Text(label + "\n", style="magenta") + body
        if out.buttons:
            labels = "  ".join(f"[ {label} ]" for row in out.buttons for label, _ in row)
            body = body + Text("\n" + labels, style="bold blue")
        title = f"to {who} · {out.channel.label}"
        self.console.print(Panel(body, title=title, title_align="left", expand=False))


def run_demo(console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="commbot-demo-") as folder:
        demo = Demo(Path(folder), console)
        demo.setup()
        demo.link(CARTER_CHAT, email=CARTER_EMAIL)
        demo.link(KIM_CHAT, email="dkim@lincoln.example.org")
        demo.link(AMINA_CHAT, guardian="Amina Bashid")
        play(demo)
        demo.engine.dispose()


# What the demo's stand-in translation service knows: what families write...
PHRASES = {
    (
        "Hola maestra, Alfredo no durmió bien anoche. ¿Cómo estuvo hoy?",
        "en",
    ): "Hello teacher, Alfredo did not sleep well last night. How was today?",
    (
        "¡Alfredo hizo su cama solo toda la semana!",
        "en",
    ): "Alfredo made his bed by himself all week!",
    (
        "شكراً. هل يمكنني إحضار أخي إلى الاجتماع؟",
        "en",
    ): "Thank you. Can I bring my brother to the meeting?",
}
# What the teacher writes in a meeting's preview, as Rosa reads it, and Rosa's concern.
MEETING_PLACE = "Room 12, Lincoln Elementary, 45 Elm Street"
MEETING_STRENGTHS = "Alfredo reads every day and helps his friends in class."
MEETING_AGENDA = ["How Alfredo reads now, and his goals", "His speech sessions", "Your questions"]
MEETING_DOCUMENT = "Draft IEP"
ROSA_CONCERN = "Alfredo tiene miedo de los exámenes. ¿Puede tener más tiempo?"
PHRASES |= (
    {
        (MEETING_PLACE, "es"): "Salón 12, Escuela Lincoln, 45 Elm Street",
        (MEETING_STRENGTHS, "es"): "Alfredo lee todos los días y ayuda a sus amigos en clase.",
        # The agenda reaches the translator as one numbered text, as the family reads it.
        ("\n".join(f"{n}. {item}" for n, item in enumerate(MEETING_AGENDA, 1)), "es"): (
            "1. Cómo lee Alfredo ahora, y sus metas\n2. Sus sesiones de habla\n3. Sus preguntas"
        ),
        (MEETING_DOCUMENT, "es"): "Borrador del IEP",
        (ROSA_CONCERN, "en"): "Alfredo is afraid of tests. Can he have more time?",
    }
    | AFTER_MEETING_PHRASES
    | PHOTO_PHRASES
)
# ... and what teachers write, with the translation each family reads.
STAFF_PHRASES = [
    (
        "Thank you for telling me. Alfredo had a calm day and finished his reading.",
        "es",
        "Gracias por avisarme. Alfredo tuvo un día tranquilo y terminó su lectura.",
    ),
    (
        "Andrew's IEP meeting is next Tuesday at 3 PM. We will look at his OT goals together.",
        "ar",
        "اجتماع IEP الخاص بأندرو يوم الثلاثاء القادم الساعة 3 مساءً. "
        "سننظر معاً في أهداف OT الخاصة به.",
    ),
]


def play(demo: Demo) -> None:
    rosa, karim, lan, jim = ROSA, "+16175550177", "+16175550142", "+16175550190"

    demo.scene("The teacher sets up a Friday check-in for her class, with buttons", 0)
    demo.write(Channel.TELEGRAM, CARTER_CHAT, "/checkin")
    room_12 = next(data for label, data in demo.buttons_to(CARTER_CHAT) if label == "Room 12")
    for data in (room_12, "ck:days:fri", "ck:time:14:00", "ck:q:proud"):
        demo.press(CARTER_CHAT, data)

    demo.scene("A parent of two children writes", 5)
    demo.write(Channel.SMS, lan, "Con tôi sẽ đi khám bác sĩ vào thứ Hai.")
    demo.write(Channel.SMS, lan, "2")
    demo.console.print(
        "[dim](No translation service knows this sentence in the demo: the teacher "
        "gets it as written, with a note.)[/]"
    )

    demo.scene("2:00 PM: the check-in goes out in each family's language", at=_friday(14, 0))
    demo.clock_tick()
    demo.console.print(
        "[dim](Rosa Pérez works nights and sleeps until 3:00 PM: hers waits. Li Wei lives in "
        "Los Angeles: his goes at 2:00 PM his time.)[/]"
    )

    demo.scene("3:00 PM: Rosa's quiet hours end", at=_friday(15, 0))
    demo.clock_tick()
    demo.write(Channel.SMS, rosa, "¡Alfredo hizo su cama solo toda la semana!")

    demo.scene("A mother texts in Spanish; the teacher reads it in English", at=_friday(16, 35))
    demo.write(Channel.SMS, rosa, "Hola maestra, Alfredo no durmió bien anoche. ¿Cómo estuvo hoy?")

    demo.scene("The teacher replies on Telegram; Rosa reads Spanish, the teacher sees it back", 3)
    demo.write(
        Channel.TELEGRAM,
        CARTER_CHAT,
        "Thank you for telling me. Alfredo had a calm day and finished his reading.",
        reply_to=demo.last_to(CARTER_CHAT, containing="Rosa"),
    )

    demo.scene("Jargon explained: an Arabic-speaking father reads about the IEP meeting")
    demo.write(
        Channel.TELEGRAM,
        CARTER_CHAT,
        "/msg Andrew Andrew's IEP meeting is next Tuesday at 3 PM. "
        "We will look at his OT goals together.",
    )
    demo.write(Channel.SMS, karim, "شكراً. هل يمكنني إحضار أخي إلى الاجتماع؟")

    play_photos(demo)

    demo.scene("A parent opts out; the teacher is told", 1)
    demo.write(Channel.SMS, jim, "STOP")
    demo.write(Channel.TELEGRAM, KIM_CHAT, "/msg Josie Josie read her poem to the class today.")

    demo.scene("5:00 PM in Boston is 2:00 PM in Los Angeles", at=_friday(17, 0))
    demo.clock_tick()

    demo.scene("A family changes language")
    demo.write(Channel.SMS, lan, "NGÔN NGỮ")
    demo.write(Channel.SMS, lan, "1")

    demo.scene("A number not on the roster")
    demo.write(Channel.SMS, "+16175550999", "Hi, is this Mr. Kim? Can you tell me about my nephew?")
    demo.write(Channel.SMS, "+16175550999", "Hello?")
    demo.console.print("[dim](No second reply today, and nothing was passed on.)[/]")

    demo.scene("The teacher checks her families")
    demo.write(Channel.TELEGRAM, CARTER_CHAT, "/families")

    propose_meeting(demo)

    demo.scene("Sunday 2:00 PM: the check-in digest", at=_friday(14, 0) + 2 * DAY)
    demo.clock_tick()
    demo.scene(
        "Sunday 5:00 PM: Li Wei's digest (his check-in went at 2:00 PM his time)",
        at=_friday(17, 0) + 2 * DAY,
    )
    demo.clock_tick()

    remind_meeting(demo)
    play_after_meeting(demo)


def propose_meeting(demo: Demo) -> None:
    """Ms. Pérez's meeting: the preview in Spanish by SMS, her answers, the confirmation."""
    rosa = ROSA
    demo.scene("The teacher proposes Alfredo's yearly meeting, with two times", at=_friday(17, 20))
    with transaction(demo.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        draft = MeetingDraft(
            student_id=alfredo.id,
            purpose=Purpose.ANNUAL_REVIEW,
            slots=[tuesday(10, 0), tuesday(16, 0)],
            duration_minutes=45,
            place=MEETING_PLACE,
            strengths=MEETING_STRENGTHS,
            agenda=list(MEETING_AGENDA),
            documents=[DocumentSpec(MEETING_DOCUMENT, "https://lincoln.example.org/iep/S1001")],
            attendees=[
                AttendeeSpec("Emily Carter", AttendeeRole.SPECIAL_EDUCATION_TEACHER, carter.id),
                AttendeeSpec("Dr. Ruth Hale", AttendeeRole.SCHOOL_PSYCHOLOGIST),
            ],
        )
        created = create_meeting(
            session,
            carter,
            draft,
            now=demo.now,
            default_timezone=demo.settings.default_timezone,
            base_url=demo.base_url,
        )
        warnings = [conflict.text for conflict in created.conflicts]
    demo.console.print(
        Text.assemble(
            ("Emily Carter (teacher)", "cyan"),
            " proposes Tuesday 10:00 AM or 4:00 PM in Room 12, with Dr. Ruth Hale.",
        )
    )
    for warning in warnings:
        demo.console.print(Text("⚠ " + warning, style="yellow"))
    demo.drain()
    demo.console.print(
        "[dim](Rosa reads the school's text from the Spanish catalog. The teacher's own words, "
        "like the place and the agenda, are machine-translated, as her messages are.)[/]"
    )

    demo.scene("Rosa picks the afternoon, asks for help, and says what worries her", 10)
    demo.write(Channel.SMS, rosa, "2")
    demo.write(Channel.SMS, rosa, "4")
    demo.write(Channel.SMS, rosa, "5")
    demo.write(Channel.SMS, rosa, ROSA_CONCERN)

    demo.scene("The teacher confirms 4:00 PM from the notice; everyone gets the time", 5)
    label, data = demo.button_to(CARTER_CHAT, "mtc:")
    demo.console.print(Text.assemble(("Emily Carter (teacher)", "cyan"), f" taps [ {label} ]"))
    demo.press(CARTER_CHAT, data)


def remind_meeting(demo: Demo) -> None:
    """The reminders before Tuesday's meeting, one moved out of Rosa's sleep."""
    demo.scene("Monday 4:00 PM: a day before the meeting, the reminders", at=tuesday(16, 0) - DAY)
    demo.clock_tick()
    demo.scene("Tuesday 7:30 AM: the 2-hour reminder, early", at=tuesday(7, 30))
    demo.clock_tick()
    demo.console.print(
        "[dim](Rosa's 2-hour reminder was due at 2:00 PM, while she sleeps (8:00 AM to 3:00 "
        "PM): it went at 7:30 AM, before she goes to sleep, never after.)[/]"
    )
    demo.scene("2:00 PM: the team's 2-hour reminder", at=tuesday(14, 0))
    demo.clock_tick()


def tuesday(hour: int, minute: int) -> dt.datetime:
    """The Tuesday after the demo's Friday."""
    return START.replace(hour=hour, minute=minute) + 4 * DAY


def _friday(hour: int, minute: int) -> dt.datetime:
    return START.replace(hour=hour, minute=minute)
