"""The access matrix: every row of `commbot.access` for every role, end to end.

Each case is one role doing one thing the way a person would: a Telegram update for staff,
for a Telegram-linked guardian and for an unknown Telegram account; a signed Twilio SMS for
an SMS guardian and for an unknown number. Then the dispatcher runs and we look at what
people received and what the database holds. Allowed: the action happens (a family gets
the message, a setting or a plan changes, the reply says so). Refused: the person reads the
refusal their side gets (see `commbot.access`) and nothing an action could change has
changed. Beside the matrix: the relationship (a student not served, another school,
another family), and a check that the table covers every registered way in.

The cast, on the example roster (one school): Emily Carter teaches Room 12 (Alfredo
Pérez, whose mother Rosa texts by SMS, and Andrew Bashid, whose mother Amina is linked on
Telegram); a speech therapist is assigned Alfredo only; a coordinator and an admin serve
the whole school; another school's coordinator serves none of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from commbot.access import ACCESS, CHAT_ROLES, STAFF, Role, Rule, Surface
from commbot.actions.send_to_family import send_to_family
from commbot.cli import app as cli_app
from commbot.conversations import family, language_menu, linking, staff_reports, unknown
from commbot.conversations import staff as staff_chat
from commbot.conversations.dialogs import DIALOGS
from commbot.conversations.registry import (
    BUTTONS,
    COMMANDS,
    FAMILY_BUTTONS,
    FAMILY_KEYWORDS,
    FAMILY_WORDS,
)
from commbot.db import transaction
from commbot.features.checkins import messages as checkin_text
from commbot.features.checkins.actions import create_checkin
from commbot.features.checkins.firing import fire_due
from commbot.features.checkins.models import CheckinPlan
from commbot.features.meetings import after_messages as after_text
from commbot.features.meetings import messages as meeting_text
from commbot.features.meetings import staff_messages as meeting_staff_text
from commbot.features.meetings.actions import MeetingDraft, create_meeting
from commbot.features.meetings.after_models import ActionItem, ItemState, MeetingFeedback
from commbot.features.meetings.models import Meeting, MeetingState, Purpose
from commbot.features.photos.models import PhotoPost, PhotoTag
from commbot.features.reports import messages as report_text
from commbot.i18n import gettext
from commbot.languages import CATALOG_LANGUAGES, name_in
from commbot.models import (
    Channel,
    ChoiceKind,
    ContactPoint,
    Delivery,
    Guardian,
    Guardianship,
    InviteCode,
    Message,
    MessageKind,
    PendingChoice,
    RecipientKind,
    School,
    SchoolClass,
    ServiceAssignment,
    Staff,
    StaffCompose,
    StaffDialog,
    StaffRole,
    Student,
)
from commbot.roster.importer import DEFAULT_SCHOOL

from .conftest import EXAMPLES, import_examples
from .support import System, command_line_on, press

NEW_YORK = "America/New_York"
ROSA = "+16175550134"  # Alfredo Pérez's mother, Spanish, by SMS
LAN = "+16175550142"  # mother of Bao (David Kim's class) and Minh (Emily Carter's)
AMINA = 8001  # Andrew Bashid's mother, on Telegram
UNKNOWN_CHAT = 9001
UNKNOWN_PHONE = "+16175550999"
CARTER, KIM = 7001, 7002
CHATS = {Role.TEACHER: 7001, Role.SPECIALIST: 7003, Role.COORDINATOR: 7004, Role.ADMIN: 7005}
OTHER_SCHOOL_COORDINATOR = 7006
EMAILS = {
    Role.TEACHER: "ecarter@lincoln.example.org",
    Role.SPECIALIST: "srivera@lincoln.example.org",
    Role.COORDINATOR: "gortiz@lincoln.example.org",
    Role.ADMIN: "pquinn@lincoln.example.org",
}


def en(message: str, **values: Any) -> str:
    return gettext("en", message, **values)


# -- the cast --------------------------------------------------------------------------


def cast(system: System) -> None:
    """Link and add the staff of every role, and link Amina on Telegram, in one
    transaction of plain inserts (the matrix has many cases; inviting through the webhook
    and `staff add`/`assign` are tested on their own, here and elsewhere)."""
    with transaction(system.engine) as session:
        school = one(session, School, name=DEFAULT_SCHOOL).id
        for email, chat in ((EMAILS[Role.TEACHER], CARTER), ("dkim@lincoln.example.org", KIM)):
            one(session, Staff, email=email).telegram_chat_id = chat
        other = School(name="Hillside Elementary")
        session.add(other)
        session.flush()
        staff = {
            role: Staff(
                name=name,
                email=EMAILS[role],
                role=StaffRole(role.value),
                school_id=school,
                telegram_chat_id=CHATS[role],
            )
            for role, name in (
                (Role.SPECIALIST, "Sam Rivera"),
                (Role.COORDINATOR, "Grace Ortiz"),
                (Role.ADMIN, "Pat Quinn"),
            )
        }
        olga = Staff(
            name="Olga Berg",
            email="oberg@hillside.example.org",
            role=StaffRole.COORDINATOR,
            school_id=other.id,
            telegram_chat_id=OTHER_SCHOOL_COORDINATOR,
        )
        session.add_all([*staff.values(), olga])
        session.flush()
        alfredo = one(session, Student, name="Alfredo Pérez").id
        session.add(
            ServiceAssignment(
                staff_id=staff[Role.SPECIALIST].id, student_id=alfredo, service="speech therapy"
            )
        )
        amina = one(session, Guardian, name="Amina Bashid").id
        session.add(ContactPoint(guardian_id=amina, channel=Channel.TELEGRAM, address=str(AMINA)))


@dataclass
class Actor:
    """One role, writing the way that role writes for this scenario."""

    role: Role
    chat: int | None = None
    phone: str | None = None
    said_words: bool = False  # typed something (not only pressed buttons)

    @property
    def address(self) -> str:
        return self.phone or str(self.chat)


def actor_for(role: Role, by: str, guardian_phone: str = ROSA) -> Actor:
    if role in STAFF:
        return Actor(role, chat=CHATS[role])
    if role is Role.GUARDIAN:
        return Actor(role, phone=guardian_phone) if by == "sms" else Actor(role, chat=AMINA)
    return Actor(role, phone=UNKNOWN_PHONE) if by == "sms" else Actor(role, chat=UNKNOWN_CHAT)


async def say(system: System, actor: Actor, text: str, reply_to: int | None = None) -> None:
    actor.said_words = True
    if actor.phone:
        response = await system.sms(actor.phone, text)
    else:
        assert actor.chat is not None
        response = await system.telegram_update(actor.chat, text, reply_to=reply_to)
    assert response.status_code == 200


async def tap(system: System, actor: Actor, data: str) -> None:
    assert actor.chat is not None, "buttons are pressed on Telegram"
    response = await system.post_telegram(press(actor.chat, data, next(system._update_ids)))
    assert response.status_code == 200


def seen(system: System, actor: Actor) -> list[str]:
    """What the actor received, oldest first."""
    return system.sms_to(actor.phone) if actor.phone else system.telegram_texts(actor.chat or 0)


# -- the state an action could change ---------------------------------------------------


def state(system: System) -> dict[str, Any]:
    """Everything an action in the table could change (replies to the person acting and
    family messages passed to staff are not actions: they are how refusals are told)."""
    with transaction(system.engine) as session:
        to_families = session.execute(
            select(Delivery.guardian_id, Delivery.channel, Message.urgent)
            .join(Message, Message.id == Delivery.message_id)
            .where(Delivery.recipient_kind == RecipientKind.GUARDIAN)
        ).all()
        return {
            "to families": sorted(map(tuple, to_families)),
            "plans": sorted(
                (p.id, p.staff_id, p.paused, p.class_id, p.student_id)
                for p in session.scalars(select(CheckinPlan))
            ),
            "dialogs": sorted(
                (d.staff_id, d.kind, str(d.state)) for d in session.scalars(select(StaffDialog))
            ),
            "drafts": sorted(
                (d.staff_id, d.student_id) for d in session.scalars(select(StaffCompose))
            ),
            "staff": sorted(
                (s.id, s.language, s.show_back_translation, s.telegram_chat_id, s.active)
                for s in session.scalars(select(Staff))
            ),
            "families": sorted((g.id, g.language) for g in session.scalars(select(Guardian))),
            "points": sorted(
                (p.id, p.guardian_id, p.channel, p.address, p.opted_out)
                for p in session.scalars(select(ContactPoint))
            ),
            "links": sorted(
                (g.id, g.receives_messages, g.active) for g in session.scalars(select(Guardianship))
            ),
            "language menus": sorted(
                p.guardian_id
                for p in session.scalars(select(PendingChoice))
                if p.kind.value == "language"
            ),
            "plan": sorted(
                (i.id, i.state.value, str(i.done_by)) for i in session.scalars(select(ActionItem))
            ),
            "feedback": sorted(
                (f.id, f.rating or 0, f.message_id or 0)
                for f in session.scalars(select(MeetingFeedback))
            ),
            "photo consent": sorted(
                (g.id, g.photo_consent.value) for g in session.scalars(select(Guardianship))
            ),
            "photo posts": sorted(
                (p.id, p.state.value, p.class_id or 0, str(p.send_at))
                for p in session.scalars(select(PhotoPost))
            )
            + sorted(("tag", t.post_id, t.student_id) for t in session.scalars(select(PhotoTag))),
        }


def one(session: Session, model: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(**where)).one()


def staff_of(session: Session, actor: Actor) -> Staff:
    return one(session, Staff, telegram_chat_id=actor.chat)


def add_plan(system: System, chat: int) -> int:
    """A Friday check-in for Alfredo Pérez by the staff member on `chat`."""
    with transaction(system.engine) as session:
        created = create_checkin(
            session,
            one(session, Staff, telegram_chat_id=chat),
            days="fri",
            time="10:00",
            now=system.clock(),
            default_timezone=NEW_YORK,
            student_id=one(session, Student, name="Alfredo Pérez").id,
            template="week",
        )
        return created.plan.id


# -- one scenario per row ----------------------------------------------------------------

Setup = Callable[[System, Actor, dict[str, Any]], Awaitable[None]]
Act = Callable[[System, Actor, dict[str, Any]], Awaitable[None]]
Check = Callable[[System, Actor, dict[str, Any]], None]


async def _nothing(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class Scenario:
    act: Act
    allowed: Check  # what the actor sees, and what changed, when the role may do it
    setup: Setup = _nothing
    by: str = "telegram"  # how families and unknown senders do it: telegram or sms
    guardian_phone: str = ROSA
    staff_refusal: str | None = None  # what refused staff read (default: their /help)
    guardian_refusal: str | None = None  # what a refused guardian reads (default: nothing)
    passed_on: bool = True  # a refused family's words go to their teacher as a message


def _says(text: str) -> Act:
    async def act(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        await say(system, actor, text)

    return act


def _last_reply(expected: Callable[[System, Actor], str]) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        assert seen(system, actor)[-1] == expected(system, actor)

    return check


def _rosa_got(words: str, *, urgent: bool = False) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        assert any(words in text for text in system.sms_to(ROSA)), system.sms_to(ROSA)
        with transaction(system.engine) as session:
            rosa = one(session, Guardian, name="Rosa Pérez")
            sent = session.scalars(
                select(Message)
                .join(Delivery, Delivery.message_id == Message.id)
                .where(Delivery.guardian_id == rosa.id, Message.text.contains(words))
            ).one()
            assert sent.urgent is urgent
            assert sent.author_staff_id == staff_of(session, actor).id

    return check


def _help_for(system: System, actor: Actor) -> str:
    return COMMANDS.help_text(StaffRole(actor.role.value), "en")


async def _open_dialog(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    if actor.role in STAFF:
        with transaction(system.engine) as session:
            session.add(
                StaffDialog(
                    staff_id=staff_of(session, actor).id,
                    kind="checkin",
                    state={"step": "target"},
                    updated_at=system.clock(),
                )
            )


def _cancelled(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == en(checkin_text.CANCELLED)
    assert state(system)["dialogs"] == []


def _families_listed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    text = seen(system, actor)[-1]
    assert "• Alfredo Pérez" in text and "Rosa Pérez (mother): Spanish, SMS" in text
    assert "555" not in text  # never a phone number


def _own_language(code: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        assert seen(system, actor)[-1] == language_menu.confirmation(code)
        with transaction(system.engine) as session:
            if actor.role in STAFF:
                assert staff_of(session, actor).language == code
            else:
                assert one(session, Guardian, name="Amina Bashid").language == code

    return check


def _rosa_reads(code: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        with transaction(system.engine) as session:
            assert one(session, Guardian, name="Rosa Pérez").language == code

    return check


def _family_language_set(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    expected = en(staff_chat.FAMILY_LANGUAGE_SET, name="Rosa Pérez", language=name_in("vi", "en"))
    assert seen(system, actor)[-1] == expected
    _rosa_reads("vi")(system, actor, memo)


def _back_translation_off(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == en(staff_chat.BACK_TRANSLATION_OFF)
    with transaction(system.engine) as session:
        assert staff_of(session, actor).show_back_translation is False


def _checkin_begun(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == en(checkin_text.WHO)
    with transaction(system.engine) as session:
        assert session.get_one(StaffDialog, staff_of(session, actor).id).kind == "checkin"


async def _plan_for_actor_or_carter(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    memo["plan"] = add_plan(system, actor.chat if actor.role in STAFF else CARTER)  # type: ignore[arg-type]


async def _list_plans(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "/checkins")


def _plans_listed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1].startswith("Alfredo Pérez: Friday, 10:00")


async def _pause_plan(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await tap(system, actor, f"ckp:pause:{memo['plan']}")


def _plan_paused(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == en(checkin_text.PLAN_PAUSED, target="Alfredo Pérez")
    with transaction(system.engine) as session:
        assert session.get_one(CheckinPlan, memo["plan"]).paused


async def _set_up_checkin(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await tap(system, actor, "ck:student")
    await say(system, actor, "Alfredo")
    for data in ("ck:days:fri", "ck:time:16:00", "ck:q:week"):
        await tap(system, actor, data)


def _checkin_made(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1].startswith("Check-in set for Alfredo Pérez: Friday at 4:00")
    with transaction(system.engine) as session:
        plan = session.scalars(select(CheckinPlan)).one()
        assert plan.staff_id == staff_of(session, actor).id and plan.template == "week"


async def _rosa_answers_the_actor(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """Staff wrote to Rosa (the actor, if staff; else her teacher); she answered, and the
    answer reached them on Telegram: `memo["relayed"]` is that Telegram message's id."""
    writer = actor.chat if actor.role in STAFF else CARTER
    with transaction(system.engine) as session:
        send_to_family(
            session,
            one(session, Staff, telegram_chat_id=writer),
            one(session, Student, name="Alfredo Pérez"),
            "How was the weekend?",
            now=system.clock(),
            default_timezone=NEW_YORK,
        )
    await system.sms(ROSA, "Great, thank you.")
    await system.drain()
    with transaction(system.engine) as session:
        relayed = session.scalars(
            select(Delivery)
            .join(Message, Message.id == Delivery.message_id)
            .where(
                Delivery.recipient_kind == RecipientKind.STAFF, Message.text == "Great, thank you."
            )
        ).one()
        assert relayed.address == str(writer) and relayed.provider_message_id
        memo["relayed"] = int(relayed.provider_message_id)


async def _reply_to_rosa(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "Glad to hear it.", reply_to=memo["relayed"])


async def _draft_then_write(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "/msg Alfredo")
    await say(system, actor, "Picture day is Monday.")


def _draft_sent(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    write_now = en(staff_chat.WRITE_NOW, student="Alfredo Pérez", names="Rosa Pérez")
    assert write_now in seen(system, actor)
    _rosa_got("Picture day is Monday.")(system, actor, memo)


def _carter_got(words: str, author: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        texts = [t for t in system.telegram_texts(CARTER) if words in t]
        assert texts and texts[-1].startswith(author), system.telegram_texts(CARTER)

    return check


def _point(session: Session, phone: str) -> ContactPoint:
    return one(session, ContactPoint, channel=Channel.SMS, address=phone)


def _opted_out(expected: bool) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        with transaction(system.engine) as session:
            assert _point(session, ROSA).opted_out is expected

    return check


async def _rosa_opted_out(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    with transaction(system.engine) as session:
        _point(session, ROSA).opted_out = True


def _resubscribed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == gettext("es", family.RESUBSCRIBED)
    _opted_out(False)(system, actor, memo)


def _menu_shown(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == language_menu.menu_text("es")
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez").id
    assert state(system)["language menus"] == [rosa]


async def _pick_third_language(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "LANGUAGE")
    await say(system, actor, "3")


def _third_language(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    code = CATALOG_LANGUAGES[2]
    assert seen(system, actor)[-1] == language_menu.confirmation(code)
    _rosa_reads(code)(system, actor, memo)


async def _ask_then_pick_minh(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "Is the trip on Friday?")
    await say(system, actor, "2")  # 1. Bao Nguyen (David Kim), 2. Minh Nguyen (Emily Carter)


def _minh_chosen(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1].endswith("2. Minh Nguyen (Emily Carter)")
    _carter_got("Is the trip on Friday?", "Lan Nguyen (mother of Minh Nguyen) wrote:")(
        system, actor, memo
    )
    assert not any("trip" in t for t in system.telegram_texts(KIM))


async def _invite_karim(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    memo["code"] = system.invite(guardian="Karim Bashid")


async def _redeem(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, f"/start {memo['code']}")


def _karim_linked(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    welcome = gettext("ar", linking.GUARDIAN_WELCOME, name="Karim Bashid")
    assert seen(system, actor)[-1].lstrip("\u200f") == welcome  # right-to-left mark first
    with transaction(system.engine) as session:
        karim = one(session, Guardian, name="Karim Bashid")
        point = one(session, ContactPoint, channel=Channel.TELEGRAM, address=actor.address)
        assert point.guardian_id == karim.id


# -- meetings: the family's answers (staff scenarios are in their own block) ---------------


async def _meeting_for_the_family(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """A meeting about the acting family's child (Alfredo for Rosa by SMS, Andrew for Amina
    on Telegram), with two times to choose from; its preview already went out."""
    from commbot.features.meetings.actions import MeetingDraft, create_meeting
    from commbot.features.meetings.models import Purpose

    student = "Andrew Bashid" if actor.role is Role.GUARDIAN and actor.chat else "Alfredo Pérez"
    with transaction(system.engine) as session:
        zone = dt.timezone(dt.timedelta(hours=-5))
        created = create_meeting(
            session,
            one(session, Staff, telegram_chat_id=CARTER),
            MeetingDraft(
                student_id=one(session, Student, name=student).id,
                purpose=Purpose.ANNUAL_REVIEW,
                place="Room 12",
                slots=[
                    dt.datetime(2026, 12, 1, 16, tzinfo=zone),
                    dt.datetime(2026, 12, 2, 16, tzinfo=zone),
                ],
            ),
            now=system.clock(),
            default_timezone=NEW_YORK,
        )
        memo["meeting"] = created.meeting.id
    await system.drain()


def _meeting_answer(field: str, expected: Any, reply: Callable[[str], str]) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.meetings.models import Meeting
        from commbot.features.meetings.view import meeting_view

        with transaction(system.engine) as session:
            view = meeting_view(session, session.get_one(Meeting, memo["meeting"]))
        [family_view] = [f for f in view.families if f.name in ("Rosa Pérez", "Amina Bashid")]
        value = getattr(family_view, field)
        assert (value if field != "words" else [(w.kind, w.text) for w in value]) == expected
        assert seen(system, actor)[-1] == reply("es" if actor.phone else "en")

    return check


def _got_interpreter(language: str) -> str:
    from commbot.features.meetings import messages as meeting_text

    return gettext(language, meeting_text.GOT_NEED[meeting_text.Need.INTERPRETER])


def _got_concern(language: str) -> str:
    from commbot.features.meetings import messages as meeting_text

    return gettext(language, meeting_text.GOT_CONCERN)


async def _press_meeting_interpreter(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await tap(system, actor, f"mtg:{memo.get('meeting', 1)}:interpreter")


FAMILY_MEETING_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.ANSWER, "meeting"): Scenario(
        _says("4"),  # 1 and 2 are the times, 3 "none of these", 4 an interpreter
        _meeting_answer("needs", ["interpreter"], _got_interpreter),
        setup=_meeting_for_the_family,
        by="sms",
    ),
    (Surface.BUTTON, "mtg"): Scenario(
        _press_meeting_interpreter,
        _meeting_answer("needs", ["interpreter"], _got_interpreter),
        setup=_meeting_for_the_family,
        staff_refusal=en(staff_chat.STAFF_BUTTON_EXPIRED),
    ),
    (Surface.MESSAGE, "meeting words"): Scenario(
        _says("Alfredo is shy with new people."),
        _meeting_answer(
            "words",
            [("concern", "Alfredo is shy with new people.")],
            _got_concern,
        ),
        setup=_meeting_for_the_family,
        by="sms",
    ),
}

# -- after the meeting: the family's side (issue 12, after-family) ------------------------


async def _plan_for_the_family(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """The acting family's meeting (as `_meeting_for_the_family`), held, with a plan: item 1
    the family's (Rosa's by SMS, Amina's on Telegram; Rosa's for anyone else), item 2 Emily
    Carter's; the family was asked for feedback. Rows, as the notes would leave them."""
    from commbot.features.meetings.after_models import ActionItem, MeetingFeedback, MeetingNotes

    await _meeting_for_the_family(system, actor, memo)
    name = "Amina Bashid" if actor.role is Role.GUARDIAN and actor.chat else "Rosa Pérez"
    due = dt.date(2026, 12, 18)
    with transaction(system.engine) as session:
        meeting = session.get_one(Meeting, memo["meeting"])
        meeting.state = MeetingState.HELD
        guardian = one(session, Guardian, name=name)
        carter = one(session, Staff, telegram_chat_id=CARTER)
        mine = ActionItem(
            meeting_id=meeting.id,
            position=1,
            what="Read every night",
            owner_guardian_id=guardian.id,
            owner_name=name,
            due_on=due,
            first_due_on=due,
        )
        theirs = ActionItem(
            meeting_id=meeting.id,
            position=2,
            what="Send the speech therapy schedule",
            owner_staff_id=carter.id,
            owner_name=carter.name,
            due_on=due,
            first_due_on=due,
        )
        asked = MeetingFeedback(
            meeting_id=meeting.id, guardian_id=guardian.id, asked_at=system.clock()
        )
        session.add_all(
            [MeetingNotes(meeting_id=meeting.id, summary="Reading."), mine, theirs, asked]
        )
        session.flush()
        memo.update(item=mine.id, guardian=guardian.id, language=guardian.language)


async def _reminded(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """The plan, and the family's reminder of item 1 with its numbered question."""
    from commbot.conversations.pending import QUESTIONS

    await _plan_for_the_family(system, actor, memo)
    with transaction(system.engine) as session:
        guardian = session.get_one(Guardian, memo["guardian"])
        item = memo["item"]
        QUESTIONS.ask(
            session,
            guardian,
            ChoiceKind.ACTION_ITEM,
            [[item, "done"], [item, "help"]],
            system.clock(),
        )


async def _asked_feedback(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.conversations.pending import QUESTIONS

    await _plan_for_the_family(system, actor, memo)
    with transaction(system.engine) as session:
        guardian = session.get_one(Guardian, memo["guardian"])
        options = [[memo["meeting"], rating] for rating in range(1, 6)]
        QUESTIONS.ask(session, guardian, ChoiceKind.FEEDBACK, options, system.clock())


async def _rated(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """Asked for feedback, and rated 4 an hour ago: words now say what would help."""
    from commbot.features.meetings.after_models import MeetingFeedback

    await _asked_feedback(system, actor, memo)
    with transaction(system.engine) as session:
        row = one(
            session, MeetingFeedback, meeting_id=memo["meeting"], guardian_id=memo["guardian"]
        )
        row.rating = 4
        row.rated_at = system.clock() - dt.timedelta(hours=1)


def _item_is(done: bool, reply: str, **values: Any) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.meetings.after_models import ActionItem, ItemState

        from .test_after_family import reads

        said = seen(system, actor)[-1]
        assert reads(said, memo["language"], reply, **values), said
        with transaction(system.engine) as session:
            state = session.get_one(ActionItem, memo["item"]).state
        assert (state is ItemState.DONE) is done

    return check


def _feedback_is(rating: int, words: bool, reply: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.meetings.after_models import MeetingFeedback

        assert seen(system, actor)[-1] == gettext(memo["language"], reply)
        with transaction(system.engine) as session:
            row = one(
                session, MeetingFeedback, meeting_id=memo["meeting"], guardian_id=memo["guardian"]
            )
            assert row.rating == rating and (row.message_id is not None) is words

    return check


def _tap_after(prefix: str) -> Act:
    async def act(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        value = f"{memo['meeting']}:4" if prefix == "afb" else str(memo["item"])
        await tap(system, actor, f"{prefix}:{value}")

    return act


FAMILY_AFTER_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.KEYWORD, "DONE"): Scenario(
        _says("DONE 1"),
        _item_is(True, after_text.MARKED_DONE, number=1),
        setup=_plan_for_the_family,
        by="sms",
    ),
    (Surface.ANSWER, "action_item"): Scenario(
        _says("1"),
        _item_is(True, after_text.MARKED_DONE, number=1),
        setup=_reminded,
        by="sms",
    ),
    (Surface.ANSWER, "feedback"): Scenario(
        _says("4"),
        _feedback_is(4, False, after_text.FEEDBACK_NEXT),
        setup=_asked_feedback,
        by="sms",
    ),
    (Surface.MESSAGE, "feedback words"): Scenario(
        _says("More time for questions, please."),
        _feedback_is(4, True, after_text.FEEDBACK_THANKS),
        setup=_rated,
        by="sms",
    ),
    (Surface.BUTTON, "afd"): Scenario(
        _tap_after("afd"),
        _item_is(True, after_text.MARKED_DONE, number=1),
        setup=_plan_for_the_family,
        staff_refusal=en(staff_chat.STAFF_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "afh"): Scenario(
        _tap_after("afh"),
        _item_is(False, after_text.HELP_ASKED),
        setup=_plan_for_the_family,
        staff_refusal=en(staff_chat.STAFF_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "afb"): Scenario(
        _tap_after("afb"),
        _feedback_is(4, False, after_text.FEEDBACK_NEXT),
        setup=_plan_for_the_family,
        staff_refusal=en(staff_chat.STAFF_BUTTON_EXPIRED),
    ),
}

# -- meetings, staff side ------------------------------------------------------------------


async def _open_meeting_dialog(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    if actor.role in STAFF:
        with transaction(system.engine) as session:
            session.add(
                StaffDialog(
                    staff_id=staff_of(session, actor).id,
                    kind="meeting",
                    state={"step": "student"},
                    updated_at=system.clock(),
                )
            )


def _meeting_begun(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == en(meeting_staff_text.WHICH_STUDENT)
    with transaction(system.engine) as session:
        assert session.get_one(StaffDialog, staff_of(session, actor).id).kind == "meeting"


async def _set_up_meeting(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "Alfredo")
    await tap(system, actor, "mt:purpose:annual_review")
    await tap(system, actor, "mt:timing:fixed")
    await say(system, actor, "2026-12-01 16:00")
    await tap(system, actor, "mt:dur:45")
    await say(system, actor, "Room 12")
    for data in ("mt:team:done", "mt:docs:done", "mt:send:yes"):
        await tap(system, actor, data)


def _meeting_made(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    summary = en(meeting_staff_text.SENT, student="Alfredo Pérez")
    assert any(text.startswith(summary) for text in seen(system, actor))
    greeting = gettext("es", meeting_text.GREETING, guardian="Rosa Pérez", student="Alfredo")
    assert any(text.startswith(greeting) for text in system.sms_to(ROSA))
    with transaction(system.engine) as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.organizer_id == staff_of(session, actor).id
        assert meeting.state is MeetingState.SCHEDULED


async def _carter_meeting(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """Emily Carter's meeting about Alfredo, two times offered; Rosa has the preview."""
    with transaction(system.engine) as session:
        tomorrow = system.clock() + dt.timedelta(days=11)
        created = create_meeting(
            session,
            one(session, Staff, email=EMAILS[Role.TEACHER]),
            MeetingDraft(
                student_id=one(session, Student, name="Alfredo Pérez").id,
                purpose=Purpose.ANNUAL_REVIEW,
                slots=[tomorrow, tomorrow + dt.timedelta(hours=1)],
                place="Room 12",
            ),
            now=system.clock(),
            default_timezone=NEW_YORK,
        )
        memo["meeting"] = created.meeting.id
    await system.drain()


def _meetings_listed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    text = seen(system, actor)[-1]
    assert text.startswith("Alfredo Pérez: ") and "Rosa Pérez (SMS): preview" in text
    assert "555" not in text


def _meeting_is(state: MeetingState, done: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        assert any(text.startswith(done) for text in seen(system, actor)), seen(system, actor)
        with transaction(system.engine) as session:
            assert session.get_one(Meeting, memo["meeting"]).state is state

    return check


async def _cancel_meeting(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await tap(system, actor, f"mtx:ask:{memo['meeting']}")
    await tap(system, actor, f"mtx:yes:{memo['meeting']}")


STAFF_MEETING_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.COMMAND, "/meeting"): Scenario(_says("/meeting"), _meeting_begun),
    (Surface.COMMAND, "/meetings"): Scenario(
        _says("/meetings"), _meetings_listed, setup=_carter_meeting
    ),
    (Surface.DIALOG, "meeting"): Scenario(
        _set_up_meeting,
        _meeting_made,
        setup=_open_meeting_dialog,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "mtc"): Scenario(
        lambda system, actor, memo: tap(system, actor, f"mtc:{memo['meeting']}:2"),
        _meeting_is(MeetingState.SCHEDULED, "Done. The meeting about Alfredo Pérez is set for"),
        setup=_carter_meeting,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "mtx"): Scenario(
        _cancel_meeting,
        _meeting_is(
            MeetingState.CANCELLED,
            en(meeting_staff_text.CANCELLED_DONE, student="Alfredo Pérez"),
        ),
        setup=_carter_meeting,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
}


# -- after the meeting, staff side (H3: /notes, /actions, the notes and moretime dialogs,
# -- the item buttons asd and asm) ---------------------------------------------------------


async def _carter_met(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """Emily Carter's meeting about Alfredo, set for a time that has now passed (moved
    back by a plain update: a meeting cannot be made in the past); no notes yet."""
    with transaction(system.engine) as session:
        created = create_meeting(
            session,
            one(session, Staff, email=EMAILS[Role.TEACHER]),
            MeetingDraft(
                student_id=one(session, Student, name="Alfredo Pérez").id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=system.clock() + dt.timedelta(days=1),
                place="Room 12",
            ),
            now=system.clock(),
            default_timezone=NEW_YORK,
        )
        created.meeting.starts_at = system.clock() - dt.timedelta(hours=2)
        memo["meeting"] = created.meeting.id
    await system.drain()


async def _carter_plan(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """That meeting held, with Emily Carter's item 1 due December 10 (plain rows, as
    `record_notes` writes them)."""
    from commbot.features.meetings.after_models import ActionItem, MeetingNotes

    await _carter_met(system, actor, memo)
    with transaction(system.engine) as session:
        session.get_one(Meeting, memo["meeting"]).state = MeetingState.HELD
        session.add(MeetingNotes(meeting_id=memo["meeting"], summary="A good talk."))
        item = ActionItem(
            meeting_id=memo["meeting"],
            position=1,
            what="Send the speech therapy schedule.",
            owner_staff_id=one(session, Staff, email=EMAILS[Role.TEACHER]).id,
            owner_name="Emily Carter",
            due_on=dt.date(2026, 12, 10),
            first_due_on=dt.date(2026, 12, 10),
        )
        session.add(item)
        session.flush()
        memo["item"] = item.id


def _dialog_for_staff(kind: str, state: Callable[[dict[str, Any]], dict[str, Any]]) -> Setup:
    async def setup(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        await (_carter_met if kind == "notes" else _carter_plan)(system, actor, memo)
        if actor.role in STAFF:
            with transaction(system.engine) as session:
                session.add(
                    StaffDialog(
                        staff_id=staff_of(session, actor).id,
                        kind=kind,
                        state=state(memo),
                        updated_at=system.clock(),
                    )
                )

    return setup


def _notes_begun(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.meetings import notes_dialog_messages as notes_text

    assert seen(system, actor)[-1] == en(notes_text.WHICH_MEETING)
    with transaction(system.engine) as session:
        assert session.get_one(StaffDialog, staff_of(session, actor).id).kind == "notes"


async def _write_notes(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    meeting = memo.get("meeting", 1)
    await tap(system, actor, f"nt:meeting:{meeting}")
    await say(system, actor, "We talked about reading.")
    for data in ("nt:decisions:next", "nt:other:next", "nt:what:none", "nt:ideas:next"):
        await tap(system, actor, data)
    await tap(system, actor, "nt:fb:0")
    await tap(system, actor, "nt:send:yes")


def _notes_sent(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.meetings import after_messages as after_text
    from commbot.features.meetings import notes_dialog_messages as notes_text

    recorded = en(notes_text.NOTES_RECORDED, student="Alfredo Pérez")
    assert any(text.startswith(recorded) for text in seen(system, actor)), seen(system, actor)
    thanks = gettext("es", after_text.NOTES_THANKS, student="Alfredo")
    assert any(text.startswith(thanks) for text in system.sms_to(ROSA))
    with transaction(system.engine) as session:
        assert session.get_one(Meeting, memo["meeting"]).state is MeetingState.HELD


def _items_listed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.meetings import after_messages as after_text

    heading, item = seen(system, actor)[-2:]
    assert heading == en(after_text.OPEN_ITEMS)
    assert item.startswith("Alfredo Pérez, number 1 (Emily Carter), due ")
    assert item.endswith("\nSend the speech therapy schedule.") and "555" not in item


def _item_is(field: str, expected: Any, reply: Callable[[], str]) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.meetings.after_models import ActionItem

        assert reply() in seen(system, actor), seen(system, actor)
        with transaction(system.engine) as session:
            assert getattr(session.get_one(ActionItem, memo["item"]), field) == expected

    return check


async def _move_item(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "2026-12-20")
    await say(system, actor, "The therapist is away.")


def _more_time_asked(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.meetings import after_messages as after_text

    assert seen(system, actor)[-1] == en(after_text.ASK_NEW_DATE, example="2026-12-17")
    with transaction(system.engine) as session:
        dialog = session.get_one(StaffDialog, staff_of(session, actor).id)
        assert (dialog.kind, dialog.state) == ("moretime", {"step": "date", "item": memo["item"]})


def _after_text(name: str, **values: Any) -> Callable[[], str]:
    def text() -> str:
        from commbot.features.meetings import after_messages as after_text

        return en(getattr(after_text, name), **values)

    return text


STAFF_AFTER_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.COMMAND, "/notes"): Scenario(_says("/notes"), _notes_begun, setup=_carter_met),
    (Surface.COMMAND, "/actions"): Scenario(_says("/actions"), _items_listed, setup=_carter_plan),
    (Surface.DIALOG, "notes"): Scenario(
        _write_notes,
        _notes_sent,
        setup=_dialog_for_staff("notes", lambda memo: {"step": "meeting"}),
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.DIALOG, "moretime"): Scenario(
        _move_item,
        _item_is(
            "due_on",
            dt.date(2026, 12, 20),
            _after_text("DELAY_SAVED", date="Sunday, December 20, 2026"),
        ),
        setup=_dialog_for_staff("moretime", lambda memo: {"step": "date", "item": memo["item"]}),
    ),
    (Surface.BUTTON, "asd"): Scenario(
        lambda system, actor, memo: tap(system, actor, f"asd:{memo['item']}"),
        _item_is("state", ItemState.DONE, _after_text("DONE_SAVED")),
        setup=_carter_plan,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "asm"): Scenario(
        lambda system, actor, memo: tap(system, actor, f"asm:{memo['item']}"),
        _more_time_asked,
        setup=_carter_plan,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
}


# -- stories from home (issue 13) ------------------------------------------------------------

STORY_WORDS = "Alfredo planted beans with his grandmother."


async def _story_checkin_asked_rosa(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """Emily Carter's "story" check-in for Alfredo went out to Rosa half an hour ago
    (fired by the check-in job: its Friday 4:00 PM occurrence, now 4:30 PM in Boston)."""
    from commbot.features.checkins.models import CheckinSchedule

    with transaction(system.engine) as session:
        plan = create_checkin(
            session,
            one(session, Staff, telegram_chat_id=CARTER),
            days="fri",
            time="16:00",
            now=system.clock(),
            default_timezone=NEW_YORK,
            student_id=one(session, Student, name="Alfredo Pérez").id,
            template="story",
        ).plan
        for schedule in session.scalars(
            select(CheckinSchedule).where(CheckinSchedule.plan_id == plan.id)
        ):
            schedule.next_due_at = system.clock() - dt.timedelta(minutes=30)
    assert fire_due(system.engine, system.clock(), default_timezone=NEW_YORK).fired
    await system.drain()


def _story_of(system: System, guardian: str) -> Any:
    from commbot.features.stories.models import Story

    with transaction(system.engine) as session:
        return session.scalars(
            select(Story).where(Story.guardian_id == one(session, Guardian, name=guardian).id)
        ).one_or_none()


def _story_relayed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.stories import messages as story_text

    _carter_got(STORY_WORDS, "Rosa Pérez (mother of Alfredo Pérez) wrote:")(system, actor, memo)
    relayed = system.telegram.sent_messages(CARTER)[-1]
    [[button]] = relayed.params["reply_markup"]["inline_keyboard"]
    assert button["text"] == en(story_text.THANK_BUTTON)
    story = _story_of(system, "Rosa Pérez")
    assert story is not None and button["callback_data"] == f"sty:{story.id}"


async def _rosa_shared_a_photo(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from .test_dispatch import png_bytes

    url = system.twilio.add_media(png_bytes(), "image/png")
    await system.sms(ROSA, "Alfredo hizo pan.", media=[url])
    await system.drain()
    memo["story"] = _story_of(system, "Rosa Pérez").id


def _rosa_thanked(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.stories import messages as story_text

    with transaction(system.engine) as session:
        thanker = staff_of(session, actor).name
    told = en(story_text.THANKED, guardian="Rosa Pérez", language=name_in("es", "en"))
    assert seen(system, actor)[-1] == told
    thanks = gettext("es", story_text.THANK_YOU, student="Alfredo Pérez", staff=thanker)
    assert system.sms_to(ROSA)[-1] == thanks
    assert _story_of(system, "Rosa Pérez").thanked_at is not None


def _timeline_shown(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.stories import messages as story_text

    lines = seen(system, actor)[-1].splitlines()
    assert lines[0] == en(story_text.TIMELINE_HEADER, student="Alfredo Pérez", days=30)
    assert "Alfredo hizo pan." in lines and "555" not in "".join(lines)


STORY_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.MESSAGE, "story"): Scenario(
        _says(STORY_WORDS), _story_relayed, setup=_story_checkin_asked_rosa, by="sms"
    ),
    (Surface.BUTTON, "sty"): Scenario(
        lambda system, actor, memo: tap(system, actor, f"sty:{memo['story']}"),
        _rosa_thanked,
        setup=_rosa_shared_a_photo,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.COMMAND, "/timeline"): Scenario(
        _says("/timeline Alfredo"), _timeline_shown, setup=_rosa_shared_a_photo
    ),
}


# -- photo consent: the family's PHOTOS menu (issue 13) -------------------------------------


def _photo_menu(language: str, student: str, current: str) -> str:
    from commbot.features.photos import messages as photo_text
    from commbot.models import PhotoConsent

    lines = [
        gettext(language, photo_text.MENU_INTRO),
        gettext(
            language,
            photo_text.MENU_CHILD,
            student=student,
            current=photo_text.choice_text(language, PhotoConsent(current)),
        ),
    ]
    lines += [
        gettext(
            language,
            photo_text.MENU_OPTION,
            number=n,
            choice=photo_text.choice_text(language, choice),
        )
        for n, choice in enumerate(photo_text.MENU_ORDER, 1)
    ]
    return "\n".join(lines)


def _photo_menu_shown(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    assert seen(system, actor)[-1] == _photo_menu("es", "Alfredo Pérez", "individual")
    with transaction(system.engine) as session:
        rosa = one(session, Guardian, name="Rosa Pérez").id
        asked = one(session, PendingChoice, guardian_id=rosa)
        assert asked.kind is ChoiceKind.PHOTO_CONSENT


def _consent_is(guardian: str, student: str, value: str, language: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.photos import messages as photo_text
        from commbot.features.photos.models import ConsentChange
        from commbot.models import PhotoConsent

        choice = photo_text.choice_text(language, PhotoConsent(value))
        expected = gettext(language, photo_text.CONSENT_SAVED, student=student, choice=choice)
        assert seen(system, actor)[-1] == expected
        with transaction(system.engine) as session:
            who = one(session, Guardian, name=guardian).id
            row = one(session, Guardianship, guardian_id=who, student_id=memo["student"])
            assert row.photo_consent.value == value
            change = one(session, ConsentChange, guardian_id=who)
            assert (change.new.value, change.by_guardian_id) == (value, who)

    return check


async def _student_id(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    name = "Andrew Bashid" if actor.role is Role.GUARDIAN and actor.chat else "Alfredo Pérez"
    with transaction(system.engine) as session:
        memo["student"] = one(session, Student, name=name).id


async def _photos_then_three(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await say(system, actor, "PHOTOS")
    await say(system, actor, "3")  # 1 only to me, 2 also in class photos, 3 no photos


async def _tap_individual(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    await tap(system, actor, f"phc:{memo['student']}:individual")


PHOTO_CONSENT_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.KEYWORD, "PHOTOS"): Scenario(_says("PHOTOS"), _photo_menu_shown, by="sms"),
    (Surface.ANSWER, "photo_consent"): Scenario(
        _photos_then_three,
        _consent_is("Rosa Pérez", "Alfredo Pérez", "none", "es"),
        setup=_student_id,
        by="sms",
    ),
    (Surface.BUTTON, "phc"): Scenario(
        _tap_individual,
        _consent_is("Amina Bashid", "Andrew Bashid", "individual", "en"),
        setup=_student_id,
        staff_refusal=en(staff_chat.STAFF_BUTTON_EXPIRED),
    ),
}

# -- photos, staff side (issue 13: a photo starts a post, /photos, the post buttons, the time
# -- dialog). Posts are plain rows, as `posts.start_post` and the buttons leave them. --------


async def _photo_post_of(
    system: System, actor: Actor, memo: dict[str, Any], state: str, *, in_class: bool = True
) -> None:
    """A post by the actor (or, for families and strangers, by Emily Carter) of Room 12,
    nobody tagged; `state` as the post has reached."""
    from commbot.features.photos.models import PhotoPost, PostState

    chat = actor.chat if actor.role in STAFF else CARTER
    with transaction(system.engine) as session:
        post = PhotoPost(
            staff_id=one(session, Staff, telegram_chat_id=chat).id,
            class_id=one(session, SchoolClass, name="Room 12").id if in_class else None,
            state=PostState(state),
            media=[{"kind": "photo", "content_type": "image/jpeg", "telegram_file_id": "F1"}],
            caption="Our garden",
            no_children=state != "tagging",
            send_at=system.clock() + dt.timedelta(days=1) if state == "scheduled" else None,
        )
        session.add(post)
        session.flush()
        memo["post"] = post.id
        memo["room 12"] = one(session, SchoolClass, name="Room 12").id
        memo["alfredo"] = one(session, Student, name="Alfredo Pérez").id


def _post_setup(state: str, *, in_class: bool = True, dialog: bool = False) -> Setup:
    async def setup(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        await _photo_post_of(system, actor, memo, state, in_class=in_class)
        if dialog and actor.role in STAFF:
            with transaction(system.engine) as session:
                session.add(
                    StaffDialog(
                        staff_id=staff_of(session, actor).id,
                        kind="photo_time",
                        state={"post": memo["post"]},
                        updated_at=system.clock(),
                    )
                )

    return setup


async def _send_photo(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    actor.said_words = True  # a family's photo is passed on like their words
    file_id = system.telegram.add_file(b"\x89PNG\r\n\x1a\n", file_path="photos/file_1.png")
    response = await system.telegram_update(actor.chat or 0, "Our garden", photo_file_id=file_id)
    assert response.status_code == 200


def _post_state(state: str) -> Any:
    """Reads the scenario's post, which must be at `state`."""
    from commbot.features.photos.models import PhotoPost

    def read(system: System, memo: dict[str, Any]) -> PhotoPost:
        with transaction(system.engine) as session:
            post = session.get_one(PhotoPost, memo["post"])
            assert post.state.value == state, post.state
            return post

    return read


def _photo_started(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.photos import messages as photo_text
    from commbot.features.photos.models import PhotoPost

    expected = {
        Role.TEACHER: photo_text.WHO_IS_IN_IT,  # one class: chosen
        Role.SPECIALIST: photo_text.NO_CLASS,  # no class: one family at a time, by /msg
        Role.COORDINATOR: photo_text.WHICH_CLASS,  # every class of the school
        Role.ADMIN: photo_text.WHICH_CLASS,
    }[actor.role]
    assert seen(system, actor)[-1] == en(expected)
    with transaction(system.engine) as session:
        made = session.scalars(select(PhotoPost)).all()
        assert len(made) == (actor.role is not Role.SPECIALIST)
        assert all(p.caption == "Our garden" for p in made)
    assert not [d for d in system.deliveries() if d.recipient_kind is RecipientKind.GUARDIAN]


def _photos_listed(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.photos import messages as photo_text

    header, line = seen(system, actor)[-1].splitlines()
    assert header == en(photo_text.WAITING_HEADER)
    assert line.startswith("1. ") and line.endswith("Room 12. Photos: 1. Our garden")


def _photo_replied(text: Callable[[], str], state: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        assert seen(system, actor)[-1] == text()
        _post_state(state)(system, memo)

    return check


def _photo_text(name: str, **values: Any) -> Callable[[], str]:
    def text() -> str:
        from commbot.features.photos import messages as photo_text

        return en(getattr(photo_text, name), **values)

    return text


def _alfredo_tagged(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.photos import messages as photo_text
    from commbot.features.photos.models import PhotoTag

    assert seen(system, actor)[-1].splitlines() == [
        en(photo_text.WHO_IS_IN_IT),
        en(photo_text.TAGGED_SO_FAR, names="Alfredo Pérez"),
    ]
    with transaction(system.engine) as session:
        tags = session.scalars(select(PhotoTag.student_id).where(PhotoTag.post_id == memo["post"]))
        assert list(tags) == [memo["alfredo"]]


def _class_chosen(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    from commbot.features.photos import messages as photo_text

    post = _post_state("tagging")(system, memo)
    if actor.role is Role.SPECIALIST:  # Room 12 is not theirs: as if the button had gone
        assert seen(system, actor)[-1] == en(photo_text.POST_GONE)
        assert post.class_id is None
        return
    assert seen(system, actor)[-1] == en(photo_text.WHO_IS_IN_IT)
    assert post.class_id == memo["room 12"]


def _scheduled_for_saturday(at: str) -> Check:
    def check(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        from commbot.features.photos import messages as photo_text

        assert seen(system, actor)[-1] == en(photo_text.SCHEDULED, when=f"Saturday {at}")
        post = _post_state("scheduled")(system, memo)
        assert post.send_at is not None and post.send_at.date() == dt.date(2026, 11, 21)
        with transaction(system.engine) as session:
            assert session.get(StaffDialog, post.staff_id) is None

    return check


def _tap_post(data: str) -> Act:
    async def act(system: System, actor: Actor, memo: dict[str, Any]) -> None:
        await tap(system, actor, data.format(**memo))

    return act


EXPIRED_FOR_FAMILIES = en(family.FAMILY_BUTTON_EXPIRED)

PHOTO_STAFF_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.MESSAGE, "photo"): Scenario(_send_photo, _photo_started),
    (Surface.COMMAND, "/photos"): Scenario(
        _says("/photos"), _photos_listed, setup=_post_setup("scheduled")
    ),
    (Surface.BUTTON, "pht"): Scenario(
        _tap_post("pht:{post}:{alfredo}"),
        _alfredo_tagged,
        setup=_post_setup("tagging"),
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
    (Surface.BUTTON, "phk"): Scenario(
        _tap_post("phk:{post}:{room 12}"),
        _class_chosen,
        setup=_post_setup("tagging", in_class=False),
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
    (Surface.BUTTON, "phs"): Scenario(
        _tap_post("phs:{post}:cancel"),
        _photo_replied(_photo_text("POST_CANCELLED"), "cancelled"),
        setup=_post_setup("ready"),
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
    (Surface.BUTTON, "pha"): Scenario(
        _tap_post("pha:{post}:m0800"),
        _scheduled_for_saturday("8:00 AM"),
        setup=_post_setup("ready"),
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
    (Surface.BUTTON, "phx"): Scenario(
        _tap_post("phx:{post}"),
        _photo_replied(_photo_text("POST_CANCELLED"), "cancelled"),
        setup=_post_setup("scheduled"),
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
    (Surface.DIALOG, "photo_time"): Scenario(
        _says("tomorrow 9:30"),
        _scheduled_for_saturday("9:30 AM"),
        setup=_post_setup("ready", dialog=True),
    ),
}


# -- reports, staff side (issue 14, H3: tests/test_reports*.py go through each in depth) ----

ROOM_12_FAMILIES = [
    "Amina Bashid",
    "Ana Oliveira",
    "Karim Bashid",
    "Lan Nguyen",
    "Li Wei",
    "Maricel Santos",
    "Rosa Pérez",
]
ROOM_14_FAMILIES = ["Donna Lopez", "Faadumo Warsame", "Irina Volkova", "Jim Lopez"]
ROOM_14_FAMILIES += ["Lan Nguyen", "Margaret Ruby", "Marie Joseph"]
SCHOOL_FAMILIES = sorted(set(ROOM_12_FAMILIES) | set(ROOM_14_FAMILIES))
REPORTED = {
    Role.TEACHER: ROOM_12_FAMILIES,
    Role.SPECIALIST: ["Rosa Pérez"],  # assigned Alfredo only
    Role.COORDINATOR: SCHOOL_FAMILIES,
    Role.ADMIN: SCHOOL_FAMILIES,
}


def _report_file(system: System, actor: Actor, memo: dict[str, Any]) -> None:
    """The partnership report came as a CSV document naming exactly their families."""
    import csv
    import io

    sent = system.telegram.sent_messages(actor.chat)[-1]
    assert sent.method == "sendDocument", sent.method
    assert sent.params["caption"].startswith("Your ")
    rows = csv.DictReader(io.StringIO(sent.files["document"].decode("utf-8-sig")))
    assert [r["name"] for r in rows if r["section"] == "families"] == REPORTED[actor.role]


REPORT_SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.COMMAND, "/report"): Scenario(_says("/report partnership"), _report_file),
    (Surface.BUTTON, "rpt"): Scenario(
        lambda system, actor, memo: tap(system, actor, "rpt:partnership"),
        _report_file,
        guardian_refusal=EXPIRED_FOR_FAMILIES,
    ),
}


CHAT_TAKEN = en(linking.CHAT_TAKEN) + "\n\n" + gettext("es", linking.CHAT_TAKEN)
URGENT_ONLY = en(staff_reports.URGENT_ONLY)

SCENARIOS: dict[tuple[Surface, str], Scenario] = {
    (Surface.COMMAND, "/help"): Scenario(_says("/help"), _last_reply(_help_for)),
    (Surface.COMMAND, "/cancel"): Scenario(_says("/cancel"), _cancelled, setup=_open_dialog),
    (Surface.COMMAND, "/msg"): Scenario(
        _says("/msg Alfredo Please bring boots tomorrow."), _rosa_got("Please bring boots")
    ),
    (Surface.COMMAND, "/urgent"): Scenario(
        _says("/urgent Alfredo School closes at noon today."),
        _rosa_got("School closes at noon", urgent=True),
        staff_refusal=URGENT_ONLY,
    ),
    (Surface.COMMAND, "/families"): Scenario(_says("/families"), _families_listed),
    (Surface.COMMAND, "/language"): Scenario(_says("/language es"), _own_language("es")),
    (Surface.COMMAND, "/setlanguage"): Scenario(
        _says("/setlanguage Rosa Pérez vi"), _family_language_set
    ),
    (Surface.COMMAND, "/backtranslation"): Scenario(
        _says("/backtranslation off"), _back_translation_off
    ),
    (Surface.COMMAND, "/checkin"): Scenario(_says("/checkin"), _checkin_begun),
    (Surface.COMMAND, "/checkins"): Scenario(
        _list_plans, _plans_listed, setup=_plan_for_actor_or_carter
    ),
    (Surface.DIALOG, "checkin"): Scenario(
        _set_up_checkin,
        _checkin_made,
        setup=_open_dialog,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.BUTTON, "ckp"): Scenario(
        _pause_plan,
        _plan_paused,
        setup=_plan_for_actor_or_carter,
        guardian_refusal=en(family.FAMILY_BUTTON_EXPIRED),
    ),
    (Surface.MESSAGE, "reply"): Scenario(
        _reply_to_rosa, _rosa_got("Glad to hear it."), setup=_rosa_answers_the_actor
    ),
    (Surface.MESSAGE, "draft"): Scenario(_draft_then_write, _draft_sent),
    (Surface.BUTTON, "lang"): Scenario(
        lambda system, actor, memo: tap(system, actor, "lang:vi"), _own_language("vi")
    ),
    (Surface.MESSAGE, "family"): Scenario(
        _says("Alfredo has a cough today."),
        _carter_got("Alfredo has a cough today.", "Rosa Pérez (mother of Alfredo Pérez) wrote:"),
        by="sms",
    ),
    (Surface.KEYWORD, "STOP"): Scenario(_says("STOP"), _opted_out(True), by="sms"),
    (Surface.KEYWORD, "START"): Scenario(
        _says("START"), _resubscribed, setup=_rosa_opted_out, by="sms"
    ),
    (Surface.KEYWORD, "HELP"): Scenario(
        _says("HELP"), _last_reply(lambda s, a: gettext("es", family.HELP_TEXT)), by="sms"
    ),
    (Surface.KEYWORD, "LANGUAGE"): Scenario(_says("LANGUAGE"), _menu_shown, by="sms"),
    (Surface.ANSWER, "language"): Scenario(_pick_third_language, _third_language, by="sms"),
    (Surface.ANSWER, "child"): Scenario(
        _ask_then_pick_minh, _minh_chosen, by="sms", guardian_phone=LAN
    ),
    (Surface.MESSAGE, "/start"): Scenario(
        _redeem,
        _karim_linked,
        setup=_invite_karim,
        staff_refusal=CHAT_TAKEN,
        guardian_refusal=CHAT_TAKEN,
        passed_on=False,
    ),
    **FAMILY_MEETING_SCENARIOS,
    **STAFF_MEETING_SCENARIOS,
    **STAFF_AFTER_SCENARIOS,
    **FAMILY_AFTER_SCENARIOS,
    **STORY_SCENARIOS,
    **PHOTO_CONSENT_SCENARIOS,
    **PHOTO_STAFF_SCENARIOS,
    **REPORT_SCENARIOS,
}

CHAT_RULES = [r for r in ACCESS.rules if r.surface is not Surface.CLI]


def _case_id(rule: Rule, role: Role) -> str:
    return f"{rule.surface.value} {rule.name} by {role.value}"


@pytest.mark.parametrize(
    ("rule", "role"),
    [(rule, role) for rule in CHAT_RULES for role in CHAT_ROLES],
    ids=[_case_id(rule, role) for rule in CHAT_RULES for role in CHAT_ROLES],
)
async def test_each_role_may_do_exactly_what_the_table_says(
    system: System, rule: Rule, role: Role
) -> None:
    scenario = SCENARIOS[rule.key]
    cast(system)
    actor = actor_for(role, scenario.by, scenario.guardian_phone)
    memo: dict[str, Any] = {}
    await scenario.setup(system, actor, memo)
    allowed = rule.allows(role)
    before = None if allowed else state(system)
    seen_before = len(seen(system, actor))
    last_id = max((d.id for d in system.deliveries()), default=0)
    await scenario.act(system, actor, memo)
    await system.drain()
    if allowed:
        scenario.allowed(system, actor, memo)
        return
    assert state(system) == before, f"a refused {rule.name} changed something"
    new = seen(system, actor)[seen_before:]
    added = [d for d in system.deliveries() if d.id > last_id]
    if role in STAFF:
        assert new[-1] == (scenario.staff_refusal or _help_for(system, actor))
    elif role is Role.GUARDIAN:
        if scenario.guardian_refusal:
            assert new and set(new) == {scenario.guardian_refusal}
        else:
            assert new == []
        if actor.said_words and scenario.passed_on:  # passed on as a message, never acted on
            assert any(d.recipient_kind is RecipientKind.STAFF for d in added)
    else:
        notice = en(unknown.UNKNOWN_SENDER) + "\n\n" + gettext("es", unknown.UNKNOWN_SENDER)
        assert new == [notice]
        assert {d.address for d in added} == {actor.address}  # nothing passed to anyone


# -- the relationship ------------------------------------------------------------------


async def _write(system: System, chat: int, *texts: str) -> list[str]:
    """Send each text from `chat`, run the dispatcher, and return the replies it got."""
    before = len(system.telegram_texts(chat))
    for text in texts:
        assert (await system.telegram_update(chat, text)).status_code == 200
    await system.drain()
    return system.telegram_texts(chat)[before:]


def _school_business(system: System) -> dict[str, Any]:
    """What reaching a family or a class would change (not a staff member's own dialog)."""
    now = state(system)
    return {k: now[k] for k in ("to families", "plans", "families", "points", "links")}


async def test_teachers_and_specialists_reach_only_the_students_they_serve(
    system: System,
) -> None:
    cast(system)
    before = _school_business(system)
    specialist = CHATS[Role.SPECIALIST]
    replies = await _write(
        system, CARTER, "/msg Josie Hello from Room 12.", "/setlanguage Jim Lopez es"
    )
    assert replies == [
        en(staff_chat.NO_SUCH_STUDENT, name="Josie Hello from Room 12."),
        en(staff_chat.NO_SUCH_FAMILY, name="Jim Lopez"),
    ]
    # The specialist serves Alfredo, assigned outside any class, and nobody else of Room 12.
    replies = await _write(system, specialist, "/msg Andrew Hello.", "/families")
    assert replies[0] == en(staff_chat.NO_SUCH_STUDENT, name="Andrew Hello.")
    assert "• Alfredo Pérez" in replies[1] and "Andrew" not in replies[1]
    assert _school_business(system) == before
    assert system.twilio.messages == []


async def test_a_coordinator_of_another_school_reaches_nobody_here(system: System) -> None:
    cast(system)
    before = _school_business(system)
    with transaction(system.engine) as session:
        room_12 = one(session, SchoolClass, name="Room 12").id
    replies = await _write(
        system,
        OTHER_SCHOOL_COORDINATOR,
        "/msg Alfredo Hello.",
        "/urgent Alfredo Come now.",
        "/families",
        "/setlanguage Rosa Pérez vi",
        "/checkin",
    )
    assert replies[:4] == [
        en(staff_chat.NO_SUCH_STUDENT, name="Alfredo Hello."),
        en(staff_chat.NO_SUCH_STUDENT, name="Alfredo Come now."),
        en(staff_chat.NO_FAMILIES),
        en(staff_chat.NO_SUCH_FAMILY, name="Rosa Pérez"),
    ]
    buttons = system.telegram.sent_messages(OTHER_SCHOOL_COORDINATOR)[-1].params["reply_markup"]
    assert "Room 12" not in str(buttons) and "Room 14" not in str(buttons)
    await tap(system, Actor(Role.COORDINATOR, chat=OTHER_SCHOOL_COORDINATOR), f"ck:class:{room_12}")
    await system.drain()
    assert system.telegram_texts(OTHER_SCHOOL_COORDINATOR)[-1] == en(checkin_text.NOT_UNDERSTOOD)
    assert _school_business(system) == before
    assert system.twilio.messages == []


async def test_a_guardian_never_reaches_another_family(system: System) -> None:
    cast(system)
    plan = add_plan(system, CARTER)
    before = _school_business(system)
    await system.sms(ROSA, "Please tell Andrew Bashid's family the party is on Friday.")
    amina = Actor(Role.GUARDIAN, chat=AMINA)
    await tap(system, amina, f"ckp:delete:{plan}")
    await say(system, amina, "/setlanguage Rosa Pérez ru")
    await say(system, amina, "/msg Alfredo Hello Rosa.")
    await system.drain()
    # Rosa's words reach her son's teacher, and nobody in the Bashid family.
    carter = system.telegram_texts(CARTER)
    assert any(t.startswith("Rosa Pérez (mother of Alfredo Pérez) wrote:") for t in carter)
    assert system.telegram_texts(AMINA) == [en(family.FAMILY_BUTTON_EXPIRED)]
    assert [m.to for m in system.twilio.messages] == []  # Karim (WhatsApp) and Rosa: nothing
    # Amina's words went to her son's teacher as messages; nothing was done with them.
    assert sum(t.startswith("Amina Bashid (mother of Andrew Bashid) wrote:") for t in carter) == 2
    assert _school_business(system) == before


async def test_only_the_staff_member_who_made_a_check_in_can_change_it(system: System) -> None:
    cast(system)
    plan = add_plan(system, CARTER)
    for chat in (KIM, CHATS[Role.COORDINATOR], CHATS[Role.ADMIN], CHATS[Role.SPECIALIST]):
        await tap(system, Actor(Role.TEACHER, chat=chat), f"ckp:delete:{plan}")
    await system.drain()
    for chat in (KIM, CHATS[Role.COORDINATOR], CHATS[Role.ADMIN], CHATS[Role.SPECIALIST]):
        assert system.telegram_texts(chat) == [en(checkin_text.PLAN_GONE)]
    with transaction(system.engine) as session:
        assert session.get(CheckinPlan, plan) is not None
    assert (await _write(system, KIM, "/checkins")) == [en(checkin_text.NO_PLANS)]


async def test_removed_staff_serve_nobody(system: System) -> None:
    cast(system)
    with transaction(system.engine) as session:
        one(session, Staff, telegram_chat_id=CARTER).active = False
    replies = await _write(system, CARTER, "/msg Alfredo Hello.", "/families")
    assert replies == [
        en(staff_chat.NO_SUCH_STUDENT, name="Alfredo Hello."),
        en(staff_chat.NO_FAMILIES),
    ]
    assert system.twilio.messages == []


async def test_a_check_in_asks_only_the_families_its_maker_still_serves(system: System) -> None:
    """A plan asks in its maker's name: after Emily Carter leaves Room 12, neither her
    class check-in nor Alfredo's goes out; David Kim's for Room 14 still does."""
    cast(system)
    with transaction(system.engine) as session:
        carter, kim = (one(session, Staff, telegram_chat_id=c) for c in (CARTER, KIM))
        rooms = {c.name: c for c in session.scalars(select(SchoolClass))}
        alfredo = one(session, Student, name="Alfredo Pérez").id
        for maker, target in (
            (carter, {"class_id": rooms["Room 12"].id}),
            (carter, {"student_id": alfredo}),
            (kim, {"class_id": rooms["Room 14"].id}),
        ):
            create_checkin(
                session,
                maker,
                days="fri",
                time="10:00",
                now=system.clock(),
                default_timezone=NEW_YORK,
                template="week",
                **target,
            )
        carter.classes.remove(rooms["Room 12"])
    # Friday 27 November, 10:05 in New York.
    report = fire_due(
        system.engine, dt.datetime(2026, 11, 27, 15, 5, tzinfo=dt.UTC), default_timezone=NEW_YORK
    )
    assert report.unserved == 2
    with transaction(system.engine) as session:
        asked = set(
            session.scalars(
                select(Guardian.name)
                .join(Delivery, Delivery.guardian_id == Guardian.id)
                .join(Message, Message.id == Delivery.message_id)
                .where(Message.kind == MessageKind.CHECKIN)
            )
        )
    room_14 = {"Jim Lopez", "Donna Lopez", "Faadumo Warsame", "Marie Joseph", "Irina Volkova"}
    assert asked == room_14 | {"Lan Nguyen"}  # Bao's mother; Margaret Ruby's is Chicago's 10:00


# -- the command line: the operator, on the server ---------------------------------------

runner = CliRunner()
# Commands run as the operator by other tests (they start a process, talk to Telegram, or
# have a file of their own); here they are only checked to be the operator's.
TESTED_ELSEWHERE = {
    "telegram set-webhook": "tests/test_cli.py, tests/test_operations.py",
    "serve": "tests/test_operations.py",
    "worker": "tests/test_operations.py",
    "demo": "tests/test_cli.py",
    "family export": "tests/test_family_privacy.py",
    "family forget": "tests/test_family_privacy.py",
}


def _cli(*args: str) -> str:
    result = runner.invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _queue_to_rosa(engine: Engine) -> int:
    with transaction(engine) as session:
        sent = send_to_family(
            session,
            one(session, Staff, email=EMAILS[Role.TEACHER]),
            one(session, Student, name="Alfredo Pérez"),
            "See you Monday.",
            now=dt.datetime.now(dt.UTC),
            default_timezone=NEW_YORK,
        )
        delivery = sent.outcomes[0].delivery
        assert delivery is not None
        return delivery.id


def _link(engine: Engine, phone: str, student: str) -> bool:
    with transaction(engine) as session:
        return bool(
            session.scalar(
                select(Guardianship.receives_messages)
                .join(Student)
                .join(ContactPoint, ContactPoint.guardian_id == Guardianship.guardian_id)
                .where(ContactPoint.address == phone, Student.external_id == student)
            )
        )


def _staff_row(engine: Engine, email: str) -> Staff | None:
    with transaction(engine) as session:
        return session.scalar(select(Staff).where(Staff.email == email))


def _cli_db_upgrade(engine: Engine) -> None:
    assert "is up to date" in _cli("db", "upgrade")


def _cli_roster_import(engine: Engine) -> None:
    roster = str(EXAMPLES / "roster.csv")
    with transaction(engine) as session:
        guardians = sorted((g.name, g.language) for g in session.scalars(select(Guardian)))
    assert "Dry run, nothing written for roster.csv" in _cli(
        "roster", "import", roster, "--dry-run"
    )
    assert "Imported roster.csv: 0 created, 0 updated, 14 unchanged" in _cli(
        "roster", "import", roster
    )
    with transaction(engine) as session:
        assert sorted((g.name, g.language) for g in session.scalars(select(Guardian))) == guardians


def _cli_staff_add(engine: Engine) -> None:
    output = _cli("staff", "add", "Sam Rivera", EMAILS[Role.SPECIALIST], "--role", "specialist")
    assert "Added Sam Rivera" in output
    added = _staff_row(engine, EMAILS[Role.SPECIALIST])
    assert added is not None and added.role is StaffRole.SPECIALIST


def _cli_staff_remove(engine: Engine) -> None:
    assert "they no longer reach any family" in _cli("staff", "remove", "dkim@lincoln.example.org")
    removed = _staff_row(engine, "dkim@lincoln.example.org")
    assert removed is not None and not removed.active


def _cli_staff_assign(engine: Engine) -> None:
    output = _cli("staff", "assign", EMAILS[Role.TEACHER], "S1003")
    assert "Emily Carter now serves Josie Lopez." in output


def _cli_staff_list(engine: Engine) -> None:
    output = _cli("staff", "list")
    assert EMAILS[Role.TEACHER] in output and "teacher" in output and "555" not in output


def _cli_guardian_mute(engine: Engine) -> None:
    output = _cli("guardian", "mute", "(617) 555-0134", "--student", "S1001")
    assert "Rosa Pérez no longer gets messages about Alfredo Pérez." in output
    assert _link(engine, ROSA, "S1001") is False


def _cli_guardian_unmute(engine: Engine) -> None:
    _cli("guardian", "mute", ROSA, "--student", "S1001")
    assert "Rosa Pérez now gets messages" in _cli("guardian", "unmute", ROSA, "--student", "S1001")
    assert _link(engine, ROSA, "S1001") is True


def _invites(engine: Engine) -> int:
    with transaction(engine) as session:
        return len(session.scalars(select(InviteCode)).all())


def _cli_invite_staff(engine: Engine) -> None:
    assert "Invite for Emily Carter" in _cli("invite", "staff", EMAILS[Role.TEACHER])
    assert _invites(engine) == 1


def _cli_invite_guardian(engine: Engine) -> None:
    assert "Invite for Rosa Pérez" in _cli("invite", "guardian", "617-555-0134")
    assert _invites(engine) == 1


def _cli_outbox(engine: Engine) -> None:
    delivery = _queue_to_rosa(engine)
    output = _cli("outbox", "--json")
    assert f'"id": {delivery}' in output and '"recipient": "Rosa Pérez"' in output
    assert "555" not in output


def _cli_outbox_history(engine: Engine) -> None:
    delivery = _queue_to_rosa(engine)
    output = _cli("outbox", "--history", str(delivery))
    assert f"delivery {delivery} to Rosa Pérez by sms: pending" in output


CLI_SCENARIOS: dict[str, Callable[[Engine], None]] = {
    "db upgrade": _cli_db_upgrade,
    "roster import": _cli_roster_import,
    "staff add": _cli_staff_add,
    "staff remove": _cli_staff_remove,
    "staff assign": _cli_staff_assign,
    "staff list": _cli_staff_list,
    "guardian mute": _cli_guardian_mute,
    "guardian unmute": _cli_guardian_unmute,
    "invite staff": _cli_invite_staff,
    "invite guardian": _cli_invite_guardian,
    "outbox": _cli_outbox,
    "outbox --history": _cli_outbox_history,
}


# -- meetings: the operator's commands (tests/test_meeting_cli.py goes through each in depth)


def _meeting_state(engine: Engine, meeting_id: int) -> str | None:
    from commbot.features.meetings.models import Meeting

    with transaction(engine) as session:
        meeting = session.get(Meeting, meeting_id)
        return meeting.state.value if meeting else None


def _meeting_from_example(engine: Engine) -> int:
    import re
    import tempfile

    from .test_meeting_cli import meeting_file

    with tempfile.TemporaryDirectory() as folder:
        path = meeting_file(Path(folder), dt.datetime.now(dt.UTC))
        output = _cli("meeting", "create", str(path))
    assert "Rosa Pérez: sms, es, 3 messages queued" in output and "555" not in output
    found = re.search(r"Created meeting (\d+)", output)
    assert found, output
    return int(found.group(1))


def _cli_meeting_create(engine: Engine) -> None:
    meeting_id = _meeting_from_example(engine)
    assert _meeting_state(engine, meeting_id) == "proposed"


def _cli_meeting_list(engine: Engine) -> None:
    _meeting_from_example(engine)
    output = _cli("meeting", "list")
    assert "Alfredo" in output and "proposed" in output and "555" not in output


def _cli_meeting_show(engine: Engine) -> None:
    meeting_id = _meeting_from_example(engine)
    output = _cli("meeting", "show", str(meeting_id))
    assert "Rosa Pérez" in output and "sms" in output and "555" not in output


def _cli_meeting_confirm(engine: Engine) -> None:
    meeting_id = _meeting_from_example(engine)
    assert "is set for" in _cli("meeting", "confirm", str(meeting_id), "2")
    assert _meeting_state(engine, meeting_id) == "scheduled"


def _cli_meeting_reschedule(engine: Engine) -> None:
    meeting_id = _meeting_from_example(engine)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date()
    assert "moved to" in _cli("meeting", "reschedule", str(meeting_id), "--slot", f"{day} 16:00")
    assert _meeting_state(engine, meeting_id) == "scheduled"


def _cli_meeting_cancel(engine: Engine) -> None:
    meeting_id = _meeting_from_example(engine)
    assert f"Cancelled meeting {meeting_id}" in _cli("meeting", "cancel", str(meeting_id))
    assert _meeting_state(engine, meeting_id) == "cancelled"


CLI_SCENARIOS |= {
    "meeting create": _cli_meeting_create,
    "meeting list": _cli_meeting_list,
    "meeting show": _cli_meeting_show,
    "meeting confirm": _cli_meeting_confirm,
    "meeting reschedule": _cli_meeting_reschedule,
    "meeting cancel": _cli_meeting_cancel,
}


# -- after the meeting: the operator's commands (tests/test_meeting_notes_cli.py in depth; H5)


def _held_meeting(engine: Engine) -> int:
    """The example meeting, settled, its start moved to an hour ago (the CLI's clock is the
    real one), and its notes recorded from examples/meeting-notes.yaml."""
    import re
    import tempfile
    from zoneinfo import ZoneInfo

    meeting_id = _meeting_from_example(engine)
    _cli("meeting", "confirm", str(meeting_id), "2")
    with transaction(engine) as session:
        meeting = session.get_one(Meeting, meeting_id)
        meeting.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        day = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date()
    with tempfile.TemporaryDirectory() as folder:
        text = (EXAMPLES / "meeting-notes.yaml").read_text(encoding="utf-8")
        text = re.sub(r"concerns:\n(  .*\n)+", "", text)  # Rosa wrote none here
        text = text.replace("2027-01-17", str(day + dt.timedelta(days=5)))
        text = text.replace("2027-01-15", str(day + dt.timedelta(days=3)))
        path = Path(folder) / "meeting-notes.yaml"
        path.write_text(text, encoding="utf-8")
        output = _cli("meeting", "notes", str(meeting_id), str(path))
    assert f"Recorded the notes of meeting {meeting_id}" in output and "555" not in output
    return meeting_id


def _items(engine: Engine, meeting_id: int) -> dict[int, Any]:
    from commbot.features.meetings.after_models import ActionItem

    with transaction(engine) as session:
        rows = session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting_id))
        return {item.position: (item.id, item.state.value, item.delays) for item in rows}


def _cli_meeting_notes(engine: Engine) -> None:
    meeting_id = _held_meeting(engine)
    assert _meeting_state(engine, meeting_id) == "held"
    assert len(_items(engine, meeting_id)) == 2


def _cli_meeting_actions(engine: Engine) -> None:
    meeting_id = _held_meeting(engine)
    output = _cli("meeting", "actions", "--json")
    assert '"owner": "Rosa Pérez"' in output and '"owner": "Emily Carter"' in output
    assert f'"meeting": {meeting_id}' in output and "555" not in output


def _cli_meeting_done(engine: Engine) -> None:
    meeting_id = _held_meeting(engine)
    item, _, _ = _items(engine, meeting_id)[2]
    assert "is done" in _cli("meeting", "done", str(item))
    assert _items(engine, meeting_id)[2][1] == "done"


def _cli_meeting_more_time(engine: Engine) -> None:
    meeting_id = _held_meeting(engine)
    item, _, _ = _items(engine, meeting_id)[2]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=20)).date().isoformat()
    output = _cli("meeting", "more-time", str(item), "--until", later, "--reason", "Busy week.")
    assert "is now due" in output
    assert _items(engine, meeting_id)[2][2] == 1


CLI_SCENARIOS |= {
    "meeting notes": _cli_meeting_notes,
    "meeting actions": _cli_meeting_actions,
    "meeting done": _cli_meeting_done,
    "meeting more-time": _cli_meeting_more_time,
}


# -- reports: the operator's commands (issue 14, H3; tests/test_reports_cli.py in depth) ----


def _report_rows(*args: str) -> list[dict[str, str]]:
    import csv
    import io

    output = _cli("report", *args, "--csv")
    assert "555" not in output
    return list(csv.DictReader(io.StringIO(output)))


def _cli_report_broadcast(engine: Engine) -> None:
    from commbot.features.broadcasts.models import (
        Broadcast,
        BroadcastRecipient,
        BroadcastState,
        RecipientOutcome,
    )

    with transaction(engine) as session:
        carter = one(session, Staff, email=EMAILS[Role.TEACHER])
        sent = Broadcast(sender_id=carter.id, state=BroadcastState.SENT, text="Hi.")
        session.add(sent)
        session.flush()
        session.add(
            BroadcastRecipient(
                broadcast_id=sent.id,
                guardian_id=one(session, Guardian, name="Rosa Pérez").id,
                student_id=one(session, Student, name="Alfredo Pérez").id,
                outcome=RecipientOutcome.OPTED_OUT,
            )
        )
        broadcast_id = sent.id
    rows = _report_rows("broadcast", str(broadcast_id))
    assert [(r["name"], r["status"]) for r in rows] == [("Rosa Pérez", "opted out")]


def _cli_report_deliveries(engine: Engine) -> None:
    _queue_to_rosa(engine)
    rows = _report_rows("deliveries")
    counts = [r for r in rows if r["section"] == "counts"]
    # Queued now, or held for Rosa's quiet hours (the command line runs on the real clock).
    waiting = [(r["channel"], r["language"], int(r["queued"]) + int(r["held"])) for r in counts]
    assert waiting == [("sms", "es", 1)]


def _cli_report_partnership(engine: Engine) -> None:
    rows = _report_rows("partnership", "--class", "Room 12")
    assert [r["name"] for r in rows if r["section"] == "families"] == ROOM_12_FAMILIES


def _cli_report_unreachable(engine: Engine) -> None:
    with transaction(engine) as session:
        _point(session, ROSA).opted_out = True
    rows = _report_rows("unreachable")
    assert [(r["name"], r["sms"]) for r in rows] == [("Rosa Pérez", "opted out (replied STOP)")]


CLI_SCENARIOS |= {
    "report broadcast": _cli_report_broadcast,
    "report deliveries": _cli_report_deliveries,
    "report partnership": _cli_report_partnership,
    "report unreachable": _cli_report_unreachable,
}
# What staff who type an operator's `report` command with a 1 get: the report, as /report's.
REPORT_REPLIES = {
    "broadcast": en(report_text.NO_SUCH_BROADCAST, number=1),
    "deliveries": "Messages to your families since ",
    "partnership": "Your ",
    "unreachable": en(report_text.NO_SUCH_CLASS, name="1"),
}


@pytest.fixture
def operator(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The operator's shell on the server: DATABASE_URL names the example school's database."""
    import_examples(engine)
    url = engine.url.render_as_string(hide_password=False)
    with command_line_on(monkeypatch, url, str(tmp_path / "media")):
        yield engine


@pytest.mark.parametrize("name", sorted(CLI_SCENARIOS))
def test_the_operator_runs_each_command_line_action(operator: Engine, name: str) -> None:
    assert ACCESS.rule(Surface.CLI, name).roles == {Role.OPERATOR}
    CLI_SCENARIOS[name](operator)


@pytest.mark.parametrize("role", CHAT_ROLES, ids=[r.value for r in CHAT_ROLES])
async def test_no_chat_role_reaches_the_command_line(system: System, role: Role) -> None:
    """Whatever anyone writes, the bot runs no operator command: staff are told the command
    does not exist, a family's words go to the teacher, a stranger gets the notice."""
    cast(system)
    actor = actor_for(role, "sms")
    before = state(system)
    for rule in ACCESS.of(Surface.CLI):
        await say(system, actor, ("/" if role in STAFF else "") + rule.name + " 1")
    await system.drain()
    assert state(system) == before
    replies = seen(system, actor)
    if role in STAFF:
        assert len(replies) == len(ACCESS.of(Surface.CLI))
        for rule, reply in zip(ACCESS.of(Surface.CLI), replies, strict=True):
            word, _, rest = rule.name.partition(" ")
            if word == "report":  # "/report partnership 1": the report, as staff get it
                assert reply.startswith(REPORT_REPLIES[rest]), reply
            elif "/" + word in COMMANDS.names():  # "/meeting create 1": no such student
                assert reply == en(staff_chat.NO_SUCH_STUDENT, name=f"{rest} 1"), reply
            else:
                assert reply.startswith("I do not know the command /"), reply
    elif role is Role.GUARDIAN:
        assert replies == []
    else:
        assert len(replies) == 1
    everything = [c.params.get("text", "") for c in system.telegram.sent_messages()]
    everything += [m.body or "" for m in system.twilio.messages]
    assert not any("@lincoln.example.org" in text or "delivery " in text for text in everything)


# -- the table covers every way in -------------------------------------------------------


def _cli_paths(command: Any, prefix: str = "") -> set[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return {prefix}
    paths: set[str] = set()
    for name, sub in subcommands.items():
        paths |= _cli_paths(sub, f"{prefix} {name}".strip())
    return paths


def test_the_table_has_a_row_for_every_way_in_and_none_for_anything_else() -> None:
    import typer.main

    registered = {(Surface.COMMAND, name) for name in COMMANDS.names()}
    registered |= {(Surface.BUTTON, p) for p in BUTTONS.prefixes() + FAMILY_BUTTONS.prefixes()}
    registered |= {(Surface.DIALOG, kind) for kind in DIALOGS.kinds()}
    registered |= {(Surface.ANSWER, kind.value) for kind in ChoiceKind}
    registered |= {(Surface.KEYWORD, name) for name in FAMILY_KEYWORDS.names()}
    registered |= {(Surface.KEYWORD, name) for name in FAMILY_WORDS.names()}
    keywords = [k.words for k in family.KEYWORDS] + [language_menu.LANGUAGE_WORDS]
    listed = {r.key for r in ACCESS.rules if r.surface not in (Surface.MESSAGE, Surface.CLI)}
    for words in keywords:  # each keyword's row is named by one of its words
        row = [
            r
            for r in ACCESS.of(Surface.KEYWORD)
            if r.name.casefold() in {w.casefold() for w in words}
        ]
        assert len(row) == 1, words
        registered.add(row[0].key)
    assert listed == registered
    cli = _cli_paths(typer.main.get_command(cli_app)) | {"outbox --history"}
    assert {r.name for r in ACCESS.of(Surface.CLI)} == cli


def test_every_row_is_exercised_for_every_role() -> None:
    chat = {r.key for r in CHAT_RULES}
    assert set(SCENARIOS) == chat
    assert set(CLI_SCENARIOS) | set(TESTED_ELSEWHERE) == {r.name for r in ACCESS.of(Surface.CLI)}
    for rule in ACCESS.of(Surface.CLI):
        assert rule.roles == {Role.OPERATOR}, rule.name


def test_access_md_is_the_table() -> None:
    from commbot.access import document

    written = (Path(__file__).resolve().parent.parent / "ACCESS.md").read_text(encoding="utf-8")
    assert written == document(), "run: python -m commbot.access > ACCESS.md"
