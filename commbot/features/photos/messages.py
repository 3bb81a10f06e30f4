"""Everything photos say by themselves, from the catalogs: the teacher's tagging, preview,
scheduling and summary; the family's photo header, the link note, the digest, and the
PHOTOS menu.

Family texts are short sentences with no typographic quotes or dashes, so an SMS stays in
GSM-7 in the languages that can. The teacher's caption is never in here: it goes as the
delivery's body, translated at send time.
"""

from __future__ import annotations

from ...i18n import N_, gettext
from ...models import PhotoConsent

# -- the teacher, on Telegram ---------------------------------------------------------------

PHOTOS_HELP = N_(
    "Send a photo to share it with a class. /photos lists photos waiting to be sent; "
    "/photos digest 15:30 sends the day's photos once a day."
)
WHICH_CLASS = N_("Which class is this photo for?")
WHO_IS_IN_IT = N_("Who is in this photo? Tap each child, then Done.")
WHO_IS_IN_THEM = N_("Who is in these photos? Tap each child, then Done.")
TAGGED_SO_FAR = N_("In it: {names}.")
DONE = N_("Done")
NO_CHILDREN = N_("No children in it")
TAP_SOMEONE_FIRST = N_("Tap the children in it first, or No children in it.")
NO_CLASS = N_(
    "You have no class to share photos with. To send a photo to one family, "
    "write /msg and the student's name, then send the photo."
)
POST_GONE = N_("This photo is no longer waiting to be sent.")
# The preview, before anything is sent.
PREVIEW_FOR_CLASS = N_("Photo for {class_name}.")
PREVIEW_FOR_STUDENT = N_("Photo for {student}'s family.")
PREVIEW_IN_IT = N_("In it: {names}.")
PREVIEW_NOBODY_IN_IT = N_("No children in it.")
PREVIEW_RECEIVE = N_("Families who will get it ({count}):")
PREVIEW_FAMILY_LINE = N_("{children}: {guardians}")
PREVIEW_SKIPPED = N_(
    "Families who will not get it, because of the photo permission for {names}: {count}."
)
PREVIEW_UNREACHABLE = N_("Cannot be reached now (no way to contact them): {count}.")
PREVIEW_QUIET = N_("Waits for their quiet hours to end: {count}.")
PREVIEW_NOBODY = N_("No family may get this photo, because of the photo permission for {names}.")
PREVIEW_NO_FAMILIES = N_("No family can get this photo yet.")
SEND_NOW = N_("Send now")
SEND_AT = N_("Send at ...")
ADD_TO_DIGEST = N_("In today's digest ({time})")
CANCEL = N_("Cancel")
WHEN_TO_SEND = N_(
    "When should it go? Tap a time, or type one like 15:30 or tomorrow 8:00. "
    "It is your school's time."
)
TOMORROW_AT = N_("Tomorrow {time}")
TIME_NOT_UNDERSTOOD = N_("I did not understand that time. Type one like 15:30 or tomorrow 8:00.")
TIME_PASSED = N_("That time has passed. Choose a later one.")
TIME_TOO_FAR = N_("That is too far ahead. Choose a time in the next 30 days.")
SENDING = N_("Sending now. Families: {count}.")
SCHEDULED = N_("It will go {when}. /photos shows what is waiting.")
IN_DIGEST = N_("It will go in today's digest at {time}.")
POST_CANCELLED = N_("Cancelled. Nothing was sent.")
NOT_SENT_AT_ITS_TIME = N_(
    "Your photo for {target} was not sent at its time: you no longer work with that class "
    "or family."
)
NOTHING_SENT = N_("Nothing was sent.")
SUMMARY = N_(
    "Your photo{about}: sent to {sent}. Skipped because of photo permission: {skipped}. "
    "Could not be reached: {unreached}."
)
SUMMARY_ABOUT = N_(" for {class_name}")
# /photos: what waits, each with a Cancel button.
NOTHING_WAITING = N_("You have no photos waiting to be sent.")
WAITING_HEADER = N_("Photos waiting to be sent:")
WAITING_LINE = N_("{number}. {when}, {class_name}. Photos: {count}. {caption}")
WAITING_DIGEST = N_("today's digest at {time}")
CANCEL_NUMBER = N_("Cancel {number}")
DIGEST_HELP = N_(
    "Write /photos digest 15:30 to send the day's photos to families once a day, "
    "or /photos digest off."
)
DIGEST_ON = N_(
    "The end-of-day digest for {class_name} is on. Photos you add to it go at {time}, "
    "one message per family."
)
DIGEST_OFF = N_("The end-of-day digest for {class_name} is off.")
DIGEST_WHICH_CLASS = N_("For which class? Write /photos digest 15:30 and the class name.")
DIGEST_SENT = N_("Today's digest for {class_name} went out. Photos: {photos}. Families: {sent}.")

# -- families ---------------------------------------------------------------------------------

CLASS_PHOTO = N_("A photo from {student}'s class, from {staff}.")
CLASS_PHOTOS = N_("Photos from {student}'s class, from {staff}.")
ONE_FAMILY_PHOTO = N_("A photo of {student}, from {staff}.")
DIGEST_HEADER = N_("Today in {student}'s class. Here are the day's photos.")
DIGEST_CAPTION = N_("{number}. From {staff}:")
# The PHOTOS menu.
PHOTOS_WORD = N_("PHOTOS")  # the word families type, in capitals, as on a phone keyboard
MENU_INTRO = N_("Who may see photos of your child? Reply with a number.")
MENU_CHILD = N_("Photos of {student} (now: {current}):")
CHOICE_INDIVIDUAL = N_("only to me")
CHOICE_GROUP = N_("to me, and in class photos other families see")
CHOICE_NONE = N_("no photos at all")
MENU_OPTION = N_("{number}. {choice}")
NO_CHILDREN_FOR_PHOTOS = N_("We have no child linked to this number.")
CONSENT_SAVED = N_("Saved. Photos of {student}: {choice}.")
CONSENT_STRICTER_HOLDS = N_(
    "Someone else in {student}'s family chose fewer photos. The stricter choice is used, "
    "so photos of {student}: {choice}."
)
CONSENT_WITHDRAWN = N_("Photos of {student} that were waiting to be sent were stopped.")

CHOICES: dict[PhotoConsent, str] = {
    PhotoConsent.INDIVIDUAL: CHOICE_INDIVIDUAL,
    PhotoConsent.GROUP: CHOICE_GROUP,
    PhotoConsent.NONE: CHOICE_NONE,
}
# The menu's order for each child: the gentlest first.
MENU_ORDER = (PhotoConsent.INDIVIDUAL, PhotoConsent.GROUP, PhotoConsent.NONE)


def choice_text(language: str, consent: PhotoConsent) -> str:
    return gettext(language, CHOICES[consent])


def photos_header(language: str, count: int, student: str, staff: str) -> str:
    """A class photo's first line, for one family: their child's name, the teacher's."""
    template = CLASS_PHOTO if count == 1 else CLASS_PHOTOS
    return gettext(language, template, student=student, staff=staff)
