"""After the meeting, for staff on Telegram: `/notes` writes the notes step by step and
previews exactly what each family will receive; `/actions` lists the open items; Done and
Need more time (on `/actions` and on reminders) keep the plan's promises. Through the real
webhook, the dispatcher and the fake Telegram and Twilio."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from commbot.conversations import staff as staff_chat
from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import notes_dialog_messages as n
from commbot.features.meetings import staff_messages as s
from commbot.features.meetings.actions import AttendeeSpec, MeetingDraft, create_meeting
from commbot.features.meetings.after_models import ActionItem, ItemState, MeetingNotes
from commbot.features.meetings.messages import when_text
from commbot.features.meetings.models import (
    AttendeeRole,
    InputKind,
    Meeting,
    MeetingInput,
    MeetingState,
    Purpose,
)
from commbot.features.meetings.notes_dialog_dates import examples, parse_day
from commbot.i18n import gettext
from commbot.models import Guardian, Staff, StaffDialog, Student

from .support import System
from .test_meeting_telegram import (
    CARTER,
    CARTER_EMAIL,
    KIM,
    NEW_YORK,
    ROSA,
    count,
    linked,
    local,
    to_families,
    without_notes,
)

CONCERN = "Alfredo tiene miedo de los exámenes."
# Tuesday 1 December 2026, 5:30 PM in Boston: the 4 PM meeting is over, and Rosa's quiet
# hours (8 AM to 3 PM, 10 PM to midnight) are not on.
AFTER = dt.datetime(2026, 12, 1, 22, 30, tzinfo=dt.UTC)


def en(message: str, **values: object) -> str:
    return gettext("en", message, **values)


def es(message: str, **values: object) -> str:
    return gettext("es", message, **values)


def met_meeting(system: System) -> int:
    """Emily Carter's meeting about Alfredo, set for 4 PM on December 1; Rosa has it."""
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one()
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        created = create_meeting(
            session,
            carter,
            MeetingDraft(
                student_id=alfredo.id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=local(1, 16),
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


async def rosa_raises_a_concern(system: System, words: str = CONCERN) -> None:
    assert (await system.sms(ROSA, words)).status_code == 200
    await system.drain()


def as_previewed(sms: str) -> str:
    """An SMS part as previewed: the glossary's explanations of terms and translator notes
    are added when sent (the preview says so), so they are left out here."""
    lines: list[str] = []
    for line in without_notes(sms).splitlines():
        if line.startswith("• "):
            if lines and not lines[-1]:
                lines.pop()
            continue
        lines.append(line)
    return "\n".join(lines)


def ids(system: System) -> dict[str, int]:
    with transaction(system.engine) as session:
        staff = session.scalars(select(Staff).where(Staff.email == CARTER_EMAIL)).one().id
        rosa = session.scalars(select(Guardian).where(Guardian.name == "Rosa Pérez")).one().id
    return {"carter": staff, "rosa": rosa}


# -- /notes ---------------------------------------------------------------------------------


async def test_the_organizer_writes_the_notes_and_rosa_gets_what_the_preview_showed(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    meeting_id = met_meeting(system)
    await system.drain()
    await rosa_raises_a_concern(system)
    system.clock.now = AFTER
    who = ids(system)
    sent_before = to_families(system)

    assert await carter.say("/notes") == [en(n.WHICH_MEETING)]
    label = en(
        n.MEETING_BUTTON, student="Alfredo Pérez", when=when_text(local(1, 16), NEW_YORK, "en")
    )
    assert carter.buttons() == [(label, f"nt:meeting:{meeting_id}")]
    assert await carter.tap(f"nt:meeting:{meeting_id}") == [en(n.ASK_SUMMARY)]
    assert await carter.say("We looked at Alfredo's reading and his speech goals.") == [
        en(n.ASK_DECISIONS)
    ]
    assert carter.buttons() == [(en(n.NEXT), "nt:decisions:next")]
    assert await carter.say("Speech therapy twice a week.") == [
        en(n.DECISION_ADDED, number=1) + "\n\n" + en(n.ANOTHER_OR_NEXT)
    ]
    await carter.say("A reading check in January.")

    # Rosa's concern, in her words, and "Not yet" then why.
    [asked] = await carter.tap("nt:decisions:next")
    heading = en(n.CONCERN_RAISED, number=1, count=1, guardian="Rosa Pérez")
    assert asked == f'{heading}\n"{CONCERN}"\n\n{en(n.ASK_CONCERN_ANSWER)}'
    assert carter.buttons() == [(en(n.NOT_YET), "nt:concern:notyet")]
    assert await carter.tap("nt:concern:notyet") == [en(n.ASK_WHY_NOT_YET)]
    assert await carter.say("We will ask the psychologist first.") == [en(n.ASK_OTHER_CONCERN)]
    # A concern raised during the meeting, and what answers it.
    [other] = await carter.say("Alfredo is tired in the mornings.")
    assert other.startswith(en(n.OTHER_CONCERN) + '\n"Alfredo is tired in the mornings."')
    assert await carter.say("The nurse will call home.") == [en(n.ANOTHER_CONCERN)]
    assert await carter.tap("nt:other:next") == [en(n.ASK_ITEM_WHAT)]
    assert carter.buttons() == [(en(n.NO_ITEMS), "nt:what:none")]

    # The plan: what, who, by when; a date refused plainly, then one given as "Dec 10".
    assert await carter.say("Send the speech therapy schedule.") == [en(n.ASK_ITEM_OWNER)]
    assert carter.buttons() == [
        ("Emily Carter", f"nt:owner:s{who['carter']}"),
        (en(n.OWNER_FAMILY_BUTTON, name="Rosa Pérez"), f"nt:owner:g{who['rosa']}"),
    ]
    shown = examples(dt.date(2026, 12, 1), "en")
    assert await carter.tap(f"nt:owner:s{who['carter']}") == [en(n.ASK_ITEM_DUE, **shown)]
    ask_due = en(n.ASK_ITEM_DUE, **shown)
    assert await carter.say("2026-11-30") == [en(n.PAST_DATE) + "\n\n" + ask_due]
    assert await carter.say("soon") == [en(n.BAD_DATE, **shown) + "\n\n" + ask_due]
    assert await carter.say("2030-01-01") == [en(n.FAR_DATE) + "\n\n" + ask_due]
    added = en(
        n.ITEM_ADDED, number=1, owner="Emily Carter", date=am.due_text(dt.date(2026, 12, 10), "en")
    )
    assert await carter.say("Dec 10") == [added + "\n\n" + en(n.ADD_ANOTHER_ITEM)]
    assert carter.buttons() == [(en(n.ADD_ANOTHER), "nt:more:add"), (en(n.NO_MORE), "nt:more:no")]
    assert await carter.tap("nt:more:add") == [en(n.ASK_NEXT_ITEM)]
    await carter.say("Practice the new words at home.")
    await carter.tap_label("Rosa Pérez")
    await carter.say("2026-12-15")
    assert await carter.tap("nt:more:no") == [en(n.ASK_IDEAS)]
    await carter.say("Read a short story together each night.")
    [feedback] = await carter.tap("nt:ideas:next")
    assert feedback == en(n.ASK_FEEDBACK)
    assert [text for text, _ in carter.buttons()] == [
        en(n.USUAL_DAYS, days=2),
        en(n.DAYS, days=3),
        en(n.DAYS, days=5),
        en(n.DAYS, days=7),
        en(n.DO_NOT_ASK),
    ]

    # The preview: exactly Rosa's SMS parts, in Spanish; nothing written yet.
    *previews, question = await carter.tap("nt:fb:3")
    [rosa] = previews
    header, *rest = rosa.split("\n\n")
    parts = rest[1::2]
    assert header == en(
        s.PREVIEW_PARTS, guardian="Rosa Pérez", language="Spanish", channel="SMS", count=len(parts)
    )
    assert rest[0::2] == [en(s.PREVIEW_PART, number=k) for k in range(1, len(parts) + 1)]
    assert parts[0].startswith(es(am.NOTES_THANKS, student="Alfredo"))
    whole = "\n\n".join(parts)
    assert es(am.CONCERN_NOT_YET) in whole and CONCERN in whole
    assert (
        es(
            am.PLAN_ITEM,
            number=2,
            owner=es(am.OWNER_YOU),
            date=am.due_text(dt.date(2026, 12, 15), "es"),
        )
        in whole
    )
    assert question == en(n.NOTES_TRANSLATED) + "\n\n" + en(n.SEND_NOTES)
    assert count(system, MeetingNotes) == 0 and to_families(system) == sent_before

    replies = await carter.tap("nt:send:yes")
    [summary] = [r for r in replies if r.startswith(en(n.NOTES_RECORDED, student="Alfredo Pérez"))]
    assert summary.splitlines()[1:] == [
        en(s.SENT_BY, guardian="Rosa Pérez", channel="SMS"),
        en(n.SEE_ACTIONS),
    ]
    sms = system.sms_to(ROSA)[-len(parts) :]
    assert [as_previewed(text) for text in sms] == parts
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        assert meeting.state is MeetingState.HELD
        notes = session.scalars(select(MeetingNotes)).one()
        assert (notes.feedback_days, notes.decisions, notes.ideas) == (
            3,
            ["Speech therapy twice a week.", "A reading check in January."],
            ["Read a short story together each night."],
        )
        items = session.scalars(select(ActionItem).order_by(ActionItem.position)).all()
        assert [(i.what, i.owner_staff_id, i.owner_guardian_id, i.due_on) for i in items] == [
            ("Send the speech therapy schedule.", who["carter"], None, dt.date(2026, 12, 10)),
            ("Practice the new words at home.", None, who["rosa"], dt.date(2026, 12, 15)),
        ]
        assert session.get(StaffDialog, who["carter"]) is None
    assert await carter.say("/notes") == [en(n.NO_MEETING_FOR_NOTES)]  # noted: not offered


async def test_no_meeting_is_offered_before_its_time_or_to_staff_who_do_not_serve_it(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    meeting_id = met_meeting(system)
    await system.drain()
    sent_before = to_families(system)
    assert await carter.say("/notes") == [en(n.NO_MEETING_FOR_NOTES)]  # it is at 4 PM on Dec 1
    system.clock.now = AFTER
    assert await kim.say("/notes") == [en(n.NO_MEETING_FOR_NOTES)]  # not his student
    assert count(system, StaffDialog) == 0
    with transaction(system.engine) as session:
        other = session.get_one(Meeting, meeting_id)
        other.state = MeetingState.CANCELLED
    assert await carter.say("/notes") == [en(n.NO_MEETING_FOR_NOTES)]  # cancelled
    assert to_families(system) == sent_before  # only the meeting's own notice


async def test_wrong_answers_ask_again_stale_presses_expire_and_cancel_sends_nothing(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    meeting_id = met_meeting(system)
    await system.drain()
    system.clock.now = AFTER
    sorry = en(s.NOT_UNDERSTOOD)
    await carter.say("/notes")
    ask = sorry + "\n\n" + en(n.WHICH_MEETING)
    assert await carter.say("the one with Rosa") == [ask]  # a meeting is tapped, not typed
    assert await carter.tap("nt:meeting:999999") == [ask]  # no such meeting
    assert await carter.tap("nt:send:yes") == [ask]  # another step's button
    assert await carter.tap("nt:meeting") == [ask]  # malformed
    assert await carter.tap("nt:bogus:1") == [ask]
    # Kim has no dialog: Carter's meeting button has expired for him.
    assert await kim.tap(f"nt:meeting:{meeting_id}") == [en(staff_chat.STAFF_BUTTON_EXPIRED)]
    assert await carter.say("/cancel") == [en(n.NOTES_CANCELLED)]
    assert await carter.tap(f"nt:meeting:{meeting_id}") == [en(staff_chat.STAFF_BUTTON_EXPIRED)]
    assert count(system, StaffDialog) == 0 and count(system, MeetingNotes) == 0


async def test_a_long_summary_is_refused_and_an_unknown_state_starts_afresh(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    met_meeting(system)
    await system.drain()
    system.clock.now = AFTER
    who = ids(system)
    with transaction(system.engine) as session:
        session.add(StaffDialog(staff_id=who["carter"], kind="notes", state={"step": "gone"}))
    assert await carter.say("Hello") == [en(n.NOTES_CANCELLED)]
    assert count(system, StaffDialog) == 0


async def test_cancel_at_the_preview_sends_nothing_and_no_items_skips_the_plan(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    meeting_id = met_meeting(system)
    await system.drain()
    system.clock.now = AFTER
    sent_before = to_families(system)
    await carter.say("/notes")
    await carter.tap(f"nt:meeting:{meeting_id}")
    too_long = "x" * 2001
    assert await carter.say(too_long) == [en(n.TOO_LONG, most=2000) + "\n\n" + en(n.ASK_SUMMARY)]
    await carter.say("A good talk.")
    assert await carter.tap("nt:decisions:next") == [en(n.ASK_OTHER_CONCERN)]  # none raised
    await carter.tap("nt:other:next")
    assert await carter.tap("nt:what:none") == [en(n.ASK_IDEAS)]
    await carter.tap("nt:ideas:next")
    *_, question = await carter.tap("nt:fb:0")
    assert question.endswith(en(n.SEND_NOTES))
    assert await carter.tap("nt:send:no") == [en(n.NOTES_CANCELLED)]
    assert count(system, MeetingNotes) == 0 and to_families(system) == sent_before
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).state is MeetingState.SCHEDULED


async def test_a_concern_that_arrives_while_the_notes_are_written_is_asked_before_sending(
    system: System,
) -> None:
    """Rosa's words written just before the start, taken in after the meeting was picked
    (two web processes): the preview waits until the organizer has answered them too."""
    carter = await linked(system, CARTER_EMAIL, CARTER)
    meeting_id = met_meeting(system)
    await system.drain()
    system.clock.now = AFTER
    who = ids(system)
    await carter.say("/notes")
    await carter.tap(f"nt:meeting:{meeting_id}")
    await carter.say("A good talk.")
    assert await carter.tap("nt:decisions:next") == [en(n.ASK_OTHER_CONCERN)]  # none yet
    await carter.tap("nt:other:next")
    await carter.tap("nt:what:none")
    with transaction(system.engine) as session:
        session.add(
            MeetingInput(
                meeting_id=meeting_id,
                guardian_id=who["rosa"],
                kind=InputKind.CONCERN,
                created_at=local(1, 15),
            )
        )
    await carter.tap("nt:ideas:next")
    [asked] = await carter.tap("nt:fb:2")
    heading = en(n.CONCERN_RAISED, number=1, count=1, guardian="Rosa Pérez")
    assert asked.startswith(en(n.NEW_CONCERNS) + "\n\n" + heading)
    assert await carter.say("We will call you.") == [en(n.ASK_OTHER_CONCERN)]
    await carter.tap("nt:other:next")
    await carter.tap("nt:what:none")
    await carter.tap("nt:ideas:next")
    *_, question = await carter.tap("nt:fb:2")
    assert question.endswith(en(n.SEND_NOTES))
    replies = await carter.tap("nt:send:yes")
    assert any(r.startswith(en(n.NOTES_RECORDED, student="Alfredo Pérez")) for r in replies)
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, meeting_id).state is MeetingState.HELD


# -- /actions and the item buttons ----------------------------------------------------------


def held_with_items(system: System) -> tuple[int, int, int]:
    """The meeting held, with Carter's item 1 due December 10 and Rosa's item 2 due
    November 30 (overdue on December 1): plain rows, as `record_notes` writes them."""
    meeting_id = met_meeting(system)
    who = ids(system)
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        meeting.state = MeetingState.HELD
        session.add(MeetingNotes(meeting_id=meeting_id, summary="A good talk.", recorded_at=AFTER))
        first = ActionItem(
            meeting_id=meeting_id,
            position=1,
            what="Send the speech therapy schedule.",
            owner_staff_id=who["carter"],
            owner_name="Emily Carter",
            due_on=dt.date(2026, 12, 10),
            first_due_on=dt.date(2026, 12, 10),
        )
        second = ActionItem(
            meeting_id=meeting_id,
            position=2,
            what="Bring the signed form.",
            owner_guardian_id=who["rosa"],
            owner_name="Rosa Pérez",
            due_on=dt.date(2026, 11, 30),
            first_due_on=dt.date(2026, 11, 30),
        )
        session.add_all([first, second])
        session.flush()
        return meeting_id, first.id, second.id


async def test_actions_lists_open_items_overdue_flagged_with_their_buttons(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    assert await carter.say("/actions") == [en(am.NO_OPEN_ITEMS)]
    _, first, _ = held_with_items(system)
    await system.drain()
    system.clock.now = AFTER
    heading, overdue, due = await carter.say("/actions")
    assert heading == en(am.OPEN_ITEMS)
    line = en(
        am.ITEM_LINE,
        student="Alfredo Pérez",
        number=2,
        owner="Rosa Pérez",
        date=am.due_text(dt.date(2026, 11, 30), "en"),
    )
    assert overdue == f"{line} ({en(am.ITEM_OVERDUE)})\nBring the signed form."
    assert due.endswith("\nSend the speech therapy schedule.") and en(am.ITEM_OVERDUE) not in due
    assert carter.buttons() == [
        (en(am.DONE_BUTTON_STAFF), f"asd:{first}"),
        (en(am.MORE_TIME_BUTTON), f"asm:{first}"),
    ]
    assert await kim.say("/actions") == [en(am.NO_OPEN_ITEMS)]  # not his student


async def test_done_tells_the_family_and_a_second_press_is_stale(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    _, first, _ = held_with_items(system)
    await system.drain()
    system.clock.now = AFTER
    assert await kim.tap(f"asd:{first}") == [en(am.ITEM_NOT_OPEN)]  # not his student's
    assert await carter.tap("asd:999999") == [en(am.ITEM_NOT_OPEN)]
    for data in ("asd", "asd:x", "asm:", "asm:1:2"):
        assert await carter.tap(data) == [en(staff_chat.STAFF_BUTTON_EXPIRED)], data
    replies = await carter.tap(f"asd:{first}")
    assert en(am.DONE_SAVED) in replies
    # Told in Spanish (English until the catalogs hold it), with the owner in plain words.
    told = es(am.ITEM_DONE_BY_STAFF, student="Alfredo", owner="\0", number=1).split("\0")[0]
    [news] = [text for text in system.sms_to(ROSA) if text.startswith(told)]
    assert "Emily Carter" in news and "Send the speech therapy schedule." in news
    with transaction(system.engine) as session:
        assert session.get_one(ActionItem, first).state is ItemState.DONE
    assert await carter.tap(f"asd:{first}") == [en(am.ITEM_NOT_OPEN)]
    assert await carter.tap(f"asm:{first}") == [en(am.ITEM_NOT_OPEN)]


async def test_need_more_time_asks_a_later_date_and_a_reason_and_the_family_is_told(
    system: System,
) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    _, first, _ = held_with_items(system)
    await system.drain()
    system.clock.now = AFTER
    example = "2026-12-17"  # a week after its due date
    assert await carter.tap(f"asm:{first}") == [en(am.ASK_NEW_DATE, example=example)]
    bad = [en(am.BAD_NEW_DATE, example=example)]
    assert await carter.say("2026-12-01") == bad  # today is not after today
    assert await carter.say("next week") == bad
    assert await carter.say("2031-01-01") == bad
    assert await carter.say("Dec 18") == [en(am.ASK_DELAY_REASON)]
    long = "x" * 501
    assert await carter.say(long) == [en(n.TOO_LONG, most=500) + "\n\n" + en(am.ASK_DELAY_REASON)]
    replies = await carter.say("The therapist is away this week.")
    assert en(am.DELAY_SAVED, date=am.due_text(dt.date(2026, 12, 18), "en")) in replies
    with transaction(system.engine) as session:
        item = session.get_one(ActionItem, first)
        assert (item.due_on, item.delays, item.delay_reason) == (
            dt.date(2026, 12, 18),
            1,
            "The therapist is away this week.",
        )
    assert count(system, StaffDialog) == 0
    delayed = es(
        am.ITEM_DELAYED,
        student="Alfredo",
        number=1,
        owner="\0",
        date=am.due_text(dt.date(2026, 12, 18), "es"),
    ).split("\0")[0]
    [news] = [text for text in system.sms_to(ROSA) if text.startswith(delayed)]
    assert am.due_text(dt.date(2026, 12, 18), "es") in news
    assert es(am.DELAY_WHY) + " The therapist is away this week." in news


async def test_need_more_time_on_an_item_done_meanwhile_and_cancel(system: System) -> None:
    carter = await linked(system, CARTER_EMAIL, CARTER)
    _, first, second = held_with_items(system)
    await system.drain()
    system.clock.now = AFTER
    await carter.tap(f"asm:{first}")
    assert await carter.say("/cancel") == [en(n.DELAY_CANCELLED)]
    await carter.tap(f"asm:{first}")
    await carter.say("2026-12-20")
    with transaction(system.engine) as session:
        session.get_one(ActionItem, first).state = ItemState.DONE
    assert await carter.say("Busy week.") == [en(am.ITEM_NOT_OPEN)]
    assert count(system, StaffDialog) == 0
    with transaction(system.engine) as session:
        assert session.get_one(ActionItem, first).due_on == dt.date(2026, 12, 10)
    # A family's item may be given more time by staff who serve the child.
    await carter.tap(f"asm:{second}")
    await carter.say("2026-12-05")
    replies = await carter.say("Rosa asked for a few days.")
    assert en(am.DELAY_SAVED, date=am.due_text(dt.date(2026, 12, 5), "en")) in replies
    with transaction(system.engine) as session:
        assert session.get_one(ActionItem, second).due_on == dt.date(2026, 12, 5)
    assert count(system, StaffDialog) == 0


# -- dates as staff type them -------------------------------------------------------------------


def test_due_dates_are_read_in_iso_english_and_the_staff_language() -> None:
    today = dt.date(2026, 12, 1)
    assert parse_day("2027-01-22", today, "en") == dt.date(2027, 1, 22)
    assert parse_day("Jan 22", today, "en") == dt.date(2027, 1, 22)  # the next one
    assert parse_day("december 10", today, "en") == dt.date(2026, 12, 10)
    assert parse_day("10 Dec", today, "en") == dt.date(2026, 12, 10)
    assert parse_day("Dec 1", today, "en") == dt.date(2026, 12, 1)  # today is still ahead
    assert parse_day("Nov 30", today, "en") == dt.date(2027, 11, 30)
    assert parse_day("Jan 22, 2027", today, "en") == dt.date(2027, 1, 22)
    assert parse_day("22 de enero", today, "es") is None  # "de" is not read
    assert parse_day("22 enero", today, "es") == dt.date(2027, 1, 22)
    assert parse_day("22 enero", today, "en") is None  # Spanish months for Spanish readers
    assert parse_day("Feb 29", today, "en") == dt.date(2028, 2, 29)
    for nothing in ("", "soon", "2027-02-30", "13/01", "Foo 3", "2027-13-01", "Jan 40"):
        assert parse_day(nothing, today, "en") is None, nothing
    assert examples(today, "en") == {"iso": "2026-12-15", "short": "Dec 15"}
