"""What meetings say to staff on Telegram, from the catalogs: the `/meeting` dialog's
questions and buttons, the preview's frame, and the `/meetings` view. Family texts stay in
`messages`."""

from __future__ import annotations

from ...i18n import N_
from .models import MeetingState, Purpose

# The same words as the check-in dialog's: one translation for both.
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please try again, or send /cancel.")
SETUP_CANCELLED = N_("Meeting setup cancelled. Nothing was sent.")

# -- the dialog ------------------------------------------------------------------------------

WHICH_STUDENT = N_("Which student is the meeting about? Tap one, or type the name.")
NO_STUDENTS = N_("You have no students yet. Ask your coordinator to add you to a class.")
WHICH_PURPOSE = N_("What is the meeting for?")
PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.ANNUAL_REVIEW: N_("Annual review"),
    Purpose.INITIAL_ELIGIBILITY: N_("Initial eligibility"),
    Purpose.REEVALUATION: N_("Reevaluation"),
    Purpose.TRANSITION_PLANNING: N_("Transition planning"),
    Purpose.FAMILY_REQUESTED: N_("The family asked to meet"),
    Purpose.OTHER: N_("Something else"),
}
WHICH_TIMING = N_("Do you set the time, or let the family choose from a few times?")
FIXED_TIME = N_("One fixed time")
PROPOSE_SLOTS = N_("Let the family choose")
TYPE_FIXED = N_("Type the date and time, like 2026-12-01 16:00 (school time, {zone}).")
TYPE_SLOT = N_(
    "Type a time the family can choose, like 2026-12-01 16:00 (school time, {zone}). "
    "You can give up to {most}."
)
TIME_ADDED = N_("Time {number}: {when}.")
ANOTHER_SLOT = N_("Type another time, or tap Done.")
TIME_PASSED = N_("That time has already passed. Please type a time in the future.")
TIME_TWICE = N_("You already gave that time. Please type another one.")
DONE = N_("Done")
HOW_LONG = N_("How long will it take?")
MINUTES = N_("{minutes} min")
WHERE = N_("Where? Type the room or the address. For a video or a phone meeting, tap a button.")
BY_VIDEO = N_("Video meeting")
BY_PHONE = N_("Phone meeting")
TYPE_VIDEO = N_("Type the video link. It starts with https://")
TYPE_PHONE = N_("Type the phone number the family will call.")
WHO_COMES = N_(
    "Who from school will be there? Tap a name to add or remove them. "
    "For someone else, type a name and a role, like: Ruth Hale, school psychologist. "
    "Tap Done when the list is right."
)
COMING = N_("Coming: {names}")
NOBODY_YET = N_("Nobody yet.")
WHICH_DOCUMENTS = N_(
    "Documents for the family to read first? Type a title and a link on each line, "
    "like: Draft IEP https://school.example/iep.pdf. Or tap Skip."
)
DOCUMENT_ADDED = N_("Added: {titles}. Type more, or tap Done.")
SKIP = N_("Skip")

# -- the preview -------------------------------------------------------------------------------

PREVIEW_FOR = N_("{guardian} will get this in {language} by {channel}:")
PREVIEW_PARTS = N_("{guardian} will get this in {language} by {channel}, in {count} messages:")
PREVIEW_PART = N_("Message {number}:")
PREVIEW_BUTTONS = N_("Each numbered choice is also a button.")
PREVIEW_CALENDAR = N_("With a calendar invite.")
NO_CHANNEL = N_("{guardian} has no way to get messages. Nothing will reach them.")
NOBODY_GETS_IT = N_("No family member gets messages about {student}. Nothing would be sent.")
TRANSLATED_NOTE = N_(
    "Your own words (the place and the titles) are translated by machine when sent, and "
    "terms like IEP are explained. Everything else is written for each language."
)
SEND_OR_CANCEL = N_("Send it to the family now?")
SEND = N_("Send")
CANCEL = N_("Cancel")
CANNOT_SEND = N_(
    "The meeting could not be set up: a time may have passed, or the student is no longer "
    "yours. Send /meeting to begin again."
)
SENT = N_("The meeting about {student} is set up.")
SENT_BY = N_("{guardian}: sent by {channel}.")
SENT_NOWHERE = N_("{guardian}: no way to reach them, nothing sent.")
SEE_ANSWERS = N_("Send /meetings to see the answers.")

# -- /meetings ---------------------------------------------------------------------------------

NO_MEETINGS = N_("You have no open meetings. Send /meeting to set one up.")
NOT_OPEN = N_("This meeting is no longer open. Send /meetings to see yours.")
STATE_TEXT: dict[MeetingState, str] = {
    MeetingState.PROPOSED: N_("waiting for a time"),
    MeetingState.SCHEDULED: N_("time set"),
    MeetingState.CANCELLED: N_("meeting cancelled"),
    MeetingState.HELD: N_("meeting held"),
}
HEADING = N_("{student}: {purpose} ({state})")
SET_FOR = N_("When: {when}")
TIMES_OFFERED = N_("Times offered:")
# How far each guardian's preview got, in plain words.
DELIVERY_TEXT: dict[str, str] = {
    "pending": N_("preview waiting to be sent"),
    "held": N_("preview waiting for their quiet hours to end"),
    "sending": N_("preview being sent"),
    "sent": N_("preview sent"),
    "delivered": N_("preview delivered"),
    "read": N_("preview read"),
    "failed": N_("preview could not be delivered"),
    "undelivered": N_("preview could not be delivered"),
    "cancelled": N_("preview not sent"),
    "not sent": N_("preview not sent"),
    "no channel": N_("no way to reach them"),
}
FAMILY_LINE = N_("{guardian} ({channel}): {status}.")
FAMILY_LINE_NO_CHANNEL = N_("{guardian}: {status}.")
PICKED = N_("Picked time {number}: {when}")
NONE_WORK = N_("None of the times work for them.")
NEEDS = N_("Asks for: {needs}")
BRINGS = N_("Brings: {words}")
SUITS = N_("Times that suit them: {words}")
SAYS = N_("Says: {words}")
NO_ANSWER = N_("No answer yet.")
CANCEL_MEETING = N_("Cancel meeting")
REALLY_CANCEL = N_("Cancel the meeting about {student}? Everyone who heard about it will be told.")
YES_CANCEL = N_("Yes, cancel")
CONFIRMED_DONE = N_("Done. The meeting about {student} is set for {when}. Everyone is told.")
CANCELLED_DONE = N_("Done. The meeting about {student} is cancelled. Everyone is told.")
