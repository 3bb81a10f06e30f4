"""Everything said by itself after a meeting, from the catalogs: the notes and action plan
to families, reminders of what they planned to do, news that an item is done or delayed,
the feedback question; and to staff, their items, reminders, overdue reports, and what
families answered.

Family texts are short sentences with no typographic quotes or dashes (see `messages`).
The organizer's own words (summary, decisions, responses, each item, ideas, a delay's
reason) are never in here: they go as WORDS pieces, translated at send time.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from ...i18n import N_, gettext
from .messages import _locale, plain

# -- the notes, to the family -------------------------------------------------------------------

NOTES_THANKS = N_("Thank you for meeting with us about {student}.")
NOTES_SUMMARY = N_("What we talked about:")
NOTES_DECISIONS = N_("What we decided:")
# Heads each later SMS part, so that each makes sense alone.
NOTES_ABOUT = N_("After {student}'s meeting:")
CONCERNS = N_("Your concerns and what we will do:")
CONCERN_YOU_SAID = N_("You said:")
CONCERN_ANSWER = N_("What we will do:")
CONCERN_NOT_YET = N_("Not yet, because:")
PLAN = N_("Our plan. Who does what, and by when:")
PLAN_ITEM = N_("{number}. {owner}, by {date}:")
OWNER_YOU = N_("You")
# A staff owner in plain words: their name and what they do for the child.
OWNER_STAFF = N_("{name}, {role}")
PLAN_REPLY_DONE = N_("When you have done your part, reply DONE and its number, like DONE {number}.")
PLAN_TAP_DONE = N_("When you have done your part, tap its button below.")
IDEAS = N_("Ideas to help {student} at home:")
QUESTIONS_WELCOME = N_("Questions? Just write back. We are glad to help.")
# The one word families type to mark their item done, in capitals, as on a phone keyboard.
# Translate with the plain everyday word for "done" in your language (one word, no accents
# needed: families may type it without them). "DONE" in English always works too.
DONE_WORD = N_("DONE")
DONE_BUTTON = N_("Done: number {number}")

# -- reminders of the family's own items ---------------------------------------------------------

FAMILY_ITEM_REMINDER = N_(
    "A friendly reminder about {student}'s plan. You planned to do this by {date}:"
)
FAMILY_ITEM_MENU = N_("Reply with the number:")
FAMILY_ITEM_DONE_CHOICE = N_("It is done")
FAMILY_ITEM_HELP_CHOICE = N_("I need help with it")
HELP_BUTTON = N_("I need help")

# -- what the family is told back ----------------------------------------------------------------

MARKED_DONE = N_("Thank you! Number {number} is done. We told {organizer}.")
ALREADY_DONE = N_("Number {number} is already done. Thank you!")
NOT_YOURS = N_("Number {number} is for {owner}. We will tell you when it is done.")
NO_SUCH_ITEM = N_("We could not find number {number}. Your plan has numbers 1 to {count}.")
NO_OPEN_PLAN = N_("You have nothing open in a plan right now. Thank you!")
HELP_ASKED = N_("Thank you. We told {organizer}. Someone will get in touch with you soon.")

# -- news about an item, to the family ------------------------------------------------------------

ITEM_DONE_BY_STAFF = N_(
    "Good news about {student}'s plan. {owner} did number {number}, as promised:"
)
ITEM_DONE_BY_FAMILY = N_("Number {number} of {student}'s plan is done:")
ITEM_DELAYED = N_(
    "An update about {student}'s plan. Number {number} needs more time. "
    "{owner} will do it by {date}."
)
DELAY_WHY = N_("Why:")
ITEM_DROPPED = N_("Number {number} of {student}'s plan is no longer needed:")

# -- feedback -----------------------------------------------------------------------------------

FEEDBACK_ASK = N_(
    "Thank you again for meeting with us about {student}. "
    "How well did the meeting work for you? Reply with a number from 1 to 5:"
)
FEEDBACK_TAP = N_(
    "Thank you again for meeting with us about {student}. "
    "How well did the meeting work for you? Tap a number from 1 to 5:"
)
FEEDBACK_SCALE = (
    N_("Not well"),
    N_("Not so well"),
    N_("OK"),
    N_("Well"),
    N_("Very well"),
)
FEEDBACK_NEXT = N_("Thank you. What would help next time? Please write back.")
FEEDBACK_THANKS = N_("Thank you for telling us. It helps us do better.")

# -- to staff -------------------------------------------------------------------------------------

STAFF_NOTES_SENT = N_("The notes for the meeting about {student} are sent to the family.")
STAFF_YOUR_ITEM = N_("From the meeting about {student}, you will do this by {date}:")
STAFF_ITEM_SOON = N_("Reminder: {student}'s plan, number {number}, is due {date}:")
STAFF_ITEM_TODAY = N_("Due today: {student}'s plan, number {number}:")
DONE_BUTTON_STAFF = N_("Done")
MORE_TIME_BUTTON = N_("Need more time")
ASK_NEW_DATE = N_("By when can you do it? Write a date, like {example}.")
BAD_NEW_DATE = N_("Please write a date after today, like {example}.")
ASK_DELAY_REASON = N_("In a few words, why does it need more time? The family will read this.")
DELAY_SAVED = N_("Saved. The family is told the new date: {date}.")
DONE_SAVED = N_("Marked done. The family is told.")
ITEM_NOT_OPEN = N_("This item is no longer open. Send /actions to see yours.")
OVERDUE_HEADING = N_("Past their due date, from your meetings:")
OVERDUE_LINE = N_("{student}, number {number} ({owner}), due {date}:")
FAMILY_DID_ITEM = N_("{guardian} ({student}) did number {number} of the plan:")
FAMILY_ASKS_HELP = N_("{guardian} ({student}) asks for help with number {number} of the plan:")
STAFF_ITEM_DONE = N_("{owner} did number {number} of {student}'s plan:")
STAFF_ITEM_DELAYED = N_("{owner} moved number {number} of {student}'s plan to {date}:")
FEEDBACK_RATING = N_("{guardian} ({student}) says the meeting worked for them: {rating} of 5.")
FEEDBACK_WORDS = N_("{guardian} ({student}) says this would help next time:")
NO_OPEN_ITEMS = N_("No open items in your meetings' plans.")
OPEN_ITEMS = N_("Open items in your meetings' plans:")
ITEM_LINE = N_("{student}, number {number} ({owner}), due {date}")
ITEM_OVERDUE = N_("overdue")


def due_text(day: dt.date, language: str) -> str:
    """A due date as the reader writes it, with its weekday: "Friday, January 22, 2027"."""
    return plain(format_date(day, format="full", locale=_locale(language)))


def done_words(languages: tuple[str, ...]) -> frozenset[str]:
    """Every word a family may type for "done": each catalog's, and English's everywhere."""
    return frozenset({"DONE", *(gettext(code, DONE_WORD).strip().upper() for code in languages)})
