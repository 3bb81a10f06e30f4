"""Everything meetings say by themselves, from the catalogs: to families (the preview, the
menu, what we got, confirmations, reminders, cancellations) and to staff.

Family texts are short sentences a sixth grader reads (tests/test_meetings.py
measures the English), with no typographic quotes or dashes, so that an SMS in a language
written in GSM-7's letters (English, Somali, Haitian Creole, Tagalog) stays in that
alphabet: 160 characters a segment, not 70.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date, format_time

from ...i18n import N_, gettext
from ...languages import catalog_language
from .models import AttendeeRole, Need, Purpose

# -- the preview ---------------------------------------------------------------------------

GREETING = N_("Hello {guardian}. We would like to meet with you about {student}.")
PURPOSE_EXPLAINED: dict[Purpose, str] = {
    Purpose.ANNUAL_REVIEW: N_(
        "Once a year we look at how {student} is doing and plan the next year together."
    ),
    Purpose.INITIAL_ELIGIBILITY: N_(
        "We will look at the test results together. Then we decide if {student} can get "
        "special education help."
    ),
    Purpose.REEVALUATION: N_(
        "Every few years we check again what help {student} needs. "
        "We will look at new test results together."
    ),
    Purpose.TRANSITION_PLANNING: N_(
        "We will plan together for {student}'s life after school: work, more school, "
        "and living on their own."
    ),
    Purpose.FAMILY_REQUESTED: N_("You asked to meet. We will talk about what matters to you."),
    Purpose.OTHER: N_("We will talk about how {student} is doing."),
}
# What a meeting is called in a calendar and in staff lists.
PURPOSE_NAMES: dict[Purpose, str] = {
    Purpose.ANNUAL_REVIEW: N_("Yearly plan meeting for {student}"),
    Purpose.INITIAL_ELIGIBILITY: N_("First plan meeting for {student}"),
    Purpose.REEVALUATION: N_("Check-again meeting for {student}"),
    Purpose.TRANSITION_PLANNING: N_("Planning for after school, {student}"),
    Purpose.FAMILY_REQUESTED: N_("Meeting you asked for, {student}"),
    Purpose.OTHER: N_("Meeting about {student}"),
}
STRENGTHS = N_("What is going well:")
WHEN = N_("When: {when}.")
ONE_OF_THESE = N_("We can meet at one of these times:")
HOW_LONG = N_("It takes about {minutes} minutes.")
WHERE = N_("Where:")
BY_VIDEO = N_("Join by video: {link}")
BY_PHONE = N_("Join by phone: call {phone}")
ABOUT = N_("About {student}'s meeting:")
WHO = N_("Who will be there:")
STEPS = N_("What will happen:")
DEFAULT_STEPS = (
    N_("We share what is going well."),
    N_("You tell us what you see at home."),
    N_("We look at goals and help together."),
    N_("We agree on next steps."),
)
DOCUMENTS = N_("Please look at these before we meet:")
BRING = N_(
    "You may bring anyone you wish, like a friend, a relative or someone who knows {student} well."
)
SUPPORT = N_(
    "We can help you take part. Ask us for an interpreter, a ride, childcare, another "
    "time or place, or to join by phone."
)
ASK = N_("What would you like the team to know before we meet? Just write back.")
REPLY_NUMBER = N_("Reply with a number:")
TAP_OR_REPLY = N_("Tap a button below, or reply with a number.")

ROLE_LINES: dict[AttendeeRole, str] = {
    AttendeeRole.SPECIAL_EDUCATION_TEACHER: N_(
        "{name}, special education teacher: plans the help your child gets in class."
    ),
    AttendeeRole.GENERAL_EDUCATION_TEACHER: N_(
        "{name}, class teacher: teaches your child in a regular class."
    ),
    AttendeeRole.DISTRICT_REPRESENTATIVE: N_(
        "{name}, for the school district: can agree to the help your child needs."
    ),
    AttendeeRole.SCHOOL_PSYCHOLOGIST: N_(
        "{name}, school psychologist: tests how your child learns and explains the results."
    ),
    AttendeeRole.SPEECH_THERAPIST: N_(
        "{name}, speech therapist: helps your child talk and understand."
    ),
    AttendeeRole.OCCUPATIONAL_THERAPIST: N_(
        "{name}, occupational therapist. This person helps your child with hand skills and "
        "daily tasks."
    ),
    AttendeeRole.PHYSICAL_THERAPIST: N_(
        "{name}, physical therapist: helps your child move, sit and walk."
    ),
    AttendeeRole.SOCIAL_WORKER: N_(
        "{name}, social worker: helps your family find help in and out of school."
    ),
    AttendeeRole.COUNSELOR: N_(
        "{name}, school counselor: helps your child with feelings and friends."
    ),
    AttendeeRole.NURSE: N_("{name}, school nurse: looks after your child's health at school."),
    AttendeeRole.COORDINATOR: N_(
        "{name}, coordinator: runs the meeting and keeps the plan on track."
    ),
    AttendeeRole.PRINCIPAL: N_("{name}, principal: leads the school."),
    AttendeeRole.INTERPRETER: N_("{name}, interpreter: says all that is said in your language."),
    AttendeeRole.TRANSITION_SPECIALIST: N_(
        "{name}, transition specialist: helps plan life after high school."
    ),
    AttendeeRole.STUDENT: N_("{name}, your child: what they want matters in the plan."),
    AttendeeRole.OTHER: N_("{name}, also on your child's team."),
}
# The role alone, for staff lists and the dialog's buttons.
ROLE_NAMES: dict[AttendeeRole, str] = {
    AttendeeRole.SPECIAL_EDUCATION_TEACHER: N_("special education teacher"),
    AttendeeRole.GENERAL_EDUCATION_TEACHER: N_("class teacher"),
    AttendeeRole.DISTRICT_REPRESENTATIVE: N_("district representative"),
    AttendeeRole.SCHOOL_PSYCHOLOGIST: N_("school psychologist"),
    AttendeeRole.SPEECH_THERAPIST: N_("speech therapist"),
    AttendeeRole.OCCUPATIONAL_THERAPIST: N_("occupational therapist"),
    AttendeeRole.PHYSICAL_THERAPIST: N_("physical therapist"),
    AttendeeRole.SOCIAL_WORKER: N_("social worker"),
    AttendeeRole.COUNSELOR: N_("school counselor"),
    AttendeeRole.NURSE: N_("school nurse"),
    AttendeeRole.COORDINATOR: N_("coordinator"),
    AttendeeRole.PRINCIPAL: N_("principal"),
    AttendeeRole.INTERPRETER: N_("interpreter"),
    AttendeeRole.TRANSITION_SPECIALIST: N_("transition specialist"),
    AttendeeRole.STUDENT: N_("student"),
    AttendeeRole.OTHER: N_("team member"),
}

# -- the family's menu ------------------------------------------------------------------------

NONE_WORK = N_("None of these times work")
TIME_DOES_NOT_WORK = N_("This time does not work for me")
NEED_CHOICES: dict[Need, str] = {
    Need.INTERPRETER: N_("I need an interpreter"),
    Need.TRANSPORT: N_("I need a ride"),
    Need.CHILDCARE: N_("I need childcare"),
    Need.PHONE: N_("I want to join by phone"),
}
BRINGING_CHOICE = N_("I will bring someone")

# -- what the family is told back ---------------------------------------------------------------

GOT_SLOT = N_("Thank you. We got your choice: {when}. We will confirm the time soon.")
ASK_AVAILABILITY = N_(
    "Thank you for telling us. Which days and times are good for you? Please write back."
)
GOT_AVAILABILITY = N_("Thank you. We will find a time that works for you.")
GOT_NEED: dict[Need, str] = {
    Need.INTERPRETER: N_("Thank you. We will have an interpreter for you at the meeting."),
    Need.TRANSPORT: N_("Thank you. We will help you get a ride to the meeting."),
    Need.CHILDCARE: N_("Thank you. We will help with childcare during the meeting."),
    Need.PHONE: N_("Thank you. You can join by phone. We will send you the number."),
}
ASK_BRINGING = N_("Who will you bring? Please write their name and how they know {student}.")
GOT_BRINGING = N_("Thank you. We will tell the team who is coming with you.")
GOT_CONCERN = N_("Thank you. We will share this with the team before the meeting.")
MEETING_CLOSED = N_("This meeting is no longer open. Please write your message instead.")

# -- confirmations, changes, reminders ------------------------------------------------------------

CONFIRMED = N_("{student}'s meeting is set for {when}.")
RESCHEDULED = N_("{student}'s meeting has moved. The new time is {when}.")
CANCELLED_AT = N_("{student}'s meeting on {when} is cancelled. We will be in touch soon.")
CANCELLED = N_("{student}'s meeting is cancelled. We will be in touch soon.")
CALENDAR_LINK = N_("Add it to your calendar: {link}")
CALENDAR_ATTACHED = N_(
    "The calendar file is attached. Open it to add the meeting to your calendar."
)
REMINDER = N_("A reminder: {student}'s meeting is on {when}.")
ANYTHING_ELSE = N_("Need an interpreter, a ride or another time? Just write back.")
CALENDAR_FILE_NAME = N_("meeting.ics")

# -- to staff ------------------------------------------------------------------------------------

STAFF_CONFIRMED = N_("The meeting about {student} is set for {when}.")
STAFF_RESCHEDULED = N_("The meeting about {student} has moved to {when}.")
STAFF_CANCELLED = N_("The meeting about {student} is cancelled.")
STAFF_REMINDER = N_("Reminder: the meeting about {student} is on {when}.")
FAMILY_PICKED = N_("{guardian} ({student}) picked {when} for the meeting.")
FAMILY_NONE_WORK = N_(
    "{guardian} ({student}) says none of the meeting times work. They will say what suits them."
)
FAMILY_AVAILABILITY = N_("{guardian} ({student}) says these times suit them:")
FAMILY_NEEDS: dict[Need, str] = {
    Need.INTERPRETER: N_("{guardian} ({student}) asks for an interpreter at the meeting."),
    Need.TRANSPORT: N_("{guardian} ({student}) asks for help with a ride to the meeting."),
    Need.CHILDCARE: N_("{guardian} ({student}) asks for childcare during the meeting."),
    Need.PHONE: N_("{guardian} ({student}) would like to join the meeting by phone."),
}
NEED_NAMES: dict[Need, str] = {
    Need.INTERPRETER: N_("interpreter"),
    Need.TRANSPORT: N_("ride"),
    Need.CHILDCARE: N_("childcare"),
    Need.PHONE: N_("by phone"),
}
FAMILY_BRINGING = N_("{guardian} ({student}) will bring:")
FAMILY_CONCERN = N_("{guardian} ({student}) would like the team to know:")
CONFIRM_BUTTON = N_("Confirm {when}")
QUIET_CONFLICT = N_("{guardian} asked for no messages until {end}: {slot} falls in that time.")


# -- times as the reader writes them ---------------------------------------------------------


def plain(text: str) -> str:
    """CLDR writes "4:00 PM" with a narrow no-break space: one such character makes a whole
    SMS UCS-2 (70 characters a segment, not 160). Ordinary spaces read the same."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _locale(language: str) -> str:
    return catalog_language(language).replace("-", "_")


def when_text(when: dt.datetime, timezone: str, language: str) -> str:
    """ "Tuesday, December 1, 2026, 4:00 PM" in the reader's words and time zone."""
    local = when.astimezone(zoneinfo.ZoneInfo(timezone))
    locale = _locale(language)
    day = format_date(local, format="full", locale=locale)  # the weekday and date, in full
    time = format_time(local, format="short", locale=locale)
    return plain(f"{day}, {time}")


def clock_text(minute_of_day: int, language: str) -> str:
    """A time of day ("3:00 PM", "15:00") as the reader writes it."""
    minute_of_day %= 24 * 60
    clock = dt.time(minute_of_day // 60, minute_of_day % 60)
    return plain(format_time(clock, format="short", locale=_locale(language)))


def purpose_name(purpose: Purpose, language: str, student: str) -> str:
    return gettext(language, PURPOSE_NAMES[purpose], student=student)


def role_line(role: AttendeeRole, name: str, language: str) -> str:
    return gettext(language, ROLE_LINES[role], name=name)
