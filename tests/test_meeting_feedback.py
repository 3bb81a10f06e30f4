"""Each guardian's feedback after a meeting: asked once, in their language, numbered 1 to 5
(buttons on Telegram); the latest rating counts and reaches the organizer; what would help
next time is kept in their words and relayed translated; a reply a week later still
counts. And a family's privacy: the export holds their feedback, concerns and items, and
forgetting them removes those.

The meetings here are held with notes that have no action items and ask no feedback by
themselves (`feedback_days=0`), so these tests run without the follow-ups part of issue
12: `feedback.ask` is called as the follow-up job will call it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from commbot.actions.privacy import export_guardian, forget_guardian
from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import feedback
from commbot.features.meetings.actions import MeetingError
from commbot.features.meetings.after_buttons import FEEDBACK
from commbot.features.meetings.after_models import (
    ActionFollowup,
    ActionItem,
    FollowupKind,
    MeetingConcern,
    MeetingFeedback,
)
from commbot.features.meetings.models import (
    Awaiting,
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingInvitee,
)
from commbot.features.meetings.notes import ConcernSpec, NotesSpec, record_notes
from commbot.models import (
    AuthorKind,
    ChoiceKind,
    Guardian,
    Message,
    MessageKind,
    PendingChoice,
    Staff,
)

from .fakes.translation import FakeLibreTranslate
from .support import System
from .test_meeting_notes import (
    CARTER,
    CARTER_EMAIL,
    CONCERN,
    NY,
    RESPONSE,
    after_it,
    held_meeting,
    one,
    rosa_writes_her_concern,
    t,
)
from .test_meetings import translating

BOSTON = zoneinfo.ZoneInfo(NY)
ROSA = "+16175550134"
AMINA = 8001
WORDS = "Me gustaria tener la reunion por la tarde."
PHONE_DIGITS = re.compile(r"555\D?01\d\d|617\D{0,2}555")


@pytest.fixture(autouse=True)
def _no_numbers_or_words_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="commbot")
    yield
    for record in caplog.records:
        text = record.getMessage()
        assert not PHONE_DIGITS.search(text), f"a phone number in the logs: {text!r}"
        for words in (WORDS, CONCERN, RESPONSE):
            assert words not in text, f"a family's words in the logs: {text!r}"


def notes_without_items(system: System, meeting_id: int, concerns: int = 0) -> None:
    after_it(system)
    spec = NotesSpec(
        summary="We talked about reading.",
        concerns=tuple(ConcernSpec(RESPONSE, raised=n) for n in range(1, concerns + 1)),
        feedback_days=0,
    )
    with transaction(system.engine) as session:
        record_notes(
            session,
            one(session, Staff, email=CARTER_EMAIL),
            session.get_one(Meeting, meeting_id),
            spec,
            now=system.clock(),
            default_timezone=NY,
        )


def ask(system: System, meeting_id: int, guardian: str) -> bool:
    with transaction(system.engine) as session:
        return feedback.ask(
            session,
            session.get_one(Meeting, meeting_id),
            one(session, Guardian, name=guardian),
            now=system.clock(),
            default_timezone=NY,
        )


def rate(system: System, meeting_id: int, guardian: str, rating: int) -> str:
    with transaction(system.engine) as session:
        return feedback.record_rating(
            session, one(session, Guardian, name=guardian), meeting_id, rating, now=system.clock()
        )


def words(system: System, meeting_id: int, guardian: str, text: str, language: str) -> str:
    with transaction(system.engine) as session:
        person = one(session, Guardian, name=guardian)
        message = Message(
            kind=MessageKind.CONVERSATION,
            author_kind=AuthorKind.GUARDIAN,
            author_guardian_id=person.id,
            text=text,
            language=language,
            created_at=system.clock(),
        )
        return feedback.record_words(session, person, meeting_id, message, now=system.clock())


def row_of(system: System, meeting_id: int, guardian: str) -> MeetingFeedback:
    with transaction(system.engine) as session:
        row = session.scalars(
            select(MeetingFeedback)
            .join(Guardian, Guardian.id == MeetingFeedback.guardian_id)
            .where(MeetingFeedback.meeting_id == meeting_id, Guardian.name == guardian)
        ).one()
        session.expunge(row)
        return row


async def held_with_rosa(system: System) -> int:
    await system.link_staff(CARTER_EMAIL, CARTER)
    meeting_id = held_meeting(system)
    await system.drain()
    notes_without_items(system, meeting_id)
    await system.drain()
    system.clock.advance(days=2)  # December 3, 5:30 PM: outside her quiet hours
    return meeting_id


async def test_rosa_is_asked_once_in_spanish_with_numbers(system: System) -> None:
    meeting_id = await held_with_rosa(system)
    before = len(system.sms_to(ROSA))
    assert ask(system, meeting_id, "Rosa Pérez") is True
    await system.drain()
    assert ask(system, meeting_id, "Rosa Pérez") is False  # asked once
    await system.drain()
    [question] = system.sms_to(ROSA)[before:]
    assert question.splitlines() == [
        t("es", am.FEEDBACK_ASK, student="Alfredo"),
        *(f"{n}. {t('es', label)}" for n, label in enumerate(am.FEEDBACK_SCALE, 1)),
    ]
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez")
        pending = one(session, PendingChoice, guardian_id=rosa.id, kind=ChoiceKind.FEEDBACK)
        assert pending.options == [[meeting_id, n] for n in range(1, 6)]
        assert (
            session.scalar(
                select(func.count())
                .select_from(MeetingContact)
                .filter_by(meeting_id=meeting_id, guardian_id=rosa.id, kind=ContactKind.FEEDBACK)
            )
            == 1
        )
        assert session.scalar(select(func.count()).select_from(MeetingFeedback)) == 1


async def test_amina_is_asked_on_telegram_with_five_buttons(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(AMINA, f"/start {code}")).status_code == 200
    meeting_id = held_meeting(system, "Andrew Bashid")
    await system.drain()
    notes_without_items(system, meeting_id)
    await system.drain()
    before = len(system.telegram.sent_messages(AMINA))
    assert ask(system, meeting_id, "Amina Bashid") is True
    await system.drain()
    [question] = system.telegram.sent_messages(AMINA)[before:]
    assert question.params["text"].splitlines()[0] == t("en", am.FEEDBACK_TAP, student="Andrew")
    markup = question.params["reply_markup"]["inline_keyboard"]
    buttons = [(b["text"], b["callback_data"]) for row in markup for b in row]
    assert buttons == [
        (f"{n}. {t('en', label)}", FEEDBACK.encode(meeting=meeting_id, rating=n))
        for n, label in enumerate(am.FEEDBACK_SCALE, 1)
    ]
    assert all(len(data.encode("utf-8")) <= 64 for _, data in buttons)


async def test_a_meeting_not_held_asks_nothing(system: System) -> None:
    meeting_id = held_meeting(system)  # scheduled, no notes yet
    await system.drain()
    before = len(system.sms_to(ROSA))
    assert ask(system, meeting_id, "Rosa Pérez") is False
    await system.drain()
    assert system.sms_to(ROSA)[before:] == []


async def test_the_latest_rating_counts_and_the_organizer_hears_each(system: System) -> None:
    meeting_id = await held_with_rosa(system)
    ask(system, meeting_id, "Rosa Pérez")
    await system.drain()
    carter_before = len(system.telegram_texts(CARTER))
    assert rate(system, meeting_id, "Rosa Pérez", 2) == t("es", am.FEEDBACK_NEXT)
    system.clock.advance(days=7)  # a week later still counts
    assert rate(system, meeting_id, "Rosa Pérez", 4) == t("es", am.FEEDBACK_NEXT)
    await system.drain()
    row = row_of(system, meeting_id, "Rosa Pérez")
    assert (row.rating, row.rated_at) == (4, system.clock())
    heard = system.telegram_texts(CARTER)[carter_before:]
    assert heard == [
        t("en", am.FEEDBACK_RATING, guardian="Rosa Pérez", student="Alfredo Pérez", rating=n)
        for n in (2, 4)
    ]
    with transaction(system.engine) as session:
        invitee = one(session, MeetingInvitee, meeting_id=meeting_id)
        assert invitee.awaiting == Awaiting.FEEDBACK.value  # her next words: what would help


async def test_what_would_help_is_kept_and_relayed_translated(system: System) -> None:
    meeting_id = await held_with_rosa(system)
    with FakeLibreTranslate() as service:
        backend = translating(system, service)  # one dispatcher throughout: it holds the lease
        ask(system, meeting_id, "Rosa Pérez")
        rate(system, meeting_id, "Rosa Pérez", 3)
        await system.drain()
        carter_before = len(system.telegram_texts(CARTER))
        assert words(system, meeting_id, "Rosa Pérez", WORDS, "es") == t("es", am.FEEDBACK_THANKS)
        await system.drain()
        await backend.close()
    [relayed] = system.telegram_texts(CARTER)[carter_before:]
    header = t("en", am.FEEDBACK_WORDS, guardian="Rosa Pérez", student="Alfredo Pérez")
    assert relayed.startswith(f"{header}\n[en] {WORDS}")
    assert relayed.endswith(WORDS)  # with the original
    row = row_of(system, meeting_id, "Rosa Pérez")
    assert row.message_id is not None and row.answered_at == system.clock()
    with transaction(system.engine) as session:
        assert session.get_one(Message, row.message_id).text == WORDS
        assert one(session, MeetingInvitee, meeting_id=meeting_id).awaiting is None
    # A rating after her words: thanked, not asked again what would help.
    assert rate(system, meeting_id, "Rosa Pérez", 5) == t("es", am.FEEDBACK_THANKS)


async def test_a_rating_never_asked_for_or_off_the_scale_is_refused(system: System) -> None:
    meeting_id = await held_with_rosa(system)
    with pytest.raises(MeetingError, match="no feedback was asked"):
        rate(system, meeting_id, "Rosa Pérez", 3)
    ask(system, meeting_id, "Rosa Pérez")
    for rating in (0, 6):
        with pytest.raises(MeetingError, match="a rating is 1 to 5"):
            rate(system, meeting_id, "Rosa Pérez", rating)
    assert row_of(system, meeting_id, "Rosa Pérez").rating is None


def test_feedback_of_lists_each_guardian_once(system: System) -> None:
    meeting_id = held_meeting(system, "Andrew Bashid")
    notes_without_items(system, meeting_id)
    assert ask(system, meeting_id, "Karim Bashid")
    assert ask(system, meeting_id, "Amina Bashid")
    assert not ask(system, meeting_id, "Karim Bashid")
    with transaction(system.engine) as session:
        rows = feedback.feedback_of(session, session.get_one(Meeting, meeting_id))
        names = [session.get_one(Guardian, r.guardian_id).name for r in rows]
    assert names == ["Karim Bashid", "Amina Bashid"]


# -- privacy ------------------------------------------------------------------------------


async def test_export_holds_and_forget_removes_feedback_concerns_and_items(
    system: System,
) -> None:
    meeting_id = await rosa_writes_her_concern(system)
    notes_without_items(system, meeting_id, concerns=1)
    system.clock.advance(days=2)
    ask(system, meeting_id, "Rosa Pérez")
    rate(system, meeting_id, "Rosa Pérez", 4)
    words(system, meeting_id, "Rosa Pérez", WORDS, "es")
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez")
        # Her item and its reminder, as the plan and its follow-ups write them.
        item = ActionItem(
            meeting_id=meeting_id,
            position=1,
            what="Read each night.",
            owner_guardian_id=rosa.id,
            owner_name=rosa.name,
            due_on=dt.date(2026, 12, 8),
            first_due_on=dt.date(2026, 12, 8),
        )
        session.add(item)
        session.flush()
        session.add(
            ActionFollowup(
                key=f"item:{item.id}:guardian:{rosa.id}:2026-12-08:2d",
                meeting_id=meeting_id,
                item_id=item.id,
                kind=FollowupKind.FAMILY_REMINDER,
                guardian_id=rosa.id,
                due_on=dt.date(2026, 12, 8),
                due_at=dt.datetime(2026, 12, 6, 22, tzinfo=dt.UTC),
            )
        )
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez")
        export = export_guardian(session, rosa, system.clock())
    [meeting] = export["meetings"]
    [concern] = meeting["concerns"]
    assert (concern["their_words"], concern["response"], concern["answered"]) == (
        CONCERN,
        RESPONSE,
        True,
    )
    [item_row] = meeting["action_items"]
    assert (item_row["what"], item_row["due_on"], item_row["state"]) == (
        "Read each night.",
        "2026-12-08",
        "open",
    )
    [follow_up] = meeting["follow_ups"]
    assert (follow_up["kind"], follow_up["item"]) == ("family_reminder", 1)
    [mine] = meeting["feedback"]
    assert (mine["rating"], mine["words"]) == (4, WORDS)
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez")
        forgotten = forget_guardian(session, rosa, system.clock())
        assert forgotten.meeting_records >= 4
    with transaction(system.engine) as session:
        for model in (MeetingFeedback, MeetingConcern, ActionItem, ActionFollowup):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
        rosa = session.get_one(Guardian, rosa.id)
        again = export_guardian(session, rosa, system.clock())
        assert again["meetings"] == []
        assert forget_guardian(session, rosa, system.clock()).meeting_records == 0
