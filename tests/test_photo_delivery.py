"""A child's photo on its way out, end to end through the fakes: no metadata leaves (the
camera's GPS position least of all), Telegram families cannot forward or save it, SMS
numbers that take MMS get the picture and others an expiring link, WhatsApp gets media.

Photos are queued as the class-photo fan-out queues them (`outbox.to_guardian` with
`protect_content`), with the media reference python-telegram-bot's parser makes of a
teacher's real update; everything after that is the real dispatcher, senders and web app.
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from PIL import Image, ImageSequence
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from commbot.channels.base import Media, MediaKind
from commbot.channels.telegram.updates import parse_update
from commbot.db import transaction
from commbot.dispatch.dispatcher import MEDIA_NOT_FETCHED, PHOTO_LINK
from commbot.features.photos.messages import photos_header
from commbot.i18n import gettext
from commbot.images import cleaned_file_name, cleaned_type, strip_metadata
from commbot.media import LIFETIME, remove_made_from
from commbot.models import Channel, ContactPoint, Delivery, DeliveryStatus, Guardian, MediaFile
from commbot.outbox import to_guardian
from commbot.phones import supports_mms

from .support import PUBLIC, System

CARTER = 7001  # Emily Carter, Room 12
CARTER_EMAIL = "ecarter@lincoln.example.org"
AMINA_CHAT = 8001  # Amina Bashid, English, Telegram; mother of Andrew Bashid
ROSA = "+16175550134"  # Rosa Pérez, Spanish, SMS (Boston)
KARIM = "+16175550177"  # Karim Bashid, Arabic, WhatsApp
LAN = "+16175550142"  # Lan Nguyen, Vietnamese, SMS
LI_WEI = "+16175550153"  # Li Wei, Chinese, SMS; given a number in China below
ABROAD = "+8613800138000"  # a mobile in China: Twilio sends no MMS there
CAMERA = "ACME Phone 12"  # the camera model written in the photo's EXIF
CAPTION = "Our garden in bloom"
MEDIA_PREFIX = f"{PUBLIC}/media/"
PRIVATE_HEADERS = {
    "cache-control": "no-store, private",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow, noarchive",
}


# -- a photo as a phone writes it ---------------------------------------------------------


def camera_jpeg() -> bytes:
    """A 64 x 32 JPEG as a phone held on its side writes it: EXIF orientation 6 (so it is
    seen 32 x 64), the camera's make and model, the GPS position of the family's home, a
    comment and an ICC profile."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    exif[0x010F] = "ACME"  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x8825] = {  # GPSInfo: 42 21' 36" N, 71 3' 32" W
        1: "N",
        2: (42.0, 21.0, 36.0),
        3: "W",
        4: (71.0, 3.0, 32.0),
    }
    picture = Image.new("RGB", (64, 32), (200, 40, 40))
    picture.paste((40, 40, 200), (0, 0, 16, 32))  # a blue band on the left, to see turning
    out = io.BytesIO()
    picture.save(
        out,
        "JPEG",
        exif=exif.tobytes(),
        comment=b"taken at home",
        icc_profile=b"\0" * 128,
        quality=92,
    )
    data = out.getvalue()
    assert CAMERA.encode() in data and b"Exif\x00\x00" in data  # what must not survive
    return data


def assert_no_metadata(data: bytes) -> Image.Image:
    """The bytes are a picture with nothing in them but the picture; returns it."""
    assert b"Exif\x00\x00" not in data
    assert CAMERA.encode() not in data
    assert b"taken at home" not in data
    assert b"ICC_PROFILE" not in data
    picture = Image.open(io.BytesIO(data))
    assert dict(picture.getexif()) == {}
    assert picture.getexif().get_ifd(0x8825) == {}  # no GPS
    assert "icc_profile" not in picture.info and "comment" not in picture.info
    return picture


def assert_upright(picture: Image.Image) -> None:
    """The orientation was applied to the pixels: the side-held photo stands up, the blue
    band (on the left as stored) now on top."""
    assert picture.format == "JPEG"
    assert picture.size == (32, 64)
    red, _, blue = picture.convert("RGB").getpixel((16, 4))  # type: ignore[misc]
    assert blue > 150 and red < 100


# -- helpers ------------------------------------------------------------------------------


async def setup(system: System, *, amina: bool = False, karim: bool = False) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    if amina:
        code = system.invite(guardian="Amina Bashid")
        assert (await system.telegram_update(AMINA_CHAT, f"/start {code}")).status_code == 200
    if karim:  # WhatsApp takes free messages (and media) for 24 hours after he writes
        assert (await system.sms(KARIM, "Salam", whatsapp=True)).status_code == 200
    await system.drain()
    system.telegram.clear()
    system.twilio.clear()


def teacher_update(system: System, **content: Any) -> dict[str, Any]:
    """A teacher's private message as Telegram posts it, with `content`'s fields."""
    payload = system.telegram_payload(CARTER)
    payload["message"].update(content)
    return payload


def teacher_photo(system: System, data: bytes) -> Media:
    """The media reference commbot keeps for a compressed photo the teacher sent."""
    file_id = system.telegram.add_file(data)
    update = teacher_update(
        system,
        caption=CAPTION,
        photo=[{"file_id": file_id, "file_unique_id": "u1", "width": 64, "height": 32}],
    )
    inbound = parse_update(update)
    assert inbound is not None
    [media] = inbound.media
    assert media.kind is MediaKind.PHOTO
    return media


def teacher_image_document(system: System, data: bytes, file_id: str | None = None) -> Media:
    """The media reference for a photo the teacher sent as a file (full quality, and
    Telegram keeps its bytes, EXIF and all)."""
    file_id = file_id or system.telegram.add_file(data)
    update = teacher_update(
        system,
        caption=CAPTION,
        document={
            "file_id": file_id,
            "file_unique_id": "u2",
            "file_name": "IMG_2041.JPG",
            "mime_type": "image/jpeg",
            "file_size": len(data),
        },
    )
    inbound = parse_update(update)
    assert inbound is not None
    [media] = inbound.media
    assert media.kind is MediaKind.DOCUMENT and media.content_type == "image/jpeg"
    return media


def queue_photo(
    system: System, guardian_name: str, media: Media, *more: Media, protect: bool = True
) -> int:
    """Queue a class photo (or album) to one family as the fan-out does; returns the
    delivery's id."""
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == guardian_name))
        assert guardian is not None
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=system.clock(),
            default_timezone="America/New_York",
            header=photos_header(guardian.language, 1, "Andrew Bashid", "Emily Carter"),
            body=CAPTION,
            body_language="en",
            media=[m.to_json() for m in (media, *more)],
            protect_content=protect,
        )
        assert delivery is not None
        session.flush()
        return delivery.id


def delivery(system: System, delivery_id: int) -> Delivery:
    with transaction(system.engine) as session:
        return session.get_one(Delivery, delivery_id)


def move_number(system: System, old: str, new: str) -> None:
    with transaction(system.engine) as session:
        point = session.scalar(
            select(ContactPoint).where(
                ContactPoint.channel == Channel.SMS, ContactPoint.address == old
            )
        )
        assert point is not None
        point.address = new


def token_of(url: str) -> str:
    assert url.startswith(MEDIA_PREFIX)
    token = url.removeprefix(MEDIA_PREFIX)
    assert len(token) >= 32 and "/" not in token  # 192 bits, URL-safe
    return token


async def served(system: System, url: str) -> bytes:
    """What our /media link answers, with the headers that keep it private."""
    response = await system.http.get(f"/media/{token_of(url)}")
    assert response.status_code == 200
    for name, value in PRIVATE_HEADERS.items():
        assert response.headers[name] == value
    return response.content


# -- SMS: MMS where the number takes it, a link where it does not --------------------------


async def test_a_photo_with_gps_reaches_an_sms_family_by_mms_with_no_exif(system: System) -> None:
    await setup(system)
    queue_photo(system, "Rosa Pérez", teacher_photo(system, camera_jpeg()))
    await system.drain()

    [mms] = [m for m in system.twilio.messages if m.to == ROSA]
    assert CAPTION in (mms.body or "")
    assert gettext("es", PHOTO_LINK) not in (mms.body or "")
    [url] = mms.media_urls
    picture = assert_no_metadata(await served(system, url))
    assert_upright(picture)


async def test_a_number_outside_the_us_and_canada_gets_a_link_that_expires(
    system: System,
) -> None:
    await setup(system)
    move_number(system, LI_WEI, ABROAD)
    queue_photo(system, "Li Wei", teacher_photo(system, camera_jpeg()))
    await system.drain()

    [sms] = [m for m in system.twilio.messages if m.to == ABROAD]
    assert sms.media_urls == []  # no MMS: Twilio could not deliver it there
    body = sms.body or ""
    assert CAPTION in body
    lines = body.split("\n")
    # The catalog line in the family's language, then the link on its own line.
    assert lines[-2] == gettext("zh-CN", PHOTO_LINK)
    link = lines[-1]
    assert_upright(assert_no_metadata(await served(system, link)))

    system.clock.advance(seconds=LIFETIME.total_seconds() - 60)
    assert (await system.http.get(link.removeprefix(PUBLIC))).status_code == 200
    system.clock.advance(seconds=120)
    expired = await system.http.get(link.removeprefix(PUBLIC))
    assert expired.status_code == 404
    assert expired.headers["cache-control"] == "no-store, private"


async def test_one_photo_is_stored_once_for_many_families_and_each_is_sent_right(
    system: System,
) -> None:
    """The MMS family and the link family read the same stripped copy."""
    await setup(system)
    move_number(system, LI_WEI, ABROAD)
    photo = teacher_photo(system, camera_jpeg())
    for name in ("Rosa Pérez", "Lan Nguyen", "Li Wei"):
        queue_photo(system, name, photo)
    await system.drain()

    by_number = {m.to: m for m in system.twilio.messages}
    [rosa_url] = by_number[ROSA].media_urls
    [lan_url] = by_number[LAN].media_urls
    link = (by_number[ABROAD].body or "").split("\n")[-1]
    assert rosa_url == lan_url == link
    assert len(system.telegram.downloads) == 1  # fetched from Telegram once


async def test_a_copy_removed_when_consent_is_withdrawn_is_never_linked_again(
    system: System,
) -> None:
    """Withdrawing consent removes the stored copies (`media.remove_made_from`): a link
    already sent answers 404, and a family still allowed gets a fresh copy, never the dead
    link this worker remembered."""
    await setup(system)
    photo = teacher_photo(system, camera_jpeg())
    queue_photo(system, "Rosa Pérez", photo)
    await system.drain()
    [first] = [url for m in system.twilio.messages if m.to == ROSA for url in m.media_urls]
    with transaction(system.engine) as session:
        assert remove_made_from(session, [photo.to_json()]) == 1
    assert (await system.http.get(first.removeprefix(PUBLIC))).status_code == 404

    queue_photo(system, "Lan Nguyen", photo)
    await system.drain()
    [second] = [url for m in system.twilio.messages if m.to == LAN for url in m.media_urls]
    assert second != first
    assert_no_metadata(await served(system, second))


def test_only_numbers_in_the_us_and_canada_take_mms() -> None:
    assert supports_mms(ROSA)  # Boston
    assert supports_mms("+14165550123")  # Toronto
    assert not supports_mms("+18765550123")  # Jamaica: +1, but no MMS from Twilio
    assert not supports_mms(ABROAD)
    assert not supports_mms("+447911123456")
    assert not supports_mms("8001")  # a Telegram chat id
    assert not supports_mms("")


# -- WhatsApp -------------------------------------------------------------------------------


async def test_whatsapp_gets_the_photo_as_media_with_no_exif(system: System) -> None:
    await setup(system, karim=True)
    queue_photo(system, "Karim Bashid", teacher_photo(system, camera_jpeg()))
    await system.drain()

    [message] = [m for m in system.twilio.messages if m.to == f"whatsapp:{KARIM}"]
    [url] = message.media_urls
    assert gettext("ar", PHOTO_LINK) not in (message.body or "")
    assert_no_metadata(await served(system, url))


async def test_an_album_reaches_whatsapp_one_photo_a_message_words_with_the_first(
    system: System,
) -> None:
    """WhatsApp shows one attachment per message and drops the others: three photos go as
    three messages, the words with the first."""
    await setup(system, karim=True)
    photos = [teacher_photo(system, camera_jpeg()) for _ in range(3)]
    queue_photo(system, "Karim Bashid", *photos)
    await system.drain()
    sent = [m for m in system.twilio.messages if m.to == f"whatsapp:{KARIM}"]
    assert [len(m.media_urls) for m in sent] == [1, 1, 1]
    assert CAPTION in (sent[0].body or "") and not any(m.body for m in sent[1:])
    assert len({m.media_urls[0] for m in sent}) == 3


# -- Telegram: protected, and never a file that may carry metadata ---------------------------


async def test_a_protected_photo_reaches_a_telegram_family_by_file_id_protected(
    system: System,
) -> None:
    await setup(system, amina=True)
    photo = teacher_photo(system, camera_jpeg())
    queue_photo(system, "Amina Bashid", photo)
    await system.drain()

    [sent] = system.telegram.sent_messages(AMINA_CHAT)
    assert sent.method == "sendPhoto"
    # Telegram re-encodes a compressed photo without its EXIF: its file id goes again.
    assert sent.params["photo"] == photo.telegram_file_id
    assert sent.params["protect_content"] is True
    assert CAPTION in sent.params["caption"]


async def test_every_part_of_a_protected_delivery_is_protected_and_an_ordinary_one_not(
    system: System,
) -> None:
    await setup(system, amina=True)
    with transaction(system.engine) as session:
        amina = session.scalar(select(Guardian).where(Guardian.name == "Amina Bashid"))
        assert amina is not None
        long_caption = "We planted beans today. " * 60  # longer than a caption: two sends
        to_guardian(
            session,
            guardian=amina,
            now=system.clock(),
            default_timezone="America/New_York",
            body=long_caption,
            body_language="en",
            media=[teacher_photo(system, camera_jpeg()).to_json()],
            protect_content=True,
        )
    await system.drain()
    protected = system.telegram.sent_messages(AMINA_CHAT)
    assert [c.method for c in protected] == ["sendPhoto", "sendMessage"]
    assert all(c.params.get("protect_content") is True for c in protected)

    system.telegram.clear()
    await system.telegram_update(CARTER, "/msg Andrew The bus is late today")
    await system.drain()
    [ordinary] = system.telegram.sent_messages(AMINA_CHAT)
    assert "The bus is late today" in ordinary.params["text"]
    assert "protect_content" not in ordinary.params


async def test_an_image_document_is_uploaded_again_stripped_to_a_telegram_family(
    system: System,
) -> None:
    await setup(system, amina=True)
    document = teacher_image_document(system, camera_jpeg())
    queue_photo(system, "Amina Bashid", document)
    await system.drain()

    [sent] = system.telegram.sent_messages(AMINA_CHAT)
    assert sent.method == "sendDocument"
    assert sent.params.get("document") != document.telegram_file_id  # not by its file id
    assert_upright(assert_no_metadata(sent.files["document"]))
    assert sent.params["protect_content"] is True


async def test_a_photo_not_fetched_yet_follows_protected(system: System) -> None:
    """The words go at once; the photo, split off to be retried, stays protected."""
    await setup(system, amina=True)
    data = camera_jpeg()
    late = "BQACAgEAAxkBAAIB" + secrets.token_hex(8)  # the fake keeps files between tests
    first = queue_photo(system, "Amina Bashid", teacher_image_document(system, data, late))
    await system.drain()

    [words] = system.telegram.sent_messages(AMINA_CHAT)
    assert words.method == "sendMessage"
    assert gettext("en", MEDIA_NOT_FETCHED) in words.params["text"]
    assert words.params["protect_content"] is True
    [split] = [d for d in system.deliveries() if d.id > first]
    assert split.protect_content and split.status is DeliveryStatus.PENDING

    system.telegram.add_file(data, file_id=late)
    system.clock.advance(minutes=5)
    await system.drain()
    photo = system.telegram.sent_messages(AMINA_CHAT)[-1]
    assert photo.method == "sendDocument"
    assert photo.params["protect_content"] is True
    assert_no_metadata(photo.files["document"])
    assert delivery(system, split.id).status is DeliveryStatus.SENT


# -- families' photos reach the teacher stripped too ----------------------------------------


async def test_a_familys_mms_reaches_the_teacher_without_its_gps(system: System) -> None:
    await setup(system)
    url = system.twilio.add_media(camera_jpeg(), "image/jpeg")
    assert (await system.sms(ROSA, "Mire", media=[url])).status_code == 200
    await system.drain()

    [photo] = [c for c in system.telegram.sent_messages(CARTER) if c.method == "sendPhoto"]
    assert_upright(assert_no_metadata(photo.files["photo"]))
    assert "protect_content" not in photo.params


async def test_a_familys_photo_sent_as_a_file_reaches_the_teacher_stripped(
    system: System,
) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(camera_jpeg())
    update = system.telegram_payload(AMINA_CHAT)
    update["message"]["document"] = {
        "file_id": file_id,
        "file_unique_id": "u3",
        "file_name": "IMG_0007.JPG",
        "mime_type": "image/jpeg",
    }
    update["message"]["caption"] = "Andrew at the lake"
    assert (await system.post_telegram(update)).status_code == 200
    await system.drain()

    [sent] = system.telegram.sent_messages(CARTER)
    assert sent.method == "sendDocument"
    assert sent.params.get("document") != file_id
    assert_upright(assert_no_metadata(sent.files["document"]))
    assert "Andrew at the lake" in sent.params["caption"]


# -- Telegram updates in ----------------------------------------------------------------------


async def test_an_albums_parts_carry_their_media_group_id(system: System) -> None:
    parts = []
    for index in range(3):
        update = teacher_update(
            system,
            media_group_id="13584090218431230",
            photo=[{"file_id": f"AgAC{index}", "file_unique_id": f"u{index}", "width": 1}],
            **({"caption": CAPTION} if index == 0 else {}),
        )
        update["message"]["photo"][0]["height"] = 1
        parts.append(parse_update(update))
    assert [p.media_group_id for p in parts if p] == ["13584090218431230"] * 3
    assert [p.text for p in parts if p] == [CAPTION, "", ""]
    single = parse_update(teacher_update(system, text="hello"))
    assert single is not None and single.media_group_id is None


# -- strip_metadata on its own ------------------------------------------------------------------


def test_png_text_and_exif_chunks_are_dropped_and_transparency_kept() -> None:
    text = PngInfo()
    text.add_text("Comment", "taken at home")
    exif = Image.Exif()
    exif[0x0110] = CAMERA
    picture = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    picture.putpixel((1, 1), (255, 0, 0, 255))
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=text, exif=exif.tobytes())
    stripped = strip_metadata(out.getvalue())
    assert b"taken at home" not in stripped and CAMERA.encode() not in stripped
    again = Image.open(io.BytesIO(stripped))
    assert again.format == "PNG"
    assert again.getpixel((0, 0))[3] == 0 and again.getpixel((1, 1)) == (255, 0, 0, 255)  # type: ignore[index]


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment() -> None:
    frames = [Image.new("RGB", (8, 8), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=70, loop=0, comment=b"home"
    )
    stripped = strip_metadata(out.getvalue())
    assert b"home" not in stripped
    again = Image.open(io.BytesIO(stripped))
    assert again.format == "GIF"
    assert len(list(ImageSequence.Iterator(again))) == 3
    assert again.info["duration"] == 70


def test_what_is_no_readable_image_is_given_back_unchanged() -> None:
    for data in (b"%PDF-1.7 a signed form", b"", camera_jpeg()[:300], b"\xff\xd8\xff\xe1junk"):
        assert strip_metadata(data) == data


def test_an_iphone_heic_photo_loses_its_camera_and_goes_as_jpeg() -> None:
    """HEIC is read (pillow-heif) and written as JPEG: every phone, MMS and WhatsApp take
    it, and writing HEIC again would cost seconds a photo."""
    exif = Image.Exif()
    exif[0x0110] = CAMERA
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(out, "HEIF", exif=exif.tobytes())
    assert CAMERA.encode() in out.getvalue()
    stripped = strip_metadata(out.getvalue(), strict=True)
    assert CAMERA.encode() not in stripped
    again = Image.open(io.BytesIO(stripped))
    assert again.format == "JPEG" and again.size == (16, 12)
    assert again.getexif().get(0x0110) is None
    assert cleaned_type("image/heic") == "image/jpeg" and cleaned_type("image/png") == "image/png"
    assert cleaned_file_name("IMG_0042.HEIC", "image/heic") == "IMG_0042.jpg"
    assert cleaned_file_name("drawing.png", "image/png") == "drawing.png"


async def test_a_picture_that_cannot_be_stripped_never_reaches_a_family(system: System) -> None:
    """A damaged JPEG keeps its EXIF and GPS when Pillow cannot rewrite it: it fails
    closed. Rosa gets the words with the note that a photo did not come; no copy of the
    file is served, on this try or a later one."""
    await setup(system)
    damaged = camera_jpeg()[:300]
    queue_photo(system, "Rosa Pérez", teacher_photo(system, damaged))
    await system.drain()
    system.clock.advance(minutes=5)
    await system.drain()
    to_rosa = [m for m in system.twilio.messages if m.to == ROSA]
    assert to_rosa and not any(m.media_urls for m in to_rosa)
    assert gettext("es", MEDIA_NOT_FETCHED) in (to_rosa[0].body or "")
    with transaction(system.engine) as session:
        assert session.scalars(select(MediaFile)).all() == []
