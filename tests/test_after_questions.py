"""After the meeting, the family's bare numbers and who may act on a plan: one numbered
question at a time (a reminder and the feedback request, two reminders, never the same
minute), a rating that stops taking numbers once given, a former guardian who can no longer
mark items done, and feedback still asked when the notes come late.

Found by review of the merged feature; each test is the scenario that went wrong.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings.actions import MeetingDraft, create_meeting
from commbot.features.meetings.after_models import (
    ActionFollowup,
    FollowupKind,
    ItemState,
    MeetingFeedback,
)
from commbot.features.meetings.models import Meeting, Purpose
from commbot.features.meetings.notes import ItemSpec, NotesSpec, Owner, record_notes
from commbot.i18n import gettext
from commbot.models import Guardian, Guardianship, Staff, Student

from .support import PUBLIC, System
from .test_after_family import (
    CARTER,
    CARTER_EMAIL,
    NY,
    ROSA,
    ROSA_WROTE,
    carter_saw,
    item_state,
    local,
    meeting_with_plan,
    one,
    run_followups,
    sms,
)


async def alfredos_meeting(system: System) -> int:
    """Emily Carter's meeting with Rosa about Alfredo, Monday 23 November at 4 PM."""
    await system.link_staff(CARTER_EMAIL, CARTER)
    with transaction(system.engine) as session:
        carter = one(session, Staff, email=CARTER_EMAIL)
        draft = MeetingDraft(
            student_id=one(session, Student, name="Alfredo Pérez").id,
            purpose=Purpose.ANNUAL_REVIEW,
            fixed_time=local(11, 23, 16),
            place="Room 12",
        )
        return create_meeting(
            session, carter, draft, now=system.clock(), default_timezone=NY, base_url=PUBLIC
        ).meeting.id


def feedback_of(system: System) -> MeetingFeedback | None:
    with transaction(system.engine) as session:
        return session.scalars(select(MeetingFeedback)).one_or_none()


async def test_a_reminder_and_the_feedback_request_never_come_together(system: System) -> None:
    # Rosa's item is due Friday 27 November: its reminder is Wednesday at 5 PM, the very
    # minute her feedback is asked (two days after Monday's meeting).
    plan = await meeting_with_plan(system, due=dt.date(2026, 11, 27), feedback_days=2)
    before = len(system.sms_to(ROSA))
    run_followups(system, local(11, 25, 17, 1))
    await system.drain()
    [reminder] = system.sms_to(ROSA)[before:]
    assert gettext("es", am.FAMILY_ITEM_DONE_CHOICE) in reminder
    await sms(system, ROSA, "1")  # the reminder's "it is done"
    assert item_state(system, plan["family item"]) is ItemState.DONE
    assert feedback_of(system) is None  # not asked yet, so no rating of 1 either
    # The next day, at the same hour, the feedback request comes on its own.
    before = len(system.sms_to(ROSA))
    run_followups(system, local(11, 26, 17, 1))
    await system.drain()
    [asked] = system.sms_to(ROSA)[before:]
    assert asked.startswith(gettext("es", am.FEEDBACK_ASK, student="Alfredo"))
    await sms(system, ROSA, "4")
    feedback = feedback_of(system)
    assert feedback is not None and feedback.rating == 4


async def test_two_reminders_due_together_come_a_day_apart_and_1_means_the_first(
    system: System,
) -> None:
    meeting_id = await alfredos_meeting(system)
    await system.drain()
    system.clock.now = local(11, 23, 17).astimezone(dt.UTC)
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez")
        spec = NotesSpec(
            summary="We talked about reading.",
            items=(
                ItemSpec(
                    "Sign the consent form.", Owner(guardian_id=rosa.id), dt.date(2026, 12, 4)
                ),
                ItemSpec("Read each night.", Owner(guardian_id=rosa.id), dt.date(2026, 12, 4)),
            ),
            feedback_days=0,
        )
        recorded = record_notes(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            spec,
            now=system.clock(),
            default_timezone=NY,
        )
        consent, reading = (item.id for item in recorded.items)
    await system.drain()
    before = len(system.sms_to(ROSA))
    run_followups(system, local(12, 2, 17, 1))
    await system.drain()
    assert len(system.sms_to(ROSA)) == before + 1  # one question at a time
    await sms(system, ROSA, "1")
    assert item_state(system, consent) is ItemState.DONE
    assert item_state(system, reading) is ItemState.OPEN
    before = len(system.sms_to(ROSA))
    run_followups(system, local(12, 3, 17, 1))  # the second, a day later, still before due
    await system.drain()
    assert len(system.sms_to(ROSA)) == before + 1
    await sms(system, ROSA, "1")
    assert item_state(system, reading) is ItemState.DONE


async def test_a_former_guardian_cannot_mark_the_plan_done(system: System) -> None:
    plan = await meeting_with_plan(system)
    with transaction(system.engine) as session:
        session.execute(
            update(Guardianship)
            .where(Guardianship.guardian_id == plan["guardian"])
            .values(active=False)
        )
    await sms(system, ROSA, "DONE 1")
    assert item_state(system, plan["family item"]) is ItemState.OPEN
    assert gettext("es", am.MARKED_DONE, number=1, organizer="Emily Carter") not in (
        system.sms_to(ROSA)
    )


async def test_once_rated_and_answered_a_number_is_for_the_teacher(system: System) -> None:
    await meeting_with_plan(system)
    run_followups(system, local(11, 25, 17, 5))
    await system.drain()
    await sms(system, ROSA, "4")
    await sms(system, ROSA, "Todo bien.")  # what would help next time
    system.clock.now = local(12, 1, 16).astimezone(dt.UTC)
    await sms(system, ROSA, "2")  # a week on: "2 pages", say, to her teacher
    feedback = feedback_of(system)
    assert feedback is not None and feedback.rating == 4
    assert any(t.split("\n")[:2] == [ROSA_WROTE, "2"] for t in carter_saw(system))


async def test_notes_recorded_late_still_ask_for_feedback(system: System) -> None:
    meeting_id = await alfredos_meeting(system)
    # Three days after the meeting, later than the two days feedback waits for.
    system.clock.now = local(11, 26, 18).astimezone(dt.UTC)
    with transaction(system.engine) as session:
        record_notes(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            NotesSpec(summary="We talked.", feedback_days=2),
            now=system.clock(),
            default_timezone=NY,
        )
        [row] = session.scalars(
            select(ActionFollowup).where(ActionFollowup.kind == FollowupKind.FEEDBACK)
        ).all()
        assert row.due_at == local(11, 27, 17).astimezone(dt.UTC)  # the next 5 PM


async def test_long_notes_go_in_sms_parts_that_each_stand_alone(system: System) -> None:
    meeting_id = await alfredos_meeting(system)
    await system.drain()
    system.clock.now = local(11, 23, 17).astimezone(dt.UTC)
    decision = "We will try a new way to practise reading words at school each day. " * 2
    before = len(system.sms_to(ROSA))
    with transaction(system.engine) as session:
        record_notes(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            NotesSpec(
                summary="We talked about reading.",
                decisions=tuple(f"{n}. {decision}" for n in range(1, 13)),
                ideas=tuple(f"{n}. {decision}" for n in range(1, 13)),
                feedback_days=0,
            ),
            now=system.clock(),
            default_timezone=NY,
        )
    await system.drain()
    parts = system.sms_to(ROSA)[before:]
    assert len(parts) >= 4  # decisions and ideas each carried over into more parts
    about = gettext("es", am.NOTES_ABOUT, student="Alfredo")
    assert parts[0].startswith(gettext("es", am.NOTES_THANKS, student="Alfredo"))
    assert all(part.startswith(about) for part in parts[1:])
    assert all(len(part) <= 1600 for part in parts)  # none cut by the sender
    sent = "\n".join(parts)
    assert all(f"- {n}. " in sent for n in range(1, 13))  # every decision and idea, whole
