"""A family writes: keywords, "which child?", and relaying to the right staff member."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dispatch.outcomes import fall_back
from ..i18n import N_, gettext
from ..i18n.relationships import relationship_in
from ..models import (
    AuthorKind,
    Channel,
    ChoiceKind,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    Message,
    MessageKind,
    PendingChoice,
    RecipientKind,
    Staff,
    Student,
    Thread,
)
from ..outbox import notice, release_whatsapp_deliveries, to_staff
from ..policy import class_teachers, school_coordinators, serves
from ..threads import thread_for
from . import language_menu
from .context import Context

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# A thread where staff wrote this recently decides where a family's reply goes.
RECENT_THREAD = dt.timedelta(days=14)

HELP_TEXT = N_(
    "This is your child's school. Write here any time and your child's teacher will get "
    "your message. Reply STOP to stop text messages, START to get them again."
)
RESUBSCRIBED = N_("You will get text messages from the school again.")
WHICH_CHILD = N_("Which child is your message about? Reply with the number:")
NOBODY_TO_ANSWER = N_(
    "Thank you. We got your message. Nobody at school can answer it here yet, "
    "so please also call the school office."
)
RELAY_HEADER = N_("{guardian} ({relationship} of {student}) wrote:")
RELAY_HEADER_NO_RELATIONSHIP = N_("{guardian} (family of {student}) wrote:")


def handle(context: Context, point: ContactPoint) -> None:
    guardian = point.guardian
    inbound = context.inbound
    point.last_inbound_at = context.now
    if point.channel is Channel.WHATSAPP:
        released = release_whatsapp_deliveries(context.session, point, context.now)
        if released:
            context.events.append(f"released {released} held WhatsApp deliveries")
    pending = _pending_choices(context, guardian)
    if _language_choice(context, point, pending.get(ChoiceKind.LANGUAGE)):
        return
    word = inbound.text.strip().upper()
    if point.channel in (Channel.SMS, Channel.WHATSAPP) and not inbound.media:
        if word in STOP_WORDS:
            opt_out(context, point)
            return
        if word in START_WORDS:
            point.opted_out = False
            point.opted_out_at = None
            _reply(context, point, gettext(guardian.language, RESUBSCRIBED))
            context.events.append("opted in")
            return
        if word in HELP_WORDS:
            _reply(context, point, gettext(guardian.language, HELP_TEXT))
            context.events.append("help")
            return
    if point.opted_out:
        # Writing to us is not opting back in, but the message still reaches the school.
        context.events.append("message from an opted-out number")
    message = Message(
        kind=MessageKind.CONVERSATION,
        author_kind=AuthorKind.GUARDIAN,
        author_guardian_id=guardian.id,
        text=inbound.text,
        language=guardian.language,
        media=[m.to_json() for m in inbound.media],
        created_at=context.now,
    )
    # The message is added once its route is known, so it is written once, complete.
    child_choice = _unless_overtaken(context, guardian, pending.get(ChoiceKind.CHILD))
    if child_choice is not None:
        _answer_choice(context, point, child_choice, message)
        return
    options = _candidates(context, guardian)
    if len(options) == 1:
        relay(context, message, guardian, *options[0])
    elif not options:
        context.session.add(message)  # kept, though nobody can answer it here yet
        _reply(context, point, gettext(guardian.language, NOBODY_TO_ANSWER))
        context.events.append("no staff to receive")
    else:
        context.session.add(message)
        context.session.flush()
        _ask_which_child(context, point, guardian, options, [message.id])


def _pending_choices(context: Context, guardian: Guardian) -> dict[ChoiceKind, PendingChoice]:
    """The numbered questions waiting for this guardian's answer, by kind."""
    choices = context.session.scalars(
        select(PendingChoice).where(PendingChoice.guardian_id == guardian.id)
    )
    return {choice.kind: choice for choice in choices}


def _language_choice(context: Context, point: ContactPoint, pending: PendingChoice | None) -> bool:
    """Asking for the language menu, or answering it. True when the message was that."""
    guardian = point.guardian
    inbound = context.inbound
    session = context.session
    if language_menu.is_language_request(inbound.text):
        if pending is None:
            pending = PendingChoice(
                guardian_id=guardian.id, kind=ChoiceKind.LANGUAGE, created_at=context.now
            )
            session.add(pending)
        buttons = language_menu.menu_buttons() if point.channel is Channel.TELEGRAM else None
        _reply(context, point, language_menu.menu_text(guardian.language), buttons=buttons)
        context.events.append("language menu")
        return True
    choice = language_menu.picked(inbound.text, inbound.callback_data)
    if pending is not None and choice is not None:
        guardian.language = choice
        session.delete(pending)
        _reply(context, point, language_menu.confirmation(choice))
        context.events.append("language changed")
        return True
    if inbound.callback_data is not None:
        return True  # a stale or foreign button: nothing to relay
    if pending is not None:
        session.delete(pending)  # they wrote something else: the menu is closed
    return False


def opt_out(context: Context, point: ContactPoint) -> None:
    """STOP: no more messages to this number on this channel; move what was waiting."""
    session = context.session
    point.opted_out = True
    point.opted_out_at = context.now
    context.events.append("opted out")
    waiting = session.scalars(
        select(Delivery).where(
            Delivery.contact_point_id == point.id,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
    ).all()
    for delivery in waiting:
        delivery.status = DeliveryStatus.CANCELLED
        delivery.error_message = "the family opted out of this channel"
        # Their next channel, or a word to the staff member who wrote.
        fall_back(session, delivery, context.now, context.default_timezone)


def _candidates(context: Context, guardian: Guardian) -> list[tuple[Student, Staff]]:
    """Where this family's message could go: one (child, staff) pair per child."""
    session = context.session
    recent = session.scalar(
        select(Thread)
        .where(
            Thread.guardian_id == guardian.id,
            Thread.last_staff_message_at >= context.now - RECENT_THREAD,
        )
        .order_by(Thread.last_staff_message_at.desc())
    )
    if recent is not None:
        student = session.get_one(Student, recent.student_id)
        staff = session.get_one(Staff, recent.staff_id)
        if _still_theirs(session, guardian, student, staff):
            return [(student, staff)]
    options: list[tuple[Student, Staff]] = []
    children = session.scalars(
        select(Student)
        .join(Guardianship)
        .where(Guardianship.guardian_id == guardian.id)
        .order_by(Student.name)
    )
    for student in children:
        last = session.scalar(
            select(Thread)
            .where(
                Thread.guardian_id == guardian.id,
                Thread.student_id == student.id,
                Thread.last_staff_message_at.is_not(None),
            )
            .order_by(Thread.last_staff_message_at.desc())
        )
        if last is not None:
            staff_member = session.get_one(Staff, last.staff_id)
            if serves(session, staff_member, student):
                options.append((student, staff_member))
                continue
        staff = class_teachers(session, student) or school_coordinators(session, student)
        if staff:
            options.append((student, staff[0]))
    return options


def _unless_overtaken(
    context: Context, guardian: Guardian, choice: PendingChoice | None
) -> PendingChoice | None:
    """A "which child?" question stops standing once a staff member has written to the
    family since: what it held goes to that conversation, and the new message is read as a
    reply to the staff member, not as an answer to the old question."""
    if choice is None:
        return None
    session = context.session
    thread = session.scalar(
        select(Thread)
        .where(
            Thread.guardian_id == guardian.id,
            Thread.last_staff_message_at > choice.created_at,
        )
        .order_by(Thread.last_staff_message_at.desc())
    )
    if thread is None:
        return choice
    student = session.get_one(Student, thread.student_id)
    staff = session.get_one(Staff, thread.staff_id)
    held = [session.get_one(Message, i) for i in choice.message_ids]
    session.delete(choice)
    for message in held:
        relay(context, message, guardian, student, staff)
    context.events.append("held messages joined a newer conversation")
    return None


def _still_theirs(session: Session, guardian: Guardian, student: Student, staff: Staff) -> bool:
    """A thread routes replies only while the family and the staff member still have the
    child in common: after a class change, messages go to the new teacher."""
    linked = session.scalar(
        select(Guardianship.id).where(
            Guardianship.guardian_id == guardian.id, Guardianship.student_id == student.id
        )
    )
    return linked is not None and serves(session, staff, student)


def _ask_which_child(
    context: Context,
    point: ContactPoint,
    guardian: Guardian,
    options: list[tuple[Student, Staff]],
    message_ids: list[int],
) -> None:
    session = context.session
    existing = _pending_choices(context, guardian).get(ChoiceKind.CHILD)
    if existing is None:
        existing = PendingChoice(
            guardian_id=guardian.id, kind=ChoiceKind.CHILD, created_at=context.now
        )
        session.add(existing)
    existing.message_ids = message_ids
    existing.options = [[student.id, staff.id] for student, staff in options]
    lines = [gettext(guardian.language, WHICH_CHILD)]
    lines += [
        f"{n}. {student.name} ({staff.name})" for n, (student, staff) in enumerate(options, 1)
    ]
    _reply(context, point, "\n".join(lines))
    context.events.append("asked which child")


def _answer_choice(
    context: Context, point: ContactPoint, pending: PendingChoice, message: Message
) -> None:
    session = context.session
    guardian = point.guardian
    choice = message.text.strip().rstrip(".)")
    if choice.isdigit() and 1 <= int(choice) <= len(pending.options) and not message.media:
        student_id, staff_id = pending.options[int(choice) - 1]
        student = session.get_one(Student, student_id)
        staff = session.get_one(Staff, staff_id)
        held = [session.get_one(Message, i) for i in pending.message_ids]
        session.delete(pending)  # the digit was an answer, not a message for the teacher
        for earlier in held:
            relay(context, earlier, guardian, student, staff)
        context.events.append("child chosen")
        return
    # Not an answer: keep this message with the others and ask again.
    session.add(message)
    session.flush()
    options = [(session.get_one(Student, s), session.get_one(Staff, t)) for s, t in pending.options]
    _ask_which_child(context, point, guardian, options, [*pending.message_ids, message.id])


def relay(
    context: Context, message: Message, guardian: Guardian, student: Student, staff: Staff
) -> None:
    """Put the family's message on its thread and queue it to the staff member."""
    session = context.session
    thread = thread_for(session, student, guardian, staff, context.now)
    thread.last_message_at = context.now
    message.thread_id = thread.id
    message.student_id = student.id
    session.add(message)
    relationship = session.scalar(
        select(Guardianship.relationship_name).where(
            Guardianship.guardian_id == guardian.id, Guardianship.student_id == student.id
        )
    )
    template = RELAY_HEADER if relationship else RELAY_HEADER_NO_RELATIONSHIP
    header = gettext(
        staff.language,
        template,
        guardian=guardian.name,
        relationship=relationship_in(staff.language, relationship or ""),
        student=student.name,
    )
    to_staff(
        session,
        staff=staff,
        now=context.now,
        message=message,
        header=header,
        body=message.text,
        body_language=message.language,
        show_original=True,
        media=message.media,
    )
    context.events.append("relayed to staff")


def _reply(
    context: Context,
    point: ContactPoint,
    text: str,
    buttons: list[list[dict[str, str]]] | None = None,
) -> None:
    notice(
        context.session,
        channel=point.channel,
        address=point.address,
        text=text,
        language=point.guardian.language,
        now=context.now,
        recipient_kind=RecipientKind.GUARDIAN,
        guardian_id=point.guardian_id,
        contact_point_id=point.id,
        buttons=buttons,
    )
