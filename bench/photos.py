"""Class photos: metadata stripping, a school day of posts and digests, consent withdrawal.

1. Stripping. `images.strip_metadata` on a 12-megapixel (4032 x 3024) phone JPEG (quality 90)
   and a HEIC of the same picture, both written by Pillow from gradients and noise (so they do
   not compress to nothing) with EXIF holding the camera's make and model and a GPS position,
   XMP and (JPEG) a comment. Printed: ms per photo (p50, max) and bytes in and out. Checked:
   the input has its EXIF and GPS, the output none (Pillow's and pillow-heif's view, and no
   trace of the marker strings in the bytes), same size in pixels.

2. A school day. One school (New York), 40 classes of 25 students (`--classes`), a teacher
   each on Telegram, one guardian per student: SMS, Telegram and WhatsApp in turn (the
   WhatsApp families wrote that morning, so the window is open; one in ten of them wrote two
   days ago and falls back to an SMS number they also have), five languages, time zones New
   York, Chicago and Los Angeles, quiet hours from a mix (none, a night, a day-sleeper's
   `08:00-15:00;22:00-23:59`, a morning shift, an afternoon shift `13:00-18:00`), photo
   consent 70% group, 20% individual, 10% none; one in fifty families has opted out of its
   only channel (allowed but unreachable). On Tuesday 8 December 2026, school time: at 7:30
   every teacher turns the class digest on for 15:30 (`digest.set_digest`); at 9:30, 11:30
   and 13:30 each posts a photo through the real actions (`posts.start_post`, `toggle_tag`
   for 1 to 4 children, `finish_tagging`) and sends it (`fanout.fan_out`, its own
   transaction, timed with its commit); at 10:30 and 12:30 each posts one held for the
   digest (`posts.add_to_digest`); at 15:30 the digest job runs once
   (`digest.send_due_digests`, one transaction, timed). After each step one real `Dispatcher`
   with the sandbox channel on every channel (and a media store, for MMS and WhatsApp) drains
   what is due, on a simulated clock that starts at the step's moment.

   Checked at 15:30, every delivery queued: each photo delivery's guardian may see every post
   it carries, by `consent.may_see` with the consent and the family's own children recomputed
   here from the `Guardianship` rows (strictest of a child's active guardians); each family
   got at most one delivery (and at most one sent) per post; every allowed family that is
   reachable got each post exactly once, and the unreachable none; `protect_content` is set
   on every photo delivery, and on every send the sandbox saw with a photo.

3. Consent withdrawal. At 15:40, with deliveries still waiting for quiet hours, the guardian
   of the group-consent child tagged in the most still-pending deliveries (one in a pending
   digest delivery beside a post without them, if any is) sets that child's consent to none
   (`consent_actions.set_photo_consent`, one transaction, timed). Checked: every delivery not
   yet sent that carries a post tagged with that child, and that its family may now no
   longer see, is cancelled; no other delivery is; the count returned is the count
   cancelled. Printed too (not checked): the other posts of the day that went down with a
   cancelled digest delivery (a digest is one delivery), and whether those still allowed
   were sent later (the withdrawal queues them again, in a digest of their own). Then at
   21:30 the dispatcher drains the rest: every delivery left is sent, each sent one was
   allowed when it went, and every allowed reachable family got each post exactly once,
   but for the withdrawn.

The exit status fails on the checks, never on timings.

    python bench/photos.py [--quick] [--classes 40] [--strip-runs 10] [--heic-runs 5]
                           [--database-url URL]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import random
import tempfile
import time
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pillow_heif
from _common import (
    DEFAULT_TIMEZONE,
    FIRST_CHAT_ID,
    PUBLIC_BASE_URL,
    backend_name,
    fresh_database,
    parser,
    percentile,
    verdict,
)
from PIL import Image
from sqlalchemy import Engine, select

from commbot.channels.sandbox import SandboxSender
from commbot.db import transaction
from commbot.dispatch import ChannelSettings, Dispatcher
from commbot.features.photos import consent, digest, fanout, posts
from commbot.features.photos.consent_actions import set_photo_consent
from commbot.features.photos.models import ConsentSource, PhotoPost, PhotoTag, PostState
from commbot.images import strip_metadata
from commbot.media import MediaStore
from commbot.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryStatus,
    Guardian,
    Guardianship,
    PhotoConsent,
    RecipientKind,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    enrollments,
)

SCHOOL_ZONE = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
DAY = dt.date(2026, 12, 8)  # a Tuesday, far from a daylight-saving change
STUDENTS_PER_CLASS = 25
LANGUAGES = ("en", "es", "vi", "ar", "zh-CN")
ZONES = (("America/New_York", 6), ("America/Chicago", 3), ("America/Los_Angeles", 1))
QUIET = (  # (quiet hours, share in twentieths)
    ("", 8),
    ("22:00-06:00", 4),
    ("08:00-15:00;22:00-23:59", 3),  # sleeps by day
    ("09:00-11:00", 2),  # a morning shift
    ("13:00-18:00", 3),  # an afternoon shift: photos wait for the evening
)
CONSENT = ((PhotoConsent.GROUP, 7), (PhotoConsent.INDIVIDUAL, 2), (PhotoConsent.NONE, 1))
DIGEST_AT = "15:30"
POST_TIMES = (dt.time(9, 30), dt.time(11, 30), dt.time(13, 30))  # sent at once
HELD_TIMES = (dt.time(10, 30), dt.time(12, 30))  # held for the digest
WITHDRAW_AT = dt.time(15, 40)
LAST_DRAIN = dt.time(21, 30)  # every quiet hour of the mix is over (and the next not begun)
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.HELD)
RANK = {PhotoConsent.NONE: 0, PhotoConsent.INDIVIDUAL: 1, PhotoConsent.GROUP: 2}
CAMERA_MODEL = "ACME Phone 12 bench-model"
XMP_MARK = b"bench-xmp-secret"
COMMENT_MARK = b"bench-comment-taken-at-home"


def at(clock: dt.time, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, clock, SCHOOL_ZONE).astimezone(dt.UTC)


def _spread(choices: Sequence[tuple[Any, int]], n: int) -> Any:
    flat = [value for value, share in choices for _ in range(share)]
    return flat[(n * 7) % len(flat)]  # 7 is coprime with 10 and 20: every value comes round


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- 1. stripping ----------------------------------------------------------------------------


def phone_picture() -> Image.Image:
    """4032 x 3024: gradients in each channel, blotches of coarse noise and fine grain."""
    size = (4032, 3024)
    coarse = Image.effect_noise((size[0] // 4, size[1] // 4), 50).resize(
        size, Image.Resampling.BICUBIC
    )
    grain = Image.effect_noise(size, 8)
    bases = (
        Image.linear_gradient("L").resize(size),
        Image.radial_gradient("L").resize(size),
        Image.linear_gradient("L").rotate(90).resize(size),
    )
    return Image.merge(
        "RGB", [Image.blend(Image.blend(b, coarse, 0.3), grain, 0.15) for b in bases]
    )


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ACME"  # Make
    exif[0x0110] = CAMERA_MODEL  # Model
    exif[0x0132] = "2026:12:08 09:30:00"  # DateTime
    exif[0x8825] = {1: "N", 2: (42.0, 21.0, 36.0), 3: "W", 4: (71.0, 3.0, 32.0)}  # GPSInfo
    return exif.tobytes()


def xmp_packet() -> bytes:
    return (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        b"<rdf:Description about='' xmlns:bench='https://commbot.bench/'>"
        b"<bench:note>" + XMP_MARK + b"</bench:note></rdf:Description></rdf:RDF></x:xmpmeta>"
        b'<?xpacket end="w"?>'
    )


def metadata_left(data: bytes) -> list[str]:
    """What of the camera's metadata is in `data` (empty when none)."""
    found: list[str] = []
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        if len(exif):
            found.append(f"EXIF tags {sorted(exif)}")
        if exif.get_ifd(0x8825) or 0x8825 in exif:
            found.append("GPS")
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
            if image.info.get(key):
                found.append(f"info[{key!r}]")
        if image.format == "HEIF":
            heif = pillow_heif.open_heif(io.BytesIO(data))
            for key in ("exif", "xmp"):
                if heif.info.get(key):
                    found.append(f"HEIF {key}")
    for mark in (CAMERA_MODEL.encode(), XMP_MARK, COMMENT_MARK):
        if mark in data:
            found.append(f"bytes {mark.decode()!r}")
    return found


@dataclass
class Stripped:
    name: str
    bytes_in: int
    bytes_out: int = 0
    ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def bench_strip(name: str, data: bytes, runs: int) -> Stripped:
    result = Stripped(name, len(data))
    before = metadata_left(data)
    if not any("GPS" in item for item in before):
        result.problems.append(f"{name}: the input has no GPS to strip ({before})")
    with Image.open(io.BytesIO(data)) as image:
        pixels = image.size
    out = b""
    for _ in range(runs):
        started = time.perf_counter()
        out = strip_metadata(data)
        result.ms.append((time.perf_counter() - started) * 1000)
    result.bytes_out = len(out)
    if out == data:
        result.problems.append(f"{name}: given back unchanged (not stripped)")
    left = metadata_left(out)
    if left:
        result.problems.append(f"{name}: metadata left after stripping: {', '.join(left)}")
    with Image.open(io.BytesIO(out)) as image:
        if image.size != pixels:
            result.problems.append(f"{name}: {pixels} became {image.size}")
    return result


def stripping(strip_runs: int, heic_runs: int) -> list[Stripped]:
    started = time.perf_counter()
    picture = phone_picture()
    exif, xmp = camera_exif(), xmp_packet()
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=90, exif=exif, xmp=xmp, comment=COMMENT_MARK)
    heic = io.BytesIO()
    picture.save(heic, "HEIF", quality=75, exif=exif, xmp=xmp)
    print(f"made the 4032 x 3024 JPEG and HEIC in {time.perf_counter() - started:.1f} s")
    results = [
        bench_strip("JPEG", jpeg.getvalue(), strip_runs),
        bench_strip("HEIC", heic.getvalue(), heic_runs),
    ]
    for r in results:
        print(
            f"  strip {r.name} 4032x3024: p50 {percentile(r.ms, 50):.0f} ms, max "
            f"{max(r.ms):.0f} ms over {len(r.ms)} runs; {r.bytes_in:,} -> {r.bytes_out:,} bytes; "
            f"no EXIF/GPS/XMP left {verdict(not r.problems)}"
        )
        for problem in r.problems:
            print(f"  CHECK FAILED: {problem}")
    return results


# -- 2. the school day: seeding --------------------------------------------------------------


@dataclass
class Seeded:
    teachers: dict[int, int] = field(default_factory=dict)  # class id -> staff id
    students: dict[int, list[int]] = field(default_factory=dict)  # class id -> student ids
    families: int = 0
    unreachable: int = 0
    fallback: int = 0


def seed(engine: Engine, classes: int) -> Seeded:
    now = at(dt.time(7, 0))
    fresh = now  # the WhatsApp families wrote this morning: the window is open all day
    stale = now - dt.timedelta(days=2)
    seeded = Seeded()
    with transaction(engine) as session:
        school = School(name="Bench Elementary", timezone=DEFAULT_TIMEZONE)
        session.add(school)
        session.flush()
        rooms: list[tuple[Staff, SchoolClass]] = []
        for c in range(1, classes + 1):
            teacher = Staff(
                school_id=school.id,
                name=f"Teacher {c}",
                email=f"teacher{c}@bench.example",
                role=StaffRole.TEACHER,
                telegram_chat_id=500_000 + c,
                created_at=now,
            )
            room = SchoolClass(school_id=school.id, name=f"Room {c}")
            room.staff.append(teacher)
            session.add_all([teacher, room])
            rooms.append((teacher, room))
        session.flush()
        for n in range(1, classes * STUDENTS_PER_CLASS + 1):
            teacher, room = rooms[(n - 1) // STUDENTS_PER_CLASS]
            student = Student(
                school_id=school.id,
                external_id=f"S{n}",
                name=f"Student{n:04d} Bench",
                created_at=now,
            )
            room.students.append(student)
            guardian = Guardian(
                school_id=school.id,
                external_id=f"G{n}",
                name=f"Guardian {n:04d}",
                language=LANGUAGES[n % len(LANGUAGES)],
                timezone=_spread(ZONES, n),
                quiet_hours=_spread(QUIET, n),
                preferred_channel=(Channel.SMS, Channel.TELEGRAM, Channel.WHATSAPP)[n % 3],
                created_at=now,
            )
            session.add_all([student, guardian])
            session.flush()
            session.add(
                Guardianship(
                    guardian_id=guardian.id,
                    student_id=student.id,
                    relationship_name="parent",
                    photo_consent=_spread(CONSENT, n),
                )
            )
            channel = guardian.preferred_channel
            address = {
                Channel.SMS: f"+1617{n:07d}",
                Channel.TELEGRAM: str(FIRST_CHAT_ID + n),
                Channel.WHATSAPP: f"+1857{n:07d}",
            }[channel]
            opted_out = n % 50 == 0
            seeded.unreachable += opted_out
            closed = channel is Channel.WHATSAPP and n % 10 == 2
            session.add(
                ContactPoint(
                    guardian_id=guardian.id,
                    channel=channel,
                    address=address,
                    verified=True,
                    opted_out=opted_out,
                    opted_out_at=now if opted_out else None,
                    last_inbound_at=(stale if closed else fresh)
                    if channel is Channel.WHATSAPP
                    else None,
                    created_at=now,
                )
            )
            if closed:  # WhatsApp closed for them: the photo falls back to their SMS number
                seeded.fallback += 1
                session.add(
                    ContactPoint(
                        guardian_id=guardian.id,
                        channel=Channel.SMS,
                        address=f"+1781{n:07d}",
                        verified=True,
                        priority=1,
                        created_at=now,
                    )
                )
            seeded.families += 1
        session.flush()
        for teacher, room in rooms:
            seeded.teachers[room.id] = teacher.id
            seeded.students[room.id] = sorted(s.id for s in room.students)
    return seeded


# -- 2. the school day: the dispatcher on a simulated clock ----------------------------------


class Sending:
    """One dispatcher for the whole day, draining at simulated moments."""

    def __init__(self, engine: Engine, media_dir: str) -> None:
        self.sandbox = SandboxSender()
        self.moment = [at(dt.time(0)), time.perf_counter()]
        self.dispatcher = Dispatcher(
            engine,
            {channel: self.sandbox for channel in Channel},
            limits={channel: ChannelSettings(per_second=1000) for channel in Channel},
            media_store=MediaStore(media_dir),
            public_base_url=PUBLIC_BASE_URL,
            default_timezone=DEFAULT_TIMEZONE,
            clock=self.clock,
        )
        self.loop = asyncio.new_event_loop()
        self.seconds = 0.0
        self.sent = 0

    def clock(self) -> dt.datetime:
        return self.moment[0] + dt.timedelta(seconds=time.perf_counter() - self.moment[1])

    def drain(self, moment: dt.datetime) -> int:
        self.moment = [max(moment, self.clock()), time.perf_counter()]
        started = time.perf_counter()
        sent = self.loop.run_until_complete(self.dispatcher.drain())
        self.seconds += time.perf_counter() - started
        self.sent += sent
        return sent

    def close(self) -> None:
        self.loop.run_until_complete(self.dispatcher.release())
        self.loop.close()


# -- 2. the school day: posting --------------------------------------------------------------


@dataclass
class Day:
    posts: int = 0
    held: int = 0
    held_ids: set[int] = field(default_factory=set)
    queued: int = 0  # fan-out deliveries
    held_quiet: int = 0
    skipped: int = 0
    unreachable: int = 0
    digest_families: int = 0
    digests: int = 0
    fanout_ms: list[float] = field(default_factory=list)
    tagging_ms: list[float] = field(default_factory=list)
    digest_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def make_post(
    engine: Engine,
    staff_id: int,
    class_id: int,
    children: Sequence[int],
    key: str,
    now: dt.datetime,
    day: Day,
) -> int:
    """A teacher's photo, tagged and Done, as the Telegram handlers do it (each press its own
    transaction, as each is its own webhook). Returns the post's id."""
    media = [{"telegram_file_id": key, "kind": "photo", "content_type": "image/jpeg"}]
    started = time.perf_counter()
    with transaction(engine) as session:
        staff = session.get_one(Staff, staff_id)
        post, created = posts.start_post(
            session, staff, media=media, caption=f"Our class today ({key})", now=now
        )
        assert created
        if post.class_id != class_id:
            day.problems.append(f"post {post.id} for class {post.class_id}, not {class_id}")
        post_id = post.id
    for child in children:
        with transaction(engine) as session:
            staff = session.get_one(Staff, staff_id)
            post = session.get_one(PhotoPost, post_id)
            if not posts.toggle_tag(session, staff, post, child, now):
                day.problems.append(f"post {post_id}: tagging {child} untagged it")
    with transaction(engine) as session:
        staff = session.get_one(Staff, staff_id)
        post = session.get_one(PhotoPost, post_id)
        posts.finish_tagging(session, staff, post, now)
    day.tagging_ms.append((time.perf_counter() - started) * 1000)
    return post_id


def school_day(
    engine: Engine, seeded: Seeded, sending: Sending, day: Day, log: Callable[[str], None]
) -> None:
    rng = random.Random(13)
    with transaction(engine) as session:
        for class_id, staff_id in seeded.teachers.items():
            staff = session.get_one(Staff, staff_id)
            school_class = session.get_one(SchoolClass, class_id)
            digest.set_digest(
                session,
                staff,
                school_class,
                DIGEST_AT,
                at(dt.time(7, 30)),
                default_timezone=DEFAULT_TIMEZONE,
            )
    steps = sorted([(t, True) for t in POST_TIMES] + [(t, False) for t in HELD_TIMES])
    for clock, send_now in steps:
        now = at(clock)
        for class_id, staff_id in seeded.teachers.items():
            children = rng.sample(seeded.students[class_id], rng.randint(1, 4))
            key = f"bench-c{class_id}-{clock:%H%M}"
            post_id = make_post(engine, staff_id, class_id, children, key, now, day)
            if not send_now:
                with transaction(engine) as session:
                    staff = session.get_one(Staff, staff_id)
                    post = session.get_one(PhotoPost, post_id)
                    goes = posts.add_to_digest(session, staff, post, now)
                if _aware(goes) != at(dt.time(15, 30)):
                    day.problems.append(f"post {post_id} held for {goes}, not 15:30")
                day.held += 1
                day.held_ids.add(post_id)
                continue
            started = time.perf_counter()
            with transaction(engine) as session:
                post = session.get_one(PhotoPost, post_id)
                result = fanout.fan_out(session, post, now=now, default_timezone=DEFAULT_TIMEZONE)
            day.fanout_ms.append((time.perf_counter() - started) * 1000)
            day.posts += 1
            day.queued += result.queued
            day.held_quiet += result.held_quiet
            day.skipped += result.skipped
            day.unreachable += result.unreachable
        sent = sending.drain(now)
        log(
            f"  {clock:%H:%M} {'posts sent' if send_now else 'posts held for the digest'}; "
            f"dispatcher sent {sent}"
        )
    now = at(dt.time(15, 30))
    started = time.perf_counter()
    with transaction(engine) as session:
        day.digests = digest.send_due_digests(session, now, DEFAULT_TIMEZONE)
    day.digest_seconds = time.perf_counter() - started
    with transaction(engine) as session:
        still = session.scalars(
            select(PhotoPost.id).where(PhotoPost.state == PostState.DIGEST)
        ).all()
    if still:
        day.problems.append(f"{len(still)} posts still held after the digest job")
    if day.digests != len(seeded.teachers):
        day.problems.append(f"{day.digests} digests sent for {len(seeded.teachers)} classes")
    sent = sending.drain(now)
    log(f"  15:30 digest job: {day.digests} digests; dispatcher sent {sent}")


# -- checking ----------------------------------------------------------------------------------


@dataclass
class World:
    """What the database says now, read here, not through the product's rule."""

    consent: dict[int, PhotoConsent]  # child -> strictest of its active guardians
    own: dict[int, set[int]]  # guardian -> children (active links)
    receivers: dict[int, set[int]]  # child -> guardians it carries messages to
    reachable: set[int]  # guardians with a usable contact point
    roster: dict[int, set[int]]  # class -> students
    tags: dict[int, set[int]]  # post -> tagged children
    post_class: dict[int, int]
    by_file: dict[str, int]  # a photo's file id -> its post
    deliveries: list[Delivery]  # photo deliveries to guardians

    disagreements: int = 0  # `consent.may_see` against the rule written out here

    def may_see(self, guardian_id: int, post_id: int) -> bool:
        own, tagged = self.own.get(guardian_id, set()), self.tags[post_id]
        theirs = consent.may_see(own, tagged, self.consent)
        # The rule as the issue states it: each own child at least individual, every other
        # child group (a post with nobody tagged goes to all).
        ours = all(RANK[self.consent[c]] >= (1 if c in own else 2) for c in tagged)
        if theirs != ours:
            self.disagreements += 1
        return ours

    def carried(self, delivery: Delivery) -> set[int]:
        return {
            self.by_file[m["telegram_file_id"]]
            for m in delivery.media or []
            if isinstance(m, dict) and m.get("telegram_file_id") in self.by_file
        }

    def expected(self, post_id: int) -> set[int]:
        """The families the post is for that may see it and can be reached."""
        families = {
            g for s in self.roster[self.post_class[post_id]] for g in self.receivers.get(s, ())
        }
        return {g for g in families if g in self.reachable and self.may_see(g, post_id)}


def read_world(engine: Engine) -> World:
    with transaction(engine) as session:
        values: dict[int, list[PhotoConsent]] = defaultdict(list)
        own: dict[int, set[int]] = defaultdict(set)
        receivers: dict[int, set[int]] = defaultdict(set)
        active_guardians = set(session.scalars(select(Guardian.id).where(Guardian.active)))
        links = session.scalars(select(Guardianship)).all()
        for link in links:
            if not link.active:
                continue
            values[link.student_id].append(link.photo_consent)
            own[link.guardian_id].add(link.student_id)
            if link.receives_messages and link.guardian_id in active_guardians:
                receivers[link.student_id].add(link.guardian_id)
        students = session.scalars(select(Student.id)).all()
        strictest = {
            s: min(values.get(s, [PhotoConsent.NONE]), key=RANK.__getitem__) for s in students
        }
        reachable = set(
            session.scalars(
                select(ContactPoint.guardian_id).where(ContactPoint.opted_out.is_(False))
            )
        )
        roster: dict[int, set[int]] = defaultdict(set)
        for class_id, student_id in session.execute(
            select(enrollments.c.class_id, enrollments.c.student_id)
        ):
            roster[class_id].add(student_id)
        tags: dict[int, set[int]] = defaultdict(set)
        for post_id, student_id in session.execute(select(PhotoTag.post_id, PhotoTag.student_id)):
            tags[post_id].add(student_id)
        sent_posts = session.scalars(select(PhotoPost).where(PhotoPost.state == PostState.SENT))
        post_class: dict[int, int] = {}
        by_file: dict[str, int] = {}
        messages: set[int] = set()
        for post in sent_posts:
            assert post.class_id is not None and post.message_id is not None
            post_class[post.id] = post.class_id
            tags.setdefault(post.id, set())
            messages.add(post.message_id)
            for m in post.media:
                by_file[m["telegram_file_id"]] = post.id
        deliveries = list(
            session.scalars(
                select(Delivery)
                .where(
                    Delivery.message_id.in_(messages),
                    Delivery.recipient_kind == RecipientKind.GUARDIAN,
                )
                .order_by(Delivery.id)
            )
        )
        session.expunge_all()
    return World(
        strictest, own, receivers, reachable, roster, tags, post_class, by_file, deliveries
    )


@dataclass
class Audit:
    deliveries: int = 0
    pairs: int = 0  # (post, family) pairs carried
    expected: int = 0
    not_allowed: int = 0
    twice: int = 0
    sent_twice: int = 0
    missing: int = 0
    unprotected: int = 0
    problems: list[str] = field(default_factory=list)


def audit(
    world: World,
    *,
    allowed: Callable[[Delivery, int], bool] | None = None,
    spared: set[tuple[int, int]] | None = None,
) -> Audit:
    """Every photo delivery allowed, each (post, family) once, each expected one there.
    `allowed` judges a delivery's post (default: the consent now); `spared` pairs may be
    missing (withdrawn)."""
    found = Audit(deliveries=len(world.deliveries))
    spared = spared or set()
    judge = allowed or (lambda d, p: world.may_see(d.guardian_id or 0, p))
    originals: Counter[tuple[int, int]] = Counter()
    queued_any: Counter[tuple[int, int]] = Counter()
    sent: Counter[tuple[int, int]] = Counter()
    for delivery in world.deliveries:
        if not delivery.protect_content:
            found.unprotected += 1
        carried = world.carried(delivery)
        if not carried:
            found.problems.append(f"delivery {delivery.id} carries no post's photo")
        for post_id in carried:
            key = (post_id, delivery.guardian_id or 0)
            if delivery.fallback_of_id is None:
                queued_any[key] += 1
                # A withdrawal stops a digest delivery and queues its still-allowed photos
                # again: the stopped one does not count twice.
                if delivery.status is not DeliveryStatus.CANCELLED:
                    originals[key] += 1
            if delivery.status is DeliveryStatus.SENT:
                sent[key] += 1
            if delivery.status is not DeliveryStatus.CANCELLED and not judge(delivery, post_id):
                found.not_allowed += 1
                if found.not_allowed <= 5:
                    found.problems.append(
                        f"delivery {delivery.id} ({delivery.status}) gives post {post_id} to "
                        f"guardian {delivery.guardian_id}, whom consent forbids"
                    )
    found.pairs = len(queued_any)
    found.twice = sum(1 for n in originals.values() if n > 1)
    found.sent_twice = sum(1 for n in sent.values() if n > 1)
    for post_id in world.post_class:
        for guardian_id in world.expected(post_id):
            found.expected += 1
            if queued_any[(post_id, guardian_id)] == 0 and (post_id, guardian_id) not in spared:
                found.missing += 1
                if found.missing <= 5:
                    found.problems.append(f"guardian {guardian_id} never got post {post_id}")
    unreached = {key for key in queued_any if key[1] not in world.reachable}
    if unreached:
        found.problems.append(f"{len(unreached)} deliveries to families with no usable channel")
    if found.twice:
        found.problems.append(f"{found.twice} (post, family) pairs queued more than once")
    if found.sent_twice:
        found.problems.append(f"{found.sent_twice} (post, family) pairs sent more than once")
    if found.not_allowed:
        found.problems.append(f"{found.not_allowed} photo deliveries consent forbids")
    if world.disagreements:
        found.problems.append(
            f"consent.may_see disagreed with the rule {world.disagreements} times"
        )
    if found.missing:
        found.problems.append(f"{found.missing} allowed reachable families missed a post")
    if found.unprotected:
        found.problems.append(f"{found.unprotected} photo deliveries without protect_content")
    return found


def sandbox_unprotected(sending: Sending, guardian_addresses: set[str]) -> tuple[int, int]:
    """Sends with a photo to a family, and how many of them went unprotected."""
    photos = [
        s.outbound
        for s in sending.sandbox.sent
        if s.outbound.media and s.outbound.address in guardian_addresses
    ]
    return len(photos), sum(1 for o in photos if not o.protect_content)


# -- 3. consent withdrawal ---------------------------------------------------------------------


@dataclass
class Withdrawal:
    student_id: int = 0
    guardian_id: int = 0
    posts: int = 0
    pending_before: int = 0  # unsent deliveries carrying a post with the child
    to_cancel: int = 0
    cancelled: int = 0
    reported: int = 0
    seconds: float = 0.0
    collateral: int = 0  # other posts that went down with a cancelled digest delivery
    collateral_pairs: set[tuple[int, int]] = field(default_factory=set)  # still allowed
    problems: list[str] = field(default_factory=list)


def withdraw(engine: Engine, world: World) -> Withdrawal:
    """The group child in the most unsent deliveries: their guardian says none."""
    now = at(WITHDRAW_AT)
    result = Withdrawal()
    pending = [d for d in world.deliveries if d.status in UNSENT]
    count: Counter[int] = Counter()
    in_digest: Counter[int] = Counter()  # pending digest deliveries with a post without them
    for delivery in pending:
        carried = world.carried(delivery)
        for post_id in carried:
            for child in world.tags[post_id]:
                if world.consent[child] is PhotoConsent.GROUP:
                    count[child] += 1
                    in_digest[child] += any(child not in world.tags[q] for q in carried)
    if not count:
        result.problems.append("no delivery pending at 15:40 carries a group child's photo")
        return result
    child = max(count, key=lambda c: (in_digest[c] > 0, count[c], -c))
    result.student_id = child
    guardian_id = next(g for g in world.receivers[child])
    result.guardian_id = guardian_id
    tagged_posts = {p for p, kids in world.tags.items() if child in kids}
    result.posts = len(tagged_posts & set(world.post_class))
    carrying = [d for d in pending if world.carried(d) & tagged_posts]
    result.pending_before = len(carrying)
    others = {d.id for d in world.deliveries if d.status in UNSENT} - {d.id for d in carrying}
    started = time.perf_counter()
    with transaction(engine) as session:
        guardian = session.get_one(Guardian, guardian_id)
        student = session.get_one(Student, child)
        changed = set_photo_consent(
            session, guardian, student, PhotoConsent.NONE, source=ConsentSource.GUARDIAN, now=now
        )
    result.seconds = time.perf_counter() - started
    result.reported = changed.withdrawn
    after = read_world(engine)
    status = {d.id: d.status for d in after.deliveries}
    for delivery in carrying:
        forbidden = any(
            not after.may_see(delivery.guardian_id or 0, p) for p in world.carried(delivery)
        )
        if forbidden:
            result.to_cancel += 1
            if status[delivery.id] is not DeliveryStatus.CANCELLED:
                result.problems.append(
                    f"delivery {delivery.id} of a post with student {child} is "
                    f"{status[delivery.id]}, not cancelled"
                )
            else:
                lost = world.carried(delivery) - tagged_posts
                result.collateral += len(lost)
                result.collateral_pairs |= {
                    (p, delivery.guardian_id or 0)
                    for p in lost
                    if after.may_see(delivery.guardian_id or 0, p)
                }
    cancelled_now = {i for i, s in status.items() if s is DeliveryStatus.CANCELLED}
    result.cancelled = len(cancelled_now & {d.id for d in carrying})
    wrongly = cancelled_now & others
    if wrongly:
        result.problems.append(f"{len(wrongly)} deliveries cancelled that carry no such post")
    if result.reported != result.cancelled:
        result.problems.append(
            f"set_photo_consent says {result.reported} withdrawn, {result.cancelled} cancelled"
        )
    if not result.pending_before:
        result.problems.append("nothing was pending to withdraw")
    return result


# -- running ------------------------------------------------------------------------------------


def main() -> None:
    p = parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--quick", action="store_true", help="5 classes, 3 JPEG and 1 HEIC strips")
    p.add_argument("--classes", type=int, default=None, help="default 40 (5 with --quick)")
    p.add_argument("--strip-runs", type=int, default=None, help="JPEG strips, default 10 (3)")
    p.add_argument(
        "--heic-runs",
        type=int,
        default=None,
        help="HEIC strips, default 5 (1 with --quick): each takes many seconds",
    )
    args = p.parse_args()
    classes = args.classes or (5 if args.quick else 40)
    strip_runs = args.strip_runs or (3 if args.quick else 10)
    heic_runs = args.heic_runs or (1 if args.quick else 5)
    problems: list[str] = []

    print("1. stripping metadata (commbot.images.strip_metadata)")
    for stripped in stripping(strip_runs, heic_runs):
        problems += stripped.problems

    with (
        fresh_database(args.database_url) as (url, engine),
        tempfile.TemporaryDirectory(prefix="commbot-bench-media-") as media_dir,
    ):
        backend = backend_name(url)
        print(f"2. a school day of class photos (backend: {backend})")
        started = time.perf_counter()
        seeded = seed(engine, classes)
        print(
            f"  seeded {classes} classes x {STUDENTS_PER_CLASS} students, {seeded.families} "
            f"families ({seeded.unreachable} with no usable channel, {seeded.fallback} whose "
            f"WhatsApp is closed and who fall back to SMS) in {time.perf_counter() - started:.1f} s"
        )
        sending = Sending(engine, media_dir)
        day = Day()
        wall = time.perf_counter()
        school_day(engine, seeded, sending, day, print)
        world = read_world(engine)
        found = audit(world)
        problems += day.problems + found.problems
        with transaction(engine) as session:
            addresses = set(session.scalars(select(ContactPoint.address)))
        photo_sends, unprotected_sends = sandbox_unprotected(sending, addresses)
        if unprotected_sends:
            problems.append(f"{unprotected_sends} photo sends without protect_content")
        originals = [d for d in world.deliveries if d.fallback_of_id is None]
        digest_deliveries = sum(1 for d in originals if world.carried(d) & day.held_ids)
        copies = len(world.deliveries) - len(originals)
        print(
            f"  posts: {day.posts} sent at once + {day.held} in {day.digests} digests; "
            f"deliveries queued: {day.queued} by fan-out ({day.held_quiet} waiting for quiet "
            f"hours; {day.skipped} families skipped for consent, {day.unreachable} "
            f"unreachable) and {digest_deliveries} by the digests; {len(world.deliveries)} "
            f"photo deliveries in all with {copies} fallback copies (WhatsApp closed)"
        )
        print(
            f"  tagging (start, 1-4 taps, Done) per post: p50 "
            f"{percentile(day.tagging_ms, 50):.0f} ms, p99 {percentile(day.tagging_ms, 99):.0f} ms"
        )
        print(
            f"  fan-out per post: p50 {percentile(day.fanout_ms, 50):.1f} ms, p99 "
            f"{percentile(day.fanout_ms, 99):.1f} ms, max {max(day.fanout_ms):.1f} ms "
            f"({day.posts} posts)"
        )
        print(f"  digest job ({day.digests} classes, one transaction): {day.digest_seconds:.2f} s")
        print(
            f"  dispatch so far: {sending.sent} sends in {sending.seconds:.1f} s; "
            f"{photo_sends} photo sends to families, {unprotected_sends} unprotected"
        )
        print(
            f"  every delivery allowed by consent (recomputed): {found.not_allowed} not "
            f"{verdict(not found.not_allowed)}; a post twice to a family: {found.twice} "
            f"queued, {found.sent_twice} sent {verdict(not (found.twice or found.sent_twice))}"
        )
        print(
            f"  allowed reachable (post, family) pairs: {found.expected}, missed "
            f"{found.missing} {verdict(not found.missing)}; protect_content missing on "
            f"{found.unprotected} of {found.deliveries} {verdict(not found.unprotected)}"
        )

        print("3. consent withdrawal while deliveries wait for quiet hours")
        before = world
        withdrawal = withdraw(engine, before)
        problems += withdrawal.problems
        print(
            f"  student {withdrawal.student_id} (group -> none by guardian "
            f"{withdrawal.guardian_id}), tagged in {withdrawal.posts} posts: "
            f"set_photo_consent took {withdrawal.seconds * 1000:.0f} ms"
        )
        print(
            f"  unsent deliveries carrying those posts: {withdrawal.pending_before}; now "
            f"forbidden {withdrawal.to_cancel}, cancelled {withdrawal.cancelled} (reported "
            f"{withdrawal.reported}) {verdict(not withdrawal.problems)}; other posts that "
            f"went down with a cancelled digest delivery: {withdrawal.collateral} "
            f"({len(withdrawal.collateral_pairs)} of them still allowed to their family)"
        )
        # Sent (or failed for good) before the change: judged by the consent then.
        finished = (DeliveryStatus.SENT, DeliveryStatus.FAILED)
        done_before = {d.id for d in before.deliveries if d.status in finished}
        sent_count = sending.drain(at(LAST_DRAIN))
        sending.close()
        after = read_world(engine)
        withdrawn = {
            (p, d.guardian_id or 0)
            for d in after.deliveries
            if d.status is DeliveryStatus.CANCELLED
            for p in after.carried(d)
        }

        def allowed(delivery: Delivery, post_id: int) -> bool:
            judge = before if delivery.id in done_before else after
            return judge.may_see(delivery.guardian_id or 0, post_id)

        final = audit(after, allowed=allowed, spared=withdrawn)
        # Every (post, family) sent exactly once, but those cancelled.
        sent_pairs: Counter[tuple[int, int]] = Counter(
            (p, d.guardian_id or 0)
            for d in after.deliveries
            if d.status is DeliveryStatus.SENT
            for p in after.carried(d)
        )
        unsent = [
            d
            for d in after.deliveries
            if d.status
            not in (DeliveryStatus.SENT, DeliveryStatus.CANCELLED, DeliveryStatus.FAILED)
        ]
        failed_without_copy = [
            d
            for d in after.deliveries
            if d.status is DeliveryStatus.FAILED
            and not any(c.fallback_of_id == d.id for c in after.deliveries)
        ]
        not_once = 0
        for post_id in after.post_class:
            for guardian_id in before.expected(post_id):
                if (post_id, guardian_id) in withdrawn:
                    continue
                if sent_pairs[(post_id, guardian_id)] != 1:
                    not_once += 1
        final_problems = list(final.problems)
        resent = sum(1 for pair in withdrawal.collateral_pairs if sent_pairs[pair])
        if unsent:
            final_problems.append(f"{len(unsent)} photo deliveries never sent")
        if failed_without_copy:
            final_problems.append(f"{len(failed_without_copy)} failed with no fallback copy")
        if not_once:
            final_problems.append(f"{not_once} allowed (post, family) pairs not sent once")
        problems += final_problems
        photo_sends, unprotected_sends = sandbox_unprotected(sending, addresses)
        if unprotected_sends:
            problems.append(f"{unprotected_sends} photo sends without protect_content")
        statuses = Counter(str(d.status) for d in after.deliveries)
        print(
            f"  21:30 drain: {sent_count} sends; photo deliveries by status "
            f"{dict(sorted(statuses.items()))}; never sent {len(unsent)}, failed with no "
            f"fallback {len(failed_without_copy)}; allowed pairs not sent exactly once "
            f"{not_once}; forbidden when sent {final.not_allowed} "
            f"{verdict(not final_problems)}; still-allowed posts lost with a withdrawn digest "
            f"and sent later: {resent} of {len(withdrawal.collateral_pairs)}"
        )
        print(
            f"  dispatch time, whole day: {sending.sent} sends ({photo_sends} photos to "
            f"families, {unprotected_sends} unprotected) in {sending.seconds:.1f} s "
            f"({sending.sent / max(sending.seconds, 1e-9):.0f}/s); day simulated in "
            f"{time.perf_counter() - wall:.1f} s"
        )
    print(
        f"summary: {backend}, {classes} classes, {day.posts} posts + {day.held} in digests, "
        f"{len(world.deliveries)} photo deliveries; fan-out p50 "
        f"{percentile(day.fanout_ms, 50):.1f} ms p99 {percentile(day.fanout_ms, 99):.1f} ms; "
        f"digest job {day.digest_seconds:.2f} s; withdrawal {withdrawal.seconds * 1000:.0f} ms "
        f"cancelling {withdrawal.cancelled}"
    )
    for problem in problems[:15]:
        print(f"CHECK FAILED: {problem}")
    if len(problems) > 15:
        print(f"... and {len(problems) - 15} more")
    print(f"checks: {verdict(not problems)}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
