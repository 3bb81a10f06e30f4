"""What the teacher reads and taps while making a photo post: who is in it, which class,
the preview before anything is sent (who will get it, how many are skipped for consent),
and when it should go. Texts and keyboards only; the handlers send them, the actions
decide.

The preview counts families as the fan-out does (one per guardian) and names only the
families who will get it: of those skipped it says how many, and which tagged children's
photo permission kept it from them (the teacher serves those children), never who they are
or what anyone chose.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence

from babel.dates import format_date, format_time
from sqlalchemy.orm import Session

from ...i18n import gettext
from ...languages import catalog_language
from ...models import SchoolClass, Staff, Student
from ...outbox import Keyboard, guardian_not_before
from ...schools import school_timezone
from . import buttons as b
from . import messages as m
from .consent import Audience
from .models import PhotoPost
from .send_time import preset_code

TICK = "✓ "
# Today's and tomorrow's preset times for "Send at ...", on the school's clock.
TODAY_PRESETS = (dt.time(12, 0), dt.time(15, 30))
TOMORROW_PRESETS = (dt.time(8, 0), dt.time(15, 30))
SOON = dt.timedelta(minutes=10)  # a preset closer than this is not offered


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def _plain(text: str) -> str:
    """CLDR's narrow no-break spaces as ordinary ones (they read the same)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _locale(language: str) -> str:
    return catalog_language(language).replace("-", "_")


# -- the school's clock ----------------------------------------------------------------------------


def zone_of(session: Session, post: PhotoPost, default_timezone: str) -> str:
    """The post's school's time zone (its class's, or its student's), else the default."""
    school_id = None
    if post.class_id is not None:
        school_class = session.get(SchoolClass, post.class_id)
        school_id = school_class.school_id if school_class is not None else None
    elif post.student_id is not None:
        student = session.get(Student, post.student_id)
        school_id = student.school_id if student is not None else None
    return school_timezone(session, school_id, default_timezone)


def clock_words(clock: dt.time, language: str) -> str:
    """ "3:30 PM" or "15:30", as the reader writes a time of day."""
    return _plain(format_time(clock, format="short", locale=_locale(language)))


def digest_clock(local_time: str, language: str) -> str:
    """A digest's "HH:MM" as the reader writes it."""
    hour, _, minute = local_time.partition(":")
    return clock_words(dt.time(int(hour), int(minute or 0)), language)


def when_words(when: dt.datetime, zone: str, language: str, now: dt.datetime) -> str:
    """ "Friday 3:30 PM" within the week, else "Tuesday, December 1, 2026 3:30 PM"."""
    tz = zoneinfo.ZoneInfo(zone)
    local = when.astimezone(tz)
    locale = _locale(language)
    clock = format_time(local, format="short", locale=locale)
    days = (local.date() - now.astimezone(tz).date()).days
    day = format_date(local, "EEEE" if 0 <= days < 7 else "full", locale=locale)
    return _plain(f"{day} {clock}")


# -- who is in it, which class ---------------------------------------------------------------------


def tag_question(
    staff: Staff, post: PhotoPost, taggable: Sequence[Student], tagged: Sequence[Student]
) -> tuple[str, Keyboard]:
    """ "Who is in this photo?" with a toggle per child (ticked when tagged), "No children
    in it" and Done."""
    several = len(post.media) > 1 or post.media_group_id is not None
    lines = [_t(staff, m.WHO_IS_IN_THEM if several else m.WHO_IS_IN_IT)]
    if tagged:
        lines.append(_t(staff, m.TAGGED_SO_FAR, names=", ".join(s.name for s in tagged)))
    ticked = {s.id for s in tagged}
    children = [
        _button((TICK if s.id in ticked else "") + s.name, b.TAG.encode(post=post.id, student=s.id))
        for s in taggable
    ]
    keyboard: Keyboard = [children[i : i + 2] for i in range(0, len(children), 2)]
    if post.student_id is None:  # a photo for one family is of that child
        keyboard.append([_button(_t(staff, m.NO_CHILDREN), _step(post, "none"))])
    keyboard.append([_button(_t(staff, m.DONE), _step(post, "done"))])
    return "\n".join(lines), keyboard


def class_question(
    staff: Staff, post: PhotoPost, classes: Sequence[SchoolClass]
) -> tuple[str, Keyboard]:
    keyboard = [[_button(c.name, b.CLASS.encode(post=post.id, **{"class": c.id}))] for c in classes]
    keyboard.append([_button(_t(staff, m.CANCEL), _step(post, "cancel"))])
    return _t(staff, m.WHICH_CLASS), keyboard


def _step(post: PhotoPost, action: str) -> str:
    return b.STEP.encode(post=post.id, action=action)


# -- the preview -----------------------------------------------------------------------------------


def preview_text(
    staff: Staff,
    post: PhotoPost,
    audience: Audience,
    *,
    target: str,
    tagged: Sequence[Student],
    now: dt.datetime,
    default_timezone: str,
) -> str:
    """What the teacher reads before anything is sent. `target` is the class's name, or
    the student's for a photo for one family."""
    head = m.PREVIEW_FOR_CLASS if post.student_id is None else m.PREVIEW_FOR_STUDENT
    lines = [_t(staff, head, class_name=target, student=target)]
    names = ", ".join(s.name for s in tagged)
    lines.append(
        _t(staff, m.PREVIEW_IN_IT, names=names) if tagged else _t(staff, m.PREVIEW_NOBODY_IN_IT)
    )
    reachable = [f for f in audience.receive if f.reachable]
    blocking = ", ".join(s.name for s in audience.blocking)
    if reachable:
        by_children: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for family in reachable:
            by_children[tuple(s.name for s in family.children)].append(family.guardian.name)
        lines.append(_t(staff, m.PREVIEW_RECEIVE, count=len(reachable)))
        for children, guardians in sorted(by_children.items()):
            lines.append(
                _t(
                    staff,
                    m.PREVIEW_FAMILY_LINE,
                    children=", ".join(children),
                    guardians=", ".join(sorted(guardians)),
                )
            )
        quiet = sum(guardian_not_before(f.guardian, now, default_timezone) > now for f in reachable)
        if quiet:
            lines.append(_t(staff, m.PREVIEW_QUIET, count=quiet))
    elif audience.skipped:
        lines.append(_t(staff, m.PREVIEW_NOBODY, names=blocking))
    else:
        lines.append(_t(staff, m.PREVIEW_NO_FAMILIES))
    if audience.unreachable:
        lines.append(_t(staff, m.PREVIEW_UNREACHABLE, count=len(audience.unreachable)))
    if reachable and audience.skipped:
        lines.append(_t(staff, m.PREVIEW_SKIPPED, names=blocking, count=len(audience.skipped)))
    return "\n".join(lines)


def preview_keyboard(
    staff: Staff, post: PhotoPost, audience: Audience, *, digest_time: str | None
) -> Keyboard:
    """Send now, Send at ..., the digest (when the class has one on), Cancel. With nobody
    to send to, only Cancel."""
    keyboard: Keyboard = []
    if any(f.reachable for f in audience.receive):
        keyboard.append(
            [
                _button(_t(staff, m.SEND_NOW), _step(post, "now")),
                _button(_t(staff, m.SEND_AT), _step(post, "at")),
            ]
        )
        if digest_time is not None:
            label = _t(staff, m.ADD_TO_DIGEST, time=digest_clock(digest_time, staff.language))
            keyboard.append([_button(label, _step(post, "digest"))])
    keyboard.append([_button(_t(staff, m.CANCEL), _step(post, "cancel"))])
    return keyboard


# -- when it goes ----------------------------------------------------------------------------------


def time_question(
    staff: Staff, post: PhotoPost, zone: str, now: dt.datetime
) -> tuple[str, Keyboard]:
    """ "When should it go?" with today's presets still ahead and tomorrow's."""
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    row: list[dict[str, str]] = []
    for clock in TODAY_PRESETS:
        if dt.datetime.combine(local.date(), clock, tzinfo=local.tzinfo) - local > SOON:
            code = preset_code(0, clock)
            row.append(_button(clock_words(clock, staff.language), _at(post, code)))
    for clock in TOMORROW_PRESETS:
        label = _t(staff, m.TOMORROW_AT, time=clock_words(clock, staff.language))
        row.append(_button(label, _at(post, preset_code(1, clock))))
    keyboard = [row[i : i + 2] for i in range(0, len(row), 2)]
    keyboard.append([_button(_t(staff, m.CANCEL), _step(post, "cancel"))])
    return _t(staff, m.WHEN_TO_SEND), keyboard


def _at(post: PhotoPost, code: str) -> str:
    return b.AT.encode(post=post.id, when=code)
