"""Every webhook, fuzzed: well-signed requests in the real payload shapes, with odd values.

Telegram updates (messages, edits, channel posts, button presses, membership changes, with
every kind of attachment) and Twilio forms (SMS, MMS, WhatsApp, status callbacks) are built
as the providers send them, then one to three of their fields are replaced, removed or
added with odd values: integers beyond 64 bits, floats, booleans, null, lists, deep nesting,
very long strings, NUL and other control characters, lone surrogates, right-to-left and
zero-width marks, emoji, bytes that are not UTF-8. Each request is signed as the provider
would sign it, so it reaches the parsing and the handlers behind the signature check.

Two things must hold for every request, on SQLite and on PostgreSQL: the answer is never a
5xx, and a refused request (4xx) writes nothing. The request builders (`telegram_requests`,
`twilio_requests`, `media_requests`) depend on no app: bench/reliability/fuzz.py sends the
same requests to a running server.
"""

from __future__ import annotations

import copy
import json
import os
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from twilio.request_validator import RequestValidator

from commbot.db import transaction
from commbot.media import MediaStore
from commbot.models import Base

# -- requests, independent of any app -----------------------------------------------------


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def describe(self) -> str:
        return f"{self.method} {self.path} {self.headers} {self.body[:2000]!r}"


class RawJSON:
    """A piece of JSON that json.dumps cannot write (nesting deeper than its recursion
    limit, an integer of 5,000 digits, a duplicate key), spliced into the body as text."""

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(payload: Any) -> bytes:
    raws: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, RawJSON):
            raws.append(value.text)
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    body = json.dumps(mark(payload))  # NaN and Infinity written as JavaScript would
    for index, raw in enumerate(raws):
        body = body.replace(f'"@@raw{index}@@"', raw)
    return body.encode("utf-8", "surrogatepass")


ODD_MARKS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff x",
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\u200d\ufeff",  # zero-width space, joiner, byte order mark
    "👨‍👩‍👧‍👦🇺🇸",
    "\x1b[31m\x07\x7f",
    "\r\n\t",
    " ",
    "",
    "null",
    "٢",
    "+16175550134",
    "whatsapp:+16175550134",
    "/start",
    "/help",
    "STOP",
    "x" * 300,
    "é" * 5_000,
    "y" * 70_000,
]

odd_text = st.one_of(
    st.sampled_from(ODD_MARKS),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.text(min_size=60, max_size=200),
)

odd_ints = st.one_of(
    st.sampled_from(
        [0, -1, 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30]
    ),
    st.integers(),
)

RAW_FRAGMENTS = [
    RawJSON("[" * 50 + "]" * 50),
    RawJSON("[" * 1_000 + "]" * 1_000),
    RawJSON('{"a":' * 3_000 + "1" + "}" * 3_000),
    RawJSON("[" * 30_000 + "]" * 30_000),
    RawJSON("1" * 5_000),  # beyond Python's int-from-text limit
    RawJSON("1e999"),
    RawJSON("-0"),
    RawJSON('"\\ud800"'),
    RawJSON('"\\u0000"'),
    RawJSON('{"id": 1, "id": "two"}'),
]


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


odd_json = st.one_of(
    odd_ints,
    st.floats(),  # NaN and the infinities among them
    st.booleans(),
    st.none(),
    odd_text,
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=4),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.none()), max_size=3),
    st.integers(1, 60).map(_nested),
    st.sampled_from(RAW_FRAGMENTS),
)

# -- Telegram -------------------------------------------------------------------------------

STAFF_CHAT = 7001  # Emily Carter, linked by the tests below
UNKNOWN_CHAT = 7999
TELEGRAM_CHATS = [STAFF_CHAT, UNKNOWN_CHAT, -1001234567890]
DATE = 1_795_000_000


def _file(kind: str) -> dict[str, Any]:
    return {"file_id": f"{kind}-file-id-AgACAgEAAxkBAAIB", "file_unique_id": f"{kind}-unique"}


TELEGRAM_CONTENT: dict[str, dict[str, Any]] = {
    "text": {
        "text": "Hello /help 👋",
        "entities": [{"type": "bot_command", "offset": 6, "length": 5}],
    },
    "photo": {
        "photo": [
            {**_file("small"), "width": 90, "height": 60, "file_size": 1_200},
            {**_file("large"), "width": 1280, "height": 853, "file_size": 98_000},
        ],
        "caption": "Our project",
        "caption_entities": [{"type": "bold", "offset": 0, "length": 3}],
    },
    # An album arrives as one update per part, sharing a media_group_id; the caption
    # comes with the first part only.
    "album": {
        "photo": [{**_file("album1"), "width": 1280, "height": 960, "file_size": 210_000}],
        "media_group_id": "13584090218431230",
        "caption": "Field trip",
    },
    "album_part": {
        "photo": [{**_file("album2"), "width": 960, "height": 1280, "file_size": 190_000}],
        "media_group_id": "13584090218431230",
    },
    # A photo sent as a file: its bytes (EXIF and all) kept by Telegram, a document.
    "image_document": {
        "document": {
            **_file("imgdoc"),
            "file_name": "IMG_2041.JPG",
            "mime_type": "image/jpeg",
            "file_size": 2_400_000,
            "thumbnail": {**_file("thumb"), "width": 320, "height": 240, "file_size": 9_000},
        },
        "caption": "In full quality",
        "media_group_id": "13584090218431231",
    },
    "voice": {"voice": {**_file("voice"), "duration": 3, "mime_type": "audio/ogg"}},
    "audio": {
        "audio": {
            **_file("audio"),
            "duration": 180,
            "performer": "Choir",
            "title": "Song",
            "file_name": "song.mp3",
            "mime_type": "audio/mpeg",
            "file_size": 3_000_000,
        }
    },
    "video": {
        "video": {
            **_file("video"),
            "width": 640,
            "height": 360,
            "duration": 12,
            "mime_type": "video/mp4",
            "file_name": "play.mp4",
        },
        "caption": "The play",
    },
    "video_note": {"video_note": {**_file("note"), "length": 240, "duration": 5}},
    "animation": {
        "animation": {**_file("gif"), "width": 320, "height": 240, "duration": 2},
        "document": {**_file("gif"), "mime_type": "video/mp4", "file_name": "a.gif.mp4"},
    },
    "document": {
        "document": {**_file("doc"), "file_name": "form.pdf", "mime_type": "application/pdf"},
        "caption": "Signed form",
    },
    "sticker": {
        "sticker": {
            **_file("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
    },
    "location": {"location": {"latitude": 42.3601, "longitude": -71.0589}},
    "venue": {
        "location": {"latitude": 42.36, "longitude": -71.05},
        "venue": {
            "location": {"latitude": 42.36, "longitude": -71.05},
            "title": "Library",
            "address": "1 Main St",
        },
    },
    "contact": {
        "contact": {
            "phone_number": "+16175550134",
            "first_name": "Rosa",
            "last_name": "Pérez",
            "user_id": 7003,
        }
    },
}


def _user(chat: int) -> dict[str, Any]:
    return {
        "id": abs(chat),
        "is_bot": False,
        "first_name": "Rosa",
        "last_name": "Pérez",
        "username": "rosa_p",
        "language_code": "es",
    }


def _chat(chat: int) -> dict[str, Any]:
    if chat < 0:
        return {"id": chat, "type": "channel", "title": "Room 12 news"}
    return {"id": chat, "type": "private", "first_name": "Rosa", "username": "rosa_p"}


def _message(chat: int, message_id: int, content: str, reply: bool) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": DATE,
        "chat": _chat(chat),
        "from": _user(chat),
        **copy.deepcopy(TELEGRAM_CONTENT[content]),
    }
    if reply:
        message["reply_to_message"] = {
            "message_id": 1,
            "date": DATE - 60,
            "chat": _chat(chat),
            "from": {"id": 1, "is_bot": True, "first_name": "School"},
            "text": "Alfredo was absent today.",
        }
    return message


# The staff side of meetings: a dialog step with none open, a cancel or confirm of no meeting.
MEETING_PRESSES = ["mt:student:1", "mt:send:yes", "mtx:ask:2147483647", "mtx:yes:1", "mtc:1:9"]
# After the meeting: a family's done, help and rating buttons, pressed by anyone.
AFTER_PRESSES = ["afd:1", "afh:2147483647", "afb:1:4", "afb:1:9"]
# A family's photo permission buttons: their child, another's, none, a value that is not one.
PHOTO_CONSENT_PRESSES = ["phc:2:none", "phc:1:group", "phc:2147483647:individual", "phc:2:all"]
# /report's menu: a report, a broadcast none of theirs, one that is no report.
REPORT_PRESSES = ["rpt:unreachable", "rpt:broadcast:2147483647", "rpt:weather"]
# A broadcast's buttons: the dialog's audience (its number, another's; a class, a language,
# values that are none), and Send, Schedule, Urgent, Cancel of a draft, of none, malformed.
BROADCAST_PRESSES = [
    "bca:1:school",
    "bca:1:class:1",
    "bca:1:class:2147483647",
    "bca:1:class:x",
    "bca:1:next",
    "bca:1:lang",
    "bca:1:lang:es",
    "bca:1:lang:zz-ZZ",
    "bca:1:meeting",
    "bca:1:quiet",
    "bca:1:students",
    "bca:2147483647:school",
    "bca:1:school:" + "9" * 16,
    "bcx:send:1",
    "bcx:schedule:1",
    "bcx:urgent:1",
    "bcx:cancel:1",
    "bcx:send:2147483647",
    "bcx:send",
    "bcx:stop:1",
]


@st.composite
def telegram_updates(draw: st.DrawFn) -> dict[str, Any]:
    """An update as Telegram posts it, before any field is made odd."""
    update_id = draw(st.integers(1, 2**31))
    chat = draw(st.sampled_from(TELEGRAM_CHATS))
    kind = draw(
        st.sampled_from(
            [
                "message",
                "message",
                "edited_message",
                "channel_post",
                "callback_query",
                "my_chat_member",
            ]
        )
    )
    message = _message(
        chat,
        draw(st.integers(2, 10_000)),
        draw(st.sampled_from(list(TELEGRAM_CONTENT))),
        draw(st.booleans()),
    )
    if kind == "edited_message":
        message["edit_date"] = DATE + 5
    if kind == "channel_post":
        message["chat"] = _chat(-1001234567890)
        message["sender_chat"] = message.pop("from") | {"type": "channel", "title": "News"}
    if kind == "callback_query":
        data = draw(
            st.sampled_from(
                [
                    "lang:es",
                    "ck:student",
                    "noop",
                    "x" * 64,
                    *MEETING_PRESSES,
                    *AFTER_PRESSES,
                    *PHOTO_CONSENT_PRESSES,
                    *REPORT_PRESSES,
                    *BROADCAST_PRESSES,
                ]
            )
        )
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb-{update_id}",
                "from": _user(chat),
                "chat_instance": "-512",
                "data": data,
                "message": message,
            },
        }
    if kind == "my_chat_member":
        return {
            "update_id": update_id,
            "my_chat_member": {
                "chat": _chat(chat),
                "from": _user(chat),
                "date": DATE,
                "old_chat_member": {"status": "member", "user": _user(1)},
                "new_chat_member": {"status": "kicked", "user": _user(1), "until_date": 0},
            },
        }
    return {"update_id": update_id, kind: message}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


EXTRA_KEYS = [
    "text",
    "caption",
    "photo",
    "document",
    "media_group_id",
    "reply_to_message",
    "chat",
    "from",
    "date",
    "message_id",
    "id",
    "entities",
    "file_id",
    "poll",
    "dice",
    "story",
]


@st.composite
def odd_updates(draw: st.DrawFn) -> Any:
    """An update with up to three fields replaced, removed or added with odd values; now
    and then a body that is no update at all."""
    if draw(st.integers(0, 24)) == 0:
        return draw(st.one_of(st.none(), st.lists(st.integers(), max_size=3), odd_json))
    update = draw(telegram_updates())
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(update)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = update
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "replace", "remove", "add"]))
        if action == "remove" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(EXTRA_KEYS))] = draw(odd_json)
        else:
            parent[path[-1]] = draw(odd_json)
    return update


def telegram_requests(secret: str) -> st.SearchStrategy[FuzzRequest]:
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": secret}
    bodies = st.one_of(
        odd_updates().map(dumps),
        st.sampled_from([b"", b"{", b"\xff\xfe{}", b'{"update_id": 1}\x00', b"\xc3(" * 10]),
    )
    return bodies.map(lambda body: FuzzRequest("POST", "/telegram/webhook", headers, body))


# -- Twilio ---------------------------------------------------------------------------------

FAMILY_PHONE = "+16175550134"  # Rosa Pérez, mother of Alfredo (Emily Carter's class)
WHATSAPP_FAMILY = "+16175550177"  # Karim Bashid, on WhatsApp
TWILIO_SENDERS = [FAMILY_PHONE, WHATSAPP_FAMILY, "+16175550999", "+447700900123", "LINCOLN"]
ACCOUNT = "AC" + "1" * 32


def _media_url(index: int) -> str:
    return (
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/"
        f"MM{'a' * 32}/Media/ME{index:032d}"
    )


@st.composite
def twilio_inbound_forms(draw: st.DrawFn) -> dict[str, str]:
    sid = f"SM{draw(st.integers(0, 2**128 - 1)):032x}"
    sender = draw(st.sampled_from(TWILIO_SENDERS))
    kind = draw(st.sampled_from(["sms", "mms", "whatsapp", "whatsapp-location"]))
    whatsapp = kind.startswith("whatsapp")
    prefix = "whatsapp:" if whatsapp else ""
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "MessagingServiceSid": "MG" + "2" * 32,
        "From": prefix + sender,
        "To": prefix + "+16175550100",
        "Body": draw(
            st.sampled_from(
                ["Hola, Alfredo está enfermo.", "STOP", "2", "HELP", "DONE 1", "PHOTOS", "Fotos!"]
            )
        ),
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "FromCity": "BOSTON",
        "FromState": "MA",
        "FromCountry": "US",
    }
    if kind == "mms":
        count = draw(st.integers(1, 10))
        form["NumMedia"] = str(count)
        for index in range(count):
            form[f"MediaUrl{index}"] = _media_url(index)
            form[f"MediaContentType{index}"] = draw(
                st.sampled_from(["image/jpeg", "image/png", "audio/ogg", "video/mp4", "text/vcard"])
            )
    if whatsapp:
        form["ProfileName"] = "Karim 🌙"
        form["WaId"] = sender.lstrip("+")
    if kind == "whatsapp-location":
        form.update(Latitude="42.3601", Longitude="-71.0589", Label="Library", Address="1 Main")
    return form


@st.composite
def twilio_status_forms(draw: st.DrawFn, known_sids: tuple[str, ...] = ()) -> dict[str, str]:
    sid = draw(
        st.sampled_from(known_sids)
        if known_sids and draw(st.booleans())
        else st.integers(0, 2**128 - 1).map(lambda n: f"SM{n:032x}")
    )
    status = draw(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed", "read"]))
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": "+16175550100",
        "To": FAMILY_PHONE,
        "ApiVersion": "2010-04-01",
    }
    if status in ("undelivered", "failed"):
        form["ErrorCode"] = draw(st.sampled_from(["30003", "30005", "30008", "63016"]))
    return form


ODD_FORM_VALUES = st.one_of(
    odd_text,
    odd_ints.map(str),
    st.sampled_from(["1e400", "NaN", "-inf", "0x10", "1.5", "True", "null", "[]", "{}"]),
    st.binary(max_size=12),  # posted as they are, most of them not UTF-8
)
FORM_KEYS = [
    *("Body", "From", "MessageSid", "SmsMessageSid", "SmsSid", "NumMedia", "ProfileName"),
    *("MediaUrl0", "MediaContentType0", "MediaUrl1", "MediaContentType1", "MediaUrl9"),
    *("WaId", "Latitude", "Longitude", "Label", "Address"),
    *("MessageStatus", "SmsStatus", "ErrorCode"),
]


@st.composite
def odd_forms(draw: st.DrawFn, base: st.SearchStrategy[dict[str, str]]) -> dict[str, str | bytes]:
    """A form with up to three fields replaced, removed or added; mostly the fields
    commbot reads, since odd values elsewhere are only carried along."""
    form: dict[str, str | bytes] = dict(draw(base))
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "add":
            form[draw(st.sampled_from(FORM_KEYS))] = draw(ODD_FORM_VALUES)
            continue
        read = [key for key in FORM_KEYS if key in form]
        key = draw(st.sampled_from(read if read and draw(st.integers(0, 3)) else sorted(form)))
        if action == "remove":
            del form[key]
        else:
            form[key] = draw(ODD_FORM_VALUES)
    return form


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def signed_form(
    path: str, form: dict[str, str | bytes], public_url: str, auth_token: str
) -> FuzzRequest:
    """The form posted as Twilio posts it, signed as Twilio signs it. A form that is no
    text (bytes that are not UTF-8) cannot be signed the way the server reads it: it is
    signed over what its bytes would say, and must be refused however it is signed."""
    body = "&".join(
        urllib.parse.quote_plus(_as_bytes(k)) + "=" + urllib.parse.quote_plus(_as_bytes(v))
        for k, v in form.items()
    ).encode("ascii")
    readable = {
        k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in form.items()
    }
    try:
        signature = RequestValidator(auth_token).compute_signature(public_url + path, readable)
    except UnicodeEncodeError:  # a lone surrogate: no text Twilio could have signed
        signature = "not-signable"
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature,
    }
    return FuzzRequest("POST", path, headers, body)


def twilio_requests(
    path: str, public_url: str, auth_token: str, known_sids: tuple[str, ...] = ()
) -> st.SearchStrategy[FuzzRequest]:
    base = twilio_inbound_forms() if path == "/twilio/inbound" else twilio_status_forms(known_sids)
    return odd_forms(base).map(lambda form: signed_form(path, form, public_url, auth_token))


# -- media ----------------------------------------------------------------------------------


def media_requests(tokens: tuple[str, ...] = ()) -> st.SearchStrategy[FuzzRequest]:
    odd = st.one_of(
        odd_text.map(
            lambda t: urllib.parse.quote(t[:2000].encode("utf-8", "surrogatepass"), safe="")
        ),
        st.binary(min_size=1, max_size=80).map(lambda b: urllib.parse.quote(b, safe="")),
        st.sampled_from(["..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "a" * 65, "a" * 5000, "%00"]),
    )
    token = st.one_of(st.sampled_from(tokens), odd) if tokens else odd
    return token.filter(bool).map(lambda t: FuzzRequest("GET", f"/media/{t}"))


# -- the properties, on every database ------------------------------------------------------

# COMMBOT_FUZZ_EXAMPLES=2000 runs a longer, random search; by default every run sends the
# same requests, so a failure here is a failure for everyone.
LONG_RUN = os.environ.get("COMMBOT_FUZZ_EXAMPLES", "")
FUZZ = settings(
    max_examples=int(LONG_RUN or 300),
    deadline=None,
    database=None,  # no example database written into the checkout
    derandomize=not LONG_RUN,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table, in one query: what an inbound request could have written."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    with engine.connect() as connection:
        counts = connection.execute(text(query)).one()
    return dict(zip(tables, counts, strict=True))


async def send(system: Any, request: FuzzRequest) -> Any:
    return await system.http.request(
        request.method, request.path, headers=request.headers, content=request.body
    )


async def check(system: Any, request: FuzzRequest) -> None:
    before = row_counts(system.engine)
    response = await send(system, request)
    assert response.status_code < 500, f"{response.status_code} for {request.describe()}"
    if 400 <= response.status_code < 500:
        assert row_counts(system.engine) == before, f"written by refused {request.describe()}"


@pytest.fixture
async def linked(system: Any) -> Any:
    """The example school with Emily Carter's Telegram linked."""
    await system.link_staff("ecarter@lincoln.example.org", STAFF_CHAT)
    return system


async def test_the_fuzzers_signatures_are_accepted(linked: Any) -> None:
    """The properties below are only worth something if a well-formed request signed as
    they sign it gets through: a plain SMS and its status report, signed the same way."""
    settings_ = linked.settings
    url, token = settings_.public_base_url, settings_.twilio_auth_token
    sms = {
        "MessageSid": "SM" + "a" * 32,
        "From": FAMILY_PHONE,
        "To": "+16175550100",
        "Body": "Hola",
        "NumMedia": "0",
    }
    answer = await send(linked, signed_form("/twilio/inbound", dict(sms), url, token))
    assert answer.status_code == 200, answer.text
    status = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "delivered"}
    answer = await send(linked, signed_form("/twilio/status", dict(status), url, token))
    assert answer.status_code == 200, answer.text


@given(request=telegram_requests("telegram-secret"))
@FUZZ
async def test_telegram_webhook_never_fails_and_refusals_write_nothing(
    linked: Any, request: FuzzRequest
) -> None:
    await check(linked, request)


@given(data=st.data())
@FUZZ
async def test_twilio_inbound_never_fails_and_refusals_write_nothing(
    linked: Any, data: st.DataObject
) -> None:
    settings_ = linked.settings
    requests = twilio_requests(
        "/twilio/inbound", settings_.public_base_url, settings_.twilio_auth_token
    )
    await check(linked, data.draw(requests))


async def _sent_sms(system: Any) -> tuple[str, ...]:
    """A family message really sent, so status callbacks find a delivery to report on."""
    await system.sms(FAMILY_PHONE, "Hola")
    await system.drain()
    relayed = system.telegram.sent_messages(STAFF_CHAT)[-1].result["message_id"]
    await system.telegram_update(STAFF_CHAT, "Thank you, Rosa.", reply_to=relayed)
    await system.drain()
    return tuple(m.sid for m in system.twilio.messages)


@given(data=st.data())
@FUZZ
async def test_twilio_status_never_fails_and_refusals_write_nothing(
    linked: Any, data: st.DataObject
) -> None:
    if not getattr(linked, "fuzz_sids", None):
        linked.fuzz_sids = await _sent_sms(linked)
        assert linked.fuzz_sids
    settings_ = linked.settings
    requests = twilio_requests(
        "/twilio/status", settings_.public_base_url, settings_.twilio_auth_token, linked.fuzz_sids
    )
    await check(linked, data.draw(requests))


@given(data=st.data())
@FUZZ
async def test_media_links_never_fail(system: Any, data: st.DataObject) -> None:
    if not getattr(system, "fuzz_tokens", None):
        with transaction(system.engine) as session:
            store = MediaStore(system.settings.media_dir)
            system.fuzz_tokens = (store.save(session, b"\x89PNG", "image/png", system.clock()),)
    request = data.draw(media_requests(system.fuzz_tokens))
    before = row_counts(system.engine)
    response = await send(system, request)
    assert response.status_code < 500, f"{response.status_code} for {request.describe()}"
    assert row_counts(system.engine) == before


# -- meetings: calendar links, and the family's meeting buttons ------------------------------


def calendar_requests(tokens: tuple[str, ...] = ()) -> st.SearchStrategy[FuzzRequest]:
    odd = st.one_of(
        odd_text.map(
            lambda t: urllib.parse.quote(t[:2000].encode("utf-8", "surrogatepass"), safe="")
        ),
        st.binary(min_size=1, max_size=80).map(lambda b: urllib.parse.quote(b, safe="")),
        st.sampled_from(["..", "%2e%2e%2f", "a" * 64, "a" * 65, "a" * 5000, "%00", "x.ics"]),
    )
    token = st.one_of(st.sampled_from(tokens), odd) if tokens else odd
    return token.filter(bool).map(lambda t: FuzzRequest("GET", f"/calendar/{t}.ics"))


FAMILY_CHAT = 8001  # Amina Bashid, linked on Telegram by `_a_meeting`
SECRET = "telegram-secret"

meeting_button_data = st.one_of(
    st.sampled_from(
        [
            "mtg:1:s1",
            "mtg:1:s2",
            "mtg:1:s0",
            "mtg:1:s99",
            "mtg:1:s-1",
            "mtg:1:s\u0662",
            "mtg:1:none",
            "mtg:1:bring",
            "mtg:1:interpreter",
            "mtg:1:phone",
            "mtg:1:",
            "mtg:1:" + "s" * 17,
            "mtg:999:s1",
            "mtg:0:s1",
            "mtg:-1:s1",
            "mtg:99999999999999999999999:s1",
            "mtg::",
            "mtg",
            "mtg:1:s1:extra",
            "mtc:1:1",
        ]
    ),
    odd_text.map(lambda t: "mtg:" + t[:60]),
    odd_text.map(lambda t: "mtg:1:" + t[:58]),
)


def meeting_presses(data: str, update_id: int) -> FuzzRequest:
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb-{update_id}",
            "from": _user(FAMILY_CHAT),
            "chat_instance": "-512",
            "data": data,
            "message": _message(FAMILY_CHAT, 5, "text", False),
        },
    }
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET}
    return FuzzRequest("POST", "/telegram/webhook", headers, dumps(update))


async def _a_meeting(system: Any) -> tuple[str, ...]:
    """Andrew Bashid's meeting (id 1), Amina linked on Telegram; the calendar tokens."""
    import datetime as dt

    from sqlalchemy import select

    from commbot.features.meetings.actions import MeetingDraft, create_meeting
    from commbot.features.meetings.models import MeetingInvitee, Purpose
    from commbot.models import Staff, Student

    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(FAMILY_CHAT, f"/start {code}")
    zone = dt.timezone(dt.timedelta(hours=-5))
    with transaction(system.engine) as session:
        created = create_meeting(
            session,
            session.scalars(
                select(Staff).where(Staff.email == "ecarter@lincoln.example.org")
            ).one(),
            MeetingDraft(
                student_id=session.scalars(select(Student).where(Student.name == "Andrew Bashid"))
                .one()
                .id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=dt.datetime(2026, 12, 1, 16, tzinfo=zone),
                place="Room 12",
            ),
            now=system.clock(),
            default_timezone="America/New_York",
            base_url=system.settings.public_base_url,
        )
        assert created.meeting.id == 1
        return tuple(session.scalars(select(MeetingInvitee.calendar_token)))


@given(data=st.data())
@FUZZ
async def test_calendar_links_never_fail_and_write_nothing(
    system: Any, data: st.DataObject
) -> None:
    if not getattr(system, "fuzz_calendar", None):
        system.fuzz_calendar = await _a_meeting(system)
    request = data.draw(calendar_requests(system.fuzz_calendar))
    before = row_counts(system.engine)
    response = await send(system, request)
    assert response.status_code < 500, f"{response.status_code} for {request.describe()}"
    assert response.status_code in (200, 404)
    assert row_counts(system.engine) == before


@given(data=st.data())
@FUZZ
async def test_family_meeting_buttons_never_fail(system: Any, data: st.DataObject) -> None:
    if not getattr(system, "fuzz_calendar", None):
        system.fuzz_calendar = await _a_meeting(system)
    pressed = data.draw(meeting_button_data)
    request = meeting_presses(pressed, data.draw(st.integers(1, 2**31)))
    response = await send(system, request)
    assert response.status_code < 500, f"{response.status_code} for {request.describe()}"


# -- after the meeting: "DONE 2" typed, and the family's done, help and rating buttons --------

done_texts = st.one_of(
    st.sampled_from(
        [
            "DONE 1",
            "done #2",
            "DONE2",
            "DONE 0",
            "DONE 3",
            "DONE 999",
            "DONE 1000",
            "DONE -1",
            "DONE 1.5",
            "DONE \u0662",
            "DONE \uff12",
            "DONE \u00b2",
            "HECHO 1",
            "H\u00c9CHO 1",
            "\u062a\u0645 \u0661",
            "\u5b8c\u6210 1",
            "\u0413\u041e\u0422\u041e\u0412\u041e 1",
            "done 2 hours ago",
            "DONE 99999999999999999999",
            "DONE\x001",
            "DONE \ud800",
            "DONE\u200f 1",
            "#1",
        ]
    ),
    st.builds(lambda n: f"DONE {n}", odd_ints),
    odd_text.map(lambda t: "DONE " + t[:50]),
    odd_text.map(lambda t: t[:50] + " 1"),
)

after_button_data = st.one_of(
    st.sampled_from(
        [
            "afd:1",
            "afd:2",
            "afd:3",
            "afd:0",
            "afd:-1",
            "afd:2147483648",
            "afd:99999999999999999999999",
            "afd:\u0661",
            "afd:",
            "afd",
            "afd:1:2",
            "afh:1",
            "afh:2",
            "afh:",
            "afb:1:1",
            "afb:1:5",
            "afb:1:0",
            "afb:1:6",
            "afb:1:-1",
            "afb:1:\u0663",
            "afb:2:3",
            "afb:1",
            "afb::",
            "afb:1:3:4",
            "asd:1",
            "asm:1",
        ]
    ),
    odd_text.map(lambda t: "afd:" + t[:60]),
    odd_text.map(lambda t: "afh:" + t[:60]),
    odd_text.map(lambda t: "afb:1:" + t[:58]),
    odd_ints.map(lambda n: f"afb:1:{n}"),
)


async def _a_plan(system: Any) -> None:
    """Andrew Bashid's meeting (id 1, as `_a_meeting` makes it), held, with a plan: item 1
    Amina's, item 2 Emily Carter's; Alfredo Pérez's meeting (id 2) the same for Rosa.
    Each family was asked for feedback. Written as rows: the fuzz is about what comes in."""
    import datetime as dt

    from sqlalchemy import select

    from commbot.conversations.pending import QUESTIONS
    from commbot.features.meetings.actions import MeetingDraft, create_meeting
    from commbot.features.meetings.after_models import ActionItem, MeetingFeedback, MeetingNotes
    from commbot.features.meetings.models import Meeting, MeetingState, Purpose
    from commbot.models import ChoiceKind, Guardian, Staff, Student

    if not getattr(system, "fuzz_calendar", None):
        system.fuzz_calendar = await _a_meeting(system)
    zone = dt.timezone(dt.timedelta(hours=-5))
    with transaction(system.engine) as session:
        carter = session.scalars(
            select(Staff).where(Staff.email == "ecarter@lincoln.example.org")
        ).one()
        alfredo = session.scalars(select(Student).where(Student.name == "Alfredo Pérez")).one()
        create_meeting(
            session,
            carter,
            MeetingDraft(
                student_id=alfredo.id,
                purpose=Purpose.ANNUAL_REVIEW,
                fixed_time=dt.datetime(2026, 11, 19, 16, tzinfo=zone),
                place="Room 12",
            ),
            now=system.clock() - dt.timedelta(days=3),
            default_timezone="America/New_York",
            base_url=system.settings.public_base_url,
        )
        for meeting_id, name in ((1, "Amina Bashid"), (2, "Rosa Pérez")):
            meeting = session.get_one(Meeting, meeting_id)
            meeting.state = MeetingState.HELD
            guardian = session.scalars(select(Guardian).where(Guardian.name == name)).one()
            session.add(MeetingNotes(meeting_id=meeting_id, summary="Reading and speech."))
            due = dt.date(2026, 12, 18)
            session.add_all(
                [
                    ActionItem(
                        meeting_id=meeting_id,
                        position=1,
                        what="Read every night",
                        owner_guardian_id=guardian.id,
                        owner_name=name,
                        due_on=due,
                        first_due_on=due,
                    ),
                    ActionItem(
                        meeting_id=meeting_id,
                        position=2,
                        what="Send the schedule",
                        owner_staff_id=carter.id,
                        owner_name=carter.name,
                        due_on=due,
                        first_due_on=due,
                    ),
                    MeetingFeedback(
                        meeting_id=meeting_id, guardian_id=guardian.id, asked_at=system.clock()
                    ),
                ]
            )
            QUESTIONS.ask(
                session,
                guardian,
                ChoiceKind.FEEDBACK,
                [[meeting_id, rating] for rating in range(1, 6)],
                system.clock(),
            )
    system.fuzz_plan = True


def family_texts(text: str, update_id: int) -> FuzzRequest:
    update = {"update_id": update_id, "message": _message(FAMILY_CHAT, 6, "text", False)}
    update["message"]["text"] = text
    update["message"].pop("entities", None)
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET}
    return FuzzRequest("POST", "/telegram/webhook", headers, dumps(update))


@given(data=st.data())
@FUZZ
async def test_family_done_texts_and_presses_on_telegram_never_fail(
    system: Any, data: st.DataObject
) -> None:
    if not getattr(system, "fuzz_plan", None):
        await _a_plan(system)
    update_id = data.draw(st.integers(1, 2**31))
    if data.draw(st.booleans()):
        request = meeting_presses(data.draw(after_button_data), update_id)
    else:
        request = family_texts(data.draw(done_texts), update_id)
    await check(system, request)


@given(data=st.data())
@FUZZ
async def test_family_done_texts_by_sms_and_whatsapp_never_fail(
    system: Any, data: st.DataObject
) -> None:
    if not getattr(system, "fuzz_plan", None):
        await _a_plan(system)
    settings_ = system.settings
    form = dict(data.draw(twilio_inbound_forms()))
    form["Body"] = data.draw(done_texts)
    if data.draw(st.booleans()):  # now and then with a photo: the words count, it is passed on
        form["NumMedia"] = "1"
        form["MediaUrl0"] = _media_url(0)
        form["MediaContentType0"] = "image/jpeg"
    request = signed_form(
        "/twilio/inbound", form, settings_.public_base_url, settings_.twilio_auth_token
    )
    await check(system, request)


# -- stories from home: families' photos and story answers, Thank you, /timeline ------------

story_button_data = st.one_of(
    st.sampled_from(
        [
            "sty:1",
            "sty:2",
            "sty:0",
            "sty:-1",
            "sty:2147483648",
            "sty:99999999999999999999999",
            "sty:\u0661",
            "sty:",
            "sty",
            "sty:1:2",
            "sty::",
        ]
    ),
    odd_text.map(lambda t: "sty:" + t[:60]),
    odd_ints.map(lambda n: f"sty:{n}"),
)
timeline_texts = st.one_of(
    st.sampled_from(
        [
            "/timeline",
            "/timeline Andrew",
            "/timeline Andrew Bashid",
            "/timeline Josie",  # David Kim's student: not found
            "/timeline andrew extra words",
            "/timeline\u200f Andrew",
            "/timeline@commbot_bot Andrew",
            "/timeline " + "Andrew " * 500,
        ]
    ),
    odd_text.map(lambda t: "/timeline " + t[:300]),
)
STORY_WORDS = ["Andrew planted beans.", "", "PHOTOS", "1", "STOP", "Andrew 😊 \u202e"]


def _odd_fields(draw: st.DrawFn, update: dict[str, Any]) -> dict[str, Any]:
    """Up to three of the update's fields replaced, removed or added with odd values."""
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(update)))
        parent: Any = update
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "remove" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(EXTRA_KEYS))] = draw(odd_json)
        else:
            parent[path[-1]] = draw(odd_json)
    return update


@st.composite
def family_story_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A photo, a video or words from Amina (a family on Telegram), as Telegram sends them."""
    content = draw(st.sampled_from(["photo", "video", "text", "document"]))
    message = _message(FAMILY_CHAT, draw(st.integers(2, 10_000)), content, draw(st.booleans()))
    if content == "text":
        message["text"] = draw(st.sampled_from(STORY_WORDS))
        message.pop("entities", None)
    else:
        message["caption"] = draw(st.sampled_from(STORY_WORDS))
        message.pop("caption_entities", None)
    if content == "document" and isinstance(message.get("document"), dict):
        message["document"]["mime_type"] = "image/jpeg"  # a photo sent as a file
    return _odd_fields(draw, {"update_id": draw(st.integers(1, 2**31)), "message": message})


def _telegram(update: Any) -> FuzzRequest:
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET}
    return FuzzRequest("POST", "/telegram/webhook", headers, dumps(update))


async def _a_story(system: Any) -> None:
    """Amina linked on Telegram; Emily Carter's "story" check-in for Room 12 fired this
    afternoon (so families' words are answers); Karim's photo is story 1."""
    import datetime as dt

    from sqlalchemy import select

    from commbot.features.checkins.actions import create_checkin
    from commbot.features.checkins.firing import fire_due
    from commbot.features.checkins.models import CheckinSchedule
    from commbot.models import SchoolClass, Staff

    code = system.invite(guardian="Amina Bashid")
    await system.telegram_update(FAMILY_CHAT, f"/start {code}")
    with transaction(system.engine) as session:
        created = create_checkin(
            session,
            session.scalars(
                select(Staff).where(Staff.email == "ecarter@lincoln.example.org")
            ).one(),
            days="fri",
            time="16:00",
            now=system.clock(),
            default_timezone="America/New_York",
            class_id=session.scalars(select(SchoolClass).where(SchoolClass.name == "Room 12"))
            .one()
            .id,
            template="story",
        )
        for schedule in session.scalars(
            select(CheckinSchedule).where(CheckinSchedule.plan_id == created.plan.id)
        ):
            schedule.next_due_at = system.clock() - dt.timedelta(minutes=30)
    assert fire_due(system.engine, system.clock(), default_timezone="America/New_York").fired
    form = {
        **system.twilio_form(WHATSAPP_FAMILY, "Andrew drew us.", whatsapp=True),
        "NumMedia": "1",
        "MediaUrl0": _media_url(0),
        "MediaContentType0": "image/jpeg",
    }
    assert (await system.post_twilio("/twilio/inbound", form)).status_code == 200
    from commbot.features.stories.models import Story

    with transaction(system.engine) as session:
        assert [s.id for s in session.scalars(select(Story))] == [1]
    system.fuzz_story = True


@given(data=st.data())
@FUZZ
async def test_family_photos_and_story_answers_never_fail(linked: Any, data: st.DataObject) -> None:
    """Families' photos and words while a story check-in stands: Telegram photos, videos,
    photo files and words from Amina, MMS and WhatsApp forms from Rosa and Karim."""
    if not getattr(linked, "fuzz_story", None):
        await _a_story(linked)
    if data.draw(st.booleans()):
        request = _telegram(data.draw(family_story_updates()))
    else:
        form = dict(data.draw(twilio_inbound_forms()))
        form["Body"] = data.draw(st.sampled_from(STORY_WORDS))
        settings_ = linked.settings
        base = st.just(form)
        request = signed_form(
            "/twilio/inbound",
            data.draw(odd_forms(base)),
            settings_.public_base_url,
            settings_.twilio_auth_token,
        )
    await check(linked, request)


@given(data=st.data())
@FUZZ
async def test_thank_you_presses_and_timelines_never_fail(linked: Any, data: st.DataObject) -> None:
    """The Thank you button pressed by the teacher or by a family, and /timeline typed."""
    if not getattr(linked, "fuzz_story", None):
        await _a_story(linked)
    update_id = data.draw(st.integers(1, 2**31))
    chat = data.draw(st.sampled_from([STAFF_CHAT, FAMILY_CHAT, UNKNOWN_CHAT]))
    if data.draw(st.booleans()):
        update: dict[str, Any] = {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb-{update_id}",
                "from": _user(chat),
                "chat_instance": "-512",
                "data": data.draw(story_button_data),
                "message": _message(chat, 5, "text", False),
            },
        }
    else:
        message = _message(chat, 6, "text", False)
        message["text"] = data.draw(timeline_texts)
        message.pop("entities", None)
        update = {"update_id": update_id, "message": message}
    await check(linked, _telegram(update))


# -- broadcasts, the sender's side ------------------------------------------------------------

BROADCAST_STEPS = ["audience", "language", "students", "text", "preview", "time", "gone"]
# What a sender types into the dialog: names (theirs, others', odd), times (good, passed,
# skipped by the clocks, not times), the message (long, empty, marks), commands.
broadcast_words = st.one_of(
    st.sampled_from(
        [
            "Alfredo Pérez, Josie Lopez; Nobody",
            "，、،",
            "16:30",
            "09:00",
            "2026-11-23 16:00",
            "2027-03-14 02:30",
            "2026-13-45 25:61",
            "99:99",
            "School is closed on Monday.",
            "x" * 5_000,
            "/broadcast",
            "/cancel",
        ]
    ),
    odd_text,
)


async def _broadcast_dialog_at(system: Any, step: str) -> None:
    """Emily Carter's broadcast dialog at `step`, its draft (number 1 or later) waiting."""
    from sqlalchemy import select

    from commbot.features.broadcasts import actions
    from commbot.features.broadcasts.audiences import Audience, AudienceKind
    from commbot.features.broadcasts.models import Broadcast, BroadcastState
    from commbot.models import Staff, StaffDialog

    with transaction(system.engine) as session:
        carter = session.scalars(select(Staff).where(Staff.telegram_chat_id == STAFF_CHAT)).one()
        draft = session.scalars(
            select(Broadcast).where(Broadcast.state == BroadcastState.DRAFT)
        ).first()
        if draft is None:
            draft = actions.create(
                session, carter, Audience(AudienceKind.SCHOOL), text="Hi", now=system.clock()
            )
        state = {
            "step": step,
            "n": 1,
            "classes": [],
            "audience": Audience(AudienceKind.SCHOOL).to_json(),
            "text": "Hi",
            "broadcast": draft.id,
        }
        row = session.get(StaffDialog, carter.id)
        if row is None:
            session.add(StaffDialog(staff_id=carter.id, kind="broadcast", state=state))
        else:
            row.kind, row.state = "broadcast", state


@given(data=st.data())
@FUZZ
async def test_broadcast_dialog_presses_and_words_never_fail(
    linked: Any, data: st.DataObject
) -> None:
    """Emily Carter's `/broadcast` dialog at each of its steps, with presses of its own and
    odd buttons, words, times and photos; and the same from a stranger."""
    await _broadcast_dialog_at(linked, data.draw(st.sampled_from(BROADCAST_STEPS)))
    update_id = data.draw(st.integers(1, 2**31))
    chat = data.draw(st.sampled_from([STAFF_CHAT, STAFF_CHAT, UNKNOWN_CHAT]))
    kind = data.draw(st.sampled_from(["press", "words", "photo", "album_part"]))
    if kind == "press":
        pressed = st.one_of(
            st.sampled_from(BROADCAST_PRESSES), odd_text.map(lambda t: "bca:1:" + t)
        )
        update: dict[str, Any] = {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb-{update_id}",
                "from": _user(chat),
                "chat_instance": "-512",
                "data": data.draw(pressed),
                "message": _message(chat, 5, "text", False),
            },
        }
    else:
        message = _message(chat, 7, "text" if kind == "words" else kind, False)
        words = data.draw(broadcast_words)
        message.pop("entities", None)
        message.pop("caption_entities", None)
        message["text" if kind == "words" else "caption"] = words
        update = {"update_id": update_id, "message": message}
    await check(linked, _telegram(update))


# -- reports: /report typed and its menu pressed (issue 14, H3) --------------------------------

report_button_data = st.one_of(
    st.sampled_from(
        [
            "rpt:partnership",
            "rpt:unreachable",
            "rpt:deliveries",
            "rpt:broadcast:1",
            "rpt:broadcast:2147483647",
            "rpt:broadcast:9999999999",
            "rpt:broadcast:",
            "rpt:broadcast:-1",
            "rpt:broadcast:\u0661",
            "rpt:partnership:400",
            "rpt:weather",
            "rpt",
            "rpt::",
        ]
    ),
    odd_text.map(lambda t: "rpt:partnership:" + t[:40]),
    odd_ints.map(lambda n: f"rpt:broadcast:{n}"),
)
report_texts = st.one_of(
    st.sampled_from(
        [
            "/report",
            "/report partnership",
            "/report partnership 60 Room 12",
            "/report partnership 0",
            "/report partnership 99999999999999999999",
            "/report deliveries 7",
            "/report unreachable room 12",
            "/report unreachable Room 14",  # David Kim's class: not Emily Carter's
            "/report broadcast 1",
            "/report broadcast 2147483648",
            "/report broadcast \u0661",
            "/report PARTNERSHIP\u200f",
            "/report@commbot_bot unreachable",
            "/report partnership " + "Room 12 " * 500,
        ]
    ),
    odd_text.map(lambda t: "/report " + t[:300]),
    odd_text.map(lambda t: "/report partnership " + t[:300]),
)


@given(data=st.data())
@FUZZ
async def test_report_commands_and_presses_never_fail(linked: Any, data: st.DataObject) -> None:
    """/report typed and its buttons pressed by the teacher, a family or a stranger, on a
    month of history with a broadcast in it."""
    if not getattr(linked, "fuzz_reports", None):
        from .reports_support import build_history

        build_history(linked.engine)
        linked.fuzz_reports = True
    update_id = data.draw(st.integers(1, 2**31))
    chat = data.draw(st.sampled_from([STAFF_CHAT, FAMILY_CHAT, UNKNOWN_CHAT]))
    if data.draw(st.booleans()):
        update: dict[str, Any] = {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb-{update_id}",
                "from": _user(chat),
                "chat_instance": "-512",
                "data": data.draw(report_button_data),
                "message": _message(chat, 5, "text", False),
            },
        }
    else:
        message = _message(chat, 6, "text", False)
        message["text"] = data.draw(report_texts)
        message.pop("entities", None)
        update = {"update_id": update_id, "message": message}
    await check(linked, _telegram(update))
