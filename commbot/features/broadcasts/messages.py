"""What broadcasts say by themselves, from the catalogs: audiences in plain words, why a
broadcast may not go, the preview's lines, the header families read, and the sender's
progress and summary.

Family texts are short sentences with no typographic quotes or dashes, so an SMS stays in
GSM-7 in the languages that can. The sender's own words are never in here: they go as the
delivery's body, translated at send time.
"""

from __future__ import annotations

from ...i18n import N_

# -- audiences, in plain words ----------------------------------------------------------------

AUDIENCE_SCHOOL = N_("All your families")
AUDIENCE_CLASSES = N_("Classes: {names}")
AUDIENCE_STUDENTS = N_("Families of {names}")
AUDIENCE_LANGUAGE = N_("Families who read {language}")
AUDIENCE_MEETING = N_("Families with a meeting in the next {days} days")
AUDIENCE_NOT_REACHED = N_("Families not reached in the last {days} days")

# -- why an audience or a broadcast cannot be used -------------------------------------------

BAD_AUDIENCE = N_(
    "{text} is not an audience. Use school, class:3A,4B, students:Ana Diaz;Leo Park, "
    "language:es, meeting:7 or not-reached:30."
)
NO_VALUES = N_("Say which {kind}, for example {example}.")
BAD_DAYS = N_("{value} is not a number of days from 1 to 365.")
BAD_LANGUAGE = N_("{value} is not a language code like es or zh-CN.")
NOBODY = N_("No family you serve is in this audience.")
UNKNOWN_NAMES = N_("Not found among those you serve: {names}.")
URGENT_NOT_ALLOWED = N_("Only a coordinator or an administrator can mark a broadcast urgent.")
EMPTY_TEXT = N_("Write the message first, or send a photo.")
TOO_LONG = N_("The message is too long: {length} characters, at most {limit}.")
NOT_YOURS = N_("This broadcast is not yours.")
ALREADY_SENT = N_("This broadcast has already been sent.")
ALREADY_CANCELLED = N_("This broadcast was cancelled.")
IN_THE_PAST = N_("That time has already passed. Choose a later time.")
TOO_FAR = N_("That time is more than 60 days away. Choose an earlier time.")
SCHEDULED_NOT_SENT = N_("Your broadcast for {when} was not sent: {reason}")
BAD_TIME = N_("{value} is not a time like 16:30 or 2027-01-12 16:30.")

# -- what families read -----------------------------------------------------------------------

# A broadcast's family header: who sent it to many families, and which child it is about
# (a family with children in two classes knows which one).
FAMILY_HEADER = N_("Message from {staff} to families. For the family of {student}:")
FAMILY_HEADER_URGENT = N_("URGENT message from {staff} to families. For the family of {student}:")

# -- the preview -------------------------------------------------------------------------------

PREVIEW_TITLE = N_("Broadcast to: {audience}")
PREVIEW_FAMILIES = N_("Goes to {guardians} guardians of {students} students.")
PREVIEW_LANGUAGES = N_("By language: {list}")
PREVIEW_CHANNELS = N_("By channel: {list}")
PREVIEW_OPTED_OUT = N_("Opted out, will not get it: {count}")
PREVIEW_UNREACHABLE = N_("No way to reach them: {count}")
PREVIEW_WINDOW = N_(
    "Not on WhatsApp in the last 24 hours, and no template: {count}. Instead: {list}"
)
PREVIEW_WINDOW_HELD = N_(
    "Not on WhatsApp in the last 24 hours: {count}. They get a short note first, "
    "and the message when they reply."
)
PREVIEW_NO_OTHER = N_("no other channel")
PREVIEW_QUIET = N_("Held for quiet hours: {count}, the last until {when}")
PREVIEW_URGENT = N_("Urgent: it goes now, even in quiet hours.")
PREVIEW_SMS = N_("SMS segments: {segments} in all")
PREVIEW_SMS_LANGUAGE = N_("{language}: {families} by SMS, {each} segments each ({encoding})")
PREVIEW_SMS_ABOUT = N_("{language}: {families} by SMS, about {each} segments each ({encoding})")
PREVIEW_TIME = N_("Sending takes about {duration}.")
PREVIEW_UNKNOWN = N_("Not found among those you serve: {names}")
PREVIEW_NOBODY = N_("No family will get it.")
SECONDS = N_("{n} seconds")
MINUTES = N_("{n} minutes")
HOURS = N_("{n} hours")

# -- progress and the summary ------------------------------------------------------------------

PROGRESS = N_(
    "Broadcast: {sent} of {families} sent, {delivered} delivered, {failed} failed, "
    "{waiting} waiting."
)
SUMMARY = N_(
    "Broadcast done. {families} families: {delivered} delivered, {sent} sent, "
    "{failed} failed. Opted out: {opted_out}. Unreachable: {unreachable}. "
    "Replies so far: {replied}."
)
