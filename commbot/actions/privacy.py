"""A family's privacy rights: everything stored about a guardian, and erasing it.

`export_guardian` gathers, as JSON-ready values, every row about one guardian: the guardian
(name, language, time zone, quiet hours, preferred channel), contact points (addresses,
opt-outs, last inbound), links to children (consent, whether they get messages), threads
and every message in or to them (both directions, texts, media references, the cached
translations of their words), deliveries to them and the copies of their words to staff
with each one's history, open numbered questions, check-ins they were asked, meetings they
were asked to (purpose, time, the slot they chose, what they asked for, their words, every
message and reminder sent them about it, the concerns they raised and what answers each,
the action items they own and the follow-ups sent them, their feedback; never their
calendar link), their photo consent changes, the class photos they got or were skipped
for, their stories from home (`privacy_photos`), invites,
stored media files, early status reports and unknown-sender records for their addresses,
and when staff were sent notes naming them. Other people's addresses are left out: staff
are named, never their chat ids; notes to staff are listed, not quoted, since they can name
other families too (a check-in digest lists everyone asked).

`forget_guardian` erases the guardian's personal data and their conversations' words and
keeps what anonymous reports count. Erased:
- the guardian's name (a placeholder), roster id, time zone and quiet hours; they become
  inactive;
- contact points (phone numbers, chat ids, opt-outs) and links to children;
- the text and media of every message they wrote, and of messages to them that no other
  family still holds (a message to both parents keeps its words for the other one);
  files made from those photos, on disk and in `media_files`;
- on every delivery to them: address, header, pieces, body, media, buttons and error text; on
  copies of their messages to staff: header, body and media; waiting deliveries to them are
  cancelled (with a history event) and never fall back or notify anyone;
- their name in notes to staff (digests, "could not reach" notes), replaced by the
  placeholder; cached translations of their conversations' words; their open questions,
  invites, early status reports and unknown-sender records;
- their part of every meeting: the invitation (chosen slot, needs, calendar link), their
  words kept on it, the record of messages sent them about it, their reminders, the
  concerns they raised (with what answers them), the action items they own (with their
  follow-ups), the follow-ups and feedback requests sent them, and their feedback (the
  meeting itself, its notes and the school's items are the school's and stay);
- their photo consent history (which class photos they got, and which of their messages
  were stories, stay as ids and times).

Kept, so counts by channel, direction, kind, status, school, class, staff member and time
still add up: the guardian row (placeholder name, school, language, preferred channel), the
threads (student, staff member, times), each message row (kind, direction, author ids,
language, urgency, time) and delivery row (channel, lane, status, attempts, error code,
provider id, times), their delivery events (which never hold addresses or words), and
check-in runs (which list guardian ids only). The provider message ids are kept so the
school can also delete the messages in Twilio's own logs, which commbot cannot reach.

Forgetting cannot be undone except from a backup. It is idempotent: a second run finds
nothing left to erase. Staff are never forgotten by it. A later roster import that still
lists the guardian creates them again, as a new person: remove them from the roster too.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..dispatch import history
from ..glossary import load_glossary
from ..media import remove_made_from, source_key
from ..models import (
    Base,
    ContactPoint,
    Delivery,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    EarlyStatusReport,
    Guardian,
    Guardianship,
    InviteCode,
    MediaFile,
    Message,
    PendingChoice,
    RecipientKind,
    School,
    Staff,
    Student,
    Thread,
    TranslationCache,
    UnknownSenderReply,
)
from .privacy_broadcasts import export_broadcasts
from .privacy_photos import export_photos, forget_photos

FORGOTTEN_NAME = "(forgotten)"
EXPORT_FORMAT = "commbot-family-export/1"
ERASED_NOTE = "the family's data was erased"
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD, DeliveryStatus.SENDING)

# Every table, and what export and forget do with it. A table that refers to guardians,
# contact points or addresses must be in EXPORTED (tests/test_family_privacy.py checks),
# under the key of the export that holds it.
EXPORTED: dict[str, str] = {
    "guardians": "guardian",
    "contact_points": "contact_points",
    "guardianships": "children",
    "threads": "threads",
    "messages": "messages",
    "translation_cache": "messages",  # as each message's "translations"
    "deliveries": "deliveries",
    "delivery_events": "deliveries",  # as each delivery's "history"; and "notes_to_staff"
    "early_status_reports": "early_status_reports",
    "pending_choices": "pending_questions",
    "invite_codes": "invites",
    "unknown_sender_replies": "unknown_sender_replies",
    "media_files": "media_files",
    "checkin_runs": "checkins",
    # Meetings they were asked to: the facts (its `phone` is the school's dial-in number),
    # and theirs alone: their answers, their words, each message sent them, their reminders.
    "meetings": "meetings",
    "meeting_invitees": "meetings",
    "meeting_inputs": "meetings",
    "meeting_contacts": "meetings",
    "meeting_reminders": "meetings",
    # After the meeting: the concerns they raised, the items they own, the follow-ups
    # sent them, and their feedback.
    "meeting_concerns": "meetings",
    "action_items": "meetings",
    "action_followups": "meetings",
    "meeting_feedback": "meetings",
    "photo_consent_changes": "photos",
    "photo_recipients": "photos",  # which class photos they got or were skipped for
    "stories": "photos",
    "broadcast_recipients": "broadcasts",  # which broadcasts they were meant to get
}
NOT_ABOUT_GUARDIANS: dict[str, str] = {
    "schools": "the school itself",
    "staff": "staff, named in the export as the other side; never forgotten",
    "students": "the school's roster; named in the export's children",
    "classes": "the school's classes",
    "class_staff": "who teaches which class",
    "enrollments": "which student is in which class",
    "service_assignments": "which staff member serves which student",
    "staff_compose": "a staff member's next message, by student",
    "staff_dialogs": "a staff member's open dialog",
    "sender_leases": "which worker sends through which sender",
    "inbound_receipts": "provider ids of processed webhooks, linked to nobody",
    "checkin_plans": "staff members' check-in plans, by class or student",
    "checkin_schedules": "when each plan fires, by time zone",
    "meeting_slots": "the times a school proposed; the one a family chose is exported",
    "meeting_attendees": "school staff and specialists who attend a meeting",
    "meeting_notes": "the school's notes of a meeting; what a family was sent is in its deliveries",
    "photo_posts": "a teacher's photo post; what a family got is in its deliveries",
    "photo_tags": "which children a teacher said are in a post",
    "photo_digests": "a class's end-of-day photo digest setting",
    "broadcasts": "a staff member's broadcast; what a family got is in its deliveries",
}


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json_day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(obj: Base, *names: str) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in names}


def _text_hash(text: str) -> str:
    # The translation cache's key (commbot.translation.cache.text_hash).
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- finding what is theirs ----------------------------------------------------------------


def _addresses(session: Session, guardian: Guardian) -> list[ContactPoint]:
    return list(
        session.scalars(
            select(ContactPoint)
            .where(ContactPoint.guardian_id == guardian.id)
            .order_by(ContactPoint.priority, ContactPoint.id)
        )
    )


def _threads(session: Session, guardian: Guardian) -> list[Thread]:
    return list(
        session.scalars(select(Thread).where(Thread.guardian_id == guardian.id).order_by(Thread.id))
    )


def _messages(session: Session, guardian: Guardian) -> list[Message]:
    """Messages they wrote, on their threads, or delivered to them (a check-in, say)."""
    delivered = select(Delivery.message_id).where(Delivery.guardian_id == guardian.id)
    their_threads = select(Thread.id).where(Thread.guardian_id == guardian.id)
    return list(
        session.scalars(
            select(Message)
            .where(
                or_(
                    Message.author_guardian_id == guardian.id,
                    Message.thread_id.in_(their_threads),
                    Message.id.in_(delivered),
                )
            )
            .order_by(Message.created_at, Message.id)
        )
    )


def _deliveries(session: Session, guardian: Guardian, message_ids: Sequence[int]) -> list[Delivery]:
    """Deliveries to them, and the copies of these messages sent to staff."""
    return list(
        session.scalars(
            select(Delivery)
            .where(
                or_(
                    Delivery.guardian_id == guardian.id,
                    and_(
                        Delivery.message_id.in_(message_ids),
                        Delivery.recipient_kind == RecipientKind.STAFF,
                    ),
                )
            )
            .order_by(Delivery.id)
        )
    )


def _provider_ids(deliveries: Iterable[Delivery]) -> set[str]:
    return {d.provider_message_id for d in deliveries if d.provider_message_id}


def _media_references(messages: Iterable[Message]) -> list[dict[str, Any]]:
    return [m for message in messages for m in message.media if isinstance(m, dict)]


def _media_files(session: Session, references: Sequence[dict[str, Any]]) -> list[MediaFile]:
    sources = {
        hashlib.sha256(s.encode("utf-8")).hexdigest() for r in references if (s := source_key(r))
    }
    tokens = {str(r["local_token"]) for r in references if r.get("local_token")}
    if not sources and not tokens:
        return []
    return list(
        session.scalars(
            select(MediaFile).where(
                or_(MediaFile.source_hash.in_(sources), MediaFile.token.in_(tokens))
            )
        )
    )


# -- export --------------------------------------------------------------------------------


def export_guardian(session: Session, guardian: Guardian, now: dt.datetime) -> dict[str, Any]:
    """Everything stored about `guardian` and their conversations, as JSON-ready values."""
    from ..features.checkins.models import CheckinPlan, CheckinRun

    staff_names = dict(session.execute(select(Staff.id, Staff.name)).all())
    points = _addresses(session, guardian)
    addresses = {p.address for p in points}
    threads = _threads(session, guardian)
    messages = _messages(session, guardian)
    written = [m.id for m in messages if m.author_guardian_id == guardian.id]
    deliveries = _deliveries(session, guardian, written)
    students = {s.id: s for s in session.scalars(select(Student))}
    events: dict[int, list[DeliveryEvent]] = {}
    for event in session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.delivery_id.in_([d.id for d in deliveries]))
        .order_by(DeliveryEvent.at, DeliveryEvent.id)
    ):
        events.setdefault(event.delivery_id, []).append(event)
    translations: dict[str, list[dict[str, Any]]] = {}
    hashes = {_text_hash(m.text) for m in messages if m.text}
    if hashes:
        for entry in session.scalars(
            select(TranslationCache).where(TranslationCache.text_hash.in_(hashes))
        ):
            translations.setdefault(entry.text_hash, []).append(
                _row(entry, "source_language", "target_language", "translated", "backend")
            )
    school = session.get(School, guardian.school_id)
    runs = [
        run
        for run in session.scalars(select(CheckinRun).order_by(CheckinRun.fired_at))
        if any(pair[0] == guardian.id for pair in run.recipients)
    ]
    plans = {p.id: p for p in session.scalars(select(CheckinPlan))}

    def student_name(student_id: int | None) -> str | None:
        return students[student_id].name if student_id in students else None

    def message(m: Message) -> dict[str, Any]:
        row = _row(m, "id", "thread_id", "kind", "author_kind", "text", "language", "media")
        row |= _row(m, "urgent", "created_at")
        row["from_this_guardian"] = m.author_guardian_id == guardian.id
        row["staff"] = staff_names.get(m.author_staff_id) if m.author_staff_id else None
        row["student"] = student_name(m.student_id)
        row["translations"] = translations.get(_text_hash(m.text), []) if m.text else []
        return row

    def delivery(d: Delivery) -> dict[str, Any]:
        row = _row(d, "id", "message_id", "recipient_kind", "channel", "status", "language")
        if d.recipient_kind is RecipientKind.GUARDIAN:
            row["address"] = d.address  # theirs: the staff member's chat id is left out
        else:
            row["staff"] = staff_names.get(d.staff_id) if d.staff_id else None
        row |= _row(d, "header", "pieces", "body", "media", "attempts", "not_before")
        row |= _row(d, "created_at")
        row |= _row(d, "sent_at", "provider_message_id", "error_code", "error_message")
        row["history"] = [
            _row(e, "at", "kind", "status", "error_code", "provider_message_id", "detail")
            for e in events.get(d.id, [])
        ]
        return row

    provider_ids = _provider_ids(deliveries)
    listed = {d.id for d in deliveries}
    notes = [d for d, _ in _staff_notes(session, guardian.name) if d.id not in listed]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "guardian": _row(
            guardian, "id", "name", "external_id", "language", "timezone", "quiet_hours"
        )
        | _row(guardian, "preferred_channel", "active", "created_at")
        | {"school": school.name if school else None},
        "contact_points": [
            _row(p, "channel", "address", "priority", "verified", "opted_out", "opted_out_at")
            | _row(p, "last_inbound_at", "created_at")
            for p in points
        ],
        "children": [
            {"student": link.student.name, "student_id": link.student.external_id}
            | _row(link, "relationship_name", "receives_messages", "photo_consent", "active")
            for link in session.scalars(
                select(Guardianship)
                .where(Guardianship.guardian_id == guardian.id)
                .order_by(Guardianship.id)
            )
        ],
        "threads": [
            _row(t, "id", "created_at", "last_message_at", "last_staff_message_at")
            | {"student": student_name(t.student_id), "staff": staff_names.get(t.staff_id)}
            for t in threads
        ],
        "messages": [message(m) for m in messages],
        "deliveries": [delivery(d) for d in deliveries],
        # Notes to staff that name them: their text also names other families (a
        # check-in digest lists everyone asked), so only that they exist is given.
        "notes_to_staff": [
            {"staff": staff_names.get(d.staff_id) if d.staff_id else None}
            | _row(d, "created_at", "sent_at", "status")
            for d in notes
        ],
        "pending_questions": [
            _row(p, "kind", "options", "message_ids", "created_at")
            for p in session.scalars(
                select(PendingChoice).where(PendingChoice.guardian_id == guardian.id)
            )
        ],
        "checkins": [
            {
                "asked_at": _json(run.fired_at),
                "staff": staff_names.get(plans[run.plan_id].staff_id),
                "question": plans[run.plan_id].question or plans[run.plan_id].template,
                "students": [student_name(s) for g, s in run.recipients if g == guardian.id],
                "digest_sent_at": _json(run.digest_sent_at),
            }
            for run in runs
            if run.plan_id in plans
        ],
        "meetings": _export_meetings(session, guardian, staff_names, student_name),
        "photos": export_photos(session, guardian, staff_names, student_name),
        "broadcasts": export_broadcasts(session, guardian, staff_names, student_name),
        "invites": [
            _row(i, "kind", "created_at", "expires_at", "used_at", "used_by_chat_id")
            for i in session.scalars(
                select(InviteCode).where(InviteCode.guardian_id == guardian.id)
            )
        ],
        "media_files": [
            _row(f, "content_type", "created_at", "expires_at")  # the token is a secret
            for f in _media_files(session, _media_references(messages))
        ],
        "early_status_reports": [
            _row(r, "provider_message_id", "status", "error_code", "received_at")
            for r in _early_reports(session, provider_ids)
        ],
        "unknown_sender_replies": [
            _row(r, "channel", "address", "last_replied_at")
            for r in _unknown_records(session, addresses)
        ],
    }


def _export_meetings(
    session: Session,
    guardian: Guardian,
    staff_names: dict[int, str],
    student_name: Callable[[int | None], str | None],
) -> list[dict[str, Any]]:
    """Each meeting they were asked to, with their answers, words, contacts and reminders.
    The calendar link's token is left out: it is a key, like a media token."""
    from ..features.meetings.models import (
        ActionFollowup,
        ActionItem,
        Meeting,
        MeetingConcern,
        MeetingContact,
        MeetingFeedback,
        MeetingInput,
        MeetingInvitee,
        MeetingReminder,
        MeetingSlot,
    )

    def theirs(model: Any) -> list[Any]:
        return list(
            session.scalars(
                select(model).where(model.guardian_id == guardian.id).order_by(model.id)
            )
        )

    invitees = {i.meeting_id: i for i in theirs(MeetingInvitee)}
    inputs, contacts, reminders = (
        theirs(MeetingInput),
        theirs(MeetingContact),
        theirs(MeetingReminder),
    )
    concerns, followups, feedback = (
        theirs(MeetingConcern),
        theirs(ActionFollowup),
        theirs(MeetingFeedback),
    )
    items = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.owner_guardian_id == guardian.id)
            .order_by(ActionItem.meeting_id, ActionItem.position)
        )
    )
    ids = set(invitees) | {
        r.meeting_id for r in (*inputs, *contacts, *reminders, *concerns, *followups, *feedback)
    }
    ids |= {i.meeting_id for i in items}
    words = dict(
        session.execute(
            select(Message.id, Message.text).where(
                Message.id.in_(
                    [i.message_id for i in (*inputs, *feedback) if i.message_id is not None]
                )
            )
        ).all()
    )
    raised = {i.id: i.message_id for i in inputs}
    positions = dict(
        session.execute(
            select(ActionItem.id, ActionItem.position).where(
                ActionItem.id.in_({f.item_id for f in followups if f.item_id is not None})
            )
        ).all()
    )
    slots = {
        s.id: s for s in session.scalars(select(MeetingSlot).where(MeetingSlot.meeting_id.in_(ids)))
    }
    found = []
    for meeting in session.scalars(select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.id)):
        invitee = invitees.get(meeting.id)
        chosen = slots.get(invitee.chosen_slot_id) if invitee and invitee.chosen_slot_id else None
        row = _row(meeting, "id", "purpose", "purpose_note", "state", "starts_at")
        row |= _row(meeting, "duration_minutes", "timezone", "place", "video_link")
        row |= {
            "student": student_name(meeting.student_id),
            "organizer": staff_names.get(meeting.organizer_id),
            "chosen_slot": (
                {"number": chosen.position, "starts_at": _json(chosen.starts_at)}
                if chosen
                else None
            ),
            "none_work": invitee.none_work if invitee else False,
            "needs": list(invitee.needs) if invitee else [],
            "responded_at": _json(invitee.responded_at) if invitee else None,
            "their_words": [
                {
                    "kind": _json(i.kind),
                    "text": words.get(i.message_id or -1, ""),
                    "at": _json(i.created_at),
                }
                for i in inputs
                if i.meeting_id == meeting.id
            ],
            "messages_sent": [
                _row(c, "kind", "delivery_id", "at") for c in contacts if c.meeting_id == meeting.id
            ],
            "reminders": [
                _row(r, "minutes_before", "starts_at", "due_at", "done_at", "outcome")
                for r in reminders
                if r.meeting_id == meeting.id
            ],
            "concerns": [
                _row(c, "position", "concern", "response", "answered")
                | {"their_words": words.get(raised.get(c.input_id or -1) or -1, "")}
                for c in concerns
                if c.meeting_id == meeting.id
            ],
            "action_items": [
                _row(i, "position", "what", "owner_name", "state", "delays", "delay_reason")
                | {k: _json_day(getattr(i, k)) for k in ("due_on", "first_due_on")}
                | _row(i, "done_at", "created_at")
                for i in items
                if i.meeting_id == meeting.id
            ],
            "follow_ups": [
                _row(f, "kind", "due_at", "done_at", "outcome")
                | {"item": positions.get(f.item_id or -1), "due_on": _json_day(f.due_on)}
                for f in followups
                if f.meeting_id == meeting.id
            ],
            "feedback": [
                _row(f, "asked_at", "rating", "rated_at", "answered_at")
                | {"words": words.get(f.message_id or -1, "")}
                for f in feedback
                if f.meeting_id == meeting.id
            ],
        }
        found.append(row)
    return found


def _forget_meetings(session: Session, guardian: Guardian) -> int:
    """Delete their part of every meeting; the meeting, its slots and attendees, its notes
    and the school's items stay."""
    from ..features.meetings.models import (
        ActionFollowup,
        ActionItem,
        MeetingConcern,
        MeetingContact,
        MeetingFeedback,
        MeetingInput,
        MeetingInvitee,
        MeetingReminder,
    )

    count = 0
    their_items = select(ActionItem.id).where(ActionItem.owner_guardian_id == guardian.id)
    count += _delete(
        session,
        session.scalars(select(ActionFollowup).where(ActionFollowup.item_id.in_(their_items))),
    )
    session.flush()  # the items' follow-ups first: SQLite may not cascade
    count += _delete(
        session, session.scalars(select(ActionItem).where(ActionItem.id.in_(their_items)))
    )
    for model in (
        MeetingFeedback,
        ActionFollowup,
        MeetingConcern,
        MeetingReminder,
        MeetingContact,
        MeetingInput,
        MeetingInvitee,
    ):
        count += _delete(
            session, session.scalars(select(model).where(model.guardian_id == guardian.id))
        )
    return count


def _early_reports(session: Session, provider_ids: set[str]) -> list[EarlyStatusReport]:
    if not provider_ids:
        return []
    return list(
        session.scalars(
            select(EarlyStatusReport).where(EarlyStatusReport.provider_message_id.in_(provider_ids))
        )
    )


def _unknown_records(session: Session, addresses: set[str]) -> list[UnknownSenderReply]:
    if not addresses:
        return []
    return list(
        session.scalars(select(UnknownSenderReply).where(UnknownSenderReply.address.in_(addresses)))
    )


# -- forget --------------------------------------------------------------------------------


@dataclass
class Forgotten:
    """What `forget_guardian` erased (counts), and what it kept without words or address."""

    contact_points: int = 0
    children: int = 0
    messages_erased: int = 0
    deliveries_erased: int = 0
    deliveries_cancelled: int = 0
    media_files: int = 0
    translations: int = 0
    staff_notes: int = 0
    pending_questions: int = 0
    invites: int = 0
    meeting_records: int = 0
    photo_consent_changes: int = 0
    unknown_sender_records: int = 0
    early_status_reports: int = 0
    messages_kept: int = 0
    deliveries_kept: int = 0

    @property
    def erased(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if not f.name.endswith("_kept"))


def forget_guardian(session: Session, guardian: Guardian, now: dt.datetime) -> Forgotten:
    """Erase `guardian`'s personal data and their conversations' words (see the module
    docstring for what is kept). Cannot be undone; idempotent."""
    report = Forgotten()
    points = _addresses(session, guardian)
    addresses = {p.address for p in points}
    messages = _messages(session, guardian)
    shared = _held_by_other_families(session, messages, guardian)
    theirs = [m for m in messages if m.id not in shared]
    deliveries = _deliveries(session, guardian, [m.id for m in theirs])
    words = {m.text for m in theirs if m.text} | {d.body for d in deliveries if d.body}

    # Files of photos another family also got are left to expire: their copy may need it.
    theirs_ids = {m.id for m in theirs}
    report.media_files = remove_made_from(
        session,
        _media_references(theirs)
        + [
            m
            for d in deliveries
            if d.message_id is None or d.message_id in theirs_ids
            for m in d.media
            if isinstance(m, dict)
        ],
    )
    report.translations = _forget_translations(session, words)
    for m in theirs:
        if m.text or m.media:
            m.text, m.media = "", []
            report.messages_erased += 1
    for d in deliveries:
        if d.guardian_id == guardian.id and d.status in WAITING:
            d.status, d.claimed_by, d.claimed_until = DeliveryStatus.CANCELLED, None, None
            d.error_message = ERASED_NOTE
            history.record(session, d, DeliveryEventKind.CANCELLED, now, detail=ERASED_NOTE)
            report.deliveries_cancelled += 1
        before = _what_it_holds(d)
        if d.guardian_id == guardian.id:
            d.address, d.contact_point_id = "", None
        d.header, d.pieces, d.body, d.media, d.buttons = "", [], "", [], []
        if d.error_message != ERASED_NOTE:
            d.error_message = None  # a provider's error text can quote the number
        if before != _what_it_holds(d):
            report.deliveries_erased += 1
    report.staff_notes = _rename_in_staff_notes(session, guardian.name)
    report.early_status_reports = _delete(
        session, _early_reports(session, _provider_ids(deliveries))
    )
    report.unknown_sender_records = _delete(session, _unknown_records(session, addresses))
    report.pending_questions = _delete(
        session,
        session.scalars(select(PendingChoice).where(PendingChoice.guardian_id == guardian.id)),
    )
    report.invites = _delete(
        session, session.scalars(select(InviteCode).where(InviteCode.guardian_id == guardian.id))
    )
    report.meeting_records = _forget_meetings(session, guardian)
    report.photo_consent_changes = forget_photos(session, guardian, theirs_ids)
    report.children = _delete(
        session,
        session.scalars(select(Guardianship).where(Guardianship.guardian_id == guardian.id)),
    )
    report.contact_points = _delete(session, points)
    guardian.name, guardian.external_id = FORGOTTEN_NAME, None
    guardian.timezone, guardian.quiet_hours, guardian.active = None, "", False
    session.flush()
    report.messages_kept = len(messages)
    report.deliveries_kept = len(deliveries)
    return report


def _held_by_other_families(
    session: Session, messages: Sequence[Message], guardian: Guardian
) -> set[int]:
    """Ids of the messages that a guardian other than this one (and not forgotten) got;
    what this guardian wrote is theirs alone."""
    ids = [m.id for m in messages if m.author_guardian_id != guardian.id]
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Delivery.message_id)
            .join(Guardian, Delivery.guardian_id == Guardian.id)
            .where(
                Delivery.message_id.in_(ids),
                Guardian.id != guardian.id,
                Guardian.name != FORGOTTEN_NAME,
            )
            .distinct()
        )
    )


def _forget_translations(session: Session, words: set[str]) -> int:
    """Delete cached translations of these texts, and of what was read back to staff.

    A back-translation is cached under the hash of the family's version: the forward
    translation, with jargon explained when the original was English (compose.py)."""
    if not words:
        return 0
    by_hash = {_text_hash(w): w for w in words}
    found = list(
        session.scalars(select(TranslationCache).where(TranslationCache.text_hash.in_(by_hash)))
    )
    glossary = load_glossary()
    versions: set[str] = set()
    for entry in found:
        versions.add(_text_hash(entry.translated))
        original = by_hash[entry.text_hash]
        if entry.source_language.split("-")[0].lower() == "en":
            terms = glossary.find(original)
            if terms:
                explained = glossary.explain(entry.translated, entry.target_language, terms)
                versions.add(_text_hash(explained))
    if versions - set(by_hash):
        found.extend(
            session.scalars(
                select(TranslationCache).where(
                    TranslationCache.text_hash.in_(versions - set(by_hash))
                )
            )
        )
    return _delete(session, {e.id: e for e in found}.values())


def _staff_notes(session: Session, name: str) -> list[tuple[Delivery, re.Pattern[str]]]:
    """Bot-written notes to staff that name the guardian (digests, "could not reach" notes,
    send reports): whole-name matches only, so "Li" is never found in "Lincoln"."""
    if name == FORGOTTEN_NAME or not name.strip():
        return []
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    candidates = session.scalars(
        select(Delivery)
        .where(
            Delivery.recipient_kind == RecipientKind.STAFF,
            Delivery.header.contains(name, autoescape=True),
        )
        .order_by(Delivery.id)
    )
    return [(d, pattern) for d in candidates if pattern.search(d.header)]


def _what_it_holds(d: Delivery) -> tuple[Any, ...]:
    return (d.address, d.contact_point_id, d.header, d.pieces, d.body, d.media, d.buttons)


def _rename_in_staff_notes(session: Session, name: str) -> int:
    """Replace the guardian's name by the placeholder in notes to staff."""
    notes = _staff_notes(session, name)
    for delivery, pattern in notes:
        delivery.header = pattern.sub(FORGOTTEN_NAME, delivery.header)
    return len(notes)


def _delete(session: Session, rows: Iterable[Base]) -> int:
    count = 0
    for row in list(rows):
        session.delete(row)
        count += 1
    return count
