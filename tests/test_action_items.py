"""Action items, through the actions every entry point calls: done by staff or a family
(the family is told in its language, the organizer when someone else did it), more time
(the new date and the reason, to the family in its language), a family's "DONE 2" and its
outcomes (done, already, not theirs, no such number, no plan), help asked for (to the
organizer), who may change an item, and the open items each viewer may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import messages as m
from commbot.features.meetings.after_models import ActionFollowup, ActionItem, ItemState
from commbot.features.meetings.items import (
    FamilyDone,
    ItemError,
    family_done,
    family_needs_help,
    item_for,
    mark_done,
    need_more_time,
    open_items,
)
from commbot.features.meetings.models import ContactKind, MeetingContact
from commbot.i18n import gettext
from commbot.models import Guardian, ServiceAssignment, Staff, Student

from .action_support import (
    CARTER,
    CARTER_EMAIL,
    KARIM,
    KIM_EMAIL,
    NY,
    READING,
    REASON,
    ROSA,
    SPEECH,
    Owned,
    alfredo_plan,
    es,
    held_meeting,
    item_row,
    local,
    no_numbers_or_words_in_logs,
    one,
    utc,
)
from .support import System

_logs = pytest.fixture(autouse=True)(no_numbers_or_words_in_logs)

CARTER_IN_SPANISH = es(
    am.OWNER_STAFF,
    name="Emily Carter",
    role=es(m.ROLE_NAMES[m.AttendeeRole.SPECIAL_EDUCATION_TEACHER]),
)


def staff(session: Any, email: str) -> Staff:
    return one(session, Staff, email=email)  # type: ignore[no-any-return]


def guardian(session: Any, name: str) -> Guardian:
    return one(session, Guardian, name=name)  # type: ignore[no-any-return]


def kim_serves(system: System, student: str = "Alfredo Pérez") -> None:
    with transaction(system.engine) as session:
        session.add(
            ServiceAssignment(
                staff_id=staff(session, KIM_EMAIL).id,
                student_id=one(session, Student, name=student).id,
                service="reading",
            )
        )


def done(system: System, item_id: int, by: str | None) -> bool:
    with transaction(system.engine) as session:
        who: Staff | Guardian | None = None
        if by is not None:
            who = staff(session, by) if "@" in by else guardian(session, by)
        return mark_done(
            session,
            session.get_one(ActionItem, item_id),
            by=who,
            now=system.clock(),
            default_timezone=NY,
        )


def more_time(
    system: System, item_id: int, by: str | None, new_due: dt.date, reason: str = REASON
) -> None:
    with transaction(system.engine) as session:
        need_more_time(
            session,
            staff(session, by) if by else None,
            session.get_one(ActionItem, item_id),
            new_due=new_due,
            reason=reason,
            now=system.clock(),
            default_timezone=NY,
        )


def family_says(
    system: System, name: str, number: int | None, item_id: int | None = None
) -> tuple[FamilyDone, str]:
    with transaction(system.engine) as session:
        answer = family_done(
            session,
            guardian(session, name),
            number,
            now=system.clock(),
            default_timezone=NY,
            item_id=item_id,
        )
        return answer.outcome, answer.reply


def since(texts: list[str], before: int) -> list[str]:
    return texts[before:]


def unmark(text: str) -> str:
    return text.replace("\u200f", "")


# -- done ----------------------------------------------------------------------------------------


async def test_a_staff_item_done_is_told_to_the_family_in_its_language(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    speech, _ = alfredo_plan(system).item_ids
    await system.drain()
    rosa_before, carter_before = len(system.sms_to(ROSA)), len(system.telegram_texts(CARTER))
    assert done(system, speech, CARTER_EMAIL) is True
    assert done(system, speech, CARTER_EMAIL) is False  # a second press changes nothing
    await system.drain()
    [news] = since(system.sms_to(ROSA), rosa_before)
    assert news.startswith(
        es(am.ITEM_DONE_BY_STAFF, student="Alfredo", owner="Emily Carter", number=1)
    )
    assert SPEECH in news
    assert since(system.telegram_texts(CARTER), carter_before) == []  # she did it herself
    item = item_row(system, speech)
    assert item.state is ItemState.DONE and item.done_by.startswith("staff:")  # type: ignore[union-attr]
    with transaction(system.engine) as session:
        kinds = session.scalars(
            select(MeetingContact.kind).where(MeetingContact.guardian_id.is_not(None))
        ).all()
    assert ContactKind.ITEM_DONE in kinds


async def test_another_staff_member_marking_it_done_tells_the_organizer(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    kim_serves(system)
    speech, _ = alfredo_plan(system).item_ids
    await system.drain()
    before = len(system.telegram_texts(CARTER))
    assert done(system, speech, KIM_EMAIL)
    await system.drain()
    [told] = since(system.telegram_texts(CARTER), before)
    assert told == (
        gettext("en", am.STAFF_ITEM_DONE, owner="David Kim", number=1, student="Alfredo Pérez")
        + "\n"
        + SPEECH
    )


async def test_a_co_guardian_marks_the_others_item_done(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(8001, f"/start {code}")).status_code == 200
    plan = held_meeting(
        system,
        [Owned("Bring the hearing test results", dt.date(2026, 12, 11), guardian="Karim Bashid")],
        student="Andrew Bashid",
    )
    # WhatsApp takes free text within 24 hours of the family's last message.
    assert (
        await system.sms(KARIM, "\u0645\u0631\u062d\u0628\u0627", whatsapp=True)
    ).status_code == 200
    await system.drain()
    [item] = plan.item_ids
    karim = len([c for c in system.twilio.messages if c.to == f"whatsapp:{KARIM}"])
    amina, carter = len(system.telegram_texts(8001)), len(system.telegram_texts(CARTER))
    outcome, reply = family_says(system, "Amina Bashid", None, item_id=item)
    assert outcome is FamilyDone.DONE
    assert reply == gettext("en", am.MARKED_DONE, number=1, organizer="Emily Carter")
    await system.drain()
    [news] = [c.body or "" for c in system.twilio.messages if c.to == f"whatsapp:{KARIM}"][karim:]
    assert unmark(news).startswith(
        gettext("ar", am.ITEM_DONE_BY_FAMILY, number=1, student="Andrew")
    )
    assert since(system.telegram_texts(8001), amina) == []  # she marked it
    [told] = since(system.telegram_texts(CARTER), carter)
    assert told == (
        gettext(
            "en", am.FAMILY_DID_ITEM, guardian="Amina Bashid", student="Andrew Bashid", number=1
        )
        + "\nBring the hearing test results"
    )


# -- need more time ----------------------------------------------------------------------------


async def test_need_more_time_tells_the_family_the_new_date_and_why(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    kim_serves(system)
    speech, _ = alfredo_plan(system).item_ids
    await system.drain()
    rosa_before, carter_before = len(system.sms_to(ROSA)), len(system.telegram_texts(CARTER))
    new = dt.date(2026, 12, 17)
    more_time(system, speech, KIM_EMAIL, new)
    await system.drain()
    [news] = since(system.sms_to(ROSA), rosa_before)
    assert news.startswith(
        es(
            am.ITEM_DELAYED,
            student="Alfredo",
            number=1,
            owner="Emily Carter",  # inside a sentence, the name alone
            date=am.due_text(new, "es"),
        )
    )
    assert es(am.DELAY_WHY) + " " + REASON in news
    [told] = since(system.telegram_texts(CARTER), carter_before)
    assert told.startswith(
        gettext(
            "en",
            am.STAFF_ITEM_DELAYED,
            owner="David Kim",
            number=1,
            student="Alfredo Pérez",
            date=am.due_text(new, "en"),
        )
    )
    item = item_row(system, speech)
    assert (item.due_on, item.first_due_on, item.delays, item.delay_reason) == (
        new,
        dt.date(2026, 12, 10),
        1,
        REASON,
    )
    # The organizer moving her own item is not told about it.
    carter_before = len(system.telegram_texts(CARTER))
    more_time(system, speech, CARTER_EMAIL, dt.date(2026, 12, 18))
    await system.drain()
    assert since(system.telegram_texts(CARTER), carter_before) == []
    assert item_row(system, speech).delays == 2


async def test_need_more_time_refuses_what_it_cannot_do(system: System) -> None:
    speech, _ = alfredo_plan(system).item_ids
    system.clock.now = utc(local(9, 10))
    for new_due, reason, why in (
        (dt.date(2026, 12, 9), REASON, "is not after today"),
        (dt.date(2026, 12, 5), REASON, "is not after today"),
        (dt.date(2026, 12, 17), "   ", "why it needs more time"),
        (dt.date(2026, 12, 17), "x" * 501, "longer than 500"),
    ):
        with pytest.raises(ItemError, match=why):
            more_time(system, speech, CARTER_EMAIL, new_due, reason)
    with pytest.raises(ItemError, match=f"no item {speech} among yours"):
        more_time(system, speech, KIM_EMAIL, dt.date(2026, 12, 17))  # Kim does not serve him
    assert done(system, speech, None)  # the operator may
    with pytest.raises(ItemError, match="is done"):
        more_time(system, speech, CARTER_EMAIL, dt.date(2026, 12, 17))
    assert item_row(system, speech).delays == 0


async def test_who_may_change_an_item(system: System) -> None:
    speech, reading = alfredo_plan(system).item_ids
    with transaction(system.engine) as session:
        assert item_for(session, staff(session, CARTER_EMAIL), speech).id == speech
        assert item_for(session, staff(session, CARTER_EMAIL), reading).id == reading
        assert item_for(session, None, reading).id == reading
        for item_id in (speech, 99_999):
            with pytest.raises(ItemError, match=f"no item {item_id} among yours"):
                item_for(session, staff(session, KIM_EMAIL), item_id)
    kim_serves(system)
    with transaction(system.engine) as session:
        assert item_for(session, staff(session, KIM_EMAIL), speech).id == speech


# -- a family's DONE 2 ---------------------------------------------------------------------------


async def test_done_and_a_number_and_every_outcome(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    plan = alfredo_plan(system)
    speech, reading = plan.item_ids
    await system.drain()
    carter_before = len(system.telegram_texts(CARTER))
    assert family_says(system, "Rosa Pérez", 1) == (
        FamilyDone.NOT_YOURS,
        es(am.NOT_YOURS, number=1, owner=CARTER_IN_SPANISH),
    )
    assert family_says(system, "Rosa Pérez", 7) == (
        FamilyDone.NO_SUCH,
        es(am.NO_SUCH_ITEM, number=7, count=2),
    )
    assert family_says(system, "Rosa Pérez", 2) == (
        FamilyDone.DONE,
        es(am.MARKED_DONE, number=2, organizer="Emily Carter"),
    )
    assert family_says(system, "Rosa Pérez", 2) == (
        FamilyDone.ALREADY,
        es(am.ALREADY_DONE, number=2),
    )
    await system.drain()
    [told] = since(system.telegram_texts(CARTER), carter_before)
    assert told == (
        gettext("en", am.FAMILY_DID_ITEM, guardian="Rosa Pérez", student="Alfredo Pérez", number=2)
        + "\n"
        + READING
    )
    assert family_says(system, "Jim Lopez", 1) == (
        FamilyDone.NO_PLAN,
        gettext("en", am.NO_OPEN_PLAN),
    )
    # Another family's item by id (a forged button): nothing of theirs.
    assert family_says(system, "Jim Lopez", None, item_id=reading)[0] is FamilyDone.NO_PLAN
    assert done(system, speech, CARTER_EMAIL)
    assert family_says(system, "Rosa Pérez", 1) == (FamilyDone.NO_PLAN, es(am.NO_OPEN_PLAN))
    with transaction(system.engine) as session:
        open_rows = session.scalars(
            select(ActionFollowup).where(
                ActionFollowup.meeting_id == plan.meeting_id, ActionFollowup.done_at.is_(None)
            )
        ).all()
    assert open_rows == []


async def test_a_number_means_the_most_recent_plan_with_something_open(system: System) -> None:
    first = held_meeting(
        system, [Owned("Sign the consent form", dt.date(2026, 12, 20), guardian="Rosa Pérez")]
    )
    second = held_meeting(
        system,
        [Owned(READING, dt.date(2026, 12, 21), guardian="Rosa Pérez")],
        starts=local(3, 16),
    )
    assert family_says(system, "Rosa Pérez", 1)[0] is FamilyDone.DONE
    assert item_row(system, second.item_ids[0]).state is ItemState.DONE
    assert item_row(system, first.item_ids[0]).state is ItemState.OPEN
    # The newer plan has nothing open now: number 1 is the older plan's.
    assert family_says(system, "Rosa Pérez", 1)[0] is FamilyDone.DONE
    assert item_row(system, first.item_ids[0]).state is ItemState.DONE


async def test_a_family_asking_for_help_reaches_the_organizer(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    _, reading = alfredo_plan(system).item_ids
    await system.drain()
    before = len(system.telegram_texts(CARTER))
    with transaction(system.engine) as session:
        answer = family_needs_help(
            session, guardian(session, "Rosa Pérez"), reading, now=system.clock()
        )
        assert answer.outcome is FamilyDone.HELP
        assert answer.reply == es(am.HELP_ASKED, organizer="Emily Carter")
        stranger = family_needs_help(
            session, guardian(session, "Jim Lopez"), reading, now=system.clock()
        )
        assert stranger.outcome is FamilyDone.NO_PLAN
    await system.drain()
    [told] = since(system.telegram_texts(CARTER), before)
    assert told == (
        gettext("en", am.FAMILY_ASKS_HELP, guardian="Rosa Pérez", student="Alfredo Pérez", number=2)
        + "\n"
        + READING
    )
    assert item_row(system, reading).state is ItemState.OPEN


# -- open items ------------------------------------------------------------------------------------


async def test_open_items_show_only_students_the_viewer_serves_and_flag_overdue(
    system: System,
) -> None:
    alfredo = alfredo_plan(system)
    minh = held_meeting(
        system,
        [Owned("Practice counting coins", dt.date(2026, 12, 4), guardian="Lan Nguyen")],
        student="Minh Nguyen",
    )
    tyrell = held_meeting(
        system,
        [Owned("Practice spelling words", dt.date(2026, 12, 15), staff=KIM_EMAIL)],
        student="Tyrell Ruby",
        organizer=KIM_EMAIL,
        attendees=[],
    )
    system.clock.now = utc(local(10, 9))
    with transaction(system.engine) as session:
        carter = open_items(session, staff(session, CARTER_EMAIL), now=system.clock())
        kim = open_items(session, staff(session, KIM_EMAIL), now=system.clock())
        everyone = open_items(session, None, now=system.clock())
        late = open_items(session, None, now=system.clock(), overdue_only=True)
        seen = {
            name: [(o.student_name, o.item.position, o.owner_name, o.overdue) for o in found]
            for name, found in (("carter", carter), ("kim", kim), ("late", late))
        }
        assert [o.item.id for o in everyone] == [
            minh.item_ids[0],
            *alfredo.item_ids,
            tyrell.item_ids[0],
        ]
    assert seen == {
        "carter": [
            ("Minh Nguyen", 1, "Lan Nguyen", True),
            ("Alfredo Pérez", 1, "Emily Carter", False),  # due today: not yet overdue
            ("Alfredo Pérez", 2, "Rosa Pérez", False),
        ],
        "kim": [("Tyrell Ruby", 1, "David Kim", False)],
        "late": [("Minh Nguyen", 1, "Lan Nguyen", True)],
    }
    assert done(system, alfredo.item_ids[0], CARTER_EMAIL)
    with transaction(system.engine) as session:
        after = open_items(session, staff(session, CARTER_EMAIL), now=system.clock())
    assert alfredo.item_ids[0] not in [o.item.id for o in after]
