"""A family writes: find who should get it, and pass it to them on the child's thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import N_, gettext
from ..i18n.relationships import relationship_in
from ..models import ContactPoint, Guardian, Guardianship, Message, Staff, Student, Thread
from ..outbox import Keyboard, release_held_deliveries, to_staff
from ..policy import class_teachers, school_coordinators, serves
from ..threads import thread_for

# A thread where staff wrote this recently decides where a family's reply goes.
RECENT_THREAD = dt.timedelta(days=14)

RELAY_HEADER = N_("{guardian} ({relationship} of {student}) wrote:")
RELAY_HEADER_NO_RELATIONSHIP = N_("{guardian} (family of {student}) wrote:")
# Another staff member's copy of it (`RELAY_COPIES`): who the family wrote to, and that
# the copy is for them to know.
COPY_HEADER = N_("For you to know: {guardian} ({relationship} of {student}) wrote to {staff}:")
COPY_HEADER_NO_RELATIONSHIP = N_(
    "For you to know: {guardian} (family of {student}) wrote to {staff}:"
)

Target = tuple[Student, Staff]

# What a feature puts under a relayed family message for the staff member (a story's
# Thank you). Features register here (their handlers, loaded with the conversations), so
# relaying imports no feature; a hook must never raise.
RelayButtons = Callable[[Session, Guardian, Message, Student, Staff, dt.datetime], Keyboard]
RELAY_BUTTONS: list[RelayButtons] = []


def relay_buttons(hook: RelayButtons) -> RelayButtons:
    RELAY_BUTTONS.append(hook)
    return hook


# Other staff members who get a copy of a relayed family message (a broadcast's answer goes
# to the child's class teacher too when its sender is not on the child's team). Registered
# like RELAY_BUTTONS; a hook must never raise.
RelayCopies = Callable[[Session, Guardian, Message, Student, Staff, dt.datetime], list[Staff]]
RELAY_COPIES: list[RelayCopies] = []


def relay_copies(hook: RelayCopies) -> RelayCopies:
    RELAY_COPIES.append(hook)
    return hook


def reply_targets(session: Session, guardian: Guardian, now: dt.datetime) -> list[Target]:
    """Where this family's message could go: one (child, staff member) pair per child.

    The staff member who wrote to them most recently (within two weeks) takes it, while
    they still serve that child; otherwise each child's last correspondent, class teacher
    or, failing those, a coordinator. A guardian or child off the roster reaches nobody.
    """
    if not guardian.active:
        return []
    recent = session.scalar(
        select(Thread)
        .where(
            Thread.guardian_id == guardian.id,
            Thread.last_staff_message_at >= now - RECENT_THREAD,
        )
        .order_by(Thread.last_staff_message_at.desc())
    )
    if recent is not None:
        student = session.get_one(Student, recent.student_id)
        staff = session.get_one(Staff, recent.staff_id)
        if still_theirs(session, guardian, student, staff):
            return [(student, staff)]
    targets: list[Target] = []
    children = session.scalars(
        select(Student)
        .join(Guardianship)
        .where(Guardianship.guardian_id == guardian.id, Guardianship.active, Student.active)
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
            correspondent = session.get_one(Staff, last.staff_id)
            if serves(session, correspondent, student):
                targets.append((student, correspondent))
                continue
        team = class_teachers(session, student) or school_coordinators(session, student)
        if team:
            targets.append((student, team[0]))
    return targets


def still_theirs(session: Session, guardian: Guardian, student: Student, staff: Staff) -> bool:
    """A thread routes replies only while the family and the staff member still have the
    child in common: after a class change, messages go to the new teacher."""
    linked = session.scalar(
        select(Guardianship.id).where(
            Guardianship.guardian_id == guardian.id,
            Guardianship.student_id == student.id,
            Guardianship.active,
        )
    )
    return linked is not None and serves(session, staff, student)


def family_wrote(session: Session, point: ContactPoint, *, now: dt.datetime) -> int:
    """A family wrote on this contact point: that reopens any reply window the channel has
    (WhatsApp's 24 hours), so what was held for it goes now. Returns how many."""
    point.last_inbound_at = now
    return release_held_deliveries(session, point, now)


def rejoin_newer_conversation(
    session: Session,
    guardian: Guardian,
    held: Sequence[Message],
    since: dt.datetime,
    *,
    now: dt.datetime,
) -> bool:
    """Messages held for a "which child?" answer go to the conversation a staff member has
    started with the family since `since`, if one has. True if they did."""
    thread = session.scalar(
        select(Thread)
        .where(Thread.guardian_id == guardian.id, Thread.last_staff_message_at > since)
        .order_by(Thread.last_staff_message_at.desc())
    )
    if thread is None:
        return False
    student = session.get_one(Student, thread.student_id)
    staff = session.get_one(Staff, thread.staff_id)
    for message in held:
        relay_family_message(session, guardian, message, student, staff, now=now)
    return True


def relay_family_message(
    session: Session,
    guardian: Guardian,
    message: Message,
    student: Student,
    staff: Staff,
    *,
    now: dt.datetime,
) -> Thread:
    """Put the family's message on its thread and queue it to the staff member; a story
    (a photo or video, or an answer to the story check-in) gets a thank-you button, and
    the staff members a feature names (`RELAY_COPIES`) get a copy."""
    thread = thread_for(session, student, guardian, staff, now)
    thread.last_message_at = now
    message.thread_id = thread.id
    message.student_id = student.id
    session.add(message)
    session.flush()
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
        now=now,
        message=message,
        header=header,
        body=message.text,
        body_language=message.language,
        show_original=True,
        media=message.media,
        buttons=[
            row
            for hook in RELAY_BUTTONS
            for row in hook(session, guardian, message, student, staff, now)
        ],
    )
    copies = {
        c.id: c
        for hook in RELAY_COPIES
        for c in hook(session, guardian, message, student, staff, now)
    }
    for copy in copies.values():
        if copy.id != staff.id and copy.active:
            _copy(session, copy, guardian, message, student, staff, relationship or "", now)
    return thread


def _copy(
    session: Session,
    copy: Staff,
    guardian: Guardian,
    message: Message,
    student: Student,
    staff: Staff,
    relationship: str,
    now: dt.datetime,
) -> None:
    """The family's message for another staff member to know, naming who it was for."""
    template = COPY_HEADER if relationship else COPY_HEADER_NO_RELATIONSHIP
    header = gettext(
        copy.language,
        template,
        guardian=guardian.name,
        relationship=relationship_in(copy.language, relationship),
        student=student.name,
        staff=staff.name,
    )
    to_staff(
        session,
        staff=copy,
        now=now,
        message=message,
        header=header,
        body=message.text,
        body_language=message.language,
        show_original=True,
        media=message.media,
    )
