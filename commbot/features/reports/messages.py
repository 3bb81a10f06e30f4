"""Everything `/report` says on Telegram, from the catalogs. The report files themselves
(their columns, the reasons sends failed) are in English, as the command line is."""

from __future__ import annotations

from ...i18n import N_

REPORT_HELP = N_(
    "/report shows which families are reached, which are silent and which to call, "
    "with a spreadsheet file."
)
WHICH = N_("Which report? Each comes as a short summary and a spreadsheet file.")
PARTNERSHIP_BUTTON = N_("Contact with each family")
UNREACHABLE_BUTTON = N_("Families to call")
DELIVERIES_BUTTON = N_("Messages sent and delivered")
BROADCAST_BUTTON = N_("Broadcast {number} ({date})")
UNKNOWN_REPORT = N_(
    'I do not know the report "{name}". Pick one below, or write /report partnership, '
    "/report unreachable, /report deliveries or /report broadcast and its number."
)
BAD_DAYS = N_("The number of days must be from 1 to 365.")
NO_SUCH_CLASS = N_('You do not work with a class called "{name}".')
NO_SUCH_BROADCAST = N_("I could not find broadcast {number} among the families you work with.")
WHICH_BROADCAST = N_("Which broadcast? Write /report broadcast and its number.")
NO_FAMILIES = N_("You have no families to report on yet.")

PARTNERSHIP = N_(
    "Your {families} families, over the last {days} days: {reached} reached, {silent} silent "
    "(reached but never wrote back), {unreachable} cannot be reached."
)
ANSWERED = N_("Families answered {answered} of the {started} conversations the school started.")
NO_THREADS = N_("The school started no conversations with them in that time.")
ITEMS = N_("Meeting plans: {open} open items, {overdue} of them overdue.")
FEWEST_REACHED = N_("Fewest reached: {groups}.")
GROUP_REACHED = N_("{group} ({reached} of {families})")
PARTNERSHIP_FILE = N_("The file has each family, then each class and each language.")

DELIVERIES = N_(
    "Messages to your families since {date}: {total}. Delivered: {delivered}. "
    "Sent, no report yet: {sent}. Waiting: {waiting}. Did not arrive: {failed}. "
    "Opted out: {opted_out}."
)
DELIVERIES_FILE = N_("The file has each channel and language, and why messages did not arrive.")

ALL_REACHABLE = N_("Every family you work with can be reached on at least one channel.")
PLEASE_CALL = N_("Please call them: {names}.")
AND_MORE = N_("and {n} more")
UNREACHABLE_FILE = N_(
    "The file says what failed on each channel, and who can call each family in their language."
)

BROADCAST = N_(
    "Broadcast {number} ({date}), {families} families: {reached} reached, {waiting} waiting, "
    "{failed} did not arrive, {skipped} opted out or cannot be reached. {replied} replied."
)
BROADCAST_FILE = N_(
    "The file has each family: the channel, where it stands, when it arrived or why not, "
    "and whether they replied."
)
NOT_SENT_YET = N_("not sent yet")
