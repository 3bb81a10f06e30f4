"""Everything stories say by themselves, from the catalogs: the Thank you button and the
warm reply families get, and `/timeline` for staff.

The family's reply is short sentences with no typographic quotes or dashes (GSM-7 where the
language allows). The family's own words are never in here.
"""

from __future__ import annotations

from ...i18n import N_

# -- staff ------------------------------------------------------------------------------------

THANK_BUTTON = N_("Say thank you")
THANKED = N_("Your thank-you is on its way to {guardian}, in {language}.")
ALREADY_THANKED = N_("{guardian} was already thanked for this.")
STORY_GONE = N_("This story is no longer here.")
TIMELINE_HELP = N_("/timeline <student> shows the recent stories and photos, both ways.")
TIMELINE_WHICH = N_("Write /timeline and the student's name, like /timeline Amira.")
TIMELINE_HEADER = N_("{student}: stories and photos of the last {days} days.")
TIMELINE_EMPTY = N_("Nothing for {student} in the last {days} days yet.")
TIMELINE_FROM_FAMILY = N_("{when}, {guardian} to school:")
TIMELINE_FROM_SCHOOL = N_("{when}, {staff} to the family:")
TIMELINE_CLASS_PHOTO = N_("{when}, a class photo from {staff}:")
TIMELINE_MEDIA = N_("[photos or files: {count}]")
TIMELINE_MORE = N_("Older entries are not shown. Showing the latest {count}.")

# -- families ---------------------------------------------------------------------------------

THANK_YOU = N_(
    "Thank you for sharing this about {student}! {staff} loved it. "
    "It helps us know {student} better."
)

# -- staff, added with the thank-you --------------------------------------------------------

THANK_NOT_REACHED = N_("{guardian} cannot be reached on any channel now. Nothing was sent.")
