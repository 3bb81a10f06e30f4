"""A staff member writes on Telegram: commands, replies to families, and new messages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..i18n import N_, gettext
from ..i18n.relationships import relationship_in
from ..languages import UnknownLanguage, name_in, normalize_language
from ..models import (
    Channel,
    Delivery,
    Guardian,
    Guardianship,
    RecipientKind,
    Staff,
    StaffCompose,
    Student,
)
from ..outbox import notice, usable_points
from ..policy import (
    SCHOOL_WIDE_ROLES,
    reachable_guardian_named,
    reachable_guardians,
    served_students,
)
from ..staff_messages import NO_FAMILY, NOT_YOUR_STUDENT, write_to_family
from . import checkin_dialog, language_menu
from .context import Context

# How long after `/msg <student>` the next plain message goes to that family.
COMPOSE_TIME = dt.timedelta(minutes=15)
HELP = N_(
    "Reply to a family's message to answer it.\n"
    "/msg <student> <text> writes to that student's family.\n"
    "/families lists the families you work with.\n"
    "/language sets your language; /setlanguage <name> <code> sets a family's.\n"
    "/backtranslation on|off shows or hides what families read, translated back.\n"
    "/checkin sets up a regular check-in with families; /checkins lists yours."
)
NO_SUCH_STUDENT = N_('I could not find a student called "{name}" among your students.')
WRITE_NOW = N_("Write your message for {student}'s family now. It goes to: {names}.")
UNKNOWN_REPLY = N_("I do not know which family that message came from. Use /msg <student> <text>.")
NO_FAMILIES = N_("You have no students yet. Ask your coordinator to add you to a class.")


def handle(context: Context, staff: Staff) -> None:
    text = context.inbound.text.strip()
    command, _, rest = text.partition(" ")
    command = command.split("@")[0].lower() if command.startswith("/") else ""
    callback = context.inbound.callback_data
    if command == "/cancel":
        checkin_dialog.cancel(context, staff, _tell)
    elif callback is not None and callback.startswith("ckp:"):
        checkin_dialog.plan_action(context, staff, _tell)
    elif (
        callback is not None
        and callback.startswith("ck:")
        and checkin_dialog.active(context, staff)
    ):
        checkin_dialog.answer(context, staff, _tell, _find_student)
    elif callback is not None:
        _own_language(context, staff, language_menu.picked("", callback))
    elif command == "/checkin":
        checkin_dialog.start(context, staff, _tell)
    elif command == "/checkins":
        checkin_dialog.list_plans(context, staff, _tell)
    elif not command and checkin_dialog.active(context, staff) and text:
        checkin_dialog.answer(context, staff, _tell, _find_student)
    elif command == "/language":
        _language_command(context, staff, rest.strip())
    elif command == "/setlanguage":
        _set_family_language(context, staff, rest.strip())
    elif command == "/backtranslation":
        _back_translation_switch(context, staff, rest.strip().lower())
    elif command == "/families":
        _families(context, staff)
    elif command == "/msg":
        _msg(context, staff, rest.strip())
    elif command == "/urgent":
        if staff.role not in SCHOOL_WIDE_ROLES:
            _tell(context, staff, gettext(staff.language, URGENT_ONLY_COORDINATORS))
        else:
            _msg(context, staff, rest.strip(), urgent=True)
    elif command in ("/help", "/start"):
        _tell(context, staff, gettext(staff.language, HELP))
    elif context.inbound.reply_to_provider_id:
        _reply_to_relayed(context, staff)
    elif text or context.inbound.media:
        compose = context.session.get(StaffCompose, staff.id)
        if compose is not None and context.now - compose.created_at > COMPOSE_TIME:
            context.session.delete(compose)  # an old "/msg <student>" is not this text's aim
            compose = None
        if compose is None:
            _tell(context, staff, gettext(staff.language, HELP))
            return
        student = context.session.get_one(Student, compose.student_id)
        context.session.delete(compose)
        write_to_family(context, staff, student, text, reply=_tell)
    else:
        _tell(context, staff, gettext(staff.language, HELP))


def _language_command(context: Context, staff: Staff, argument: str) -> None:
    """`/language` shows buttons; `/language es` sets the staff member's own language."""
    if not argument:
        _tell(context, staff, language_menu.menu_text(staff.language), language_menu.menu_buttons())
        return
    try:
        code = normalize_language(argument)
    except UnknownLanguage:
        _tell(context, staff, gettext(staff.language, UNKNOWN_LANGUAGE, code=argument))
        return
    _own_language(context, staff, code)


def _own_language(context: Context, staff: Staff, code: str | None) -> None:
    if code is None:
        return
    staff.language = code
    _tell(context, staff, language_menu.confirmation(code))


def _set_family_language(context: Context, staff: Staff, argument: str) -> None:
    """`/setlanguage <family member's name> <code>`, for families the staff member serves."""
    name, _, code_text = argument.rpartition(" ")
    try:
        code = normalize_language(code_text)
    except UnknownLanguage:
        _tell(context, staff, gettext(staff.language, SET_LANGUAGE_HELP))
        return
    guardian = reachable_guardian_named(context.session, staff, name)
    if guardian is None:
        _tell(context, staff, gettext(staff.language, NO_SUCH_FAMILY, name=name.strip()[:60]))
        return
    guardian.language = code
    text = gettext(
        staff.language,
        FAMILY_LANGUAGE_SET,
        name=guardian.name,
        language=name_in(code, staff.language),
    )
    _tell(context, staff, text)


def _back_translation_switch(context: Context, staff: Staff, argument: str) -> None:
    if argument not in ("on", "off"):
        _tell(context, staff, gettext(staff.language, BACK_TRANSLATION_HELP))
        return
    staff.show_back_translation = argument == "on"
    key = BACK_TRANSLATION_ON if staff.show_back_translation else BACK_TRANSLATION_OFF
    _tell(context, staff, gettext(staff.language, key))


URGENT_ONLY_COORDINATORS = N_(
    "Only coordinators can send urgent messages, which reach families even in their quiet "
    "hours. Use /msg instead."
)
UNKNOWN_LANGUAGE = N_('I do not know the language code "{code}". Try en, es, ar or zh-CN.')
SET_LANGUAGE_HELP = N_(
    "Write /setlanguage, the family member's name, then a language code, "
    "like: /setlanguage Rosa Pérez es"
)
NO_SUCH_FAMILY = N_('None of your families has someone called "{name}".')
FAMILY_LANGUAGE_SET = N_("{name} will now get messages in {language}.")
BACK_TRANSLATION_HELP = N_("Write /backtranslation on or /backtranslation off.")
BACK_TRANSLATION_ON = N_("You will see what families read, translated back into your language.")
BACK_TRANSLATION_OFF = N_("You will no longer get back-translations.")


def _families(context: Context, staff: Staff) -> None:
    """Students and how their families read and are reached; never phone numbers."""
    session = context.session
    students = served_students(session, staff)
    if not students:
        _tell(context, staff, gettext(staff.language, NO_FAMILIES))
        return
    lines: list[str] = []
    for student in students:
        lines.append(f"• {student.name}")
        pairs = session.execute(
            select(Guardian, Guardianship)
            .join(Guardianship)
            .where(Guardianship.student_id == student.id)
            .order_by(Guardian.name)
        ).all()
        for guardian, link in pairs:
            points = usable_points(session, guardian)
            channel = points[0].channel.label if points else "—"
            muted = "" if link.receives_messages else ", no messages"
            word = relationship_in(staff.language, link.relationship_name)
            relation = f" ({word})" if word else ""
            reads = name_in(guardian.language, staff.language)
            lines.append(f"   {guardian.name}{relation}: {reads}, {channel}{muted}")
    _tell(context, staff, "\n".join(lines))


def _find_student(context: Context, staff: Staff, words: str) -> tuple[Student | None, str]:
    """Match the longest leading run of words to a served student's full or first name."""
    students = served_students(context.session, staff)
    tokens = words.split()
    for size in range(len(tokens), 0, -1):
        name = " ".join(tokens[:size]).lower()
        matches = [s for s in students if s.name.lower() == name]
        if not matches:
            matches = [s for s in students if s.name.split()[0].lower() == name]
        if len(matches) == 1:
            return matches[0], " ".join(tokens[size:])
    return None, ""


def _msg(context: Context, staff: Staff, rest: str, urgent: bool = False) -> None:
    if not rest:
        _tell(context, staff, gettext(staff.language, HELP))
        return
    student, text = _find_student(context, staff, rest)
    if student is None:
        # A name that exists but belongs to a student not served gets the same answer:
        # staff learn nothing about other classes.
        name = rest.split("\n")[0][:60]
        _tell(context, staff, gettext(staff.language, NO_SUCH_STUDENT, name=name))
        return
    if text.strip() or context.inbound.media:
        write_to_family(context, staff, student, text.strip(), reply=_tell, urgent=urgent)
        return
    guardians = reachable_guardians(context.session, staff, student)
    if not guardians:
        _tell(context, staff, gettext(staff.language, NO_FAMILY, student=student.name))
        return
    compose = context.session.get(StaffCompose, staff.id) or StaffCompose(staff_id=staff.id)
    compose.student_id = student.id
    compose.created_at = context.now
    context.session.add(compose)
    names = ", ".join(g.name for g in guardians)
    _tell(context, staff, gettext(staff.language, WRITE_NOW, student=student.name, names=names))


def _reply_to_relayed(context: Context, staff: Staff) -> None:
    """A Telegram reply to a relayed message answers that family, about that student."""
    session = context.session
    relayed = session.scalar(
        select(Delivery).where(
            Delivery.channel == Channel.TELEGRAM,
            Delivery.address == context.inbound.address,
            Delivery.provider_message_id == context.inbound.reply_to_provider_id,
        )
    )
    original = relayed.message if relayed is not None else None
    if original is None or original.student_id is None or original.author_guardian_id is None:
        _tell(context, staff, gettext(staff.language, UNKNOWN_REPLY))
        return
    student = session.get_one(Student, original.student_id)
    guardian = session.get_one(Guardian, original.author_guardian_id)
    if guardian not in reachable_guardians(session, staff, student):
        _tell(context, staff, gettext(staff.language, NOT_YOUR_STUDENT))
        return
    write_to_family(
        context, staff, student, context.inbound.text.strip(), reply=_tell, only=[guardian]
    )


def _tell(
    context: Context,
    staff: Staff,
    text: str,
    buttons: list[list[dict[str, str]]] | None = None,
) -> None:
    notice(
        context.session,
        channel=Channel.TELEGRAM,
        address=context.inbound.address,
        text=text,
        language=staff.language,
        now=context.now,
        recipient_kind=RecipientKind.STAFF,
        staff_id=staff.id,
        buttons=buttons,
    )
