"""Follow-ups after a meeting, end to end through the fake Telegram and Twilio: when each
reminder is planned (staff two days before and the morning of, at 8 AM school time; a
family two days before at 5 PM their time, moved earlier out of quiet hours), each sent
once even with workers racing, in the reader's language, with Done / Need more time
buttons for staff and a numbered menu for families; nothing for an item done or moved or a
meeting cancelled; the overdue report the morning after, to the organizer only, one
message for all their items; feedback requests planned per guardian. Logs carry ids only.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import followups
from commbot.features.meetings.after_models import (
    ActionFollowup,
    ActionItem,
    FollowupKind,
    ItemState,
    MeetingNotes,
)
from commbot.features.meetings.changes import cancel_meeting
from commbot.features.meetings.items import mark_done, need_more_time
from commbot.features.meetings.models import (
    AttendeeRole,
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingState,
)
from commbot.i18n import gettext
from commbot.jobs import JOBS
from commbot.models import (
    ChoiceKind,
    Guardian,
    PendingChoice,
    ServiceAssignment,
    Staff,
    Student,
)

from .action_support import (
    CARTER,
    CARTER_EMAIL,
    KIM,
    KIM_EMAIL,
    LAN,
    NY,
    READING,
    ROSA,
    SPEECH,
    Owned,
    alfredo_plan,
    buttons_of,
    es,
    followup_rows,
    held_meeting,
    item_row,
    local,
    no_numbers_or_words_in_logs,
    one,
    tick,
    utc,
)
from .support import PUBLIC, System

_logs = pytest.fixture(autouse=True)(no_numbers_or_words_in_logs)


def due_times(system: System, meeting_id: int) -> dict[str, dt.datetime]:
    return {r.key.split(":", 2)[2]: r.due_at for r in followup_rows(system, meeting_id)}


def reminders_to_rosa(system: System) -> list[str]:
    prefix = es(am.FAMILY_ITEM_REMINDER, student="Alfredo", date="")[:12]
    return [t for t in system.sms_to(ROSA) if t.startswith(prefix)]


def item_reminders_to(system: System, chat: int) -> list[str]:
    heads = (
        gettext("en", am.STAFF_ITEM_SOON, student="", number=0, date="")[:10],
        gettext("en", am.STAFF_ITEM_TODAY, student="", number=0)[:10],
    )
    return [t for t in system.telegram_texts(chat) if t.startswith(heads)]


# -- when ------------------------------------------------------------------------------------


async def test_reminders_are_planned_at_school_and_family_times(system: System) -> None:
    plan = alfredo_plan(system)
    speech, reading = plan.item_ids
    rows = followup_rows(system, plan.meeting_id)
    assert {(r.key, r.due_at) for r in rows} == {
        (f"item:{speech}:staff:{_carter(system)}:2026-12-10:2d", utc(local(8, 8))),
        (f"item:{speech}:staff:{_carter(system)}:2026-12-10:0d", utc(local(10, 8))),
        (f"item:{speech}:overdue:2026-12-10", utc(local(11, 8))),
        (f"item:{reading}:guardian:{_rosa(system)}:2026-12-11:2d", utc(local(9, 17))),
        (f"item:{reading}:overdue:2026-12-11", utc(local(12, 8))),
    }
    kinds = {r.key: r.kind for r in rows}
    assert sorted(k.value for k in kinds.values()) == [
        "family_reminder",
        "overdue",
        "overdue",
        "staff_reminder",
        "staff_reminder",
    ]
    # Planning again (a retry) makes no twins.
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, plan.meeting_id)
        for item in session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id)):
            followups.schedule_item(session, meeting, item, system.clock(), NY)
    assert len(followup_rows(system, plan.meeting_id)) == 5


async def test_a_family_reminder_in_quiet_hours_comes_earlier_in_their_own_zone(
    system: System,
) -> None:
    with transaction(system.engine) as session:
        # Rosa now also sleeps from 4:30 PM: 5 PM is quiet, so 4 PM (half an hour before).
        one(session, Guardian, name="Rosa Pérez").quiet_hours = "08:00-15:00;16:30-23:59"
    plan = alfredo_plan(system)
    [row] = [r for r in followup_rows(system, plan.meeting_id) if r.guardian_id is not None]
    assert row.due_at == utc(local(9, 16))
    # Margaret Ruby lives in Chicago: 5 PM there is 6 PM in Boston.
    tyrell = held_meeting(
        system,
        [Owned("Practice spelling words", dt.date(2026, 12, 15), guardian="Margaret Ruby")],
        student="Tyrell Ruby",
        organizer=KIM_EMAIL,
        attendees=[],
    )
    [row] = [r for r in followup_rows(system, tyrell.meeting_id) if r.guardian_id is not None]
    assert row.due_at == utc(local(13, 18))


async def test_no_follow_up_is_made_for_a_moment_already_past(system: System) -> None:
    # Notes written on the evening of December 9 for an item due on the 10th: the 2-day
    # reminders' moments have passed; the morning-of one and the overdue report remain.
    plan = held_meeting(
        system,
        [Owned(SPEECH, dt.date(2026, 12, 10), staff=CARTER_EMAIL)],
        starts=local(9, 18),
    )
    keys = sorted(r.key.rsplit(":", 2)[-1] for r in followup_rows(system, plan.meeting_id))
    assert keys == ["0d", "2026-12-10"]


# -- what, once each -----------------------------------------------------------------------------


async def test_each_reminder_goes_once_in_language_with_buttons_and_a_menu(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = alfredo_plan(system)
    speech, reading = plan.item_ids
    await system.drain()
    for moment in (local(8, 7, 59), local(8, 8), local(8, 8, 1), local(8, 12)):
        await tick(system, moment)
    [soon] = item_reminders_to(system, CARTER)
    assert soon.startswith(
        gettext(
            "en",
            am.STAFF_ITEM_SOON,
            student="Alfredo Pérez",
            number=1,
            date=am.due_text(dt.date(2026, 12, 10), "en"),
        )
    )
    assert SPEECH in soon
    buttons = buttons_of(system, CARTER)
    assert buttons == [
        (gettext("en", am.DONE_BUTTON_STAFF), f"asd:{speech}"),
        (gettext("en", am.MORE_TIME_BUTTON), f"asm:{speech}"),
    ]
    assert all(len(data.encode()) <= 64 for _, data in buttons)
    assert reminders_to_rosa(system) == []
    for moment in (local(9, 16, 59), local(9, 17), local(9, 17, 1)):
        await tick(system, moment)
    [reminder] = reminders_to_rosa(system)
    assert reminder.startswith(
        es(
            am.FAMILY_ITEM_REMINDER,
            student="Alfredo",
            date=am.due_text(dt.date(2026, 12, 11), "es"),
        )
    )
    assert READING in reminder
    menu = "\n".join(
        [
            es(am.FAMILY_ITEM_MENU),
            "1. " + es(am.FAMILY_ITEM_DONE_CHOICE),
            "2. " + es(am.FAMILY_ITEM_HELP_CHOICE),
        ]
    )
    assert menu in reminder
    with transaction(system.engine) as session:
        question = one(session, PendingChoice, kind=ChoiceKind.ACTION_ITEM)
        assert question.guardian_id == one(session, Guardian, name="Rosa Pérez").id
        assert question.options == [[reading, "done"], [reading, "help"]]
    await tick(system, local(10, 8))
    [_, today] = item_reminders_to(system, CARTER)
    assert today.startswith(gettext("en", am.STAFF_ITEM_TODAY, student="Alfredo Pérez", number=1))
    for row in followup_rows(system, plan.meeting_id):
        if row.kind is not FollowupKind.OVERDUE:
            assert row.outcome == "sent"
    with transaction(system.engine) as session:
        kinds = session.scalars(
            select(MeetingContact.kind).where(MeetingContact.meeting_id == plan.meeting_id)
        ).all()
    assert list(kinds).count(ContactKind.ITEM_REMINDER) == 3


async def test_a_family_reminder_on_telegram_has_done_and_help_buttons(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(8001, f"/start {code}")).status_code == 200
    plan = held_meeting(
        system,
        [Owned("Bring the hearing test results", dt.date(2026, 12, 11), guardian="Amina Bashid")],
        student="Andrew Bashid",
    )
    await system.drain()
    await tick(system, local(9, 17))
    [item] = plan.item_ids
    assert buttons_of(system, 8001) == [
        (gettext("en", am.DONE_BUTTON, number=1), f"afd:{item}"),
        (gettext("en", am.HELP_BUTTON), f"afh:{item}"),
    ]


async def test_workers_at_once_send_each_follow_up_once(system: System) -> None:
    plans = [
        held_meeting(
            system,
            [
                Owned(SPEECH, dt.date(2026, 12, 10), staff=CARTER_EMAIL),
                Owned(READING, dt.date(2026, 12, 10), staff=CARTER_EMAIL),
            ],
        )
        for _ in range(6)
    ]
    # Two days before: Carter's reminders at 8 AM, all due, none late. (Staff items: a
    # family gets one numbered question at a time, see test_after_questions.py.)
    system.clock.now = utc(local(8, 17)) + dt.timedelta(seconds=30)
    due = [
        r
        for p in plans
        for r in followup_rows(system, p.meeting_id)
        if r.kind is not FollowupKind.OVERDUE
    ]
    due = [r for r in due if r.due_at <= system.clock()]
    assert len(due) == 12
    barrier = threading.Barrier(3)
    reports: list[followups.SendReport] = []

    def worker() -> None:
        barrier.wait()
        reports.append(
            followups.send_due(system.engine, system.clock(), default_timezone=NY, batch=2)
        )

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 12 and sum(r.dropped for r in reports) == 0
    with transaction(system.engine) as session:
        contacts = session.scalar(
            select(func.count())
            .select_from(MeetingContact)
            .where(MeetingContact.kind == ContactKind.ITEM_REMINDER)
        )
        still_open = session.scalar(
            select(func.count())
            .select_from(ActionFollowup)
            .where(ActionFollowup.done_at.is_(None), ActionFollowup.kind != FollowupKind.OVERDUE)
        )
    assert contacts == 12
    assert still_open == 12  # the morning-of reminders, not yet due
    with transaction(system.engine) as session:
        deliveries = session.scalars(
            select(MeetingContact.delivery_id).where(
                MeetingContact.kind == ContactKind.ITEM_REMINDER
            )
        ).all()
    assert len(set(deliveries)) == 12 and None not in deliveries


async def test_after_downtime_a_reminder_is_sent_within_the_grace_window(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    alfredo_plan(system)
    await tick(system, local(8, 8) + followups.GRACE - dt.timedelta(minutes=1))
    assert len(item_reminders_to(system, CARTER)) == 1


# -- nothing stale --------------------------------------------------------------------------------


async def test_nothing_is_sent_for_a_done_item(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = alfredo_plan(system)
    speech, _ = plan.item_ids
    await tick(system, local(8, 9))
    with transaction(system.engine) as session:
        carter = one(session, Staff, email=CARTER_EMAIL)
        assert mark_done(
            session,
            session.get_one(ActionItem, speech),
            by=carter,
            now=system.clock(),
            default_timezone=NY,
        )
    outcomes = {
        r.key.rsplit(":", 1)[-1]: r.outcome
        for r in followup_rows(system, plan.meeting_id)
        if r.item_id == speech
    }
    assert outcomes == {"2d": "sent", "0d": "done", "2026-12-10": "done"}
    before = len(system.telegram_texts(CARTER))
    for moment in (local(10, 8), local(11, 8)):
        await tick(system, moment)
    assert system.telegram_texts(CARTER)[before:] == []  # no reminder, no overdue report


async def test_nothing_is_sent_for_a_cancelled_meeting(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = alfredo_plan(system)
    with transaction(system.engine) as session:
        session.get_one(Meeting, plan.meeting_id).state = MeetingState.CANCELLED
    for moment in (local(8, 8), local(9, 17), local(10, 8), local(11, 8), local(12, 8)):
        await tick(system, moment)
    assert item_reminders_to(system, CARTER) == [] and reminders_to_rosa(system) == []
    outcomes = {r.outcome for r in followup_rows(system, plan.meeting_id)}
    assert outcomes == {"dropped: the meeting is cancelled"}


async def test_cancelling_a_meeting_closes_its_follow_ups_and_cancels_its_items(
    system: System,
) -> None:
    # A plan on a meeting still scheduled (notes are written once it is held; here the
    # rows are written straight away to see what cancelling does with them).
    plan = alfredo_plan(system)
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, plan.meeting_id)
        meeting.state = MeetingState.SCHEDULED
        meeting.starts_at = utc(local(20, 16))
    with transaction(system.engine) as session:
        cancel_meeting(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, plan.meeting_id),
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )
    assert {r.outcome for r in followup_rows(system, plan.meeting_id)} == {"cancelled"}
    assert {item_row(system, i).state for i in plan.item_ids} == {ItemState.CANCELLED}


async def test_need_more_time_moves_the_follow_ups_and_nothing_for_the_old_date_goes(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = alfredo_plan(system)
    speech, _ = plan.item_ids
    system.clock.now = utc(local(9, 10))
    with transaction(system.engine) as session:
        need_more_time(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(ActionItem, speech),
            new_due=dt.date(2026, 12, 17),
            reason="The therapist is away this week",
            now=system.clock(),
            default_timezone=NY,
        )
    await system.drain()
    rows = [r for r in followup_rows(system, plan.meeting_id) if r.item_id == speech]
    old = {r.key.rsplit(":", 1)[-1]: r.outcome for r in rows if r.due_on == dt.date(2026, 12, 10)}
    # No worker ran on the 8th (the clock jumped): the 2-day reminder closes unsent too.
    assert old == {"2d": "moved", "0d": "moved", "2026-12-10": "moved"}
    new = sorted(r.due_at for r in rows if r.due_on == dt.date(2026, 12, 17))
    assert new == [utc(local(15, 8)), utc(local(17, 8)), utc(local(18, 8))]
    before = len(system.telegram_texts(CARTER))
    await tick(system, local(10, 8))
    await tick(system, local(11, 8))
    assert system.telegram_texts(CARTER)[before:] == []
    await tick(system, local(15, 8))
    assert len(item_reminders_to(system, CARTER)) == 1


# -- overdue ---------------------------------------------------------------------------------------


async def test_overdue_items_reach_the_organizer_the_next_morning_in_one_message(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    await system.link_staff(KIM_EMAIL, KIM)
    due = dt.date(2026, 12, 10)
    with transaction(system.engine) as session:  # Kim teaches Alfredo reading
        session.add(
            ServiceAssignment(
                staff_id=one(session, Staff, email=KIM_EMAIL).id,
                student_id=one(session, Student, name="Alfredo Pérez").id,
                service="reading",
            )
        )
    alfredo = held_meeting(
        system,
        [
            Owned(SPEECH, due, staff=KIM_EMAIL),
            Owned(READING, due, guardian="Rosa Pérez"),
        ],
        attendees=[
            ("Emily Carter", AttendeeRole.SPECIAL_EDUCATION_TEACHER, CARTER_EMAIL),
            ("David Kim", AttendeeRole.GENERAL_EDUCATION_TEACHER, KIM_EMAIL),
        ],
    )
    minh = held_meeting(
        system,
        [Owned("Practice counting coins", due, guardian="Lan Nguyen")],
        student="Minh Nguyen",
    )
    await system.drain()
    carter_before = len(system.telegram_texts(CARTER))
    kim_before = len(system.telegram_texts(KIM))
    rosa_before, lan_before = len(system.sms_to(ROSA)), len(system.sms_to(LAN))
    await tick(system, local(11, 7, 59))
    heading = gettext("en", am.OVERDUE_HEADING)
    assert [t for t in system.telegram_texts(CARTER)[carter_before:] if heading in t] == []
    await tick(system, local(11, 8))
    await tick(system, local(11, 8, 1))
    [report] = [t for t in system.telegram_texts(CARTER)[carter_before:] if heading in t]
    date = am.due_text(due, "en")
    lines = [
        gettext(
            "en", am.OVERDUE_LINE, student="Alfredo Pérez", number=1, owner="David Kim", date=date
        )
        + " "
        + SPEECH,
        gettext(
            "en", am.OVERDUE_LINE, student="Alfredo Pérez", number=2, owner="Rosa Pérez", date=date
        )
        + " "
        + READING,
        gettext(
            "en", am.OVERDUE_LINE, student="Minh Nguyen", number=1, owner="Lan Nguyen", date=date
        )
        + " Practice counting coins",
    ]
    assert report == heading + "\n" + "\n".join(lines)
    # The organizer only: not the staff owner, not the families.
    assert [t for t in system.telegram_texts(KIM)[kim_before:] if heading in t] == []
    assert len(system.sms_to(ROSA)) == rosa_before and len(system.sms_to(LAN)) == lan_before
    with transaction(system.engine) as session:
        contacts = session.execute(
            select(MeetingContact.meeting_id, MeetingContact.delivery_id).where(
                MeetingContact.kind == ContactKind.OVERDUE
            )
        ).all()
    assert {m for m, _ in contacts} == {alfredo.meeting_id, minh.meeting_id}
    assert len({d for _, d in contacts}) == 1


# -- feedback, and the clock job -------------------------------------------------------------------


async def test_feedback_requests_are_planned_per_guardian_days_after_the_meeting(
    system: System,
) -> None:
    plan = held_meeting(system, [], student="Andrew Bashid")
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, plan.meeting_id)
        notes = one(session, MeetingNotes, meeting_id=meeting.id)
        notes.feedback_days = 2
        assert followups.schedule_feedback(session, meeting, notes, system.clock(), NY) == 2
        assert followups.schedule_feedback(session, meeting, notes, system.clock(), NY) == 2
        ids = {
            one(session, Guardian, name=name).id: name for name in ("Amina Bashid", "Karim Bashid")
        }
    rows = [r for r in followup_rows(system, plan.meeting_id) if r.kind is FollowupKind.FEEDBACK]
    assert sorted((ids[r.guardian_id or 0], r.due_at) for r in rows) == [
        ("Amina Bashid", utc(local(3, 17))),
        ("Karim Bashid", utc(local(3, 17))),
    ]
    assert {r.key for r in rows} == {f"feedback:{plan.meeting_id}:guardian:{g}" for g in ids}


def test_the_follow_ups_job_runs_every_15_seconds() -> None:
    [found] = [j for j in JOBS if j.name == "meeting_followups"]
    assert found.every == dt.timedelta(seconds=15)


def _carter(system: System) -> int:
    with transaction(system.engine) as session:
        return int(one(session, Staff, email=CARTER_EMAIL).id)


def _rosa(system: System) -> int:
    with transaction(system.engine) as session:
        return int(one(session, Guardian, name="Rosa Pérez").id)


async def test_a_feedback_request_goes_once_through_feedback_ask(system: System) -> None:
    # Uses `feedback.ask` (helper H1's part): passes once the parts are merged.
    plan = held_meeting(system, [])
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, plan.meeting_id)
        notes = one(session, MeetingNotes, meeting_id=meeting.id)
        notes.feedback_days = 2
        followups.schedule_feedback(session, meeting, notes, system.clock(), NY)
    await system.drain()
    before = len(system.sms_to(ROSA))
    await tick(system, local(3, 16, 59))
    assert len(system.sms_to(ROSA)) == before
    await tick(system, local(3, 17))
    [asked] = system.sms_to(ROSA)[before:]
    assert asked.startswith(es(am.FEEDBACK_ASK, student="Alfredo"))
    with transaction(system.engine) as session:  # planned again (a retry): not asked again
        meeting = session.get_one(Meeting, plan.meeting_id)
        notes = one(session, MeetingNotes, meeting_id=meeting.id)
        followups.schedule_feedback(session, meeting, notes, system.clock(), NY)
    await tick(system, local(3, 17, 1))
    assert len(system.sms_to(ROSA)) == before + 1
    [row] = [r for r in followup_rows(system, plan.meeting_id) if r.kind is FollowupKind.FEEDBACK]
    assert row.outcome == "sent"
