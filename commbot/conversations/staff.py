"""A staff member writes on Telegram: registered commands, button presses, dialogs,
replies to families, and new messages. The operations are in `commbot.actions`; this
module turns messages into calls and results into replies."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from ..access import ACCESS, Surface, role_of
from ..actions import languages as language_actions
from ..actions.drafts import start_draft, take_draft
from ..actions.send_to_family import FamilySend, send_to_family
from ..callback_data import Value
from ..channels.base import Inbound, Media, MediaKind
from ..i18n import N_, gettext
from ..i18n.relationships import relationship_in
from ..languages import UnknownLanguage, name_in
from ..models import (
    Channel,
    Delivery,
    Guardian,
    Guardianship,
    RecipientKind,
    Staff,
    Student,
)
from ..outbox import usable_points
from ..policy import reachable_guardians, served_students
from . import language_menu
from .context import Context
from .dialogs import DIALOGS
from .registry import BUTTONS, COMMANDS
from .staff_reports import NO_FAMILY, URGENT_ONLY, report_family_send

MSG_HELP = N_("/msg <student> <text> writes to that student's family.")
URGENT_HELP = N_("/urgent <student> <text> reaches the family even in their quiet hours.")
FAMILIES_HELP = N_("/families lists the families you work with.")
LANGUAGE_HELP = N_("/language sets your language; /setlanguage <name> <code> sets a family's.")
BACK_TRANSLATION_LINE = N_(
    "/backtranslation on|off shows or hides what families read, translated back."
)
STAFF_BUTTON_EXPIRED = N_("This button has expired. Please begin again.")
CANCEL_HELP = N_("/cancel stops what you are setting up.")
HELP_HELP = N_("/help shows this list.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel.")


NO_SUCH_STUDENT = N_('I could not find a student called "{name}" among your students.')
WRITE_NOW = N_("Write your message for {student}'s family now. It goes to: {names}.")
UNKNOWN_REPLY = N_("I do not know which family that message came from. Use /msg <student> <text>.")
NO_FAMILIES = N_("You have no students yet. Ask your coordinator to add you to a class.")
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

# What a photo from staff starts: a photo post, for a class or (`student`) for one family,
# with its caption. The photos feature registers it (`on_photo`); conversations never
# import a feature.
PhotoStarter = Callable[[Context, Staff, Student | None, str], None]
_photo_starter: list[PhotoStarter] = []


def on_photo(starter: PhotoStarter) -> PhotoStarter:
    """Register what a photo from staff starts (once; its row is `M "photo"`)."""
    ACCESS.rule(Surface.MESSAGE, "photo")
    if _photo_starter:
        raise ValueError("a photo starter is registered twice")
    _photo_starter.append(starter)
    return starter


# A video may show children as a photo does: it follows the same consent (its own
# metadata is not rewritten; see the README's Photos and stories).
MOVING = frozenset({MediaKind.VIDEO, MediaKind.ANIMATION, MediaKind.VIDEO_NOTE})


def is_picture_of_children(media: Media) -> bool:
    """A photo, an image sent as a file, or a video: what a photo post is made of."""
    if media.kind in MOVING:
        return True
    return (
        media.is_image
        and media.kind in (MediaKind.PHOTO, MediaKind.DOCUMENT)
        and MediaKind.for_content_type(media.content_type) is MediaKind.PHOTO
    )


def is_picture(inbound: Inbound) -> bool:
    """Any attachment that may show children: the message becomes a photo post, under the
    consent rule. Other attachments (a PDF, a voice note) go as the staff member's message."""
    return any(is_picture_of_children(m) for m in inbound.media)


def _start_photo(context: Context, staff: Staff, student: Student | None, caption: str) -> bool:
    """Hand a picture to the photos feature; False when there is none (or no feature)."""
    if not _photo_starter or not is_picture(context.inbound):
        return False
    _photo_starter[0](context, staff, student, caption)
    return True


def handle(context: Context, staff: Staff) -> None:
    context.recipient = RecipientKind.STAFF
    context.language = staff.language
    context.staff_id = staff.id
    inbound = context.inbound
    text = inbound.text.strip()
    if inbound.callback_data is not None:
        _press(context, staff, inbound.callback_data)
        return
    if text.startswith("/"):
        word, _, rest = text.partition(" ")
        name = word.split("@")[0].lower()
        COMMANDS.run(context, staff, name, rest.strip())
        return
    # A photo starts a post even while a dialog is open (its buttons work beside it),
    # unless the dialog asked for one (a broadcast's message may be a photo or a flyer).
    if inbound.media and not inbound.reply_to_provider_id and DIALOGS.take_media(context, staff):
        return
    if _photo(context, staff):
        return
    # A reply to a family's relayed message answers that family, even with a dialog open
    # (a dialog's answers are never replies to a family's message).
    origin = _relayed(context) if inbound.reply_to_provider_id else None
    if origin is not None:
        _send(context, staff, origin[0], text, only=[origin[1]])
        return
    if DIALOGS.take(context, staff):
        return
    if inbound.reply_to_provider_id:
        context.reply(gettext(staff.language, UNKNOWN_REPLY))
        return
    _compose(context, staff, text)


def _photo(context: Context, staff: Staff) -> bool:
    """A picture without a command: a post for the family it answers (a reply to a relayed
    message), or for the student of an open `/msg` draft, else for a class. Its caption
    goes with the photo, never as a message of its own."""
    if not (_photo_starter and is_picture(context.inbound)):
        return False
    student = None
    if context.inbound.reply_to_provider_id:
        origin = _relayed(context)
        student = origin[0] if origin is not None else None
    if student is None:
        student = take_draft(context.session, staff, now=context.now)
    return _start_photo(context, staff, student, context.inbound.text.strip())


def _press(context: Context, staff: Staff, data: str) -> None:
    """A button: the open dialog's, or a registered one; anything else has expired."""
    if DIALOGS.take(context, staff):
        return
    found = BUTTONS.resolve(data, role_of(staff.role))
    if found is None:
        context.reply(gettext(staff.language, STAFF_BUTTON_EXPIRED))
        context.events.append("expired button")
        return
    button, values = found
    button.handler(context, staff, values)


@COMMANDS.command("/help", HELP_HELP, order=99)
def show_help(context: Context, staff: Staff, argument: str = "") -> None:
    context.reply(COMMANDS.help_text(staff.role, staff.language))


@COMMANDS.command("/cancel", CANCEL_HELP, order=98)
def _cancel(context: Context, staff: Staff, argument: str) -> None:
    found = DIALOGS.active(context.session, staff)
    DIALOGS.end(context.session, staff)
    message = found[0].cancelled if found else NOTHING_TO_CANCEL
    context.reply(gettext(staff.language, message))


def _compose(context: Context, staff: Staff, text: str) -> None:
    """Plain text (or a photo) right after `/msg <student>` goes to that family."""
    if not (text or context.inbound.media):
        show_help(context, staff, "")
        return
    student = take_draft(context.session, staff, now=context.now)
    if student is None:
        show_help(context, staff, "")
        return
    _send(context, staff, student, text)


def _send(
    context: Context,
    staff: Staff,
    student: Student,
    text: str,
    *,
    only: list[Guardian] | None = None,
    urgent: bool = False,
) -> FamilySend:
    result = send_to_family(
        context.session,
        staff,
        student,
        text,
        now=context.now,
        default_timezone=context.default_timezone,
        media=[m.to_json() for m in context.inbound.media],
        only=only,
        urgent=urgent,
    )
    report_family_send(context, staff, student, text, result)
    return result


# -- commands ---------------------------------------------------------------------------


@COMMANDS.command("/msg", MSG_HELP)
def _msg(context: Context, staff: Staff, rest: str) -> None:
    _write(context, staff, rest, urgent=False)


@COMMANDS.command("/urgent", URGENT_HELP, refusal=URGENT_ONLY)  # who: commbot.access
def _urgent(context: Context, staff: Staff, rest: str) -> None:
    _write(context, staff, rest, urgent=True)


def _write(context: Context, staff: Staff, rest: str, *, urgent: bool) -> None:
    if not rest:
        show_help(context, staff, "")
        return
    student, text = find_student(context, staff, rest)
    if student is None:
        # A name that exists but belongs to a student not served gets the same answer:
        # staff learn nothing about other classes.
        name = rest.split("\n")[0][:60]
        context.reply(gettext(staff.language, NO_SUCH_STUDENT, name=name))
        return
    # `/msg <student>` (or `/urgent`) with a photo: a post for that family, under the same
    # consent rule and preview as a class photo (the words become its caption).
    if _start_photo(context, staff, student, text.strip()):
        return
    if text.strip() or context.inbound.media:
        _send(context, staff, student, text.strip(), urgent=urgent)
        return
    guardians = reachable_guardians(context.session, staff, student)
    if not guardians:
        context.reply(gettext(staff.language, NO_FAMILY, student=student.name))
        return
    start_draft(context.session, staff, student, now=context.now)
    names = ", ".join(g.name for g in guardians)
    context.reply(gettext(staff.language, WRITE_NOW, student=student.name, names=names))


@COMMANDS.command("/families", FAMILIES_HELP)
def _families(context: Context, staff: Staff, rest: str) -> None:
    """Students and how their families read and are reached; never phone numbers."""
    session = context.session
    students = served_students(session, staff)
    if not students:
        context.reply(gettext(staff.language, NO_FAMILIES))
        return
    lines: list[str] = []
    for student in students:
        lines.append(f"• {student.name}")
        pairs = session.execute(
            select(Guardian, Guardianship)
            .join(Guardianship)
            .where(Guardianship.student_id == student.id, Guardian.active, Guardianship.active)
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
    context.reply("\n".join(lines))


@COMMANDS.command("/language", LANGUAGE_HELP)
def _language(context: Context, staff: Staff, argument: str) -> None:
    """`/language` shows buttons; `/language es` sets the staff member's own language."""
    if not argument:
        context.reply(language_menu.menu_text(staff.language), language_menu.menu_buttons())
        return
    try:
        code = language_actions.set_staff_language(context.session, staff, argument)
    except UnknownLanguage:
        context.reply(gettext(staff.language, UNKNOWN_LANGUAGE, code=argument[:20]))
        return
    context.language = code
    context.reply(language_menu.confirmation(code))


@COMMANDS.command("/setlanguage", None)  # explained on /language's help line
def _set_family_language(context: Context, staff: Staff, argument: str) -> None:
    """`/setlanguage <family member's name> <code>`, for families the staff member serves."""
    name, _, code = argument.rpartition(" ")
    try:
        result = language_actions.set_family_language(context.session, staff, name, code)
    except UnknownLanguage:
        context.reply(gettext(staff.language, SET_LANGUAGE_HELP))
        return
    if result.guardian is None:
        context.reply(gettext(staff.language, NO_SUCH_FAMILY, name=name.strip()[:60]))
        return
    language = name_in(result.language, staff.language)
    context.reply(
        gettext(staff.language, FAMILY_LANGUAGE_SET, name=result.guardian.name, language=language)
    )


@COMMANDS.command("/backtranslation", BACK_TRANSLATION_LINE)
def _back_translation(context: Context, staff: Staff, argument: str) -> None:
    argument = argument.lower()
    if argument not in ("on", "off"):
        context.reply(gettext(staff.language, BACK_TRANSLATION_HELP))
        return
    language_actions.set_back_translation(context.session, staff, argument == "on")
    key = BACK_TRANSLATION_ON if staff.show_back_translation else BACK_TRANSLATION_OFF
    context.reply(gettext(staff.language, key))


@BUTTONS.on(language_menu.LANGUAGE_BUTTON)
def _language_button(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    code = language_actions.set_staff_language(context.session, staff, str(values["code"]))
    context.language = code
    context.reply(language_menu.confirmation(code))


# -- answering families -------------------------------------------------------------------


def find_student(context: Context, staff: Staff, words: str) -> tuple[Student | None, str]:
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


def _relayed(context: Context) -> tuple[Student, Guardian] | None:
    """The student and the guardian of the family message this Telegram reply answers."""
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
        return None
    student = session.get_one(Student, original.student_id)
    guardian = session.get_one(Guardian, original.author_guardian_id)
    return student, guardian
