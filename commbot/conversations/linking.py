"""`/start <code>` on Telegram: link a chat to the staff member or guardian invited."""

from __future__ import annotations

from ..actions.telegram_link import link_telegram_chat
from ..i18n import N_, gettext
from ..invites import Redemption
from ..models import RecipientKind
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
    if not code:
        context.reply(_bilingual(NO_CODE))
        context.events.append("start without code")
        return
    result = link_telegram_chat(
        context.session, code, int(context.inbound.address), now=context.now
    )
    context.events.append(f"invite {result.outcome.value}")
    if result.outcome is Redemption.LINKED_STAFF and result.staff is not None:
        staff = result.staff
        context.recipient, context.staff_id, context.language = (
            RecipientKind.STAFF,
            staff.id,
            staff.language,
        )
        context.reply(gettext(staff.language, STAFF_WELCOME, name=staff.name))
    elif result.outcome is Redemption.LINKED_GUARDIAN and result.guardian is not None:
        guardian = result.guardian
        context.recipient, context.guardian_id, context.language = (
            RecipientKind.GUARDIAN,
            guardian.id,
            guardian.language,
        )
        context.reply(gettext(guardian.language, GUARDIAN_WELCOME, name=guardian.name))
    elif result.outcome is Redemption.CHAT_TAKEN:
        context.reply(_bilingual(CHAT_TAKEN))
    else:
        context.reply(_bilingual(BAD_CODE))


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
