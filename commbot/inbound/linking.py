"""`/start <code>` on Telegram: link a chat to the staff member or guardian invited."""

from __future__ import annotations

from ..i18n import N_, gettext
from ..invites import Redemption, redeem
from ..models import Channel, RecipientKind
from ..outbox import notice, release_staff_deliveries
from .context import Context


def is_start(text: str) -> bool:
    word = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return word == "/start" or word.startswith("/start@")


def _bilingual(message: str) -> str:
    """For people we do not know yet: English, then Spanish."""
    return gettext("en", message) + "\n\n" + gettext("es", message)


def handle_start(context: Context) -> None:
    parts = context.inbound.text.strip().split(maxsplit=1)
    code = parts[1].strip() if len(parts) > 1 else ""
    chat_id = int(context.inbound.address)
    session = context.session
    if not code:
        reply(context, _bilingual(NO_CODE))
        context.events.append("start without code")
        return
    result = redeem(session, code, chat_id, context.now)
    context.events.append(f"invite {result.outcome.value}")
    if result.outcome is Redemption.LINKED_STAFF and result.staff is not None:
        staff = result.staff
        session.flush()
        release_staff_deliveries(session, staff, context.now)
        text = gettext(staff.language, STAFF_WELCOME, name=staff.name)
        reply(context, text, language=staff.language, staff_id=staff.id, kind=RecipientKind.STAFF)
    elif result.outcome is Redemption.LINKED_GUARDIAN and result.guardian is not None:
        guardian = result.guardian
        text = gettext(guardian.language, GUARDIAN_WELCOME, name=guardian.name)
        reply(context, text, language=guardian.language, guardian_id=guardian.id)
    elif result.outcome is Redemption.CHAT_TAKEN:
        reply(context, _bilingual(CHAT_TAKEN))
    else:
        reply(context, _bilingual(BAD_CODE))


def reply(
    context: Context,
    text: str,
    *,
    language: str = "en",
    staff_id: int | None = None,
    guardian_id: int | None = None,
    kind: RecipientKind | None = None,
) -> None:
    notice(
        context.session,
        channel=Channel.TELEGRAM,
        address=context.inbound.address,
        text=text,
        language=language,
        now=context.now,
        recipient_kind=kind
        or (RecipientKind.GUARDIAN if guardian_id is not None else RecipientKind.UNKNOWN),
        staff_id=staff_id,
        guardian_id=guardian_id,
    )


NO_CODE = N_(
    "Hello! This is the school's message service. To connect, please use the invite link "
    "the school sent you, or ask the school office for one."
)
BAD_CODE = N_(
    "This invite code does not work. It may be used already or too old. "
    "Please ask the school office for a new one."
)
CHAT_TAKEN = N_(
    "This Telegram account is already connected to someone else at the school. "
    "Please ask the school office for help."
)
STAFF_WELCOME = N_(
    "Welcome, {name}! Your Telegram is now linked to commbot.\n"
    "Messages from your families will arrive here. Reply to one to answer it.\n"
    "/families lists your families. /msg <student> <text> writes to a student's family."
)
GUARDIAN_WELCOME = N_(
    "Hello {name}! You are now connected to your child's school on Telegram. "
    "You can write to the teacher here at any time."
)
