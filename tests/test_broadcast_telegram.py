"""Broadcasts on Telegram, the sender's side, through the real webhook, the dispatcher and
the fake Telegram and Twilio: `/broadcast` offers only the groups the sender serves (a
teacher their classes, a coordinator the whole school, and urgent); the preview says what
will happen before anything is sent, and its numbers are what is then sent; Send now,
Schedule (the clock job sends it), Urgent, Cancel, Stop; stale and foreign presses change
nothing; one progress message, edited as the broadcast goes, then the final summary. And
editing a message we sent, the progress message's mechanism, end to end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from commbot.db import transaction
from commbot.features.broadcasts import messages as bm
from commbot.features.broadcasts import messages_telegram as t
from commbot.features.broadcasts import preview
from commbot.features.broadcasts.audiences import Audience, AudienceKind
from commbot.features.broadcasts.models import Broadcast, BroadcastState
from commbot.features.broadcasts.progress import progress, progress_text, summary_text
from commbot.i18n import gettext
from commbot.jobs import run_due
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    RecipientKind,
    School,
    Staff,
    StaffDialog,
    StaffRole,
)
from commbot.outbox import DeliverySpec, enqueue

from .support import System, press
from .test_dispatch import png_bytes

NEW_YORK = "America/New_York"
CARTER, KIM, GRACE, AMINA = 7001, 7002, 7004, 8001
ROSA = "+16175550134"
TEXT = "The book fair is on Friday. Please come!"


def en(message: str, **values: object) -> str:
    return gettext("en", message, **values)


class Sender:
    """One staff member on Telegram: what they write, send and tap, and what they read."""

    def __init__(self, system: System, chat: int) -> None:
        self.system, self.chat, self.presses = system, chat, 0

    def texts(self) -> list[str]:
        return self.system.telegram_texts(self.chat)

    async def say(self, text: str) -> list[str]:
        before = len(self.texts())
        assert (await self.system.telegram_update(self.chat, text)).status_code == 200
        await self.system.drain()
        return self.texts()[before:]

    async def photo(self, caption: str | None = None, *, album: str | None = None) -> list[str]:
        before = len(self.texts())
        file_id = self.system.telegram.add_file(png_bytes())
        payload = self.system.telegram_payload(self.chat, caption, photo_file_id=file_id)
        if album is not None:
            payload["message"]["media_group_id"] = album
        assert (await self.system.post_telegram(payload)).status_code == 200
        await self.system.drain()
        return self.texts()[before:]

    async def tap(self, data: str) -> list[str]:
        before = len(self.texts())
        self.presses += 1
        update = press(self.chat, data, 100_000 * self.chat + self.presses)
        response = await self.system.post_telegram(update)
        assert response.status_code == 200
        assert response.json()["method"] == "answerCallbackQuery"  # every press is answered
        await self.system.drain()
        return self.texts()[before:]

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.system.telegram.sent_messages(self.chat)[-1].params.get("reply_markup")
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b["callback_data"]) for row in rows for b in row]

    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons()]

    def data(self, label: str) -> str:
        found = [data for text, data in self.buttons() if text == label]
        assert found, (label, self.buttons())
        return found[0]

    async def tap_label(self, label: str) -> list[str]:
        return await self.tap(self.data(label))


async def linked(system: System, email: str, chat: int) -> Sender:
    await system.link_staff(email, chat)
    await system.drain()
    return Sender(system, chat)


async def coordinator(system: System) -> Sender:
    with transaction(system.engine) as session:
        school = session.scalars(select(School)).one()
        session.add(
            Staff(
                name="Grace Ortiz",
                email="gortiz@lincoln.example.org",
                role=StaffRole.COORDINATOR,
                school_id=school.id,
            )
        )
    return await linked(system, "gortiz@lincoln.example.org", GRACE)


def amina_on_telegram(system: System) -> None:
    with transaction(system.engine) as session:
        amina = session.scalars(select(Guardian).where(Guardian.name == "Amina Bashid")).one()
        point = ContactPoint(guardian_id=amina.id, channel=Channel.TELEGRAM, address="8001")
        session.add(point)
        point.priority = -1  # the family's first channel


def broadcasts(system: System) -> list[Broadcast]:
    with transaction(system.engine) as session:
        return list(session.scalars(select(Broadcast).order_by(Broadcast.id)))


def to_families(system: System) -> list[Delivery]:
    """What was queued for families (not the copies moved to another channel after)."""
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.GUARDIAN and d.fallback_of_id is None
    ]


def expected_preview(system: System, email: str, audience: Audience, *, urgent: bool) -> str:
    """The preview's numbers as the command line would print them, asked now."""
    with transaction(system.engine) as session:
        staff = session.scalars(select(Staff).where(Staff.email == email)).one()
        numbers = preview.build(
            session,
            staff,
            audience,
            text=TEXT,
            language="en",
            urgent=urgent,
            settings=system.settings,
            now=system.clock(),
        )
        return preview.render(numbers, "en", NEW_YORK)


async def tick(system: System, seconds: float = 5) -> None:
    """The clock moves on, the worker's jobs run, and the dispatcher sends."""
    system.clock.advance(seconds=seconds)
    run_due(system.engine, system.clock(), NEW_YORK)
    await system.drain()


def _to_chat(system: System, text: str, *, edit: str | None = None) -> int:
    """Queue a bot message to Emily Carter's chat (an edit of message `edit`, if given)."""
    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.email.startswith("ecarter"))).one()
        spec = DeliverySpec(
            recipient_kind=RecipientKind.STAFF,
            channel=Channel.TELEGRAM,
            address=str(CARTER),
            language="en",
            not_before=system.clock(),
            header=text,
            staff_id=carter.id,
            edit_message_id=edit,
        )
        delivery = enqueue(session, spec, system.clock())
        session.flush()
        return delivery.id


def _delivery(system: System, delivery_id: int) -> Delivery:
    with transaction(system.engine) as session:
        return session.get_one(Delivery, delivery_id)


async def test_a_delivery_with_edit_message_id_edits_that_message(system: System) -> None:
    first = _to_chat(system, "Sending to 3 families: 0 sent so far.")
    await system.drain()
    message_id = _delivery(system, first).provider_message_id
    assert message_id is not None
    sent_before = len(system.telegram.sent_messages(CARTER))
    edit = _to_chat(system, "Sending to 3 families: 2 sent so far.", edit=message_id)
    await system.drain()
    # No new message: the same one now reads the new words.
    assert len(system.telegram.sent_messages(CARTER)) == sent_before
    [call] = system.telegram.calls("editMessageText")
    assert call.ok
    assert call.params["chat_id"] == CARTER and call.params["message_id"] == int(message_id)
    assert call.result["text"] == "Sending to 3 families: 2 sent so far."
    assert call.result["message_id"] == int(message_id)
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.SENT and done.provider_message_id == message_id


async def test_an_edit_that_changes_nothing_counts_as_sent(system: System) -> None:
    """Telegram refuses an edit to the text the message already shows ("message is not
    modified"): the message shows what was asked, so the delivery is sent, not failed."""
    first = _to_chat(system, "Sent to 3 families.")
    await system.drain()
    message_id = _delivery(system, first).provider_message_id
    edit = _to_chat(system, "Sent to 3 families.", edit=message_id)
    await system.drain()
    [call] = system.telegram.calls("editMessageText")
    assert not call.ok and "message is not modified" in (call.description or "")
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.SENT and done.attempts == 1


async def test_an_edit_of_a_message_telegram_does_not_know_fails_for_good(
    system: System,
) -> None:
    edit = _to_chat(system, "Sent to 3 families.", edit="999")
    await system.drain()
    done = _delivery(system, edit)
    assert done.status is DeliveryStatus.FAILED and done.error_code == "telegram-400"
    assert done.attempts == 1  # not retried: it can never succeed
    assert system.telegram.sent_messages(CARTER) == []  # and never sent as a new message


# -- the dialog ----------------------------------------------------------------------------------


async def test_a_teacher_writes_to_their_class_sees_the_preview_then_its_progress(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    assert await carter.say("/broadcast") == [en(t.WHO)]
    # Only what she serves: her own class, never Room 14; no school-wide choice, no urgent.
    assert carter.labels() == [
        en(t.ALL_MY_FAMILIES),
        "Room 12",
        en(t.IN_A_LANGUAGE),
        en(t.MEETING_SOON, days=7),
        en(t.NOT_REACHED, days=30),
        en(t.BY_NAME),
    ]
    assert await carter.tap_label("Room 12") == [en(t.WHO)]
    assert "✓ Room 12" in carter.labels() and en(t.NEXT) in carter.labels()
    room_12 = Audience(AudienceKind.CLASSES, ("Room 12",))
    chosen = en(t.AUDIENCE_CHOSEN, audience=room_12.describe("en"))
    assert await carter.tap_label(en(t.NEXT)) == [chosen + "\n" + en(t.WRITE_IT)]

    [shown] = await carter.say(TEXT)
    numbers = expected_preview(system, "ecarter@lincoln.example.org", room_12, urgent=False)
    assert shown == "\n".join(
        [
            en(t.PREVIEW_HEADER),
            numbers,
            "",
            en(t.PREVIEW_TEXT, text=TEXT),
            en(t.CHANGE_IT),
        ]
    )
    assert carter.labels() == [en(t.SEND_NOW), en(t.SCHEDULE), en(t.CANCEL)]  # no urgent
    assert to_families(system) == []  # nothing is sent before Send
    [draft] = broadcasts(system)
    assert draft.state is BroadcastState.DRAFT

    [started] = await carter.tap_label(en(t.SEND_NOW))
    queued = to_families(system)
    # What was sent is what the preview said: as many families, on the channels it said.
    with transaction(system.engine) as session:
        sender = session.scalars(select(Staff).where(Staff.telegram_chat_id == CARTER)).one()
        said = preview.build(
            session,
            sender,
            room_12,
            text=TEXT,
            language="en",
            urgent=False,
            settings=system.settings,
            now=system.clock(),
        )
    assert len(queued) == said.families == 7
    assert dict(Counter(d.channel.value for d in queued)) == said.by_channel
    assert any(TEXT in text for text in system.sms_to(ROSA))
    # The answer to Send is the progress message, with a Stop button while families wait.
    assert started.startswith(en(bm.PREVIEW_TITLE, audience=room_12.describe("en")) + "\n")
    assert carter.labels() == [en(t.STOP_SENDING)]
    progress_id = system.telegram.sent_messages(CARTER)[-1].result["message_id"]

    await tick(system)  # the progress job: the numbers changed, the message is edited
    [broadcast] = broadcasts(system)
    assert broadcast.state is BroadcastState.SENT and broadcast.finished_at is not None
    assert broadcast.progress_message_id == progress_id
    edits = system.telegram.calls("editMessageText")
    assert edits and all(e.params["message_id"] == progress_id for e in edits)
    with transaction(system.engine) as session:
        final = progress(session, session.get_one(Broadcast, broadcast.id))
    title = en(bm.PREVIEW_TITLE, audience=room_12.describe("en"))
    assert edits[-1].result["text"] == title + "\n" + progress_text(final, "en")
    assert "reply_markup" not in edits[-1].result  # no Stop once it is done
    # One progress message (edited, not sent again), then the summary as a new message.
    sent = carter.texts()
    assert sum(text.startswith(title) for text in sent) == 1
    assert sent[-1] == summary_text(final, "en")
    await tick(system)  # nothing changes any more: no edit, no second summary
    assert len(system.telegram.calls("editMessageText")) == len(edits)
    assert carter.texts() == sent


async def test_a_coordinator_reaches_the_whole_school_and_may_mark_it_urgent(
    system: System,
) -> None:
    grace = await coordinator(system)
    await grace.say("/broadcast")
    labels = grace.labels()
    assert labels[0] == en(t.WHOLE_SCHOOL)
    assert [label for label in labels if label.startswith("Room")] == ["Room 12", "Room 14"]
    await grace.tap_label(en(t.WHOLE_SCHOOL))
    [first] = await grace.say(TEXT)
    school = Audience(AudienceKind.SCHOOL)
    assert expected_preview(system, "gortiz@lincoln.example.org", school, urgent=False) in first
    assert grace.labels() == [en(t.SEND_NOW), en(t.SCHEDULE), en(t.MAKE_URGENT), en(t.CANCEL)]
    old_send = grace.data(en(t.SEND_NOW))

    [urgent] = await grace.tap_label(en(t.MAKE_URGENT))
    assert expected_preview(system, "gortiz@lincoln.example.org", school, urgent=True) in urgent
    assert en(bm.PREVIEW_URGENT) in urgent
    assert en(t.NOT_URGENT) in grace.labels()
    new_send = grace.data(en(t.SEND_NOW))
    # The preview before it is replaced: its Send no longer sends anything.
    assert await grace.tap(old_send) == [en(t.GONE)]
    assert to_families(system) == []

    await grace.tap(new_send)
    queued = to_families(system)
    assert len({d.guardian_id for d in queued}) == len(queued) > 7  # both classes, once each
    assert all(d.skip_quiet_hours for d in queued)
    drafts = broadcasts(system)
    assert [b.state for b in drafts] == [BroadcastState.CANCELLED, BroadcastState.SENDING]
    assert drafts[-1].urgent


async def test_a_teacher_cannot_mark_urgent_even_with_a_made_up_press(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    [draft] = broadcasts(system)
    [refused] = await carter.tap(f"bcx:urgent:{draft.id}")
    assert refused == en(bm.URGENT_NOT_ALLOWED)
    [still] = broadcasts(system)
    assert still.state is BroadcastState.DRAFT and not still.urgent


async def test_a_photo_with_its_caption_goes_to_each_family(system: System) -> None:
    amina_on_telegram(system)
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label("Room 12")
    await carter.tap_label(en(t.NEXT))
    [asked] = await carter.photo(TEXT, album="album-1")
    assert asked == en(t.ANY_CHILDREN) and not broadcasts(system)
    assert await carter.photo(album="album-1") == []  # the album's next part: one goes
    [shown] = await carter.tap_label(en(t.NO_CHILDREN))
    assert shown.startswith(en(t.PREVIEW_HEADER)) and en(t.PREVIEW_ATTACHED) in shown
    [draft] = broadcasts(system)
    assert len(draft.media) == 1 and draft.text == TEXT
    await carter.tap_label(en(t.SEND_NOW))
    [photo] = [c for c in system.telegram.sent_messages(AMINA) if c.method == "sendPhoto"]
    assert TEXT in photo.params["caption"]
    rosa = [m for m in system.twilio.messages if m.to == ROSA]
    assert rosa and rosa[-1].media_urls  # by MMS, the photo with the words


async def test_a_photo_alone_then_words_written_again_replace_the_draft(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    assert await carter.photo() == [en(t.ANY_CHILDREN)]
    [shown] = await carter.tap_label(en(t.NO_CHILDREN))
    assert en(t.PREVIEW_ATTACHED) in shown
    [again] = await carter.say(TEXT)
    assert en(t.PREVIEW_TEXT, text=TEXT) in again and en(t.PREVIEW_ATTACHED) in again
    first, second = broadcasts(system)
    assert first.state is BroadcastState.CANCELLED and second.state is BroadcastState.DRAFT
    assert second.text == TEXT and second.media == first.media


async def test_a_photo_of_children_is_not_broadcast(system: System) -> None:
    """A broadcast skips photo permissions, so a picture with children in it is turned
    back to the class photo post; words typed before the answer do not slip it through."""
    amina_on_telegram(system)
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    assert await carter.photo(TEXT) == [en(t.ANY_CHILDREN)]
    assert await carter.say("Our trip!") == [en(t.ANY_CHILDREN)]  # still asked
    assert not broadcasts(system)
    assert await carter.tap_label(en(t.CHILDREN_IN_IT)) == [en(t.USE_CLASS_PHOTO)]
    [shown] = await carter.say(TEXT)  # the words alone go on
    assert en(t.PREVIEW_TEXT, text=TEXT) in shown and en(t.PREVIEW_ATTACHED) not in shown
    [draft] = broadcasts(system)
    assert draft.media == []
    await carter.tap_label(en(t.SEND_NOW))
    sent = system.telegram.sent_messages(AMINA)
    assert sent and not [c for c in sent if c.method == "sendPhoto"]


async def test_students_by_name_say_back_who_is_not_theirs(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    assert await carter.tap_label(en(t.BY_NAME)) == [en(t.TYPE_NAMES)]
    # Josie Lopez is in Room 14: not hers, so as unknown as a name that is nobody's.
    [answer] = await carter.say("Alfredo Pérez, Josie Lopez, Nobody Here")
    audience = Audience(AudienceKind.STUDENTS, ("Alfredo Pérez", "Josie Lopez", "Nobody Here"))
    assert answer == "\n".join(
        [
            en(t.UNKNOWN_NAMES, names="Josie Lopez, Nobody Here"),
            en(t.AUDIENCE_CHOSEN, audience=audience.describe("en")),
            en(t.WRITE_IT),
        ]
    )
    [shown] = await carter.say(TEXT)
    assert en(bm.PREVIEW_FAMILIES, guardians=1, students=1) in shown
    await carter.tap(carter.data(en(t.SEND_NOW)))
    families = {d.guardian_id for d in to_families(system)}
    with transaction(system.engine) as session:
        rosa = session.scalars(select(Guardian).where(Guardian.name == "Rosa Pérez")).one()
    assert families == {rosa.id}
    # Names that are nobody she serves: asked again, nothing made.
    await carter.say("/broadcast")
    await carter.tap_label(en(t.BY_NAME))
    [again] = await carter.say("Josie Lopez")
    assert again.startswith(en(t.UNKNOWN_NAMES, names="Josie Lopez") + "\n" + en(t.NOBODY_THERE))
    assert len(broadcasts(system)) == 1


async def test_families_in_one_language(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    assert await carter.tap_label(en(t.IN_A_LANGUAGE)) == [en(t.WHICH_LANGUAGE)]
    assert "Spanish" in carter.labels() and "Russian" not in carter.labels()  # Room 14's
    await carter.tap_label("Spanish")
    await carter.say(TEXT)
    await carter.tap_label(en(t.SEND_NOW))
    assert {d.language for d in to_families(system)} == {"es"}


async def test_schedule_at_a_typed_time_then_the_clock_sends_it(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    assert await carter.tap_label(en(t.SCHEDULE)) == [en(t.WHEN, zone=NEW_YORK)]
    assert await carter.say("next week") == [en(bm.BAD_TIME, value="next week")]
    assert await carter.say("2026-11-20 09:00") == [en(bm.IN_THE_PAST)]  # this morning
    [scheduled] = await carter.say("2026-11-23 16:00")  # Monday, outside quiet hours
    at = dt.datetime(2026, 11, 23, 21, 0, tzinfo=dt.UTC)
    when = preview.when_words(at, "en", NEW_YORK)
    assert scheduled == en(t.SCHEDULED, when=when)
    assert carter.labels() == [en(t.CANCEL_IT)]
    [draft] = broadcasts(system)
    assert draft.state is BroadcastState.SCHEDULED and draft.send_at == at
    await tick(system, 60)
    assert to_families(system) == []  # not before its time

    system.clock.now = at + dt.timedelta(seconds=1)
    await tick(system, 0)  # due: fanned out; the progress message starts
    assert to_families(system)
    title = en(bm.PREVIEW_TITLE, audience=Audience(AudienceKind.SCHOOL).describe("en"))
    assert carter.texts()[-1].startswith(title)
    await tick(system)  # edited with the numbers, and the summary
    assert system.telegram.calls("editMessageText")
    [done] = broadcasts(system)
    assert done.state is BroadcastState.SENT
    with transaction(system.engine) as session:
        final = progress(session, session.get_one(Broadcast, done.id))
    assert carter.texts()[-1] == summary_text(final, "en")


async def test_cancel_sends_nothing_and_a_scheduled_one_can_be_cancelled_later(
    system: System,
) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    send = carter.data(en(t.SEND_NOW))
    assert await carter.tap_label(en(t.CANCEL)) == [en(t.CANCELLED)]
    assert await carter.tap(send) == [en(t.GONE)]  # the cancelled preview's Send
    with transaction(system.engine) as session:
        assert session.scalars(select(StaffDialog)).all() == []
    # A scheduled one: Cancel it, under its confirmation, whenever before it goes.
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    await carter.tap_label(en(t.SCHEDULE))
    await carter.say("2026-11-23 08:30")
    assert await carter.tap_label(en(t.CANCEL_IT)) == [en(t.CANCELLED)]
    system.clock.now = dt.datetime(2026, 11, 23, 14, tzinfo=dt.UTC)
    await tick(system, 0)
    assert to_families(system) == []
    assert [b.state for b in broadcasts(system)] == [BroadcastState.CANCELLED] * 2


async def test_stop_while_sending_cancels_what_has_not_gone(system: System) -> None:
    """Families in their quiet hours wait; Stop cancels their messages, and the progress
    message shows where it stopped."""
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    system.clock.now = dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC)  # 10:30 PM in Boston
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    await carter.tap_label(en(t.SEND_NOW))
    waiting = [d for d in to_families(system) if d.status is DeliveryStatus.PENDING]
    assert waiting  # held for quiet hours
    await tick(system)  # the progress message's id is known now
    [stopped] = await carter.tap_label(en(t.STOP_SENDING))
    assert stopped == en(t.STOPPED, count=len(waiting))
    assert all(
        d.status is DeliveryStatus.CANCELLED
        for d in to_families(system)
        if d.id in {w.id for w in waiting}
    )
    [broadcast] = broadcasts(system)
    assert broadcast.state is BroadcastState.CANCELLED
    last = system.telegram.calls("editMessageText")[-1]
    assert "reply_markup" not in last.result  # no Stop button any more


# -- stale, foreign and odd presses ----------------------------------------------------------------


async def test_stale_and_foreign_presses_change_nothing(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    kim = await linked(system, "dkim@lincoln.example.org", KIM)
    await carter.say("/broadcast")
    old_school = carter.data(en(t.ALL_MY_FAMILIES))
    await carter.say("/broadcast")  # a new dialog: the first one's buttons are stale
    new_school = carter.data(en(t.ALL_MY_FAMILIES))
    assert new_school != old_school
    assert await carter.tap(old_school) == [en(t.STALE)]
    assert (await carter.tap(new_school))[-1].endswith(en(t.WRITE_IT))
    # An audience button once the audience is chosen: its turn has passed.
    assert await carter.tap(new_school) == [en(t.STALE)]
    await carter.say(TEXT)
    [draft] = broadcasts(system)
    # David Kim presses Emily Carter's broadcast's buttons: not his, nothing happens.
    for action in ("send", "schedule", "urgent", "cancel"):
        assert await kim.tap(f"bcx:{action}:{draft.id}") == [en(t.GONE)]
    # No such broadcast; a press of an audience button with no dialog open.
    assert await kim.tap("bcx:send:2147483647") == [en(t.GONE)]
    assert await kim.tap("bca:1:school") == [en(t.STALE)]
    assert to_families(system) == []
    [still] = broadcasts(system)
    assert still.state is BroadcastState.DRAFT
    with transaction(system.engine) as session:
        assert session.get(StaffDialog, still.sender_id) is not None


async def test_after_cancel_the_preview_no_longer_sends(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    await carter.say("/broadcast")
    await carter.tap_label(en(t.ALL_MY_FAMILIES))
    await carter.say(TEXT)
    send = carter.data(en(t.SEND_NOW))
    assert await carter.say("/cancel") == [en(t.SETUP_CANCELLED)]
    assert await carter.tap(send) == [en(t.GONE)]
    assert to_families(system) == []


async def test_a_staff_member_with_no_families_is_told_so(system: System) -> None:
    with transaction(system.engine) as session:
        school = session.scalars(select(School)).one()
        session.add(
            Staff(
                name="New Teacher",
                email="new@lincoln.example.org",
                role=StaffRole.TEACHER,
                school_id=school.id,
            )
        )
    new = await linked(system, "new@lincoln.example.org", 7010)
    assert await new.say("/broadcast") == [en(t.NO_FAMILIES)]
    with transaction(system.engine) as session:
        assert session.scalars(select(StaffDialog)).all() == []


async def test_broadcast_with_names_answers_the_first_question(system: System) -> None:
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    audience = Audience(AudienceKind.STUDENTS, ("Alfredo Pérez",))
    chosen = en(t.AUDIENCE_CHOSEN, audience=audience.describe("en"))
    assert await carter.say("/broadcast Alfredo Pérez") == [chosen + "\n" + en(t.WRITE_IT)]
    [shown] = await carter.say(TEXT)
    assert shown.startswith(en(t.PREVIEW_HEADER))
    # A name she does not serve: said, and no dialog is begun.
    assert await carter.say("/broadcast Josie Lopez") == [
        en(t.UNKNOWN_NAMES, names="Josie Lopez") + "\n" + en(t.NOBODY_THERE)
    ]
    with transaction(system.engine) as session:
        row = session.scalars(select(StaffDialog)).one()  # the first one, still open
        assert row.state["step"] == "preview"


async def test_a_family_answer_to_a_telegram_broadcast_reaches_the_sender(system: System) -> None:
    """The reply hook is loaded with the handlers: Rosa answers Grace's broadcast; Grace
    reads it, and Emily Carter, Alfredo's teacher, gets a copy (Grace is not on his team)."""
    carter = await linked(system, "ecarter@lincoln.example.org", CARTER)
    grace = await coordinator(system)
    await grace.say("/broadcast")
    await grace.tap_label("Room 12")
    await grace.tap_label(en(t.NEXT))
    await grace.say(TEXT)
    await grace.tap_label(en(t.SEND_NOW))
    system.clock.advance(minutes=10)
    assert (await system.sms(ROSA, "Gracias, vamos a ir.")).status_code == 200
    await system.drain()
    assert grace.texts()[-1].startswith("Rosa Pérez (mother of Alfredo Pérez) wrote:")
    assert "Gracias, vamos a ir." in carter.texts()[-1]
    assert carter.texts()[-1].startswith("For you to know:")
    await tick(system)
    with transaction(system.engine) as session:
        [broadcast] = session.scalars(select(Broadcast)).all()
        assert progress(session, broadcast).replied == 1
