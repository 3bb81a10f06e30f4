"""Photo consent, per child: the rule for every combination (one child in the photo, two,
none; co-guardians who disagree; a family with two children in it), and families choosing
by text: PHOTOS (or its word in their language) by SMS and WhatsApp, a number answers; on
Telegram, buttons. A change is recorded with when and who, and a photo still queued that the
new consent forbids is stopped and its stored copy deleted, so its link answers 404. A
roster import that changes consent does the same.

The Spanish and Arabic catalogs hold no translation yet for the new texts: what a family
reads is asserted as `gettext(<their language>, ...)` of the catalog message; where a test
needs the word in a language ("FOTOS"), it puts it in that catalog as a translator would.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from commbot.channels.base import Media
from commbot.conversations import family
from commbot.conversations.registry import FAMILY_WORDS, plain_word
from commbot.db import transaction
from commbot.dispatch import history
from commbot.features.photos import messages as pm
from commbot.features.photos.consent import audience, effective_consent
from commbot.features.photos.consent_actions import set_photo_consent, withdraw_forbidden
from commbot.features.photos.family_handlers import photos_words
from commbot.features.photos.models import (
    ConsentChange,
    ConsentSource,
    PhotoPost,
    PhotoRecipient,
    PhotoTag,
    PostState,
    RecipientOutcome,
)
from commbot.i18n import gettext, translations
from commbot.media import MediaStore, source_key
from commbot.models import (
    AuthorKind,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryEventKind,
    DeliveryStatus,
    Guardian,
    Guardianship,
    MediaFile,
    Message,
    MessageKind,
    PhotoConsent,
    RecipientKind,
    SchoolClass,
    Staff,
    Student,
    enrollments,
)
from commbot.outbox import to_guardian
from commbot.roster import import_roster

from .conftest import EXAMPLES
from .support import PUBLIC, System, press

NONE, INDIVIDUAL, GROUP = PhotoConsent.NONE, PhotoConsent.INDIVIDUAL, PhotoConsent.GROUP
NEW_YORK = "America/New_York"
ROSA = "+16175550134"  # Alfredo Pérez's mother, Spanish, SMS
KARIM = "+16175550177"  # Andrew Bashid's father, Arabic, WhatsApp
LAN = "+16175550142"  # Minh (Room 12) and Bao (Room 14) Nguyen's mother, Vietnamese, SMS
AMINA = 8001  # Andrew Bashid's mother, English, on Telegram
CARTER = 7001
BASHIDS = {"Karim Bashid", "Amina Bashid"}
# Room 12's families (Andrew Bashid has two guardians).
ROOM_12 = {"Rosa Pérez", *BASHIDS, "Lan Nguyen", "Li Wei", "Ana Oliveira", "Maricel Santos"}
ROOM_14 = {
    "Jim Lopez",
    "Donna Lopez",
    "Margaret Ruby",
    "Faadumo Warsame",
    "Marie Joseph",
    "Irina Volkova",
    "Lan Nguyen",
}


def _jpeg() -> bytes:
    """A real (tiny) class photo: a picture that cannot be stripped never reaches a family."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (90, 160, 60)).save(out, "JPEG")
    return out.getvalue()


JPEG = _jpeg()


def one(session: Session, model: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(**where)).one()


def link(session: Session, guardian: str, student: str) -> Guardianship:
    return session.scalars(
        select(Guardianship)
        .join(Guardian, Guardian.id == Guardianship.guardian_id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Guardian.name == guardian, Student.name == student)
    ).one()


def consent_of(system: System, guardian: str, student: str) -> PhotoConsent:
    with transaction(system.engine) as session:
        return link(session, guardian, student).photo_consent


def set_all(session: Session, student: str, value: PhotoConsent) -> None:
    """Every guardian of `student` chose `value` (rows, as the roster leaves them)."""
    for row in session.scalars(select(Guardianship).join(Student).where(Student.name == student)):
        row.photo_consent = value


def post_of(
    session: Session, *tagged: str, class_name: str = "Room 12", student: str | None = None
) -> PhotoPost:
    """Emily Carter's (or David Kim's) post for a class, or for one student, with tags."""
    teacher = "Emily Carter" if class_name == "Room 12" else "David Kim"
    post = PhotoPost(
        staff_id=one(session, Staff, name=teacher).id,
        class_id=one(session, SchoolClass, name=class_name).id if student is None else None,
        student_id=one(session, Student, name=student).id if student else None,
        state=PostState.READY,
        no_children=not tagged,
        media=[Media(telegram_file_id="AgAD-photo").to_json()],
    )
    session.add(post)
    session.flush()
    for name in tagged:
        session.add(PhotoTag(post_id=post.id, student_id=one(session, Student, name=name).id))
    session.flush()
    return post


def who(session: Session, post: PhotoPost) -> tuple[set[str], set[str]]:
    """The names of the guardians the rule lets have the post, and of those it skips."""
    found = audience(session, post)
    return {f.guardian.name for f in found.receive}, {f.guardian.name for f in found.skipped}


# -- the rule, for every combination ----------------------------------------------------------


@pytest.mark.parametrize(
    ("andrew", "receive"),
    [(NONE, set()), (INDIVIDUAL, BASHIDS), (GROUP, ROOM_12)],
)
def test_a_photo_of_one_child_reaches_exactly_whom_the_childs_consent_allows(
    system: System, andrew: PhotoConsent, receive: set[str]
) -> None:
    with transaction(system.engine) as session:
        set_all(session, "Andrew Bashid", andrew)
        post = post_of(session, "Andrew Bashid")
        assert who(session, post) == (receive, ROOM_12 - receive)
        blocking = [s.name for s in audience(session, post).blocking]
        assert blocking == ([] if andrew is GROUP else ["Andrew Bashid"])


@pytest.mark.parametrize(
    ("andrew", "minh", "receive"),
    [
        (NONE, NONE, set()),
        (NONE, INDIVIDUAL, set()),
        (NONE, GROUP, set()),  # the Bashids' own child forbids even them
        (INDIVIDUAL, NONE, set()),
        (INDIVIDUAL, INDIVIDUAL, set()),  # each family would see the other's child
        (INDIVIDUAL, GROUP, BASHIDS),
        (GROUP, NONE, set()),
        (GROUP, INDIVIDUAL, {"Lan Nguyen"}),
        (GROUP, GROUP, ROOM_12),
    ],
)
def test_a_photo_of_two_children_needs_both_consents(
    system: System, andrew: PhotoConsent, minh: PhotoConsent, receive: set[str]
) -> None:
    with transaction(system.engine) as session:
        set_all(session, "Andrew Bashid", andrew)
        set_all(session, "Minh Nguyen", minh)
        post = post_of(session, "Andrew Bashid", "Minh Nguyen")
        assert who(session, post) == (receive, ROOM_12 - receive)


@pytest.mark.parametrize("everyone", [NONE, INDIVIDUAL, GROUP])
def test_a_photo_with_no_child_in_it_goes_to_the_whole_class(
    system: System, everyone: PhotoConsent
) -> None:
    with transaction(system.engine) as session:
        for row in session.scalars(select(Guardianship)):
            row.photo_consent = everyone
        assert who(session, post_of(session)) == (ROOM_12, set())
        assert who(session, post_of(session, class_name="Room 14")) == (ROOM_14, set())


@pytest.mark.parametrize(
    ("karim", "amina", "holds", "receive"),
    [
        (GROUP, INDIVIDUAL, INDIVIDUAL, BASHIDS),
        (INDIVIDUAL, GROUP, INDIVIDUAL, BASHIDS),
        (GROUP, NONE, NONE, set()),  # the stricter parent holds for the other parent too
        (NONE, INDIVIDUAL, NONE, set()),
        (GROUP, GROUP, GROUP, ROOM_12),
    ],
)
def test_when_co_guardians_disagree_the_stricter_value_holds_for_everyone(
    system: System,
    karim: PhotoConsent,
    amina: PhotoConsent,
    holds: PhotoConsent,
    receive: set[str],
) -> None:
    with transaction(system.engine) as session:
        link(session, "Karim Bashid", "Andrew Bashid").photo_consent = karim
        link(session, "Amina Bashid", "Andrew Bashid").photo_consent = amina
        andrew = one(session, Student, name="Andrew Bashid").id
        assert effective_consent(session, [andrew]) == {andrew: holds}
        assert who(session, post_of(session, "Andrew Bashid")) == (receive, ROOM_12 - receive)


@pytest.fixture
def second_child(system: System) -> None:
    """Tam Nguyen joins Room 12: Lan Nguyen has two children there (and Bao in Room 14)."""
    with transaction(system.engine) as session:
        lan = one(session, Guardian, name="Lan Nguyen")
        minh = one(session, Student, name="Minh Nguyen")
        tam = Student(school_id=minh.school_id, external_id="S1013", name="Tam Nguyen")
        session.add(tam)
        session.flush()
        room = one(session, SchoolClass, name="Room 12")
        session.execute(enrollments.insert().values(class_id=room.id, student_id=tam.id))
        session.add(Guardianship(guardian_id=lan.id, student_id=tam.id, photo_consent=GROUP))


@pytest.mark.parametrize(
    ("minh", "tam", "receive"),
    [
        (INDIVIDUAL, INDIVIDUAL, {"Lan Nguyen"}),  # both hers: individual is enough
        (GROUP, INDIVIDUAL, {"Lan Nguyen"}),
        (INDIVIDUAL, GROUP, {"Lan Nguyen"}),
        (GROUP, GROUP, ROOM_12),
        (GROUP, NONE, set()),
        (NONE, GROUP, set()),
    ],
)
@pytest.mark.usefixtures("second_child")
def test_a_family_with_two_children_in_the_photo_needs_individual_for_each(
    system: System, minh: PhotoConsent, tam: PhotoConsent, receive: set[str]
) -> None:
    with transaction(system.engine) as session:
        set_all(session, "Minh Nguyen", minh)
        set_all(session, "Tam Nguyen", tam)
        post = post_of(session, "Minh Nguyen", "Tam Nguyen")
        assert who(session, post) == (receive, ROOM_12 - receive)


def test_a_sibling_in_another_class_is_still_the_familys_own_child(system: System) -> None:
    with transaction(system.engine) as session:
        set_all(session, "Bao Nguyen", INDIVIDUAL)
        post = post_of(session, "Bao Nguyen", class_name="Room 14")
        assert who(session, post) == ({"Lan Nguyen"}, ROOM_14 - {"Lan Nguyen"})
        # Lan's child in Room 12 does not make her Bao's photos anyone else's.
        set_all(session, "Minh Nguyen", GROUP)
        assert who(session, post_of(session, "Minh Nguyen", "Bao Nguyen", class_name="Room 14"))[
            0
        ] == {"Lan Nguyen"}


@pytest.mark.parametrize(("alfredo", "allowed"), [(NONE, False), (INDIVIDUAL, True), (GROUP, True)])
def test_a_photo_for_one_family_follows_their_childs_consent(
    system: System, alfredo: PhotoConsent, allowed: bool
) -> None:
    with transaction(system.engine) as session:
        set_all(session, "Alfredo Pérez", alfredo)
        post = post_of(session, "Alfredo Pérez", student="Alfredo Pérez")
        rosa = {"Rosa Pérez"}
        assert who(session, post) == ((rosa, set()) if allowed else (set(), rosa))


# -- the word, and the menu ---------------------------------------------------------------


@pytest.fixture
def word_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Put a translator's PHOTOS word in a catalog, for the test only."""

    def put(language: str, word: str) -> None:
        catalog = translations(language)._catalog  # type: ignore[attr-defined]
        monkeypatch.setitem(catalog, pm.PHOTOS_WORD, word)

    yield put


def test_photos_is_read_in_every_catalog_language_without_case_or_accents(word_in: Any) -> None:
    word_in("es", "FOTOS")
    word_in("vi", "HÌNH ẢNH")
    word_in("ru", "ФОТО")
    assert {"photos", "fotos", "hinh anh", "фото"} <= FAMILY_WORDS.words_of("PHOTOS")
    for typed in ("PHOTOS", "photos", " Photos! ", "Fotos.", "hình ảnh", "ＰＨＯＴＯＳ", "ФОТО"):
        found = FAMILY_WORDS.find(typed)
        assert found is not None and found.name == "PHOTOS", typed
    for typed in ("photos of the trip?", "photo", "2", ""):
        assert FAMILY_WORDS.find(typed) is None, typed
    assert plain_word("Fótos!") == "fotos"
    assert "PHOTOS" in photos_words()


def menu_lines(language: str, children: list[tuple[str, PhotoConsent]]) -> list[str]:
    """The menu as a family reads it, built from the catalog texts."""
    lines = [gettext(language, pm.MENU_INTRO)]
    number = 0
    for name, current in children:
        lines.append(
            gettext(
                language, pm.MENU_CHILD, student=name, current=pm.choice_text(language, current)
            )
        )
        for choice in pm.MENU_ORDER:
            number += 1
            lines.append(
                gettext(
                    language,
                    pm.MENU_OPTION,
                    number=number,
                    choice=pm.choice_text(language, choice),
                )
            )
    return lines


def changes(system: System) -> list[tuple[str, str, str, str, str, str | None, dt.datetime]]:
    """Every recorded consent change: guardian, child, old, new, source, by whom, when."""
    with transaction(system.engine) as session:
        rows = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
        return [
            (
                session.get_one(Guardian, c.guardian_id).name,
                session.get_one(Student, c.student_id).name,
                c.old.value,
                c.new.value,
                c.source.value,
                session.get_one(Guardian, c.by_guardian_id).name if c.by_guardian_id else None,
                c.changed_at,
            )
            for c in rows
        ]


async def test_a_family_texts_photos_in_spanish_and_a_number_sets_the_consent(
    system: System, word_in: Any
) -> None:
    word_in("es", "FOTOS")
    assert (await system.sms(ROSA, "Fotos")).status_code == 200
    await system.drain()
    menu = system.sms_to(ROSA)[-1]
    assert menu.split("\n") == menu_lines("es", [("Alfredo Pérez", INDIVIDUAL)])
    system.clock.advance(minutes=2)
    await system.sms(ROSA, "3")
    await system.drain()
    none = pm.choice_text("es", NONE)
    assert system.sms_to(ROSA)[-1] == gettext(
        "es", pm.CONSENT_SAVED, student="Alfredo Pérez", choice=none
    )
    assert consent_of(system, "Rosa Pérez", "Alfredo Pérez") is NONE
    assert changes(system) == [
        (
            "Rosa Pérez",
            "Alfredo Pérez",
            "individual",
            "none",
            "guardian",
            "Rosa Pérez",
            system.clock(),
        )
    ]
    # Nothing of it reached the teacher; the answered menu is closed, so a later "3" does.
    assert _carter_got(system) == []
    await system.sms(ROSA, "3")
    await system.drain()
    assert _carter_got(system) == ["3"]
    assert len(changes(system)) == 1


def _carter_got(system: System) -> list[str]:
    with transaction(system.engine) as session:
        carter = one(session, Staff, name="Emily Carter")
        return [
            d.body
            for d in session.scalars(
                select(Delivery).where(
                    Delivery.staff_id == carter.id, Delivery.recipient_kind == RecipientKind.STAFF
                )
            )
        ]


async def test_photos_inside_a_sentence_is_a_message_for_the_school(system: System) -> None:
    await system.sms(ROSA, "Photos of the trip please")
    await system.drain()
    assert _carter_got(system) == ["Photos of the trip please"]
    assert changes(system) == []


def link_amina(system: System) -> None:
    with transaction(system.engine) as session:
        amina = one(session, Guardian, name="Amina Bashid").id
        session.add(ContactPoint(guardian_id=amina, channel=Channel.TELEGRAM, address=str(AMINA)))


async def tap(system: System, chat: int, data: str) -> None:
    response = await system.post_telegram(press(chat, data, next(system._update_ids)))
    assert response.status_code == 200


async def test_on_telegram_the_menu_has_buttons_and_a_co_guardians_stricter_choice_holds(
    system: System,
) -> None:
    link_amina(system)
    with transaction(system.engine) as session:
        andrew = one(session, Student, name="Andrew Bashid").id
    await system.telegram_update(AMINA, "PHOTOS")
    await system.drain()
    sent = system.telegram.sent_messages(AMINA)[-1]
    lines = menu_lines("en", [("Andrew Bashid", GROUP)])
    assert sent.params["text"].split("\n") == lines
    assert sent.params["reply_markup"]["inline_keyboard"] == [
        [{"text": lines[2], "callback_data": f"phc:{andrew}:individual"}],
        [{"text": lines[3], "callback_data": f"phc:{andrew}:group"}],
        [{"text": lines[4], "callback_data": f"phc:{andrew}:none"}],
    ]
    await tap(system, AMINA, f"phc:{andrew}:none")
    await system.drain()
    assert system.telegram_texts(AMINA)[-1] == gettext(
        "en", pm.CONSENT_SAVED, student="Andrew Bashid", choice=pm.choice_text("en", NONE)
    )
    # Karim asks for more sharing than Amina allows: hers holds, and he is told.
    system.clock.advance(minutes=5)
    await system.sms(KARIM, "PHOTOS", whatsapp=True)
    await system.sms(KARIM, "1", whatsapp=True)
    await system.drain()
    to_karim = [
        (m.body or "").replace("\u200f", "")  # right-to-left marks begin each line
        for m in system.twilio.messages
        if m.to == f"whatsapp:{KARIM}"
    ]
    assert to_karim[-2].split("\n") == menu_lines("ar", [("Andrew Bashid", GROUP)])
    assert to_karim[-1] == gettext(
        "ar",
        pm.CONSENT_STRICTER_HOLDS,
        student="Andrew Bashid",
        choice=pm.choice_text("ar", NONE),
    )
    assert [c[:6] for c in changes(system)] == [
        ("Amina Bashid", "Andrew Bashid", "group", "none", "guardian", "Amina Bashid"),
        ("Karim Bashid", "Andrew Bashid", "group", "individual", "guardian", "Karim Bashid"),
    ]
    with transaction(system.engine) as session:
        assert effective_consent(session, [andrew]) == {andrew: NONE}


async def test_a_button_for_someone_elses_child_changes_nothing(system: System) -> None:
    link_amina(system)
    with transaction(system.engine) as session:
        alfredo = one(session, Student, name="Alfredo Pérez").id
    await tap(system, AMINA, f"phc:{alfredo}:group")
    await tap(system, AMINA, "phc:abc:group")
    await system.drain()
    expired = gettext("en", family.FAMILY_BUTTON_EXPIRED)
    assert system.telegram_texts(AMINA) == [expired, expired]
    assert consent_of(system, "Rosa Pérez", "Alfredo Pérez") is INDIVIDUAL
    assert changes(system) == []


async def test_a_family_with_two_children_answers_for_each_from_one_menu(system: System) -> None:
    await system.sms(LAN, "photos")
    await system.drain()
    assert system.sms_to(LAN)[-1].split("\n") == menu_lines(
        "vi", [("Bao Nguyen", GROUP), ("Minh Nguyen", GROUP)]
    )
    await system.sms(LAN, "6")  # Minh: no photos
    await system.sms(LAN, "1")  # Bao: only to me
    await system.drain()
    assert system.sms_to(LAN)[-2:] == [
        gettext("vi", pm.CONSENT_SAVED, student="Minh Nguyen", choice=pm.choice_text("vi", NONE)),
        gettext(
            "vi", pm.CONSENT_SAVED, student="Bao Nguyen", choice=pm.choice_text("vi", INDIVIDUAL)
        ),
    ]
    assert consent_of(system, "Lan Nguyen", "Minh Nguyen") is NONE
    assert consent_of(system, "Lan Nguyen", "Bao Nguyen") is INDIVIDUAL
    # Ten minutes later the menu is closed: a number is an answer to whatever the school
    # asked since, never a photo choice.
    system.clock.advance(minutes=11)
    await system.sms(LAN, "3")
    await system.drain()
    assert len(changes(system)) == 2
    # Other words close the menu sooner.
    await system.sms(LAN, "photos")
    await system.sms(LAN, "Thank you")
    await system.sms(LAN, "2")
    await system.drain()
    assert len(changes(system)) == 2


async def test_a_family_with_no_child_is_told_so(system: System) -> None:
    with transaction(system.engine) as session:
        for row in session.scalars(
            select(Guardianship).join(Guardian).where(Guardian.name == "Rosa Pérez")
        ):
            row.active = False
    await system.sms(ROSA, "PHOTOS")
    await system.drain()
    assert system.sms_to(ROSA)[-1] == gettext("es", pm.NO_CHILDREN_FOR_PHOTOS)


# -- what a change stops --------------------------------------------------------------------


def sent_post(
    system: System,
    session: Session,
    *tagged: str,
    to: list[str],
    caption: str,
    file_id: str | None = None,
) -> PhotoPost:
    """A Room 12 post as the fan-out leaves it: SENT, tagged, one QUEUED recipient row per
    family in `to` with its protected photo delivery queued now (quiet hours apply)."""
    media = [Media(telegram_file_id=file_id or f"photo-{caption}").to_json()]
    post = post_of(session, *tagged)
    post.state, post.caption, post.media, post.sent_at = (
        PostState.SENT,
        caption,
        media,
        system.clock(),
    )
    message = Message(
        kind=MessageKind.PHOTO,
        author_kind=AuthorKind.STAFF,
        author_staff_id=post.staff_id,
        text=caption,
        language="en",
        media=media,
        created_at=system.clock(),
    )
    for name in to:
        guardian = one(session, Guardian, name=name)
        delivery = to_guardian(
            session,
            guardian=guardian,
            now=system.clock(),
            default_timezone=NEW_YORK,
            message=message,
            header=pm.photos_header(guardian.language, 1, "Alfredo Pérez", "Emily Carter"),
            body=caption,
            body_language="en",
            media=media,
            protect_content=True,
        )
        assert delivery is not None
        session.flush()
        session.add(
            PhotoRecipient(
                post_id=post.id,
                guardian_id=guardian.id,
                outcome=RecipientOutcome.QUEUED,
                delivery_id=delivery.id,
            )
        )
    session.flush()
    return post


def store_copy(system: System, session: Session, post: PhotoPost) -> str:
    """The stored copy a link to the post's photo points at."""
    return MediaStore(system.settings.media_dir).save(
        session, JPEG, "image/jpeg", system.clock(), source=source_key(post.media[0])
    )


def outcomes(system: System, post_id: int) -> dict[str, tuple[str, str]]:
    """Each recipient's outcome and the status of their delivery."""
    with transaction(system.engine) as session:
        return {
            session.get_one(Guardian, r.guardian_id).name: (
                r.outcome.value,
                session.get_one(Delivery, r.delivery_id).status.value if r.delivery_id else "",
            )
            for r in session.scalars(
                select(PhotoRecipient).where(PhotoRecipient.post_id == post_id)
            )
        }


async def test_withdrawing_consent_stops_a_queued_photo_and_its_link_answers_404(
    system: System,
) -> None:
    system.clock.advance(hours=6)  # 10:30 PM in Boston: Rosa's quiet hours, until midnight
    served = system.telegram.add_file(JPEG)
    with transaction(system.engine) as session:
        alfredo = sent_post(system, session, "Alfredo Pérez", to=["Rosa Pérez"], caption="Painting")
        andrew = sent_post(
            system,
            session,
            "Andrew Bashid",
            to=["Rosa Pérez", "Karim Bashid"],
            caption="Reading",
            file_id=served,
        )
        token = store_copy(system, session, alfredo)
        ids = alfredo.id, andrew.id
    await system.drain()
    assert system.sms_to(ROSA) == []  # waiting for the end of her quiet hours
    assert (await system.http.get(f"/media/{token}")).status_code == 200

    await system.sms(ROSA, "PHOTOS")
    await system.sms(ROSA, "3")
    await system.drain()
    es = "es"
    assert system.sms_to(ROSA)[-1] == "\n".join(
        [
            gettext(es, pm.CONSENT_SAVED, student="Alfredo Pérez", choice=pm.choice_text(es, NONE)),
            gettext(es, pm.CONSENT_WITHDRAWN, student="Alfredo Pérez"),
        ]
    )
    assert outcomes(system, ids[0]) == {"Rosa Pérez": ("withdrawn", "cancelled")}
    assert (await system.http.get(f"/media/{token}")).status_code == 404
    with transaction(system.engine) as session:
        assert session.scalar(select(MediaFile).where(MediaFile.token == token)) is None
        [stopped] = session.scalars(
            select(PhotoRecipient.delivery_id).where(PhotoRecipient.post_id == ids[0])
        )
        assert stopped is not None
        kinds = [e.kind for e in history.events(session, stopped)]
        assert kinds[-1] is DeliveryEventKind.CANCELLED
    # Andrew's photo was not about Alfredo: it still goes, once her quiet hours end.
    assert outcomes(system, ids[1]) == {
        "Rosa Pérez": ("queued", "pending"),
        "Karim Bashid": ("queued", "pending"),
    }
    system.clock.advance(hours=2)
    await system.drain()
    photos = [m for m in system.twilio.messages if m.to == ROSA and m.media_urls]
    assert len(photos) == 1 and "Reading" in (photos[0].body or "")
    assert not any("Painting" in text for text in system.sms_to(ROSA))
    # Andrew's father now keeps Andrew out of class photos: the link Rosa already got stops
    # working at once, while his own photo of Andrew still waits for his quiet hours.
    [link] = photos[0].media_urls
    path = link.removeprefix(PUBLIC)
    assert (await system.http.get(path)).status_code == 200
    await system.sms(KARIM, "PHOTOS", whatsapp=True)
    await system.sms(KARIM, "1", whatsapp=True)
    await system.drain()
    assert (await system.http.get(path)).status_code == 404
    assert outcomes(system, ids[1]) == {
        "Rosa Pérez": ("queued", "sent"),
        "Karim Bashid": ("queued", "pending"),
    }


def test_a_photo_being_sent_is_left_to_go_and_a_fallback_copy_is_stopped(system: System) -> None:
    now = system.clock()
    with transaction(system.engine) as session:
        set_all(session, "Andrew Bashid", GROUP)
        post = sent_post(
            system, session, "Andrew Bashid", to=["Rosa Pérez", "Lan Nguyen"], caption="Garden"
        )
        token = store_copy(system, session, post)
        rows = {
            session.get_one(Guardian, r.guardian_id).name: r
            for r in session.scalars(
                select(PhotoRecipient).where(PhotoRecipient.post_id == post.id)
            )
        }
        rosas = session.get_one(Delivery, rows["Rosa Pérez"].delivery_id)
        rosas.status = DeliveryStatus.SENDING  # a worker has it
        lans = session.get_one(Delivery, rows["Lan Nguyen"].delivery_id)
        lans.status = DeliveryStatus.FAILED  # its copy waits on her next channel
        lan = one(session, Guardian, name="Lan Nguyen")
        copy = to_guardian(
            session,
            guardian=lan,
            now=now,
            default_timezone=NEW_YORK,
            media=post.media,
            fallback_of=lans,
            protect_content=True,
        )
        assert copy is not None
        session.flush()
        copy_id = copy.id
        result = set_photo_consent(
            session,
            one(session, Guardian, name="Karim Bashid"),
            one(session, Student, name="Andrew Bashid"),
            INDIVIDUAL,
            source=ConsentSource.GUARDIAN,
            now=now,
        )
        assert (result.chosen, result.effective, result.withdrawn) == (INDIVIDUAL, INDIVIDUAL, 1)
        assert session.get_one(Delivery, copy_id).status is DeliveryStatus.CANCELLED
        assert rows["Lan Nguyen"].outcome is RecipientOutcome.WITHDRAWN
        assert rosas.status is DeliveryStatus.SENDING
        assert rows["Rosa Pérez"].outcome is RecipientOutcome.QUEUED
        # Rosa may no longer see it: the stored copy goes, whatever her delivery carried.
        assert MediaStore.find(session, token, now) is None
        # Asked again, nothing more is stopped.
        andrew = one(session, Student, name="Andrew Bashid").id
        assert withdraw_forbidden(session, [andrew], now) == 0


def test_a_roster_import_that_changes_consent_records_it_and_withdraws(
    system: System, tmp_path: Path
) -> None:
    with transaction(system.engine) as session:
        post = sent_post(system, session, "Alfredo Pérez", to=["Rosa Pérez"], caption="Clay")
        token = store_copy(system, session, post)
        post_id = post.id
    roster = tmp_path / "roster.csv"
    shutil.copy(EXAMPLES / "roster.csv", roster)
    with transaction(system.engine) as session:
        import_roster(session, roster)  # the same file again: no change
    assert changes(system) == []
    text = roster.read_text(encoding="utf-8").replace("22:00-23:59,individual", "22:00-23:59,none")
    roster.write_text(text, encoding="utf-8")
    with transaction(system.engine) as session:
        import_roster(session, roster)
    [(guardian, student, old, new, source, by, _)] = changes(system)
    assert (guardian, student, old, new, source, by) == (
        "Rosa Pérez",
        "Alfredo Pérez",
        "individual",
        "none",
        "roster",
        None,
    )
    assert consent_of(system, "Rosa Pérez", "Alfredo Pérez") is NONE
    assert outcomes(system, post_id) == {"Rosa Pérez": ("withdrawn", "cancelled")}
    with transaction(system.engine) as session:
        assert MediaStore.find(session, token, system.clock()) is None


async def test_a_copy_queued_after_the_withdrawal_is_stopped_when_it_would_go(
    system: System,
) -> None:
    """Withdrawal cancels what it finds; the dispatcher's photo guard stops any copy made
    afterwards (an attachment split off to be retried, a post fanned out while the change
    was being saved): the rule is read again the moment a photo would go."""
    system.clock.advance(hours=6)  # 10:30 PM: Rosa's quiet hours, until midnight
    with transaction(system.engine) as session:
        set_all(session, "Andrew Bashid", GROUP)
        post = sent_post(system, session, "Andrew Bashid", to=["Rosa Pérez"], caption="Garden")
        [queued] = session.scalars(
            select(PhotoRecipient.delivery_id).where(PhotoRecipient.post_id == post.id)
        )
        message_id = session.get_one(Delivery, queued).message_id
        post.message_id = message_id  # as the fan-out leaves it
        karim = one(session, Guardian, name="Karim Bashid")
        andrew = one(session, Student, name="Andrew Bashid")
        set_photo_consent(
            session, karim, andrew, INDIVIDUAL, source=ConsentSource.GUARDIAN, now=system.clock()
        )
        rosa = one(session, Guardian, name="Rosa Pérez")
        late = to_guardian(
            session,
            guardian=rosa,
            now=system.clock(),
            default_timezone=NEW_YORK,
            message=session.get_one(Message, message_id),
            media=post.media,
            protect_content=True,
        )
        assert late is not None
        session.flush()
        late_id = late.id
    system.clock.advance(hours=2)  # her quiet hours are over
    await system.drain()
    assert [m for m in system.twilio.messages if m.to == ROSA] == []
    with transaction(system.engine) as session:
        stopped = session.get_one(Delivery, late_id)
        assert stopped.status is DeliveryStatus.CANCELLED
        assert [e.kind for e in history.events(session, late_id)][-1] is DeliveryEventKind.CANCELLED
        post_id = post.id
    assert outcomes(system, post_id)["Rosa Pérez"][0] == "withdrawn"


async def test_a_roster_sync_never_loosens_what_the_family_chose_but_may_tighten_it(
    system: System, tmp_path: Path
) -> None:
    """Rosa chose no photos of Alfredo by text; the nightly roster still says individual.
    The sync keeps her choice. When the file later says none for Andrew, whose father had
    chosen group himself, the stricter file wins."""
    await system.sms(ROSA, "FOTOS")
    await system.sms(ROSA, "3")
    await system.sms(KARIM, "PHOTOS", whatsapp=True)
    await system.sms(KARIM, "2", whatsapp=True)  # Andrew: group (as the roster says)
    await system.drain()
    roster = tmp_path / "roster.csv"
    shutil.copy(EXAMPLES / "roster.csv", roster)
    with transaction(system.engine) as session:
        import_roster(session, roster)
    assert consent_of(system, "Rosa Pérez", "Alfredo Pérez") is NONE
    text = roster.read_text(encoding="utf-8").replace(
        "Karim Bashid,father,617-555-0177,ar,whatsapp,America/New_York,21:30-07:00,group",
        "Karim Bashid,father,617-555-0177,ar,whatsapp,America/New_York,21:30-07:00,none",
    )
    roster.write_text(text, encoding="utf-8")
    with transaction(system.engine) as session:
        import_roster(session, roster)
    assert consent_of(system, "Karim Bashid", "Andrew Bashid") is NONE
    assert consent_of(system, "Rosa Pérez", "Alfredo Pérez") is NONE
    assert [c[4] for c in changes(system)] == ["guardian", "roster"]
