"""A month of history, built by hand on the example roster, that the report tests read.

The rows are what the real paths write (messages, deliveries with their fallbacks and
history events, a broadcast's recipients, a meeting's plan and feedback), dated against
`NOW` (the tests' clock: Friday 20 November 2026, 4:30 PM in Boston). The broadcast code
that fills these tables is written in parallel (issue 14, H1): nothing here calls it.

Who, and what happened (the figures each report must show follow from this alone):
- Rosa Pérez (es, SMS): Emily Carter wrote 20 days ago (delivered), Rosa answered a day
  later and Carter replied 10 minutes after; 10 days ago a check-in and a message 20
  minutes later both failed (30005): the number is gone. Reached, but unreachable now.
- Pedro Pérez (es), Alfredo's father: on the roster with no phone number or chat.
- Karim Bashid (ar, WhatsApp then SMS): a message 40 days ago he answered; the broadcast
  two days ago failed on WhatsApp (63003), arrived by SMS; he replied yesterday.
- Amina Bashid (en, SMS): a check-in 5 days ago (delivered) and the broadcast (sent, no
  report): reached and silent. Andrew's plan has two open items (one overdue) and a done
  one; she rated the latest meeting 4 (an earlier one 2); Karim was asked, never rated.
- Lan Nguyen (vi): wrote 15 days ago; a message from David Kim waits for her quiet hours.
- Maricel Santos (tl, SMS): a message sent two and a half days ago, no delivery report.
- Li Wei (zh-CN): the broadcast waits for his quiet hours. Ana Oliveira (pt): held for
  WhatsApp's window. Irina Volkova (ru, Telegram): the broadcast was sent, never answered.
- Faadumo Warsame (so): opted out of WhatsApp and SMS; Kim's message 6 days ago was
  cancelled on WhatsApp and refused on SMS (21610); the broadcast skipped her.
- Marie Joseph (ht, SMS): undelivered 25 days ago (no code), the broadcast failed (30005).
- Jim Lopez: Kim's message an hour ago timed out and waits to be tried again.
  Margaret Ruby: a meeting message cancelled with its meeting.
Staff: Carter and Kim (English teachers), Grace Ortiz (coordinator, speaks Spanish), Sam
Rivera (speech therapist for Alfredo, speaks Spanish), Pat Quinn (admin, English), all
linked on Telegram; Grace sent the broadcast to Rooms 12 and 14.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commbot.actions.subscriptions import OPTED_OUT_NOTE
from commbot.db import transaction
from commbot.features.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    RecipientOutcome,
)
from commbot.features.meetings.models import (
    ActionItem,
    ItemState,
    Meeting,
    MeetingFeedback,
    MeetingState,
    Purpose,
)
from commbot.models import (
    AuthorKind,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Lane,
    Message,
    MessageKind,
    RecipientKind,
    ServiceAssignment,
    Staff,
    StaffRole,
    Student,
)

from .support import DEFAULT_START

NOW = DEFAULT_START
S = DeliveryStatus
CARTER, KIM, SAM, GRACE, PAT = 7001, 7002, 7003, 7004, 7005
IRINA_CHAT = 8012
ROOM_12 = [
    "Amina Bashid",
    "Ana Oliveira",
    "Karim Bashid",
    "Lan Nguyen",
    "Li Wei",
    "Maricel Santos",
    "Pedro Pérez",
    "Rosa Pérez",
]
ROOM_14 = [
    "Donna Lopez",
    "Faadumo Warsame",
    "Irina Volkova",
    "Jim Lopez",
    "Lan Nguyen",
    "Margaret Ruby",
    "Marie Joseph",
]
EVERYONE = sorted(set(ROOM_12) | set(ROOM_14))


def ago(days: float = 0, hours: float = 0, minutes: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours, minutes=minutes)


@dataclass
class World:
    broadcast_id: int
    times: dict[str, dt.datetime]  # named moments the tests check against


class Builder:
    def __init__(self, session: Session) -> None:
        self.session = session

    def one(self, model: Any, **where: Any) -> Any:
        return self.session.scalars(select(model).filter_by(**where)).one()

    def guardian(self, name: str) -> Guardian:
        return self.one(Guardian, name=name)

    def staff(self, chat: int) -> Staff:
        return self.one(Staff, telegram_chat_id=chat)

    def message(
        self,
        at: dt.datetime,
        *,
        by: Staff | Guardian,
        kind: MessageKind = MessageKind.CONVERSATION,
        text: str = "Hello.",
    ) -> Message:
        family = isinstance(by, Guardian)
        message = Message(
            kind=kind,
            author_kind=AuthorKind.GUARDIAN if family else AuthorKind.STAFF,
            author_staff_id=None if family else by.id,
            author_guardian_id=by.id if family else None,
            text=text,
            language=by.language,
            created_at=at,
        )
        self.session.add(message)
        self.session.flush()
        return message

    def event(
        self, delivery: Delivery, kind: DeliveryEventKind, at: dt.datetime, **kw: Any
    ) -> None:
        self.session.add(DeliveryEvent(delivery_id=delivery.id, kind=kind, at=at, **kw))

    def delivery(
        self,
        message: Message | None,
        guardian: Guardian,
        channel: Channel,
        status: DeliveryStatus,
        at: dt.datetime,
        *,
        code: str | None = None,
        note: str | None = None,
        not_before: dt.datetime | None = None,
        next_attempt_at: dt.datetime | None = None,
        fallback_of: Delivery | None = None,
        lane: Lane = Lane.CONVERSATION,
    ) -> Delivery:
        """A delivery as the dispatcher leaves it, with its history: sent at `at`, then
        delivered a minute later, reported undelivered, failed when sent, held, or
        cancelled at `at`; waiting ones have no events."""
        point = self.one(ContactPoint, guardian_id=guardian.id, channel=channel)
        went = status in (S.SENT, S.DELIVERED, S.READ, S.UNDELIVERED)
        delivery = Delivery(
            message_id=message.id if message else None,
            recipient_kind=RecipientKind.GUARDIAN,
            guardian_id=guardian.id,
            contact_point_id=point.id,
            channel=channel,
            address=point.address,
            lane=int(lane),
            status=status,
            language=guardian.language,
            header="From school:",
            body=message.text if message else "",
            not_before=not_before or at,
            next_attempt_at=next_attempt_at or at,
            attempts=0 if status in (S.PENDING, S.CANCELLED, S.HELD) else 1,
            sent_at=at if went else None,
            provider_message_id=f"SM{self.session.query(Delivery).count():032d}" if went else None,
            error_code=code,
            error_message=note,
            fallback_of_id=fallback_of.id if fallback_of else None,
            created_at=at,
            updated_at=at,
        )
        self.session.add(delivery)
        self.session.flush()
        if went:
            self.event(delivery, DeliveryEventKind.SENT, at, status="sent")
        if status in (S.DELIVERED, S.READ):
            self.event(
                delivery, DeliveryEventKind.STATUS, at + dt.timedelta(minutes=1), status="delivered"
            )
        if status is S.UNDELIVERED:
            self.event(
                delivery,
                DeliveryEventKind.STATUS,
                at + dt.timedelta(minutes=1),
                status="undelivered",
                error_code=code,
            )
        if status is S.FAILED:
            self.event(delivery, DeliveryEventKind.FAILED, at, status="failed", error_code=code)
        if status is S.HELD:
            self.event(delivery, DeliveryEventKind.HELD, at, status="held")
        if status is S.CANCELLED:
            self.event(delivery, DeliveryEventKind.CANCELLED, at, status="cancelled", detail=note)
        return delivery


def _staff(b: Builder) -> dict[int, Staff]:
    school = b.guardian("Rosa Pérez").school_id
    for email, chat in (("ecarter@lincoln.example.org", CARTER), ("dkim@lincoln.example.org", KIM)):
        b.one(Staff, email=email).telegram_chat_id = chat
    for name, email, role, language, chat in (
        ("Sam Rivera", "srivera@lincoln.example.org", StaffRole.SPECIALIST, "es", SAM),
        ("Grace Ortiz", "gortiz@lincoln.example.org", StaffRole.COORDINATOR, "es", GRACE),
        ("Pat Quinn", "pquinn@lincoln.example.org", StaffRole.ADMIN, "en", PAT),
    ):
        b.session.add(
            Staff(
                name=name,
                email=email,
                role=role,
                school_id=school,
                language=language,
                telegram_chat_id=chat,
            )
        )
    b.session.flush()
    alfredo = b.one(Student, name="Alfredo Pérez")
    b.session.add(ServiceAssignment(staff_id=b.staff(SAM).id, student_id=alfredo.id))
    return {chat: b.staff(chat) for chat in (CARTER, KIM, SAM, GRACE, PAT)}


def _families(b: Builder) -> None:
    alfredo = b.one(Student, name="Alfredo Pérez")
    pedro = Guardian(school_id=alfredo.school_id, name="Pedro Pérez", language="es")
    b.session.add(pedro)
    b.session.flush()
    b.session.add(
        Guardianship(guardian_id=pedro.id, student_id=alfredo.id, relationship_name="father")
    )
    irina = b.guardian("Irina Volkova")
    b.session.add(
        ContactPoint(
            guardian_id=irina.id, channel=Channel.TELEGRAM, address=str(IRINA_CHAT), priority=-1
        )
    )
    for point in b.guardian("Faadumo Warsame").contact_points:
        point.opted_out, point.opted_out_at = True, ago(days=7)
    b.session.flush()


def _plan(b: Builder, staff: dict[int, Staff]) -> None:
    """Andrew Bashid's meetings: an earlier one Amina rated 2, the latest rated 4 (Karim
    asked, no answer), whose plan has an overdue item, an open one and a done one."""
    andrew = b.one(Student, name="Andrew Bashid")
    amina, karim = b.guardian("Amina Bashid"), b.guardian("Karim Bashid")
    meetings = []
    for uid, held in (("m-early", ago(days=24)), ("m-late", ago(days=5))):
        meeting = Meeting(
            student_id=andrew.id,
            organizer_id=staff[CARTER].id,
            purpose=Purpose.ANNUAL_REVIEW,
            state=MeetingState.HELD,
            starts_at=held,
            timezone="America/New_York",
            uid=uid,
        )
        b.session.add(meeting)
        b.session.flush()
        meetings.append(meeting)
    early, late = meetings
    for position, due, state in (
        (1, dt.date(2026, 11, 19), ItemState.OPEN),  # yesterday in Boston: overdue
        (2, dt.date(2026, 11, 25), ItemState.OPEN),
        (3, dt.date(2026, 11, 18), ItemState.DONE),
    ):
        b.session.add(
            ActionItem(
                meeting_id=late.id,
                position=position,
                what=f"Step {position}",
                owner_staff_id=staff[CARTER].id,
                owner_name="Emily Carter",
                due_on=due,
                first_due_on=due,
                state=state,
            )
        )
    b.session.add_all(
        [
            MeetingFeedback(
                meeting_id=early.id,
                guardian_id=amina.id,
                asked_at=ago(days=22),
                rating=2,
                rated_at=ago(days=20),
            ),
            MeetingFeedback(
                meeting_id=late.id,
                guardian_id=amina.id,
                asked_at=ago(days=3, hours=2),
                rating=4,
                rated_at=ago(days=3),
            ),
            MeetingFeedback(
                meeting_id=late.id, guardian_id=karim.id, asked_at=ago(days=3, hours=2)
            ),
        ]
    )


def _broadcast(b: Builder, staff: dict[int, Staff], times: dict[str, dt.datetime]) -> int:
    grace = staff[GRACE]
    sent = ago(days=2)
    message = b.message(sent, by=grace, kind=MessageKind.BROADCAST, text="Picture day is Tuesday.")
    broadcast = Broadcast(
        school_id=grace.school_id,
        sender_id=grace.id,
        audience={"kind": "classes", "values": ["Room 12", "Room 14"]},
        text=message.text,
        state=BroadcastState.SENDING,
        sent_at=sent,
        message_id=message.id,
        created_at=sent,
    )
    b.session.add(broadcast)
    b.session.flush()

    def recipient(
        name: str,
        student: str,
        first: Delivery | None,
        outcome: RecipientOutcome = RecipientOutcome.QUEUED,
        replied: dt.datetime | None = None,
    ) -> None:
        b.session.add(
            BroadcastRecipient(
                broadcast_id=broadcast.id,
                guardian_id=b.guardian(name).id,
                student_id=b.one(Student, name=student).id,
                outcome=outcome,
                delivery_id=first.id if first else None,
                channel=first.channel if first else None,
                replied_at=replied,
                created_at=sent,
            )
        )

    bc = {"lane": Lane.BROADCAST}
    karim = b.guardian("Karim Bashid")
    failed = b.delivery(
        message, karim, Channel.WHATSAPP, S.FAILED, ago(days=2, minutes=-1), code="63003", **bc
    )
    b.delivery(
        message, karim, Channel.SMS, S.DELIVERED, ago(days=2, minutes=-5), fallback_of=failed, **bc
    )
    times["karim delivered"] = ago(days=2, minutes=-6)
    times["karim replied"] = ago(days=1)
    recipient("Karim Bashid", "Andrew Bashid", failed, replied=times["karim replied"])
    times["amina sent"] = ago(days=2, minutes=-2)
    recipient(
        "Amina Bashid",
        "Andrew Bashid",
        b.delivery(
            message, b.guardian("Amina Bashid"), Channel.SMS, S.SENT, times["amina sent"], **bc
        ),
    )
    recipient(
        "Ana Oliveira",
        "Lucas Oliveira",
        b.delivery(
            message,
            b.guardian("Ana Oliveira"),
            Channel.WHATSAPP,
            S.HELD,
            ago(days=2, minutes=-3),
            **bc,
        ),
    )
    times["li wei due"] = NOW + dt.timedelta(hours=9)
    recipient(
        "Li Wei",
        "Wen Li",
        b.delivery(
            message,
            b.guardian("Li Wei"),
            Channel.SMS,
            S.PENDING,
            sent,
            not_before=times["li wei due"],
            **bc,
        ),
    )
    times["irina sent"] = ago(days=2, minutes=-4)
    recipient(
        "Irina Volkova",
        "Dmitri Volkov",
        b.delivery(
            message,
            b.guardian("Irina Volkova"),
            Channel.TELEGRAM,
            S.SENT,
            times["irina sent"],
            **bc,
        ),
    )
    recipient("Faadumo Warsame", "Hodan Warsame", None, RecipientOutcome.OPTED_OUT)
    times["marie failed"] = ago(days=2, minutes=-7)
    recipient(
        "Marie Joseph",
        "Jean-Baptiste Joseph",
        b.delivery(
            message,
            b.guardian("Marie Joseph"),
            Channel.SMS,
            S.FAILED,
            times["marie failed"],
            code="30005",
            **bc,
        ),
    )
    return broadcast.id


def build_history(engine: Engine) -> World:
    """The month above, on the example roster (already imported)."""
    times: dict[str, dt.datetime] = {}
    with transaction(engine) as session:
        b = Builder(session)
        staff = _staff(b)
        _families(b)
        carter, kim = staff[CARTER], staff[KIM]
        rosa, karim, amina = (b.guardian(n) for n in ("Rosa Pérez", "Karim Bashid", "Amina Bashid"))
        # Rosa: a thread Carter started and she answered; one more that failed.
        b.delivery(b.message(ago(days=20), by=carter), rosa, Channel.SMS, S.DELIVERED, ago(days=20))
        times["rosa wrote"] = ago(days=19)
        b.message(times["rosa wrote"], by=rosa)
        times["rosa reached"] = ago(days=19, minutes=-10)
        b.delivery(
            b.message(times["rosa reached"], by=carter),
            rosa,
            Channel.SMS,
            S.DELIVERED,
            times["rosa reached"],
        )
        checkin = b.message(ago(days=10), by=carter, kind=MessageKind.CHECKIN)
        b.delivery(checkin, rosa, Channel.SMS, S.FAILED, ago(days=10), code="30005")
        times["rosa last told"] = ago(days=10, minutes=-20)
        b.delivery(
            b.message(times["rosa last told"], by=carter),
            rosa,
            Channel.SMS,
            S.FAILED,
            times["rosa last told"],
            code="30005",
        )
        # Karim: an old thread he answered, before the window.
        b.delivery(
            b.message(ago(days=40), by=carter), karim, Channel.WHATSAPP, S.DELIVERED, ago(days=40)
        )
        b.message(ago(days=39), by=karim)
        b.message(ago(days=1), by=karim, text="We will be there.")
        # Maricel: sent by SMS, never reported delivered (so not reached).
        times["maricel told"] = ago(days=2, hours=12)
        maricel = b.guardian("Maricel Santos")
        b.delivery(
            b.message(times["maricel told"], by=carter),
            maricel,
            Channel.SMS,
            S.SENT,
            times["maricel told"],
        )
        # Amina: a check-in that arrived.
        b.delivery(
            b.message(ago(days=5), by=carter, kind=MessageKind.CHECKIN),
            amina,
            Channel.SMS,
            S.DELIVERED,
            ago(days=5),
        )
        # Lan wrote; Kim's answer waits for her quiet hours.
        lan = b.guardian("Lan Nguyen")
        times["lan wrote"] = ago(days=15)
        b.message(times["lan wrote"], by=lan)
        b.delivery(
            b.message(ago(minutes=30), by=kim),
            lan,
            Channel.SMS,
            S.PENDING,
            ago(minutes=30),
            not_before=NOW + dt.timedelta(hours=9),
        )
        # Faadumo opted out: cancelled on WhatsApp, refused on SMS.
        faadumo = b.guardian("Faadumo Warsame")
        to_faadumo = b.message(ago(days=6), by=kim)
        cancelled = b.delivery(
            to_faadumo, faadumo, Channel.WHATSAPP, S.CANCELLED, ago(days=6), note=OPTED_OUT_NOTE
        )
        b.delivery(
            to_faadumo,
            faadumo,
            Channel.SMS,
            S.FAILED,
            ago(days=6),
            code="21610",
            fallback_of=cancelled,
        )
        # Marie: undelivered, without a code.
        b.delivery(
            b.message(ago(days=25), by=kim),
            b.guardian("Marie Joseph"),
            Channel.SMS,
            S.UNDELIVERED,
            ago(days=25),
        )
        # Jim: a timeout, tried again tomorrow; Margaret: cancelled with the meeting.
        jim = b.delivery(
            b.message(ago(hours=1), by=kim),
            b.guardian("Jim Lopez"),
            Channel.SMS,
            S.PENDING,
            ago(hours=1),
            code="timeout",
            next_attempt_at=NOW + dt.timedelta(days=1),
        )
        jim.attempts = 1
        margaret = b.guardian("Margaret Ruby")
        b.delivery(
            b.message(ago(days=4), by=kim, kind=MessageKind.MEETING),
            margaret,
            Channel.SMS,
            S.CANCELLED,
            ago(days=4),
            note="the meeting was cancelled",
        )
        # A note to a staff member is no delivery to a family.
        session.add(
            Delivery(
                recipient_kind=RecipientKind.STAFF,
                staff_id=carter.id,
                channel=Channel.TELEGRAM,
                address=str(CARTER),
                status=S.SENT,
                language="en",
                header="Rosa Pérez could not be reached.",
                sent_at=ago(days=10),
                not_before=ago(days=10),
                next_attempt_at=ago(days=10),
                created_at=ago(days=10),
            )
        )
        _plan(b, staff)
        broadcast_id = _broadcast(b, staff, times)
    return World(broadcast_id, times)
