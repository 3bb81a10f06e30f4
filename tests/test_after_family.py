"""After the meeting, the family's side, end to end through the webhooks and the fakes:
"DONE 1" by SMS, the word in the family's language ("HECHO 1"), WhatsApp, Telegram typing
and buttons, "1" and "2" after a reminder, a staff item's number, the feedback question
(a rating, then what would help next time, even a week later), and STOP winning over all
of it. Words that are not exactly the keyword and a number, or that come from a family
with no open plan, reach the school as the family's message; a photo sent with "DONE 1"
reaches it too.

The Spanish and Arabic catalogs hold no translation yet for the new texts: what a family
reads is asserted as `gettext(<their language>, ...)` of the catalog message; where a
test needs the word in a language ("HECHO"), it puts it in that catalog as a translator
would.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from commbot.conversations import family
from commbot.conversations import staff as staff_chat
from commbot.conversations.registry import FAMILY_KEYWORDS, fold, word_and_number
from commbot.db import transaction
from commbot.features.meetings import after_messages as am
from commbot.features.meetings import followups
from commbot.features.meetings.actions import MeetingDraft, create_meeting
from commbot.features.meetings.after_models import ActionItem, ItemState, MeetingFeedback
from commbot.features.meetings.models import (
    ContactKind,
    Meeting,
    MeetingContact,
    MeetingState,
    Purpose,
)
from commbot.i18n import gettext, translations
from commbot.models import (
    ChoiceKind,
    ContactPoint,
    Delivery,
    Guardian,
    Message,
    PendingChoice,
    RecipientKind,
    Staff,
    Student,
)

from .support import PUBLIC, System, press

NY = "America/New_York"
BOSTON = zoneinfo.ZoneInfo(NY)
ROSA = "+16175550134"  # Alfredo's mother: Spanish, SMS, asleep 08:00-15:00
KARIM = "+16175550177"  # Andrew's father: Arabic, WhatsApp
AMINA = 8001  # Andrew's mother: English, Telegram (linked in the tests)
CARTER = 7001
CARTER_EMAIL = "ecarter@lincoln.example.org"
ROSA_ITEM = "Read with Alfredo for 15 minutes each night"
CARTER_ITEM = "Send the speech therapy schedule"
ROSA_WROTE = "Rosa Pérez (mother of Alfredo Pérez) wrote:"


def local(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BOSTON)


def one(session: Any, model: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(**where)).one()


def reads(text: str, language: str, message: str, **known: object) -> bool:
    """`text` is the catalog `message` in `language`, with the placeholders given in
    `known` filled in and any others (an organizer's name as the plan words it) free."""
    template = gettext(language, message)
    pattern = ""
    for piece in re.split(r"(\{\w+\})", template):
        name = piece[1:-1] if piece.startswith("{") and piece.endswith("}") else None
        if name is None:
            pattern += re.escape(piece)
        elif name in known:
            pattern += re.escape(str(known[name]))
        else:
            pattern += ".+?"
    return re.fullmatch(pattern, text, re.DOTALL) is not None


def has_line(text: str, language: str, message: str, **known: object) -> bool:
    return any(reads(line, language, message, **known) for line in text.split("\n"))


def first_line_reads(text: str, message: str, **known: object) -> bool:
    """A staff notice (in English) whose first line is `message`."""
    return reads(text.split("\n")[0], "en", message, **known)


def whatsapp_to(system: System, number: str) -> list[str]:
    return [c.body or "" for c in system.twilio.messages if c.to == f"whatsapp:{number}"]


def carter_saw(system: System) -> list[str]:
    return system.telegram_texts(CARTER)


@pytest.fixture
def word_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Put a translator's DONE word in a catalog, for the test only."""

    def put(language: str, word: str) -> None:
        catalog = translations(language)._catalog  # type: ignore[attr-defined]
        monkeypatch.setitem(catalog, am.DONE_WORD, word)

    yield put


# -- the plan ------------------------------------------------------------------------------


async def meeting_with_plan(
    system: System,
    student: str = "Alfredo Pérez",
    *,
    family_owner: str = "Rosa Pérez",
    due: dt.date = dt.date(2026, 12, 4),
    feedback_days: int = 2,
) -> dict[str, int]:
    """Emily Carter's meeting about `student` on Monday 23 November at 4 PM, held; her
    notes give the family item 1 (the family owner's) and item 2 (hers), both due `due`.
    The clock is then half an hour after the meeting began."""
    from commbot.features.meetings.notes import ItemSpec, NotesSpec, Owner, record_notes

    await system.link_staff(CARTER_EMAIL, CARTER)
    with transaction(system.engine) as session:
        carter = one(session, Staff, email=CARTER_EMAIL)
        created = create_meeting(
            session,
            carter,
            MeetingDraft(
                student_id=one(session, Student, name=student).id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=local(11, 23, 16),
                place="Room 12",
            ),
            now=system.clock(),
            default_timezone=NY,
            base_url=PUBLIC,
        )
        meeting_id = created.meeting.id
    await system.drain()
    system.clock.now = local(11, 23, 16, 30).astimezone(dt.UTC)
    with transaction(system.engine) as session:
        carter = one(session, Staff, email=CARTER_EMAIL)
        guardian = one(session, Guardian, name=family_owner)
        recorded = record_notes(
            session,
            carter,
            session.get_one(Meeting, meeting_id),
            NotesSpec(
                summary="We talked about reading and speech.",
                items=(
                    ItemSpec(ROSA_ITEM, Owner(guardian_id=guardian.id), due),
                    ItemSpec(CARTER_ITEM, Owner(staff_id=carter.id), due),
                ),
                feedback_days=feedback_days,
            ),
            now=system.clock(),
            default_timezone=NY,
        )
        ids = {
            "meeting": meeting_id,
            "family item": recorded.items[0].id,
            "staff item": recorded.items[1].id,
            "guardian": guardian.id,
        }
    await system.drain()
    return ids


def item_state(system: System, item_id: int) -> ItemState:
    with transaction(system.engine) as session:
        return session.get_one(ActionItem, item_id).state


async def link_amina(system: System) -> None:
    code = system.invite(guardian="Amina Bashid")
    assert (await system.telegram_update(AMINA, f"/start {code}")).status_code == 200
    await system.drain()


async def tap(system: System, chat: int, data: str) -> None:
    response = await system.post_telegram(press(chat, data, next(system._update_ids)))
    assert response.status_code == 200
    await system.drain()


async def sms(system: System, number: str, text: str, **kwargs: Any) -> None:
    assert (await system.sms(number, text, **kwargs)).status_code == 200
    await system.drain()


def run_followups(system: System, when: dt.datetime) -> None:
    system.clock.now = when.astimezone(dt.UTC)
    followups.send_due(system.engine, system.clock(), default_timezone=NY)


# -- reading the keyword (no plan needed) ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DONE 2", ("done", 2)),
        ("done 2", ("done", 2)),
        ("Done #2", ("done", 2)),
        ("done # 2", ("done", 2)),
        ("DONE2", ("done", 2)),
        ("DONE: 3.", ("done", 3)),
        ("  done 12 ", ("done", 12)),
        ("Hécho 1", ("hecho", 1)),
        ("HECHO\u200b 1", ("hecho", 1)),
        ("ＤＯＮＥ ２", ("done", 2)),  # full width, as some keyboards type
        ("تم ٢", ("تم", 2)),  # Arabic-Indic digits count, as in numbered answers
        ("完成2", ("完成", 2)),
        ("Готово 3", ("готово", 3)),
        ("done 2 hours ago", None),
        ("done", None),
        ("2", None),
        ("#2", None),
        ("done 1000", None),
        ("done ²", None),
        ("", None),
    ],
)
def test_a_word_and_a_number_are_read_and_nothing_else(
    text: str, expected: tuple[str, int] | None
) -> None:
    assert word_and_number(text) == expected


def test_done_is_read_in_every_catalog_language_without_case_or_accents(word_in: Any) -> None:
    for language, word in (
        ("es", "HECHO"),
        ("ar", "تم"),
        ("zh-CN", "完成"),
        ("ru", "ГОТОВО"),
        ("vi", "XONG"),
        ("pt", "FEITO"),
    ):
        word_in(language, word)
    for text in ("DONE 2", "hecho 2", "Hécho #2", "تم ٢", "完成 2", "готово 2", "xong 2", "Feito2"):
        found = FAMILY_KEYWORDS.find(text)
        assert found is not None, text
        keyword, number = found
        assert (keyword.name, number) == ("DONE", 2)
    assert FAMILY_KEYWORDS.find("finished 2") is None
    assert fold("HÉCHO") == fold("hecho")


# -- no plan: the words are the family's message ----------------------------------------------


async def test_done_from_a_family_with_no_plan_reaches_the_teacher(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    for text in ("DONE 2", "done 2 hours ago"):
        await sms(system, ROSA, text)
    relayed = [t for t in carter_saw(system) if t.startswith(ROSA_WROTE)]
    assert len(relayed) == 2 and "DONE 2" in relayed[0] and "done 2 hours ago" in relayed[1]
    assert system.sms_to(ROSA) == []  # nothing answered in the bot's name


async def test_a_photo_with_done_and_no_plan_reaches_the_teacher(system: System) -> None:
    from .test_dispatch import png_bytes

    await system.link_staff(CARTER_EMAIL, CARTER)
    await link_amina(system)
    photo = system.telegram.add_file(png_bytes())
    await system.telegram_update(AMINA, "DONE 1", photo_file_id=photo)
    await system.drain()
    photos = [c for c in system.telegram.sent_messages(CARTER) if c.method == "sendPhoto"]
    assert len(photos) == 1 and "DONE 1" in (photos[0].params.get("caption") or "")


async def test_odd_family_presses_get_a_short_answer(system: System) -> None:
    await link_amina(system)
    before = len(system.telegram_texts(AMINA))
    presses = ["afd:abc", "afd:", "afh:-1", "afb:1:9", "afb:1:0", "afb:99:3", "afb:1", "afd"]
    for data in presses:
        await tap(system, AMINA, data)
    expired = gettext("en", family.FAMILY_BUTTON_EXPIRED)
    assert system.telegram_texts(AMINA)[before:] == [expired] * len(presses)
    with transaction(system.engine) as session:
        assert session.scalars(select(MeetingFeedback)).all() == []


async def test_staff_cannot_press_a_familys_buttons(system: System) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    for data in ("afd:1", "afh:1", "afb:1:4"):
        await tap(system, CARTER, data)
    expired = gettext("en", staff_chat.STAFF_BUTTON_EXPIRED)
    assert carter_saw(system)[-3:] == [expired] * 3


# -- marking an item done (waits on items and notes) -------------------------------------------


def replies_recorded(system: System, meeting_id: int, guardian_id: int) -> int:
    with transaction(system.engine) as session:
        return len(
            session.scalars(
                select(MeetingContact).where(
                    MeetingContact.meeting_id == meeting_id,
                    MeetingContact.guardian_id == guardian_id,
                    MeetingContact.kind == ContactKind.RECEIVED,
                )
            ).all()
        )


async def test_rosa_marks_her_item_done_by_sms(system: System) -> None:
    plan = await meeting_with_plan(system)
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, plan["meeting"]).state is MeetingState.HELD
    recorded = replies_recorded(system, plan["meeting"], plan["guardian"])
    await sms(system, ROSA, "DONE 1")
    assert reads(system.sms_to(ROSA)[-1], "es", am.MARKED_DONE, number=1)
    assert "Carter" in system.sms_to(ROSA)[-1]
    assert item_state(system, plan["family item"]) is ItemState.DONE
    assert item_state(system, plan["staff item"]) is ItemState.OPEN
    told = [t for t in carter_saw(system) if first_line_reads(t, am.FAMILY_DID_ITEM, number=1)]
    assert told and ROSA_ITEM in told[-1] and told[-1].startswith("Rosa Pérez")
    assert not any(t.startswith(ROSA_WROTE) for t in carter_saw(system))  # not relayed
    assert replies_recorded(system, plan["meeting"], plan["guardian"]) == recorded + 1
    await sms(system, ROSA, "done #1")
    assert system.sms_to(ROSA)[-1] == gettext("es", am.ALREADY_DONE, number=1)


async def test_rosa_writes_hecho_in_spanish(system: System, word_in: Any) -> None:
    word_in("es", "HECHO")
    plan = await meeting_with_plan(system)
    await sms(system, ROSA, "Hécho 1")
    assert reads(system.sms_to(ROSA)[-1], "es", am.MARKED_DONE, number=1)
    assert item_state(system, plan["family item"]) is ItemState.DONE


async def test_karim_marks_done_on_whatsapp_in_arabic(system: System, word_in: Any) -> None:
    word_in("ar", "تم")
    plan = await meeting_with_plan(system, "Andrew Bashid", family_owner="Karim Bashid")
    await sms(system, KARIM, "تم ١", whatsapp=True)
    said = whatsapp_to(system, KARIM)[-1].lstrip("\u200f")
    assert reads(said, "ar", am.MARKED_DONE, number=1)
    assert item_state(system, plan["family item"]) is ItemState.DONE


async def test_amina_types_done_and_taps_done_on_telegram(system: System) -> None:
    await link_amina(system)
    plan = await meeting_with_plan(system, "Andrew Bashid", family_owner="Amina Bashid")
    await system.telegram_update(AMINA, "done 2")
    await system.drain()
    assert reads(system.telegram_texts(AMINA)[-1], "en", am.NOT_YOURS, number=2)
    await tap(system, AMINA, f"afd:{plan['family item']}")
    assert reads(system.telegram_texts(AMINA)[-1], "en", am.MARKED_DONE, number=1)
    assert item_state(system, plan["family item"]) is ItemState.DONE


async def test_a_staff_items_number_is_not_the_familys(system: System) -> None:
    plan = await meeting_with_plan(system)
    await sms(system, ROSA, "DONE 2")
    said = system.sms_to(ROSA)[-1]
    assert reads(said, "es", am.NOT_YOURS, number=2) and "Emily Carter" in said
    assert item_state(system, plan["staff item"]) is ItemState.OPEN
    await sms(system, ROSA, "DONE 7")
    assert system.sms_to(ROSA)[-1] == gettext("es", am.NO_SUCH_ITEM, number=7, count=2)


async def test_a_photo_with_done_marks_it_and_reaches_the_teacher(system: System) -> None:
    plan = await meeting_with_plan(system)
    url = system.twilio.add_media(b"\x89PNG a photo of the reading log", "image/png")
    await sms(system, ROSA, "DONE 1", media=[url])
    assert item_state(system, plan["family item"]) is ItemState.DONE
    assert reads(system.sms_to(ROSA)[-1], "es", am.MARKED_DONE, number=1)
    photos = [c for c in system.telegram.sent_messages(CARTER) if c.method == "sendPhoto"]
    assert len(photos) == 1 and "DONE 1" in (photos[0].params.get("caption") or "")


# -- after a reminder: "1" or "2" -----------------------------------------------------------------


async def test_one_after_a_reminder_marks_it_done(system: System) -> None:
    plan = await meeting_with_plan(system)
    run_followups(system, local(12, 2, 17, 5))  # two days before, at 5 PM her time
    await system.drain()
    assert any(has_line(t, "es", am.FAMILY_ITEM_REMINDER) for t in system.sms_to(ROSA))
    await sms(system, ROSA, "1")
    assert reads(system.sms_to(ROSA)[-1], "es", am.MARKED_DONE, number=1)
    assert item_state(system, plan["family item"]) is ItemState.DONE
    with transaction(system.engine) as session:
        kinds = {p.kind for p in session.scalars(select(PendingChoice))}
    assert ChoiceKind.ACTION_ITEM not in kinds


async def test_two_after_a_reminder_asks_for_help_and_the_organizer_is_told(
    system: System,
) -> None:
    plan = await meeting_with_plan(system)
    run_followups(system, local(12, 2, 17, 5))
    await system.drain()
    await sms(system, ROSA, "2")
    assert reads(system.sms_to(ROSA)[-1], "es", am.HELP_ASKED)
    asks = [t for t in carter_saw(system) if first_line_reads(t, am.FAMILY_ASKS_HELP, number=1)]
    assert asks and ROSA_ITEM in asks[-1] and asks[-1].startswith("Rosa Pérez")
    assert item_state(system, plan["family item"]) is ItemState.OPEN


# -- feedback -------------------------------------------------------------------------------------


def feedback_row(system: System, meeting_id: int, guardian_id: int) -> MeetingFeedback:
    with transaction(system.engine) as session:
        row = one(session, MeetingFeedback, meeting_id=meeting_id, guardian_id=guardian_id)
        session.expunge(row)
        return row


async def test_a_rating_then_words_reach_the_organizer(system: System) -> None:
    plan = await meeting_with_plan(system, due=dt.date(2026, 12, 18))
    run_followups(system, local(11, 25, 17, 5))  # two days after, at 5 PM her time
    await system.drain()
    assert any(has_line(t, "es", am.FEEDBACK_ASK) for t in system.sms_to(ROSA))
    await sms(system, ROSA, "4")
    assert system.sms_to(ROSA)[-1] == gettext("es", am.FEEDBACK_NEXT)
    rated = [t for t in carter_saw(system) if "4 of 5" in t]
    assert rated and reads(rated[-1], "en", am.FEEDBACK_RATING, rating=4)
    words = "Más tiempo para preguntas, por favor."
    await sms(system, ROSA, words)
    assert system.sms_to(ROSA)[-1] == gettext("es", am.FEEDBACK_THANKS)
    helps = [t for t in carter_saw(system) if "would help next time" in t]
    assert helps and words in helps[-1]
    row = feedback_row(system, plan["meeting"], plan["guardian"])
    assert row.rating == 4 and row.message_id is not None
    # The next words are an ordinary message again.
    await sms(system, ROSA, "Gracias por todo.")
    assert any(t.startswith(ROSA_WROTE) and "Gracias por todo." in t for t in carter_saw(system))


async def test_a_feedback_reply_eight_days_later_is_still_recorded(system: System) -> None:
    plan = await meeting_with_plan(system, due=dt.date(2027, 1, 15))
    run_followups(system, local(11, 25, 17, 5))
    await system.drain()
    system.clock.now = local(12, 3, 17, 10).astimezone(dt.UTC)
    await sms(system, ROSA, "5")
    assert system.sms_to(ROSA)[-1] == gettext("es", am.FEEDBACK_NEXT)
    assert feedback_row(system, plan["meeting"], plan["guardian"]).rating == 5
    # A month on, a number is no rating any more: it reaches the teacher.
    system.clock.now = local(12, 28, 17).astimezone(dt.UTC)
    await sms(system, ROSA, "3")
    assert feedback_row(system, plan["meeting"], plan["guardian"]).rating == 5
    # Her words as written (a lone number has nothing to translate: a note may follow).
    assert any(t.split("\n")[:2] == [ROSA_WROTE, "3"] for t in carter_saw(system))


async def test_amina_rates_by_button(system: System) -> None:
    await link_amina(system)
    plan = await meeting_with_plan(system, "Andrew Bashid", family_owner="Amina Bashid")
    run_followups(system, local(11, 25, 17, 5))
    await system.drain()
    with transaction(system.engine) as session:
        amina = one(session, Guardian, name="Amina Bashid").id
    await tap(system, AMINA, f"afb:{plan['meeting']}:3")
    assert system.telegram_texts(AMINA)[-1] == gettext("en", am.FEEDBACK_NEXT)
    assert feedback_row(system, plan["meeting"], amina).rating == 3
    await tap(system, AMINA, f"afb:{plan['meeting']}:6")
    assert system.telegram_texts(AMINA)[-1] == gettext("en", family.FAMILY_BUTTON_EXPIRED)
    assert feedback_row(system, plan["meeting"], amina).rating == 3


# -- STOP wins ------------------------------------------------------------------------------------


async def test_stop_still_wins_over_every_open_question(system: System) -> None:
    plan = await meeting_with_plan(system)
    run_followups(system, local(11, 25, 17, 5))  # the feedback question
    run_followups(system, local(12, 2, 17, 5))  # the reminder's question
    await system.drain()
    await sms(system, ROSA, "STOP")
    with transaction(system.engine) as session:
        point = one(session, ContactPoint, address=ROSA)
        assert point.opted_out
        rosa = one(session, Guardian, name="Rosa Pérez")
        relayed = session.scalars(
            select(Message)
            .join(Delivery, Delivery.message_id == Message.id)
            .where(Message.author_guardian_id == rosa.id)
            .where(Delivery.recipient_kind == RecipientKind.STAFF)
        ).all()
        assert relayed == []
    assert item_state(system, plan["family item"]) is ItemState.OPEN
    assert feedback_row(system, plan["meeting"], plan["guardian"]).rating is None
