"""A family writes: keywords (STOP, and features' words alone such as "PHOTOS" or with a
number such as "DONE 2"), numbered answers, buttons, and relaying to the right staff
member. The business rules are in `commbot.actions`; this module only talks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..access import Role
from ..actions import relay as relaying
from ..actions import subscriptions
from ..actions.languages import set_guardian_language
from ..callback_data import Value
from ..i18n import N_, gettext
from ..languages import CATALOG_LANGUAGES
from ..models import (
    AuthorKind,
    Channel,
    ChoiceKind,
    ContactPoint,
    Guardian,
    Message,
    MessageKind,
    PendingChoice,
    RecipientKind,
    Staff,
    Student,
)
from . import language_menu
from .context import Context
from .pending import QUESTIONS, Question
from .registry import FAMILY_BUTTONS, FAMILY_KEYWORDS, FAMILY_WORDS

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
FAMILY_BUTTON_EXPIRED = N_("This button has expired. Please write your message instead.")
CANNOT_PASS_ON = N_(
    "We could not pass this on. You can send text, photos, voice notes, videos and files."
)
PARTLY_PASSED_ON = N_(
    "We passed on your words, but not the rest. "
    "You can send text, photos, voice notes, videos and files."
)


# -- keywords (SMS and WhatsApp carry no buttons, so families type them) ----------------

KeywordHandler = Callable[[Context, ContactPoint], None]


@dataclass(frozen=True)
class Keyword:
    words: frozenset[str]
    handler: KeywordHandler


def _stop(context: Context, point: ContactPoint) -> None:
    subscriptions.opt_out(
        context.session, point, now=context.now, default_timezone=context.default_timezone
    )
    context.events.append("opted out")


def _start(context: Context, point: ContactPoint) -> None:
    subscriptions.opt_in(context.session, point)
    context.reply(gettext(point.guardian.language, RESUBSCRIBED))
    context.events.append("opted in")


def _help(context: Context, point: ContactPoint) -> None:
    context.reply(gettext(point.guardian.language, HELP_TEXT))
    context.events.append("help")


KEYWORDS = (
    Keyword(frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}), _stop),
    Keyword(frozenset({"START", "UNSTOP"}), _start),
    Keyword(frozenset({"HELP", "INFO"}), _help),
)


def _keyword(text: str) -> Keyword | None:
    word = text.strip().upper()
    return next((k for k in KEYWORDS if word in k.words), None)


# -- numbered questions ------------------------------------------------------------------


def _language_answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    options = pending.options or CATALOG_LANGUAGES
    _change_language(context, point, str(options[n]))


def _change_language(context: Context, point: ContactPoint, code: str) -> None:
    language = set_guardian_language(context.session, point.guardian, code)
    context.language = language
    context.reply(language_menu.confirmation(language))
    context.events.append("language changed")


def _child_answer(context: Context, point: ContactPoint, pending: PendingChoice, n: int) -> None:
    session = context.session
    student_id, staff_id = pending.options[n]
    student = session.get_one(Student, student_id)
    staff = session.get_one(Staff, staff_id)
    for earlier in _held(session, pending):
        relaying.relay_family_message(
            session, point.guardian, earlier, student, staff, now=context.now
        )
    context.events.append("child chosen")


def _child_overtaken(context: Context, guardian: Guardian, pending: PendingChoice) -> bool:
    """A "which child?" question stops standing once a staff member has written to the
    family since: what it held goes to that conversation, and the new message is read as a
    reply to the staff member, not as an answer to the old question."""
    session = context.session
    held = _held(session, pending)
    if not relaying.rejoin_newer_conversation(
        session, guardian, held, pending.created_at, now=context.now
    ):
        return False
    session.delete(pending)
    context.events.append("held messages joined a newer conversation")
    return True


def _held(session: Session, pending: PendingChoice) -> list[Message]:
    return [session.get_one(Message, i) for i in pending.message_ids]


QUESTIONS.add(
    Question(
        ChoiceKind.LANGUAGE,
        _language_answer,
        closes_on_other_message=True,
        default_options=CATALOG_LANGUAGES,
    )
)
QUESTIONS.add(
    Question(
        ChoiceKind.CHILD, _child_answer, closes_on_other_message=False, lapsed=_child_overtaken
    )
)


# -- the conversation --------------------------------------------------------------------


def handle(context: Context, point: ContactPoint) -> None:
    guardian = point.guardian
    inbound = context.inbound
    context.recipient = RecipientKind.GUARDIAN
    context.language = guardian.language
    context.guardian_id = guardian.id
    context.contact_point_id = point.id
    released = relaying.family_wrote(context.session, point, now=context.now)
    if released:
        context.events.append(f"released {released} held deliveries")
    if inbound.callback_data is not None:
        _button(context, point, inbound.callback_data)
        return
    if inbound.is_empty:
        # A sticker, a poll, an empty text: nothing for the school to read, so no staff
        # member is sent anything, and the family learns what does reach the school.
        context.reply(gettext(guardian.language, CANNOT_PASS_ON))
        context.events.append(f"not passed on: {inbound.uncarried or 'empty'}")
        return
    if language_menu.is_language_request(inbound.text):
        _ask_language(context, point)
        return
    # A feature's word alone ("PHOTOS"), on every channel; with a photo it is a caption.
    if not inbound.media and FAMILY_WORDS.take(context, point):
        return
    questions = QUESTIONS.open(context, guardian)
    if QUESTIONS.answer(context, point, questions):
        return
    questions = QUESTIONS.close_on_other_message(context, questions)
    if point.channel in (Channel.SMS, Channel.WHATSAPP) and not inbound.media:
        keyword = _keyword(inbound.text)
        if keyword is not None:
            keyword.handler(context, point)
            return
    # A feature's word with a number ("DONE 2"), on every channel, before an open question
    # may take the words. What came with it (a photo) still reaches the school.
    taken = FAMILY_KEYWORDS.take(context, point)
    if taken and not inbound.media:
        return
    if point.opted_out:
        # Writing to us is not opting back in, but the message still reaches the school.
        context.events.append("message from an opted-out number")
    if taken or not QUESTIONS.take_words(context, point, questions):
        _pass_on(context, point, questions)
    if inbound.uncarried is not None:
        context.reply(gettext(guardian.language, PARTLY_PASSED_ON))
        context.events.append(f"not passed on: {inbound.uncarried}")


def _button(context: Context, point: ContactPoint, data: str) -> None:
    found = FAMILY_BUTTONS.resolve(data, Role.GUARDIAN)
    if found is None:
        context.reply(gettext(point.guardian.language, FAMILY_BUTTON_EXPIRED))
        context.events.append("expired button")
        return
    button, values = found
    button.handler(context, point, values)


@FAMILY_BUTTONS.on(language_menu.LANGUAGE_BUTTON)
def _language_button(context: Context, point: ContactPoint, values: dict[str, Value]) -> None:
    QUESTIONS.close_kind(context.session, point.guardian, ChoiceKind.LANGUAGE)
    _change_language(context, point, str(values["code"]))


def _ask_language(context: Context, point: ContactPoint) -> None:
    QUESTIONS.ask(
        context.session, point.guardian, ChoiceKind.LANGUAGE, CATALOG_LANGUAGES, context.now
    )
    buttons = language_menu.menu_buttons() if point.channel is Channel.TELEGRAM else None
    context.reply(language_menu.menu_text(point.guardian.language), buttons=buttons)
    context.events.append("language menu")


def message_from_family(context: Context, guardian: Guardian) -> Message:
    """What the family just sent, as a message row in their language (not yet added)."""
    return Message(
        kind=MessageKind.CONVERSATION,
        author_kind=AuthorKind.GUARDIAN,
        author_guardian_id=guardian.id,
        text=context.inbound.text,
        language=guardian.language,
        media=[m.to_json() for m in context.inbound.media],
        created_at=context.now,
    )


def _pass_on(context: Context, point: ContactPoint, questions: list[PendingChoice]) -> None:
    """The family's words, to the staff member who should read them; never dropped."""
    session = context.session
    guardian = point.guardian
    message = message_from_family(context, guardian)
    child_question = next((q for q in questions if q.kind is ChoiceKind.CHILD), None)
    if child_question is not None:
        # Not an answer: keep this message with the others and ask again.
        session.add(message)
        session.flush()
        options = [
            (session.get_one(Student, s), session.get_one(Staff, t))
            for s, t in child_question.options
        ]
        _ask_which_child(context, guardian, options, [*child_question.message_ids, message.id])
        return
    targets = relaying.reply_targets(session, guardian, context.now)
    if len(targets) == 1:
        student, staff = targets[0]
        relaying.relay_family_message(session, guardian, message, student, staff, now=context.now)
        context.events.append("relayed to staff")
    elif not targets:
        session.add(message)  # kept, though nobody at school can answer it here yet
        context.reply(gettext(guardian.language, NOBODY_TO_ANSWER))
        context.events.append("no staff to receive")
    else:
        session.add(message)
        session.flush()
        _ask_which_child(context, guardian, targets, [message.id])


def _ask_which_child(
    context: Context,
    guardian: Guardian,
    options: list[relaying.Target],
    message_ids: list[int],
) -> None:
    QUESTIONS.ask(
        context.session,
        guardian,
        ChoiceKind.CHILD,
        [[student.id, staff.id] for student, staff in options],
        context.now,
        message_ids,
    )
    lines = [gettext(guardian.language, WHICH_CHILD)]
    lines += [
        f"{n}. {student.name} ({staff.name})" for n, (student, staff) in enumerate(options, 1)
    ]
    context.reply("\n".join(lines))
    context.events.append("asked which child")
