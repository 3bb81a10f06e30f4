"""What the `/broadcast` dialog, the progress message and the final summary say, from the
catalogs. The preview's numbers are `preview.render`'s (the same on the command line);
the sender's own words are never in here.
"""

from __future__ import annotations

from ...i18n import N_

BROADCAST_HELP = N_(
    "/broadcast writes one message to many families at once: a class, a language, or all "
    "of them. You see what it will cost and who it reaches before it goes."
)
NO_FAMILIES = N_(
    "You have no families to write to yet. Ask your coordinator to add you to a class."
)

# -- who it is for -------------------------------------------------------------------------------
WHO = N_(
    "Who should get this message? Tap one, or tick classes and tap Next. "
    "You can also write students' names, separated by commas."
)
WHOLE_SCHOOL = N_("The whole school")
ALL_MY_FAMILIES = N_("All my families")
NEXT = N_("Next")
IN_A_LANGUAGE = N_("Families who read one language")
MEETING_SOON = N_("Families with a meeting in the next {days} days")
NOT_REACHED = N_("Families not reached in {days} days")
BY_NAME = N_("Students by name")
WHICH_LANGUAGE = N_("Which language do the families read?")
TYPE_NAMES = N_("Write the students' names, separated by commas.")
TICK_A_CLASS = N_("Tick at least one class first, or pick another group.")
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please use the buttons.")
UNKNOWN_NAMES = N_("I could not find these among your students: {names}.")
NOBODY_THERE = N_("Nobody in that group can get messages from you. Please pick another group.")

# -- what it says --------------------------------------------------------------------------------
AUDIENCE_CHOSEN = N_("To: {audience}.")
WRITE_IT = N_(
    "Now write the message, or send a photo or a flyer with its words as the caption. "
    "Each family gets it in their own language."
)
ANY_CHILDREN = N_(
    "Is any child in this picture? A broadcast does not check photo permissions, so "
    "photos of children go as a class photo instead."
)
NO_CHILDREN = N_("No child in it (a flyer)")
CHILDREN_IN_IT = N_("Children are in it")
USE_CLASS_PHOTO = N_(
    "Then please send it to me without /broadcast: it becomes a class photo, and each "
    "child's photo permission decides which families see it. Here, write your message, "
    "or send a flyer or a picture with no children."
)

# -- the preview, and what to do with it ---------------------------------------------------------
PREVIEW_HEADER = N_("Nothing is sent yet. This is what will happen:")
PREVIEW_TEXT = N_("Your message: {text}")
PREVIEW_ATTACHED = N_("With a photo or file.")
SEND_NOW = N_("Send now")
SCHEDULE = N_("Schedule")
MAKE_URGENT = N_("Mark urgent")
NOT_URGENT = N_("Not urgent")
CANCEL = N_("Cancel")
CHANGE_IT = N_("To change the message, write it again or send another photo.")

# -- scheduling ----------------------------------------------------------------------------------
WHEN = N_(
    "When should it go? Write a date and time like 2026-12-01 08:00, or just a time like "
    "16:30 for the next time the clock shows it. The time is on the school's clock ({zone})."
)
SCHEDULED = N_("Scheduled for {when}. You will see its progress here when it goes.")
CANCEL_IT = N_("Cancel it")

# -- stopping ------------------------------------------------------------------------------------
CANCELLED = N_("Cancelled. Nothing was sent.")
STOPPED = N_("Stopped. Messages that had not gone yet were cancelled: {count}.")
SETUP_CANCELLED = N_("The broadcast is cancelled. Nothing was sent.")
GONE = N_("This broadcast is no longer waiting. Write /broadcast to begin a new one.")
STALE = N_("This button is from an earlier message. Please use the latest one.")

# -- while it goes -------------------------------------------------------------------------------
STOP_SENDING = N_("Stop sending")
