"""Meetings when things change under them: a time moved away and back, a channel that
failed over to the next, a roster change (a guardian muted, a teacher gone, a guardian
added), every proposed time passing unsettled, two meetings for one family, and a message
already being sent when the meeting is cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.features.meetings.actions import AttendeeSpec, MeetingError
from commbot.features.meetings.changes import cancel_meeting, confirm_meeting, reschedule_meeting
from commbot.features.meetings.models import AttendeeRole, Meeting, MeetingInput, MeetingInvitee
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Message,
    Staff,
    Student,
)
from commbot.outbox import move_to_next_channel

from .support import PUBLIC, System
from .test_meetings import (
    CARTER,
    CARTER_EMAIL,
    KARIM,
    KIM_EMAIL,
    LAN,
    NY,
    ROSA,
    create,
    es,
    local,
    m,
    meeting_id_of,
    one,
    reminder_rows,
    tick,
    token_of,
    utc,
)


def _change(system: System, meeting_id: int, change: Any, **values: Any) -> None:
    """The operator's change (actor None), as `commbot meeting ...` makes it."""
    with transaction(system.engine) as session:
        change(
            session,
            None,
            session.get_one(Meeting, meeting_id),
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
            **values,
        )


def _open_reminders(system: System, meeting_id: int) -> list[tuple[str, int]]:
    return sorted(
        (r.recipient.split(":")[0], r.minutes_before)
        for r in reminder_rows(system, meeting_id)
        if r.done_at is None
    )


async def test_a_meeting_moved_away_and_back_keeps_its_reminders(system: System) -> None:
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    first = _open_reminders(system, meeting_id)
    assert ("guardian", 120) in first
    _change(system, meeting_id, reschedule_meeting, starts_at=local(2, 16))
    _change(system, meeting_id, reschedule_meeting, starts_at=local(1, 16))
    assert _open_reminders(system, meeting_id) == first
    await tick(system, local(1, 7, 30))  # her 2-hour reminder, moved out of her sleep
    prefix = es(m.REMINDER, student="Alfredo", when="")[:8]
    assert len([t for t in system.sms_to(ROSA) if t.startswith(prefix)]) == 1


async def test_a_copy_on_the_next_channel_is_withdrawn_with_the_meeting(system: System) -> None:
    # Karim's WhatsApp preview failed and went to his SMS, still waiting; then the
    # meeting is cancelled: the copy never goes, and he, never told, gets no cancellation.
    meeting_id = meeting_id_of(create(system, "Andrew Bashid", attendees=[]))
    with transaction(system.engine) as session:
        karim = one(session, Guardian, name="Karim Bashid")
        for delivery in session.scalars(select(Delivery).where(Delivery.guardian_id == karim.id)):
            delivery.status = DeliveryStatus.FAILED
            copy = move_to_next_channel(
                session,
                delivery,
                now=system.clock(),
                default_timezone=NY,
                exclude_points=[delivery.contact_point_id or 0],
            )
            assert copy is not None and copy.channel is Channel.SMS
    _change(system, meeting_id, cancel_meeting)
    await system.drain()
    assert system.sms_to(KARIM) == []


async def test_a_guardian_muted_after_the_meeting_was_made_hears_no_more_of_it(
    system: System,
) -> None:
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    await system.drain()
    token = token_of(system, meeting_id, "Rosa Pérez")
    before = len(system.sms_to(ROSA))
    with transaction(system.engine) as session:
        link = one(session, Guardianship, guardian_id=one(session, Guardian, name="Rosa Pérez").id)
        link.receives_messages = False
    _change(system, meeting_id, reschedule_meeting, starts_at=local(2, 16))
    await system.drain()
    await tick(system, local(2, 7, 30))
    assert system.sms_to(ROSA)[before:] == []
    assert (await system.http.get(f"/calendar/{token}.ics")).status_code == 404
    assert not [r for r in reminder_rows(system, meeting_id) if r.guardian_id and not r.done_at]


async def test_a_family_answers_reach_the_class_when_the_organizer_is_gone(
    system: System,
) -> None:
    # David Kim organised Josie's meeting, then left; Josie's class has no other teacher
    # and the school no coordinator: her mother's words are kept, and go to nobody who
    # may no longer read them.
    await system.link_staff(KIM_EMAIL, 7002)
    jim_mother = "+16175550191"
    meeting_id = meeting_id_of(
        create(system, "Josie Lopez", organizer=KIM_EMAIL, attendees=[], documents=[])
    )
    await system.drain()
    before = len(system.telegram_texts(7002))
    with transaction(system.engine) as session:
        one(session, Staff, email=KIM_EMAIL).active = False
    await system.sms(jim_mother, "Josie is worried about the new bus.")
    await system.drain()
    assert system.telegram_texts(7002)[before:] == []
    with transaction(system.engine) as session:
        kept = session.scalars(
            select(Message.text)
            .join(MeetingInput, MeetingInput.message_id == Message.id)
            .where(MeetingInput.meeting_id == meeting_id)
        ).all()
    assert kept == ["Josie is worried about the new bus."]


async def test_once_every_proposed_time_has_passed_words_go_the_usual_way(
    system: System,
) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = meeting_id_of(create(system))  # times on December 1, never settled
    await system.drain()
    system.clock.now = utc(local(20, 16))
    await system.sms(ROSA, "Pregunta sobre el autobus.")
    await system.drain()
    with transaction(system.engine) as session:
        kept = session.scalars(
            select(MeetingInput.id).where(MeetingInput.meeting_id == meeting_id)
        ).all()
    assert kept == []
    relayed = system.telegram_texts(CARTER)[-1]
    assert relayed.startswith("Rosa Pérez (mother of Alfredo Pérez) wrote:")


async def test_cancelling_one_childs_meeting_leaves_the_other_childs_menu(
    system: System,
) -> None:
    minh = meeting_id_of(create(system, "Minh Nguyen", attendees=[], documents=[]))
    bao = meeting_id_of(
        create(system, "Bao Nguyen", organizer=KIM_EMAIL, attendees=[], documents=[])
    )
    await system.drain()
    _change(system, minh, cancel_meeting)
    await system.sms(LAN, "1")  # the first time of Bao's menu, the latest she got
    with transaction(system.engine) as session:
        chosen = session.scalar(
            select(MeetingInvitee.chosen_slot_id).where(MeetingInvitee.meeting_id == bao)
        )
    assert chosen is not None


async def test_a_guardian_added_since_gets_the_whole_preview_once_the_time_is_set(
    system: System,
) -> None:
    meeting_id = meeting_id_of(create(system))
    await system.drain()
    uncle = "+16175550111"
    with transaction(system.engine) as session:
        alfredo = one(session, Student, name="Alfredo Pérez")
        tio = Guardian(school_id=alfredo.school_id, name="Tomás Pérez", language="es")
        session.add(tio)
        session.flush()
        session.add(
            Guardianship(guardian_id=tio.id, student_id=alfredo.id, relationship_name="uncle")
        )
        session.add(ContactPoint(guardian_id=tio.id, channel=Channel.SMS, address=uncle))
    _change(system, meeting_id, confirm_meeting, slot=2)
    await system.drain()
    texts = system.sms_to(uncle)
    greeting = es(m.GREETING, guardian="Tomás Pérez", student="Alfredo")
    assert len(texts) == 3 and texts[0].startswith(greeting)
    assert es(m.WHEN, when=m.when_text(utc(local(1, 16)), NY, "es")) in texts[0]


async def test_a_message_being_sent_is_never_cancelled_and_its_family_is_told(
    system: System,
) -> None:
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    with transaction(system.engine) as session:
        first = session.scalars(
            select(Delivery).where(Delivery.address == ROSA).order_by(Delivery.id)
        ).first()
        assert first is not None
        first.status = DeliveryStatus.SENDING  # a worker has claimed it
        first_id = first.id
    _change(system, meeting_id, cancel_meeting)
    with transaction(system.engine) as session:
        assert session.get_one(Delivery, first_id).status is DeliveryStatus.SENDING
        waiting = session.scalars(
            select(Delivery.header).where(
                Delivery.address == ROSA, Delivery.status == DeliveryStatus.PENDING
            )
        ).all()
        pieces = session.scalars(
            select(Delivery.pieces).where(
                Delivery.address == ROSA, Delivery.status == DeliveryStatus.PENDING
            )
        ).all()
    assert len(waiting) == 1  # the cancellation, and nothing of the preview
    when = m.when_text(utc(local(1, 16)), NY, "es")
    assert es(m.CANCELLED_AT, student="Alfredo", when=when) in str(pieces[0])


def test_a_time_beyond_two_years_is_refused_by_the_action_itself(system: System) -> None:
    far = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
    with pytest.raises(MeetingError, match="more than 2 years ahead"):
        create(system, slots=[], fixed_time=far)
    meeting_id = meeting_id_of(create(system, slots=[], fixed_time=local(1, 16)))
    with pytest.raises(MeetingError, match="more than 2 years ahead"):
        _change(system, meeting_id, reschedule_meeting, starts_at=far)


def test_text_wider_than_its_column_is_refused_on_every_database(system: System) -> None:
    # PostgreSQL refuses a VARCHAR(n) overflow that SQLite would store: the action says so
    # first, whatever the entry point (the dialog takes typed links and names).
    with pytest.raises(MeetingError, match=r"video link .* longer than 500"):
        create(system, video_link="https://meet.example/" + "x" * 500)
    with pytest.raises(MeetingError, match=r"phone .* longer than 64"):
        create(system, phone="+1 617 555 0100 " * 5)
    with pytest.raises(MeetingError, match=r"name .* longer than 200"):
        create(system, attendees=[AttendeeSpec("Dr. " + "Hale" * 60, AttendeeRole.OTHER)])
