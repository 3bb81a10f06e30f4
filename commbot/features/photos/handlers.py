"""Photos on Telegram. Staff: a photo (or album, or image file) with no command starts a
post; its buttons say who is in it and which class, preview who will get it, and send it
now, at a time (a preset or typed, the `photo_time` dialog), or in the class's digest;
`/photos` lists what waits and turns the digest on or off. Families' PHOTOS menu is in
`family_handlers`.

Handlers translate: every rule (who may be tagged, which class, when) is the actions'
(`posts`, `fanout`, `digest`). A press on a post that is not the presser's, or no longer at
that step, answers POST_GONE and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy.orm import Session

from ...callback_data import Value
from ...conversations.context import Context
from ...conversations.dialogs import DIALOGS, Dialog
from ...conversations.registry import BUTTONS, COMMANDS
from ...conversations.staff import is_picture_of_children, on_photo
from ...i18n import gettext
from ...models import SchoolClass, Staff, StaffDialog, Student
from . import buttons as b
from . import digest, fanout, posts
from . import family_handlers as _families  # noqa: F401  (registers the families' PHOTOS menu)
from . import messages as m
from . import preview as p
from .consent import Audience
from .models import PhotoPost, PostState
from .send_time import TimeRefused, preset_time, typed_time
from .sharing import classes_for_photos

TIME_DIALOG = "photo_time"
CAPTION_SHOWN = 60  # characters of a caption in the /photos list


def _t(staff: Staff, message: str, **values: object) -> str:
    return gettext(staff.language, message, **values)


def _gone(context: Context, staff: Staff) -> None:
    context.reply(_t(staff, m.POST_GONE))
    context.events.append("stale photo button")


def _post(
    context: Context, staff: Staff, values: dict[str, Value], *states: PostState
) -> PhotoPost | None:
    """The presser's own post at one of `states`, or None (POST_GONE already said)."""
    post = posts.post_for(context.session, staff, int(values["post"]))
    if post is None or post.state not in states:
        _gone(context, staff)
        return None
    return post


# -- a photo arrives -------------------------------------------------------------------------------


@on_photo
def start(context: Context, staff: Staff, student: Student | None, caption: str) -> None:
    """A new post (asked who is in it, or first which class), or an album's next part,
    which joins its post silently."""
    inbound = context.inbound
    session = context.session
    if student is None and not classes_for_photos(session, staff):
        context.reply(_t(staff, m.NO_CLASS))
        context.events.append("photo: no class")
        return
    try:
        post, new = posts.start_post(
            session,
            staff,
            media=[media.to_json() for media in inbound.media if is_picture_of_children(media)],
            caption=caption,
            now=context.now,
            media_group_id=inbound.media_group_id,
            student=student,
        )
    except posts.PostError as refused:
        context.reply(_t(staff, refused.message))
        context.events.append("photo refused")
        return
    if not new:
        context.events.append("photo: album part")
        return
    context.events.append("photo post started")
    _ask_next(context, staff, post)


def _ask_next(context: Context, staff: Staff, post: PhotoPost) -> None:
    """Which class (a teacher with several, before anything else), else who is in it."""
    session = context.session
    if post.class_id is None and post.student_id is None:
        classes = classes_for_photos(session, staff)
        context.reply(*p.class_question(staff, post, classes))
        return
    taggable = posts.taggable_students(session, staff, post)
    tagged = posts.tagged_students(session, post)
    context.reply(*p.tag_question(staff, post, taggable, tagged))


# -- tagging ---------------------------------------------------------------------------------------


@BUTTONS.on(b.CLASS)
def _class(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    post = _post(context, staff, values, PostState.TAGGING)
    if post is None:
        return
    try:
        posts.choose_class(context.session, staff, post, int(values["class"]), context.now)
    except posts.PostError:
        _gone(context, staff)  # not one of their classes: as if the button had gone
        return
    _ask_next(context, staff, post)


@BUTTONS.on(b.TAG)
def _tag(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    post = _post(context, staff, values, PostState.TAGGING)
    if post is None:
        return
    try:
        posts.toggle_tag(context.session, staff, post, int(values["student"]), context.now)
    except posts.PostError:
        _gone(context, staff)  # a child they do not serve: the same answer as a stale press
        return
    context.events.append("photo tag")
    _ask_next(context, staff, post)


# -- the steps: Done, No children, Send now, Send at, digest, Cancel -------------------------------


@BUTTONS.on(b.STEP)
def _step(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    action = str(values["action"])
    if action in ("done", "none"):
        _finish(context, staff, values, no_children=action == "none")
    elif action == "cancel":
        _cancel(context, staff, values)
    else:
        post = _post(context, staff, values, PostState.READY)
        if post is not None:
            {"now": _send_now, "at": _ask_time, "digest": _to_digest}[action](context, staff, post)


def _finish(context: Context, staff: Staff, values: dict[str, Value], *, no_children: bool) -> None:
    post = _post(context, staff, values, PostState.TAGGING)
    if post is None:
        return
    session = context.session
    if post.class_id is None and post.student_id is None:
        _ask_next(context, staff, post)  # which class first
        return
    try:
        audience = posts.finish_tagging(session, staff, post, context.now, no_children=no_children)
    except posts.PostError as refused:  # nobody tapped: said, with the buttons again
        taggable = posts.taggable_students(session, staff, post)
        _, keyboard = p.tag_question(staff, post, taggable, posts.tagged_students(session, post))
        context.reply(_t(staff, refused.message), keyboard)
        return
    show_preview(context, staff, post, audience)


def show_preview(context: Context, staff: Staff, post: PhotoPost, audience: Audience) -> None:
    """What will happen, before anything is sent, with Send now / Send at / digest / Cancel."""
    session = context.session
    on = digest.digest_for(session, post.class_id) if post.class_id is not None else None
    held = on is not None and on.active and post.student_id is None
    digest_time = on.local_time if held and on is not None else None
    text = p.preview_text(
        staff,
        post,
        audience,
        target=_target(session, post),
        tagged=posts.tagged_students(session, post),
        now=context.now,
        default_timezone=context.default_timezone,
    )
    context.reply(text, p.preview_keyboard(staff, post, audience, digest_time=digest_time))
    context.events.append("photo preview")


def _target(session: Session, post: PhotoPost) -> str:
    """The class's name, or the student's for a photo for one family."""
    if post.student_id is not None:
        return session.get_one(Student, post.student_id).name
    if post.class_id is not None:
        return session.get_one(SchoolClass, post.class_id).name
    return ""


def _send_now(context: Context, staff: Staff, post: PhotoPost) -> None:
    _end_time_dialog(context, staff, post)
    try:
        result = fanout.fan_out(
            context.session, post, now=context.now, default_timezone=context.default_timezone
        )
    except posts.PostError as refused:  # pressed twice, or they no longer share that class
        context.reply(_t(staff, refused.message))
        context.events.append("photo not sent")
        return
    message = m.SENDING if result.queued else m.NOTHING_SENT
    context.reply(_t(staff, message, count=result.queued))
    context.events.append("photo sent")


def _ask_time(context: Context, staff: Staff, post: PhotoPost) -> None:
    zone = p.zone_of(context.session, post, context.default_timezone)
    DIALOGS.begin(context, staff, TIME_DIALOG, {"post": post.id})
    context.reply(*p.time_question(staff, post, zone, context.now))


def _to_digest(context: Context, staff: Staff, post: PhotoPost) -> None:
    try:
        posts.add_to_digest(context.session, staff, post, context.now)
    except posts.PostError as refused:
        context.reply(_t(staff, refused.message))
        return
    _end_time_dialog(context, staff, post)
    on = digest.digest_for(context.session, post.class_id) if post.class_id else None
    shown = p.digest_clock(on.local_time, staff.language) if on is not None else ""
    context.reply(_t(staff, m.IN_DIGEST, time=shown))
    context.events.append("photo held for the digest")


def _cancel(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    post = _post(context, staff, values, *posts.OPEN)
    if post is None:
        return
    _cancel_post(context, staff, post, "photo cancelled")


# -- Send at: a preset button, or a typed time (the photo_time dialog) -----------------------------


@BUTTONS.on(b.AT)
def _at(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    """A preset time, pressed (with or without the time dialog open)."""
    post = _post(context, staff, values, PostState.READY)
    if post is None:
        return
    zone = p.zone_of(context.session, post, context.default_timezone)
    try:
        when = preset_time(str(values["when"]), zone, context.now)
    except TimeRefused as refused:
        context.reply(_t(staff, refused.message))
        return
    _schedule(context, staff, post, when, zone)


def _typed(context: Context, staff: Staff, dialog: StaffDialog) -> None:
    """The dialog's step: a preset press goes as above; typed words are a time."""
    data = context.inbound.callback_data
    if data is not None:
        values = b.AT.decode(data)
        if values is not None:
            _at(context, staff, values)
        return
    post = posts.post_for(context.session, staff, int(dialog.state.get("post", 0)))
    if post is None or post.state is not PostState.READY:
        DIALOGS.end(context.session, staff)
        _gone(context, staff)
        return
    zone = p.zone_of(context.session, post, context.default_timezone)
    try:
        when = typed_time(context.inbound.text, zone, context.now)
    except TimeRefused as refused:
        context.reply(_t(staff, refused.message))  # the dialog stays open: they try again
        context.events.append("photo time: not understood")
        return
    _schedule(context, staff, post, when, zone)


def _schedule(
    context: Context, staff: Staff, post: PhotoPost, when: dt.datetime, zone: str
) -> None:
    try:
        posts.schedule_post(context.session, staff, post, when, context.now)
    except posts.PostError as refused:
        context.reply(_t(staff, refused.message))
        return
    _end_time_dialog(context, staff, post)
    shown = p.when_words(when, zone, staff.language, context.now)
    context.reply(_t(staff, m.SCHEDULED, when=shown))
    context.events.append("photo scheduled")


def _end_time_dialog(context: Context, staff: Staff, post: PhotoPost) -> None:
    """Close the time dialog if it is this post's (it may be another post's, or another
    dialog altogether: those stay)."""
    found = DIALOGS.active(context.session, staff)
    if found is not None and found[0].kind == TIME_DIALOG and found[1].state.get("post") == post.id:
        DIALOGS.end(context.session, staff)


DIALOGS.add(Dialog(TIME_DIALOG, _typed, b.AT, m.NOTHING_SENT))


# -- /photos: what waits, and the digest -----------------------------------------------------------


@COMMANDS.command("/photos", m.PHOTOS_HELP)
def _photos(context: Context, staff: Staff, argument: str) -> None:
    words = argument.split()
    if not words:
        _waiting(context, staff)
    elif words[0].casefold() == "digest":
        _digest(context, staff, words[1:])
    else:
        context.reply(_t(staff, m.PHOTOS_HELP))


def _waiting(context: Context, staff: Staff) -> None:
    session = context.session
    waiting = posts.waiting_posts(session, staff)
    if not waiting:
        context.reply(_t(staff, m.NOTHING_WAITING))
        return
    lines = [_t(staff, m.WAITING_HEADER)]
    keyboard = []
    for number, post in enumerate(waiting, start=1):
        zone = p.zone_of(session, post, context.default_timezone)
        if post.state is PostState.DIGEST and post.send_at is not None:
            clock = p.clock_words(
                post.send_at.astimezone(zoneinfo.ZoneInfo(zone)).time(), staff.language
            )
            when = _t(staff, m.WAITING_DIGEST, time=clock)
        elif post.send_at is not None:
            when = p.when_words(post.send_at, zone, staff.language, context.now)
        else:
            when = ""
        caption = " ".join(post.caption.split())
        if len(caption) > CAPTION_SHOWN:
            caption = caption[: CAPTION_SHOWN - 3].rstrip() + "..."
        line = _t(
            staff,
            m.WAITING_LINE,
            number=number,
            when=when,
            class_name=_target(session, post),
            count=len(post.media),
            caption=caption,
        )
        lines.append(line.rstrip())
        label = _t(staff, m.CANCEL_NUMBER, number=number)
        keyboard.append([{"text": label, "callback_data": b.UNSCHEDULE.encode(post=post.id)}])
    context.reply("\n".join(lines), keyboard)


@BUTTONS.on(b.UNSCHEDULE)
def _unschedule(context: Context, staff: Staff, values: dict[str, Value]) -> None:
    post = _post(context, staff, values, *posts.WAITING)
    if post is None:
        return
    _cancel_post(context, staff, post, "photo unscheduled")


def _cancel_post(context: Context, staff: Staff, post: PhotoPost, event: str) -> None:
    """Cancel from the preview or the /photos list: the same action, the same answer."""
    try:
        posts.cancel_post(context.session, staff, post, context.now)
    except posts.PostError:
        _gone(context, staff)
        return
    _end_time_dialog(context, staff, post)
    context.reply(_t(staff, m.POST_CANCELLED))
    context.events.append(event)


def _digest(context: Context, staff: Staff, words: list[str]) -> None:
    """`/photos digest 15:30 [class]` or `/photos digest off [class]`."""
    off = bool(words) and words[0].casefold() == "off"
    try:
        local_time = None if off else digest.parse_local_time(words[0] if words else "")
    except ValueError:
        context.reply(_t(staff, m.DIGEST_HELP))
        return
    session = context.session
    classes = classes_for_photos(session, staff)
    if not classes:
        context.reply(_t(staff, m.NO_CLASS))
        return
    name = " ".join(words[1:]).casefold()
    if name:
        chosen = [c for c in classes if c.name.casefold() == name]
    else:
        chosen = classes if len(classes) == 1 else []
    if len(chosen) != 1:
        context.reply(_t(staff, m.DIGEST_WHICH_CLASS))
        return
    school_class = chosen[0]
    if local_time is None:
        digest.set_digest(session, staff, school_class, None, context.now)
        context.reply(_t(staff, m.DIGEST_OFF, class_name=school_class.name))
        context.events.append("photo digest off")
        return
    digest.set_digest(session, staff, school_class, local_time, context.now)
    shown = p.digest_clock(local_time, staff.language)
    context.reply(_t(staff, m.DIGEST_ON, class_name=school_class.name, time=shown))
    context.events.append("photo digest on")
