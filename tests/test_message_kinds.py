"""Every kind of message a family can send, end to end through the fakes: what can be
carried reaches the teacher as that kind (a file, a voice note, a map link, a contact),
what cannot gets the family a reply saying what the school can receive, and nothing
empty is ever relayed. A photo that cannot be fetched never holds back the words."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commbot.conversations.family import CANNOT_PASS_ON, PARTLY_PASSED_ON
from commbot.db import transaction
from commbot.dispatch import history
from commbot.dispatch.dispatcher import MEDIA_NOT_FETCHED
from commbot.dispatch.retries import MAX_ATTEMPTS
from commbot.i18n import gettext
from commbot.models import Delivery, DeliveryEventKind, DeliveryStatus, RecipientKind

from .support import PUBLIC, System
from .test_dispatch import png_bytes

CARTER = 7001  # Emily Carter, Room 12, English
CARTER_EMAIL = "ecarter@lincoln.example.org"
AMINA_CHAT = 8001  # Amina Bashid, English, Telegram; mother of Andrew Bashid (Room 12)
ROSA = "+16175550134"  # Rosa Pérez, Spanish, SMS; mother of Alfredo Pérez (Room 12)
KARIM = "+16175550177"  # Karim Bashid, Arabic, WhatsApp; father of Andrew Bashid

AMINA_WROTE = "Amina Bashid (mother of Andrew Bashid) wrote:"


# -- helpers ------------------------------------------------------------------------------


async def setup(system: System, *, amina: bool = False) -> None:
    await system.link_staff(CARTER_EMAIL, CARTER)
    if amina:
        code = system.invite(guardian="Amina Bashid")
        assert (await system.telegram_update(AMINA_CHAT, f"/start {code}")).status_code == 200
    await system.drain()
    system.telegram.clear()
    system.twilio.clear()


def family_update(system: System, chat_id: int, **content: Any) -> dict[str, Any]:
    """A private message from a family as Telegram sends it, with `content`'s fields."""
    payload = system.telegram_payload(chat_id)
    payload["message"]["from"] = {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Amina",
        "last_name": "Bashid",
        "language_code": "en",
    }
    payload["message"].update(content)
    return payload


def file_fields(file_id: str, size: int) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": "U" + file_id[-8:], "file_size": size}


def sends_to(system: System, chat_id: int) -> list[Any]:
    return system.telegram.sent_messages(chat_id)


def staff_relays(system: System) -> list[Delivery]:
    return [
        d
        for d in system.deliveries()
        if d.recipient_kind is RecipientKind.STAFF and d.message_id is not None
    ]


def form(system: System, sender: str, body: str = "", **params: str) -> dict[str, str]:
    return {**system.twilio_form(sender, body, whatsapp=sender == KARIM), **params}


# -- Telegram: files of every kind go by file id, as that kind ---------------------------

FILE_KINDS = [
    # (message field, its content besides the file id, Bot API method, parameter)
    ("voice", {"duration": 4, "mime_type": "audio/ogg"}, "sendVoice", "voice"),
    (
        "audio",
        {
            "duration": 181,
            "mime_type": "audio/mpeg",
            "file_name": "lullaby.mp3",
            "title": "Lullaby",
        },
        "sendAudio",
        "audio",
    ),
    (
        "video",
        {"duration": 9, "width": 720, "height": 1280, "mime_type": "video/mp4"},
        "sendVideo",
        "video",
    ),
    (
        "document",
        {"file_name": "Doctor's note.pdf", "mime_type": "application/pdf"},
        "sendDocument",
        "document",
    ),
    # A photo sent "as a file" goes back as a document too, but uploaded again with its
    # metadata stripped, never by its file id: tests/test_photo_delivery.py.
]


@pytest.mark.parametrize(("field", "extra", "method", "parameter"), FILE_KINDS)
async def test_telegram_files_reach_the_teacher_as_the_same_kind(
    system: System, field: str, extra: dict[str, Any], method: str, parameter: str
) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(b"family's file " + field.encode())
    update = family_update(
        system,
        AMINA_CHAT,
        caption="Andrew's homework from last night",
        **{field: {**file_fields(file_id, 15), **extra}},
    )
    assert (await system.post_telegram(update)).status_code == 200
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert sent.method == method
    assert sent.params[parameter] == file_id
    assert sent.params["caption"] == f"{AMINA_WROTE}\nAndrew's homework from last night"
    assert sends_to(system, AMINA_CHAT) == []  # no "could not pass this on"


async def test_a_telegram_video_note_goes_as_a_round_video_and_the_header_after(
    system: System,
) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(b"round video")
    update = family_update(
        system, AMINA_CHAT, video_note={**file_fields(file_id, 11), "duration": 6, "length": 240}
    )
    await system.post_telegram(update)
    await system.drain()

    note, header = sends_to(system, CARTER)
    assert (note.method, note.params["video_note"]) == ("sendVideoNote", file_id)
    assert header.params["text"] == AMINA_WROTE


async def test_a_telegram_gif_goes_as_an_animation_not_its_backup_document(
    system: System,
) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(b"gif as mp4")
    gif = {**file_fields(file_id, 10), "file_name": "thanks.mp4", "mime_type": "video/mp4"}
    update = family_update(
        system,
        AMINA_CHAT,
        caption="Thank you!",
        animation={**gif, "duration": 2, "width": 320, "height": 240},
        document=gif,  # Telegram sets both for an animation
    )
    await system.post_telegram(update)
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert (sent.method, sent.params["animation"]) == ("sendAnimation", file_id)
    assert "Thank you!" in sent.params["caption"]


async def test_words_too_long_for_a_caption_follow_the_file(system: System) -> None:
    await setup(system, amina=True)
    file_id = system.telegram.add_file(b"pdf")
    long_words = "Andrew had a hard morning. " * 60  # over Telegram's 1024-character caption
    update = family_update(
        system,
        AMINA_CHAT,
        caption=long_words.strip(),
        document={**file_fields(file_id, 3), "mime_type": "application/pdf"},
    )
    await system.post_telegram(update)
    await system.drain()

    document, words = sends_to(system, CARTER)
    assert document.method == "sendDocument" and document.params.get("caption") is None
    assert words.params["text"] == f"{AMINA_WROTE}\n{long_words.strip()}"


# -- Telegram: places and contact cards as words ---------------------------------------


async def test_a_shared_location_arrives_as_a_map_link(system: System) -> None:
    await setup(system, amina=True)
    update = family_update(
        system, AMINA_CHAT, location={"latitude": 42.349378, "longitude": -71.078279}
    )
    await system.post_telegram(update)
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert sent.params["text"] == (
        f"{AMINA_WROTE}\nhttps://www.google.com/maps/search/?api=1&query=42.349378,-71.078279"
    )


async def test_a_venue_arrives_with_its_name_address_and_map_link(system: System) -> None:
    await setup(system, amina=True)
    place = {"latitude": 42.349378, "longitude": -71.078279}
    update = family_update(
        system,
        AMINA_CHAT,
        location=place,
        venue={
            "location": place,
            "title": "Boston Public Library",
            "address": "700 Boylston St, Boston, MA 02116",
            "foursquare_id": "4ab7e57cf964a5205f7b20e3",
        },
    )
    await system.post_telegram(update)
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert sent.params["text"].splitlines() == [
        AMINA_WROTE,
        "Boston Public Library",
        "700 Boylston St, Boston, MA 02116",
        "https://www.google.com/maps/search/?api=1&query=42.349378,-71.078279",
    ]


async def test_a_contact_card_arrives_as_its_name_and_number(system: System) -> None:
    await setup(system, amina=True)
    update = family_update(
        system,
        AMINA_CHAT,
        contact={
            "phone_number": "+16175550199",
            "first_name": "Layla",
            "last_name": "Bashid",
            "user_id": 55501,
        },
    )
    await system.post_telegram(update)
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert sent.params["text"] == f"{AMINA_WROTE}\n👤 Layla Bashid: +16175550199"


# -- what cannot be carried: the family is told, staff get nothing --------------------

UNCARRIED = {
    "sticker": {
        "sticker": {
            **file_fields("CAACAgIAAxkBAAIBZ2Y", 20480),
            "width": 512,
            "height": 512,
            "emoji": "👍",
            "set_name": "HotCherry",
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "poll": {
        "poll": {
            "id": "5377643193141559299",
            "question": "Pick-up time?",
            "options": [
                {"persistent_id": "0", "text": "3 PM", "voter_count": 0},
                {"persistent_id": "1", "text": "4 PM", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,  # Bot API 9.6
            "members_only": False,  # Bot API 10.0
        }
    },
    # A kind commbot has never heard of: still answered, never relayed empty.
    "unknown": {"new_kind_of_message": {"x": 1}},
}


@pytest.mark.parametrize("kind", list(UNCARRIED))
async def test_what_cannot_be_carried_gets_the_family_a_reply_and_staff_nothing(
    system: System, kind: str
) -> None:
    await setup(system, amina=True)
    update = family_update(system, AMINA_CHAT, **UNCARRIED[kind])
    assert (await system.post_telegram(update)).status_code == 200
    await system.drain()

    assert system.telegram_texts(AMINA_CHAT) == [
        "We could not pass this on. You can send text, photos, voice notes, videos and files."
    ]
    assert sends_to(system, CARTER) == []
    assert staff_relays(system) == []


async def test_an_empty_sms_is_answered_not_relayed(system: System) -> None:
    await setup(system)
    response = await system.sms(ROSA, "   ")
    assert response.status_code == 200
    await system.drain()

    assert system.sms_to(ROSA) == [gettext("es", CANNOT_PASS_ON)]
    assert sends_to(system, CARTER) == []
    assert staff_relays(system) == []


async def test_words_with_something_uncarried_go_and_the_family_hears_about_the_rest(
    system: System,
) -> None:
    await setup(system, amina=True)
    update = family_update(
        system,
        AMINA_CHAT,
        caption="Our trip photos",
        paid_media={
            "star_count": 5,
            "paid_media": [{"type": "preview", "width": 640, "height": 480}],
        },
    )
    await system.post_telegram(update)
    await system.drain()

    assert system.telegram_texts(CARTER) == [f"{AMINA_WROTE}\nOur trip photos"]
    assert system.telegram_texts(AMINA_CHAT) == [gettext("en", PARTLY_PASSED_ON)]


# -- Twilio: MMS and WhatsApp media beyond pictures -----------------------------------

TWILIO_KINDS = [
    # (sender, MIME type Twilio gives, Bot API method, parameter)
    (ROSA, "audio/amr", "sendAudio", "audio"),
    (ROSA, "video/3gpp", "sendVideo", "video"),
    (ROSA, "text/vcard", "sendDocument", "document"),
    (KARIM, "application/pdf", "sendDocument", "document"),
    (KARIM, "audio/ogg", "sendVoice", "voice"),  # a WhatsApp voice note
    (KARIM, "video/mp4", "sendVideo", "video"),
]


@pytest.mark.parametrize(("sender", "content_type", "method", "parameter"), TWILIO_KINDS)
async def test_twilio_media_reaches_the_teacher_as_that_kind(
    system: System, sender: str, content_type: str, method: str, parameter: str
) -> None:
    await setup(system)
    data = f"bytes of {content_type}".encode()
    url = system.twilio.add_media(data, content_type)
    params = form(system, sender, NumMedia="1", MediaUrl0=url, MediaContentType0=content_type)
    assert (await system.post_twilio("/twilio/inbound", params)).status_code == 200
    await system.drain()

    [sent] = sends_to(system, CARTER)
    assert sent.method == method
    assert sent.files[parameter] == data
    assert "wrote:" in sent.params["caption"]


async def test_a_whatsapp_location_arrives_as_address_and_map_link(system: System) -> None:
    await setup(system)
    params = form(
        system,
        KARIM,
        Latitude="42.3467",
        Longitude="-71.0972",
        Address="4 Jersey St, Boston, MA 02215",
        Label="Fenway Park",
    )
    await system.post_twilio("/twilio/inbound", params)
    await system.drain()

    [sent] = sends_to(system, CARTER)
    lines = sent.params["text"].splitlines()
    assert "Fenway Park" in lines
    assert "4 Jersey St, Boston, MA 02215" in lines
    assert "https://www.google.com/maps/search/?api=1&query=42.346700,-71.097200" in lines


async def test_a_teachers_document_reaches_an_sms_family_as_a_link(system: System) -> None:
    await setup(system)
    pdf = b"%PDF-1.4 field trip form"
    file_id = system.telegram.add_file(pdf)
    update = system.telegram_payload(CARTER)
    update["message"]["caption"] = "/msg Alfredo Please sign the field trip form"
    update["message"]["document"] = {
        **file_fields(file_id, len(pdf)),
        "file_name": "field-trip.pdf",
        "mime_type": "application/pdf",
    }
    await system.post_telegram(update)
    await system.drain()

    [sms] = [m for m in system.twilio.messages if m.to == ROSA]
    assert sms.media_urls == []  # MMS carries pictures; a PDF goes as a link
    assert "Please sign the field trip form" in (sms.body or "")
    [link] = [w for w in (sms.body or "").split() if w.startswith(f"{PUBLIC}/media/")]
    response = await system.http.get(link.removeprefix(PUBLIC))
    assert response.status_code == 200
    assert response.content == pdf


# -- a photo that cannot be fetched ---------------------------------------------------


def events_of(system: System, delivery_id: int) -> list[Any]:
    with transaction(system.engine) as session:
        found = history.events(session, delivery_id)
        session.expunge_all()
        return found


async def test_words_arrive_at_once_when_the_photo_cannot_be_fetched(system: System) -> None:
    await setup(system)
    image = png_bytes()
    url = system.twilio.add_media(image, "image/png")
    system.twilio.fail_media(url, times=2)
    await system.sms(ROSA, "Mire esto", media=[url])
    await system.drain()

    # The words, now, with a note in the teacher's language; no photo yet.
    [words] = sends_to(system, CARTER)
    assert words.method == "sendMessage"
    assert "Mire esto" in words.params["text"]
    assert gettext("en", MEDIA_NOT_FETCHED) in words.params["text"]
    first, photo_only = staff_relays(system)
    assert first.status is DeliveryStatus.SENT and first.media == []
    assert photo_only.message_id == first.message_id
    assert (photo_only.status, photo_only.header, photo_only.body) == (
        DeliveryStatus.PENDING,
        "",
        "",
    )

    # The photo is retried on its own, with backoff, until it comes.
    system.clock.advance(seconds=6)
    await system.drain()
    assert len(sends_to(system, CARTER)) == 1  # the second fetch failed too
    system.clock.advance(seconds=30)
    await system.drain()
    _, photo = sends_to(system, CARTER)
    assert photo.method == "sendPhoto" and photo.files["photo"] == image

    with transaction(system.engine) as session:
        rows = session.scalars(select(Delivery).where(Delivery.message_id == first.message_id))
        assert [d.status for d in rows] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    split_event = next(e for e in events_of(system, first.id) if e.error_code == "media")
    assert f"delivery {photo_only.id}" in (split_event.detail or "")
    kinds = [e.kind for e in events_of(system, photo_only.id)]
    assert kinds[0] is DeliveryEventKind.QUEUED
    assert DeliveryEventKind.RETRY in kinds and kinds[-1] is DeliveryEventKind.SENT
    assert history.explain("media") == "the photo could not be fetched"


async def test_a_photo_that_never_comes_leaves_the_words_delivered_once(
    system: System,
) -> None:
    await setup(system)
    url = system.twilio.add_media(png_bytes(), "image/png")
    system.twilio.fail_media(url)  # always
    await system.sms(ROSA, "Foto de la tarea", media=[url])
    for _ in range(MAX_ATTEMPTS + 1):
        await system.drain()
        system.clock.advance(minutes=10)

    [words] = sends_to(system, CARTER)
    assert "Foto de la tarea" in words.params["text"]
    first, photo_only = staff_relays(system)
    assert first.status is DeliveryStatus.SENT
    assert photo_only.status is DeliveryStatus.FAILED
    assert photo_only.attempts == MAX_ATTEMPTS
    assert photo_only.error_code == "media"
