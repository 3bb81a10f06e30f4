"""Meetings on Telegram for staff: `/meeting` sets one up step by step and previews exactly
what each family will receive; `/meetings` shows the answers, confirms a picked time and
cancels. Through the real webhook, the dispatcher and the fake Telegram and Twilio."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import func, select

from commbot.conversations import staff as staff_chat
from commbot.db import transaction
from commbot.features.meetings import messages as m
from commbot.features.meetings import staff_messages as s
from commbot.features.meetings.actions import (
    AttendeeSpec,
    MeetingDraft,
    create_meeting,
)
from commbot.features.meetings.models import (
    AttendeeRole,
    Meeting,
    MeetingAttendee,
    MeetingSlot,
    MeetingState,
    Purpose,
)
from commbot.i18n import gettext
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    Guardian,
    RecipientKind,
    School,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffDialog,
    StaffRole,
    Student,
)

from .fakes.segments import sms_segments
from .support import System, press

BOSTON = zoneinfo.ZoneInfo("America/New_York")
NEW_YORK = "America/New_York"
CARTER, KIM, AMINA = 7001, 7002, 8001
ROSA = "+16175550134"
CARTER_EMAIL = "ecarter@lincoln.example.org"


def en(message: str, **values: object) -> str:
    return gettext("en", message, **values)


def local(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=BOSTON)


def buttons(system: System, chat: int) -> list[tuple[str, str]]:
    markup = system.telegram.sent_messages(chat)[-1].params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


class Staffer:
    """One staff member on Telegram: what they type and tap, and what they read back."""

    def __init__(self, system: System, chat: int) -> None:
        self.system, self.chat, self.presses = system, chat, 0

    async def say(self, text: str) -> list[str]:
        before = len(self.system.telegram_texts(self.chat))
        response = await self.system.telegram_update(self.chat, text)
        assert response.status_code == 200
        await self.system.drain()
        return self.system.telegram_texts(self.chat)[before:]

    async def tap(self, data: str) -> list[str]:
        before = len(self.system.telegram_texts(self.chat))
        self.presses += 1
        update = press(self.chat, data, 100_000 * self.chat + self.presses)
        response = await self.system.post_telegram(update)
        assert response.status_code == 200
        await self.system.drain()
        return self.system.telegram_texts(self.chat)[before:]

    def buttons(self) -> list[tuple[str, str]]:
        return buttons(self.system, self.chat)

    async def tap_label(self, label: str) -> list[str]:
        found = [data for text, data in self.buttons() if label in text]
        assert found, (label, self.buttons())
        return await self.tap(found[0])


async def linked(system: System, email: str, chat: int) -> Staffer:
    await system.link_staff(email, chat)
    await system.drain()  # the welcome
    return Staffer(system, chat)


def count(system: System, model: type) -> int:
    with transaction(system.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def to_families(system: System) -> int:
    return sum(d.recipient_kind is RecipientKind.GUARDIAN for d in system.deliveries())


def without_notes(sms: str) -> str:
    """An SMS part as previewed: translator notes (none is configured in tests) dropped."""
    note = "(No pudimos traducir"
    return "\n".join(line for line in sms.splitlines() if not line.startswith(note))


async def test_a_teacher_sets_up_a_meeting_and_rosa_gets_what_the_preview_showed(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    with transaction(system.engine) as session:  # Alfredo's speech therapist, outside class
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        sam = Staff(
            name="Sam Rivera",
            email="srivera@lincoln.example.org",
            role=StaffRole.SPECIALIST,
            school_id=alfredo.school_id,
        )
        session.add(sam)
        session.flush()
        session.add(ServiceAssignment(staff_id=sam.id, student_id=alfredo.id, service="speech"))
        sam_id = sam.id
    assert await carter.say("/meeting") == [en(s.WHICH_STUDENT)]
    students = [text for text, _ in carter.buttons()]
    assert "Alfredo Pérez" in students and "Andrew Bashid" in students
    assert "Josie Lopez" not in students  # David Kim's class
    await carter.tap_label("Alfredo Pérez")
    assert carter.buttons()[0] == (
        en(s.PURPOSE_LABELS[Purpose.ANNUAL_REVIEW]),
        "mt:purpose:annual_review",
    )
    await carter.say("annual review")  # typed, any case
    await carter.tap_label(en(s.PROPOSE_SLOTS))

    # Each time is echoed back; 10 AM falls in Rosa's sleep (she works nights).
    [morning] = await carter.say("2026-12-01 10:00")
    when_10 = m.when_text(local(1, 10), NEW_YORK, "en")
    assert morning.startswith(en(s.TIME_ADDED, number=1, when=when_10))
    assert (
        "Rosa Pérez asked for no messages until 3:00 PM: Tuesday, December 1, 2026, 10:00 AM "
        "falls in that time." in morning
    )
    [afternoon] = await carter.say("2026-12-01   16:00")
    assert afternoon == "\n\n".join(
        [
            en(s.TIME_ADDED, number=2, when=m.when_text(local(1, 16), NEW_YORK, "en")),
            en(s.ANOTHER_SLOT),
        ]
    )
    await carter.tap_label(en(s.DONE))
    await carter.say("45 min")
    await carter.say("Room 12, Lincoln Elementary")
    team = [text for text, _ in carter.buttons()]
    assert team == [
        "✓ Emily Carter (special education teacher)",
        "Sam Rivera (speech therapist)",
        en(s.DONE),
    ]
    await carter.tap(f"mt:team:{sam_id}")
    assert carter.buttons()[1][0] == "✓ Sam Rivera (speech therapist)"
    [listed] = await carter.say("Ruth Hale, school psychologist")
    names = "Emily Carter, Sam Rivera, Ruth Hale (school psychologist)"
    assert en(s.COMING, names=names) in listed
    await carter.tap_label(en(s.DONE))
    [added] = await carter.say("Draft IEP https://school.example/iep.pdf")
    assert added.startswith(en(s.DOCUMENT_ADDED, titles="Draft IEP"))

    *previews, question = await carter.tap_label(en(s.DONE))
    [rosa] = previews
    header, *rest = rosa.split("\n\n")
    assert header == en(
        s.PREVIEW_PARTS, guardian="Rosa Pérez", language="Spanish", channel="SMS", count=3
    )
    assert rest[0::2] == [en(s.PREVIEW_PART, number=n) for n in (1, 2, 3)]
    parts = rest[1::2]
    greeting = gettext("es", m.GREETING, guardian="Rosa Pérez", student="Alfredo")
    assert parts[0].startswith(greeting)
    assert "1. " + m.when_text(local(1, 10), NEW_YORK, "es") in parts[0]  # her language's date
    assert "Ruth Hale" in parts[1] and "https://school.example/iep.pdf" in parts[1]
    assert question == en(s.TRANSLATED_NOTE) + "\n\n" + en(s.SEND_OR_CANCEL)
    assert count(system, Meeting) == 0 and to_families(system) == 0  # nothing until Send

    [summary] = await carter.tap_label(en(s.SEND))
    assert summary.splitlines()[:2] == [
        en(s.SENT, student="Alfredo Pérez"),
        en(s.SENT_BY, guardian="Rosa Pérez", channel="SMS"),
    ]
    assert "Rosa Pérez asked for no messages until 3:00 PM" in summary
    sms = system.sms_to(ROSA)
    # The second part, with the note that its words could not be translated (no translator
    # here), is 11 segments: it goes as two SMS of at most 10 (commbot.sms).
    assert len(sms) == 4 and all(sms_segments(part) <= 10 for part in sms)
    assert without_notes(sms[0]) == parts[0]
    assert sms[3] == parts[2]  # the menu: catalog text only, exactly as previewed
    with transaction(system.engine) as session:
        meeting = session.scalars(select(Meeting)).one()
        organizer = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        assert (meeting.organizer_id, meeting.purpose, meeting.state) == (
            organizer.id,
            Purpose.ANNUAL_REVIEW,
            MeetingState.PROPOSED,
        )
        assert (meeting.duration_minutes, meeting.place) == (45, "Room 12, Lincoln Elementary")
        assert meeting.documents == [
            {"title": "Draft IEP", "link": "https://school.example/iep.pdf"}
        ]
        slots = session.scalars(select(MeetingSlot.starts_at).order_by(MeetingSlot.position))
        assert list(slots) == [local(1, 10), local(1, 16)]
        attendees = session.execute(
            select(MeetingAttendee.name, MeetingAttendee.role, MeetingAttendee.staff_id).order_by(
                MeetingAttendee.position
            )
        ).all()
        assert [tuple(a) for a in attendees] == [
            ("Emily Carter", AttendeeRole.SPECIAL_EDUCATION_TEACHER, organizer.id),
            ("Sam Rivera", AttendeeRole.SPEECH_THERAPIST, sam_id),
            ("Ruth Hale", AttendeeRole.SCHOOL_PSYCHOLOGIST, None),
        ]
        assert session.get(StaffDialog, organizer.id) is None


async def test_a_video_meeting_at_a_fixed_time_previews_each_parent_on_their_channel(
    system: System,
) -> None:
    """Andrew's father reads Arabic by WhatsApp (three messages), his mother English on
    Telegram (one, with buttons): the preview is built before any meeting exists."""
    carter = await linked(system, CARTER_EMAIL, CARTER)
    with transaction(system.engine) as session:
        amina = session.scalars(select(Guardian).where(Guardian.name == "Amina Bashid")).one()
        session.add(
            ContactPoint(
                guardian_id=amina.id, channel=Channel.TELEGRAM, address=str(AMINA), priority=-1
            )
        )
    await carter.say("/meeting Andrew")
    await carter.tap("mt:purpose:reevaluation")
    await carter.tap("mt:timing:fixed")
    [fixed] = await carter.say("2026-12-02 17:00")
    assert fixed.startswith(
        en(s.TIME_ADDED, number=1, when=m.when_text(local(2, 17), NEW_YORK, "en"))
    )
    assert carter.buttons()[0][1] == "mt:dur:30"  # one fixed time: straight on
    await carter.tap("mt:dur:30")
    await carter.tap("mt:place:video")
    assert (await carter.say("not a link")) == [en(s.NOT_UNDERSTOOD) + "\n\n" + en(s.TYPE_VIDEO)]
    await carter.say("https://meet.example/andrew")
    await carter.tap("mt:team:done")
    *previews, _question = await carter.tap("mt:docs:done")
    amina_preview, karim_preview = previews
    assert amina_preview.startswith(
        en(s.PREVIEW_FOR, guardian="Amina Bashid", language="English", channel="Telegram")
    )
    assert "https://meet.example/andrew" in amina_preview
    assert amina_preview.endswith(f"({en(s.PREVIEW_BUTTONS)})\n\n({en(s.PREVIEW_CALENDAR)})")
    assert karim_preview.startswith(
        en(s.PREVIEW_PARTS, guardian="Karim Bashid", language="Arabic", channel="WhatsApp", count=3)
    )
    assert "https://commbot.test/calendar/…" in karim_preview  # his link is made when sent
    replies = await carter.tap("mt:send:yes")
    when = m.when_text(local(2, 17), NEW_YORK, "en")
    assert any(
        r.startswith(en(m.STAFF_CONFIRMED, student="Andrew Bashid", when=when)) for r in replies
    )
    [summary] = [r for r in replies if r.startswith(en(s.SENT, student="Andrew Bashid"))]
    assert en(s.SENT_BY, guardian="Amina Bashid", channel="Telegram") in summary
    assert en(s.SENT_BY, guardian="Karim Bashid", channel="WhatsApp") in summary
    sent = system.telegram.sent_messages(AMINA)
    assert any(c.params.get("reply_markup") for c in sent)  # her menu, as buttons


async def test_a_teacher_who_does_not_serve_andrew_cannot_pick_him(system: System) -> None:
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    with transaction(system.engine) as session:
        andrew = session.scalars(select(Student).where(Student.name == "Andrew Bashid")).one().id
    await kim.say("/meeting")
    offered = [text for text, _ in kim.buttons()]
    assert "Josie Lopez" in offered and "Andrew Bashid" not in offered
    refused = en(s.NOT_UNDERSTOOD) + "\n\n" + en(s.WHICH_STUDENT)
    assert await kim.say("Andrew Bashid") == [refused]
    assert await kim.tap(f"mt:student:{andrew}") == [refused]  # a forged button
    # Named with the command, he is "not found", as /msg says it.
    assert await kim.say("/meeting Andrew") == [en(staff_chat.NO_SUCH_STUDENT, name="Andrew")]
    with transaction(system.engine) as session:
        dialog = session.scalars(select(StaffDialog)).one()
        assert dialog.state == {"step": "student"}
    assert count(system, Meeting) == 0 and to_families(system) == 0


async def test_a_student_no_longer_served_at_send_is_not_sent(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    for typed in ("/meeting Alfredo", "Annual review", "One fixed time", "2026-12-01 16:00"):
        await carter.say(typed)
    await carter.tap("mt:dur:60")
    await carter.say("Room 12")
    await carter.tap("mt:team:done")
    await carter.tap("mt:docs:done")
    with transaction(system.engine) as session:
        carter_row = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        room = session.scalars(select(SchoolClass).where(SchoolClass.name == "Room 12")).one()
        carter_row.classes.remove(room)
    assert await carter.tap("mt:send:yes") == [en(s.CANNOT_SEND)]
    assert count(system, Meeting) == 0 and to_families(system) == 0
    assert count(system, StaffDialog) == 0


async def test_wrong_answers_ask_the_same_step_again_and_cancel_stops(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    await carter.say("/meeting Alfredo")
    sorry = en(s.NOT_UNDERSTOOD)
    assert await carter.say("a nice chat") == [sorry + "\n\n" + en(s.WHICH_PURPOSE)]
    assert carter.buttons()[0][1] == "mt:purpose:annual_review"  # the same buttons again
    assert await carter.tap("mt:purpose:bogus") == [sorry + "\n\n" + en(s.WHICH_PURPOSE)]
    assert await carter.tap("mt:time:done") == [sorry + "\n\n" + en(s.WHICH_PURPOSE)]
    await carter.tap("mt:purpose:other")
    await carter.tap("mt:timing:slots")
    ask = en(s.TYPE_SLOT, zone=NEW_YORK, most=5)
    assert await carter.say("tomorrow at 10") == [sorry + "\n\n" + ask]
    assert await carter.say("2026-11-20 09:00") == [en(s.TIME_PASSED) + "\n\n" + ask]
    for refused in (
        "9999-12-31 23:00",  # once an OverflowError, a 503, and Telegram sending it forever
        "2029-01-08 10:00",  # more than 2 years ahead
        "2027-03-14 02:30",  # New York's clocks skip it
        "2027-11-07 01:30",  # New York's clocks pass it twice
    ):
        assert await carter.say(refused) == [sorry + "\n\n" + ask], refused
    assert await carter.tap("mt:time:done") == [sorry + "\n\n" + ask]  # no time given yet
    await carter.say("2026-12-01 16:00")
    assert await carter.say("2026-12-01 16:00") == [en(s.TIME_TWICE) + "\n\n" + en(s.ANOTHER_SLOT)]
    assert await carter.say("/cancel") == [en(s.SETUP_CANCELLED)]
    assert count(system, StaffDialog) == 0
    # After /cancel the dialog's buttons have expired, and words are not taken as answers.
    assert await carter.tap("mt:time:done") == [en(staff_chat.STAFF_BUTTON_EXPIRED)]
    assert count(system, Meeting) == 0 and to_families(system) == 0


# -- /meetings ---------------------------------------------------------------------------------


def alfredo_meeting(system: System) -> int:
    """Emily Carter's meeting about Alfredo: two times, 10 AM and 4 PM, previews sent."""
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        created = create_meeting(
            session,
            carter,
            MeetingDraft(
                student_id=alfredo.id,
                purpose=Purpose.ANNUAL_REVIEW,
                slots=[local(1, 10), local(1, 16)],
                place="Room 12",
                attendees=[
                    AttendeeSpec("Emily Carter", AttendeeRole.SPECIAL_EDUCATION_TEACHER, carter.id)
                ],
            ),
            now=system.clock(),
            default_timezone=NEW_YORK,
            actor=carter,
        )
        return created.meeting.id


async def test_meetings_shows_rosas_answers_and_confirm_tells_everyone(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    meeting_id = alfredo_meeting(system)
    await system.drain()
    [before] = await carter.say("/meetings")
    sent = en(s.DELIVERY_TEXT["sent"])
    assert en(s.FAMILY_LINE, guardian="Rosa Pérez", channel="SMS", status=sent) in before
    assert "  " + en(s.NO_ANSWER) in before
    assert [text for text, _ in carter.buttons()] == [en(s.CANCEL_MEETING)]  # nothing picked

    for answer in ("2", "4", "5", "Alfredo tiene miedo de los exámenes."):
        await system.sms(ROSA, answer)
    await system.drain()
    [view] = await carter.say("/meetings")
    four_pm = m.when_text(local(1, 16), NEW_YORK, "en")
    assert view.splitlines()[0] == en(
        s.HEADING,
        student="Alfredo Pérez",
        purpose=en(s.PURPOSE_LABELS[Purpose.ANNUAL_REVIEW]),
        state=en(s.STATE_TEXT[MeetingState.PROPOSED]),
    )
    assert "  " + en(s.PICKED, number=2, when=four_pm) in view
    assert "  " + en(s.NEEDS, needs="interpreter, ride") in view
    assert '  Says: "Alfredo tiene miedo de los exámenes."' in view
    assert en(s.NO_ANSWER) not in view
    assert "555" not in view  # never a phone number
    confirm = en(m.CONFIRM_BUTTON, when=four_pm)
    assert [text for text, _ in carter.buttons()] == [confirm, en(s.CANCEL_MEETING)]
    assert dict(carter.buttons())[confirm] == f"mtc:{meeting_id}:2"

    replies = await carter.tap(f"mtc:{meeting_id}:2")
    assert en(s.CONFIRMED_DONE, student="Alfredo Pérez", when=four_pm) in replies
    told = en(m.STAFF_CONFIRMED, student="Alfredo Pérez", when=four_pm)
    assert any(r.startswith(told) for r in replies)  # as an attendee, with the invite
    when_es = m.when_text(local(1, 16), NEW_YORK, "es")
    confirmed = gettext("es", m.CONFIRMED, student="Alfredo", when=when_es)
    assert system.sms_to(ROSA)[-1].startswith(confirmed)
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        assert (meeting.state, meeting.starts_at) == (MeetingState.SCHEDULED, local(1, 16))
    [scheduled] = await carter.say("/meetings")
    assert en(s.SET_FOR, when=four_pm) in scheduled
    assert [text for text, _ in carter.buttons()] == [en(s.CANCEL_MEETING)]
    # The confirm button pressed again: the meeting is no longer waiting for a time.
    assert await carter.tap(f"mtc:{meeting_id}:1") == [en(s.NOT_OPEN)]


async def test_cancel_asks_first_then_cancels_and_everyone_is_told(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    meeting_id = alfredo_meeting(system)
    await system.drain()
    await carter.say("/meetings")
    asked = await carter.tap_label(en(s.CANCEL_MEETING))
    assert asked == [en(s.REALLY_CANCEL, student="Alfredo Pérez")]
    assert carter.buttons() == [(en(s.YES_CANCEL), f"mtx:yes:{meeting_id}")]
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).state is MeetingState.PROPOSED
    replies = await carter.tap(f"mtx:yes:{meeting_id}")
    assert en(s.CANCELLED_DONE, student="Alfredo Pérez") in replies
    assert system.sms_to(ROSA)[-1] == gettext("es", m.CANCELLED, student="Alfredo")
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).state is MeetingState.CANCELLED
    assert await carter.say("/meetings") == [en(s.NO_MEETINGS)]
    assert await carter.tap(f"mtx:yes:{meeting_id}") == [en(s.NOT_OPEN)]
    assert await carter.tap(f"mtx:ask:{meeting_id}") == [en(s.NOT_OPEN)]


async def test_stale_forged_and_malformed_presses_are_answered(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    meeting_id = alfredo_meeting(system)
    await system.drain()
    expired = [en(staff_chat.STAFF_BUTTON_EXPIRED)]
    # Not his student's meeting: the same answer as a meeting that does not exist.
    assert await kim.tap(f"mtx:yes:{meeting_id}") == [en(s.NOT_OPEN)]
    assert await kim.tap(f"mtc:{meeting_id}:1") == [en(s.NOT_OPEN)]
    assert await carter.tap("mtx:ask:999999") == [en(s.NOT_OPEN)]
    for data in ("mtx", "mtx:maybe:1", "mtx:yes:x", "mtc:1", "mtc:1:two", "mt:student:1", "mt:"):
        assert await carter.tap(data) == expired, data
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).state is MeetingState.PROPOSED
    with transaction(system.engine) as session:
        kinds = session.scalars(select(Delivery.recipient_kind)).all()
    assert kinds.count(RecipientKind.GUARDIAN) == 3  # only the previews went to a family


async def test_staff_with_no_students_and_a_dialog_from_an_older_version(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    with transaction(system.engine) as session:  # a coordinator of another school
        hillside = School(name="Hillside Elementary")
        session.add(hillside)
        session.flush()
        session.add(
            Staff(
                name="Olga Berg",
                email="oberg@hillside.example.org",
                role=StaffRole.COORDINATOR,
                school_id=hillside.id,
                telegram_chat_id=7006,
            )
        )
        carter_id = session.scalars(select(Staff.id).where(Staff.email == CARTER_EMAIL)).one()
        session.add(StaffDialog(staff_id=carter_id, kind="meeting", state={"step": "gone"}))
    olga = Staffer(system, 7006)
    assert await olga.say("/meeting") == [en(s.NO_STUDENTS)]
    assert await carter.say("Alfredo") == [en(s.SETUP_CANCELLED)]
    assert count(system, StaffDialog) == 0
