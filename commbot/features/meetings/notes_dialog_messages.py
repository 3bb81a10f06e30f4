"""What the staff side says after a meeting on Telegram, from the catalogs: the `/notes`
dialog's questions and buttons and the frame of its preview, `/actions`, and the "need
more time" questions' edges. The texts both sides share (DONE_SAVED, ASK_NEW_DATE, ...)
are in `after_messages`; the preview's frame reuses `staff_messages` where the meeting
preview already says it."""

from __future__ import annotations

from ...i18n import N_

NOTES_HELP = N_("/notes records what a meeting decided and sends the family its notes and plan.")
ACTIONS_HELP = N_("/actions lists the open items of your meetings' plans.")

# -- /notes --------------------------------------------------------------------------------

NO_MEETING_FOR_NOTES = N_(
    "No meeting is waiting for notes. Notes can be written once a meeting's time has passed."
)
WHICH_MEETING = N_("Which meeting are the notes for?")
MEETING_BUTTON = N_("{student}, {when}")
ASK_SUMMARY = N_(
    "In a few sentences, what did you talk about? The family will read this in their language."
)
ASK_DECISIONS = N_("What did you decide? Write one decision per message. Tap Next when done.")
DECISION_ADDED = N_("Decision {number} saved.")
ANOTHER_OR_NEXT = N_("Write another, or tap Next.")
NEXT = N_("Next")
CONCERN_RAISED = N_("Concern {number} of {count}, from {guardian}:")
ASK_CONCERN_ANSWER = N_(
    "What answers it? Write what the school will do. If nothing does yet, tap Not yet."
)
NOT_YET = N_("Not yet")
ASK_WHY_NOT_YET = N_("Why not yet? Write it in a few words. The family will read this.")
NEW_CONCERNS = N_("The family raised another concern since you began. Please answer it too.")
ASK_OTHER_CONCERN = N_(
    "Did the family raise another concern during the meeting? Write it in a few words, or tap Next."
)
OTHER_CONCERN = N_("Raised during the meeting:")
ANOTHER_CONCERN = N_("Another concern raised during the meeting? Write it, or tap Next.")
ASK_ITEM_WHAT = N_(
    "The action plan. What is to be done? Write one item, like: Send the speech therapy "
    "schedule. If there is nothing to do, tap No items."
)
ASK_NEXT_ITEM = N_("What else is to be done? Write the next item.")
NO_ITEMS = N_("No items")
ASK_ITEM_OWNER = N_("Who will do it?")
OWNER_FAMILY_BUTTON = N_("{name} (family)")
ASK_ITEM_DUE = N_("By when? Write a date, like {iso} or {short}.")
BAD_DATE = N_("Please write a date, like {iso} or {short}.")
PAST_DATE = N_("That date has passed. Please write today's date or a later one.")
FAR_DATE = N_("That date is more than 2 years away. Please write a nearer date.")
ITEM_ADDED = N_("Item {number}: {owner}, by {date}.")
ADD_ANOTHER_ITEM = N_("Add another item?")
ADD_ANOTHER = N_("Add another")
NO_MORE = N_("No more")
ASK_IDEAS = N_("Ideas to help the child at home? Write one per message, or tap Next.")
IDEA_ADDED = N_("Idea {number} saved.")
ASK_FEEDBACK = N_("After how many days should we ask the family how the meeting worked for them?")
DAYS = N_("{days} days")
USUAL_DAYS = N_("{days} days (usual)")
DO_NOT_ASK = N_("Do not ask")
TOO_LONG = N_("That is too long. Please write it in at most {most} characters.")
TOO_MANY = N_("That is as many as the notes can hold. Tap Next.")
NOTES_BUTTONS = N_("Their own items each have a Done button.")
NOTES_TRANSLATED = N_(
    "Your own words are translated by machine when sent, and terms like IEP are explained. "
    "Everything else is written for each language."
)
SEND_NOTES = N_("Send the notes to the family now?")
NOTES_CANCELLED = N_("Notes cancelled. Nothing was sent.")
NOTES_RECORDED = N_("Notes saved for the meeting about {student}. The meeting is marked held.")
SEE_ACTIONS = N_("Send /actions to see the open items.")
CANNOT_RECORD = N_(
    "The notes could not be sent: they may already be recorded, or the student is no "
    "longer yours. Send /notes to begin again."
)

# -- need more time -------------------------------------------------------------------------

DELAY_CANCELLED = N_("Nothing was changed. The due date stays as it was.")
