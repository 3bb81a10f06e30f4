"""Webhook edges: odd but well-formed-looking bodies must get a 4xx, never a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from commbot.db import transaction
from commbot.features.meetings import web as meetings_web
from commbot.media import MediaStore
from commbot.models import EarlyStatusReport, Message
from commbot.web import context
from commbot.web.telegram import BODY_LIMIT as TELEGRAM_LIMIT
from commbot.web.twilio import BODY_LIMIT

from .support import SECRET, System

FORM = "application/x-www-form-urlencoded"


async def test_telegram_update_whose_message_is_not_an_object_gets_400(system: System) -> None:
    response = await system.post_telegram({"update_id": 5, "message": "hello"})
    assert response.status_code == 400
    assert system.deliveries() == []


async def test_telegram_update_with_incomplete_message_gets_400(system: System) -> None:
    response = await system.post_telegram({"update_id": 6, "message": {"chat": 1}})
    assert response.status_code == 400
    assert "not a Telegram update" in response.text
    assert system.deliveries() == []


# -- bodies are read with a limit, Twilio's before anything is parsed ----------------------


async def _chunks(total: int, piece: bytes = b"a" * 65536) -> Any:
    """A body sent chunked: no Content-Length says how long it will be."""
    sent = 0
    while sent < total:
        yield piece
        sent += len(piece)


async def test_an_unsigned_form_over_the_limit_is_refused_before_it_is_read(
    system: System,
) -> None:
    body = b"Body=" + b"a" * (BODY_LIMIT + 1)
    response = await system.http.post(
        "/twilio/inbound",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    chunked = await system.http.post(
        "/twilio/inbound",
        content=_chunks(48 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    assert system.deliveries() == []


async def test_a_telegram_body_over_the_limit_is_refused_while_it_is_read(
    system: System,
) -> None:
    response = await system.http.post(
        "/telegram/webhook",
        content=_chunks(TELEGRAM_LIMIT + 1),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 413
    assert system.deliveries() == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b"Body=%FF&From=%2B16175550134", FORM, 400, "not UTF-8"),
        ("Body=ñ".encode(), FORM, 400, "not URL-encoded"),
        (b"Body=a&Body=b", FORM, 400, "repeats a field"),
        (b"Body", FORM, 400, "not a form"),
        (b"&".join(b"F%d=1" % i for i in range(500)), FORM, 400, "not a form"),
        (
            b'--x\r\nContent-Disposition: form-data; name="Body"\r\n\r\nhi\r\n--x--',
            "multipart/form-data; boundary=x",
            400,
            "x-www-form-urlencoded",
        ),
    ],
)
async def test_a_twilio_body_that_is_no_form_of_twilios_gets_a_4xx(
    system: System, body: bytes, content_type: str, status: int, reason: str
) -> None:
    response = await system.http.post(
        "/twilio/inbound", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert reason in response.text


# -- fields bounded to what the provider sends and the columns hold -------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("MessageStatus", "deli\x00vered", "MessageStatus"),
        ("MessageStatus", "d" * 33, "MessageStatus"),
        ("ErrorCode", "3\x003", "ErrorCode"),
        ("ErrorCode", "3" * 33, "ErrorCode"),
    ],
)
async def test_a_status_report_twilio_never_sends_gets_a_400(
    system: System, field: str, value: str, reason: str
) -> None:
    form = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    form[field] = value
    response = await system.post_twilio("/twilio/status", form)
    assert response.status_code == 400 and reason in response.text
    with transaction(system.engine) as session:
        assert session.scalars(select(EarlyStatusReport)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("MediaContentType0", "image/" + "x" * 100, "MediaContentType"),
        ("MediaContentType0", "image/\u202epng", "MediaContentType"),
        ("MediaUrl0", "file:///etc/passwd", "MediaUrl"),
        ("MediaUrl0", "https://x/" + "a" * 3000, "MediaUrl"),
        ("NumMedia", "١", "NumMedia"),
        ("NumMedia", "1" * 5000, "NumMedia"),
        ("From", "+1" + "6" * 100, "From"),
    ],
)
async def test_an_inbound_form_twilio_never_sends_gets_a_400(
    system: System, field: str, value: str, reason: str
) -> None:
    form = system.twilio_form("+16175550134", "Hola", media=["https://api.twilio.com/m/ME1"])
    form[field] = value
    response = await system.post_twilio("/twilio/inbound", form)
    assert response.status_code == 400 and reason in response.text
    assert system.deliveries() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("ProfileName", "R" * 300), ("Label", "L" * 300), ("Address", "A" * 5000)],
)
async def test_an_overlong_display_field_never_costs_the_familys_words(
    system: System, field: str, value: str
) -> None:
    """A profile name or a place's label is only shown to people: cut, never refused, since
    Twilio does not send a refused message again."""
    form = system.twilio_form("+16175550134", "Alfredo is sick today", whatsapp=True)
    form.update({"Latitude": "42.36", "Longitude": "-71.06", field: value})
    response = await system.post_twilio("/twilio/inbound", form)
    assert response.status_code == 200
    with transaction(system.engine) as session:
        texts = session.scalars(select(Message.text)).all()
    assert any("Alfredo is sick today" in text for text in texts)


async def test_words_sent_with_a_place_are_kept_unless_they_are_its_name(system: System) -> None:
    form = system.twilio_form("+16175550134", "5", whatsapp=True)  # "5" is in 42.5 too
    form.update({"Latitude": "42.5", "Longitude": "-71.06", "Label": "Lincoln School"})
    assert (await system.post_twilio("/twilio/inbound", form)).status_code == 200
    named = system.twilio_form("+16175550134", "Lincoln School", whatsapp=True)
    named.update({"Latitude": "42.5", "Longitude": "-71.06", "Label": "Lincoln School"})
    assert (await system.post_twilio("/twilio/inbound", named)).status_code == 200
    with transaction(system.engine) as session:
        texts = session.scalars(select(Message.text).order_by(Message.id)).all()
    assert texts[-2].startswith("5\n")
    assert texts[-1].count("Lincoln School") == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": 7, "message": {"message_id": NaN}}',
        b'{"update_id": 7, "message": {"date": 1e999}}',
        b'{"update_id": 7, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"update_id": 7, "x": ' + b'{"a":' * 30 + b"1" + b"}" * 30 + b"}",
        b'{"update_id": 7, "message": {"message_id": ' + b"9" * 2000 + b"}}",
    ],
)
async def test_json_no_telegram_update_holds_gets_a_400(system: System, body: bytes) -> None:
    response = await system.http.post(
        "/telegram/webhook", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 400
    assert "not a Telegram update" in response.text


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("message", "message_id"), True, "message_id"),
        (("message", "date"), 1.5, "date"),
        (("message", "text"), "a" * 4097, "text"),
        (("message", "from", "first_name"), "R" * 300, "first_name"),
        (
            ("message", "photo"),
            [{"file_id": "x" * 300, "file_unique_id": "u", "width": 1, "height": 1}],
            "file_id",
        ),
        (
            ("message", "photo"),
            [{"file_id": "a\x00b", "file_unique_id": "u", "width": 1, "height": 1}],
            "file_id",
        ),
        (
            ("message", "document"),
            {"file_id": "d", "file_unique_id": "d", "mime_type": "a/" + "b" * 100},
            "mime_type",
        ),
        (
            ("message", "reply_to_message"),
            {"message_id": 2**63, "date": 0, "chat": {"id": 1, "type": "private"}},
            "64 bits",
        ),
    ],
)
async def test_telegram_fields_beyond_what_telegram_sends_get_a_400(
    system: System, path: tuple[str, ...], value: Any, reason: str
) -> None:
    payload = system.telegram_payload(7001, "hello")
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = await system.post_telegram(payload)
    assert response.status_code == 400 and reason in response.text
    assert system.deliveries() == []


@pytest.mark.parametrize("token", ["%00", "a" * 65, "..%2F..%2Fetc", "%C3%A9"])
async def test_a_media_link_that_is_none_of_ours_is_not_found(system: System, token: str) -> None:
    response = await system.http.get(f"/media/{token}")
    assert response.status_code == 404


# -- the last safety net --------------------------------------------------------------------


async def test_an_unexpected_error_is_a_503_logged_without_values(
    system: System, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("+16175550134 wrote: Hola")

    monkeypatch.setattr(context, "handle_inbound", broken)
    monkeypatch.setattr(MediaStore, "find", broken)
    monkeypatch.setattr(meetings_web, "transaction", broken)
    with caplog.at_level(logging.ERROR):
        sms = await system.sms("+16175550134", "Hola")
        update = await system.telegram_update(7001, "hello")
        media = await system.http.get("/media/abcdef")
        invite = await system.http.get("/calendar/ghijkl.ics")
    answered = [sms.status_code, update.status_code, media.status_code, invite.status_code]
    assert answered == [503, 503, 503, 503]
    assert "RuntimeError at " in caplog.text
    assert "test_webhooks.py" in caplog.text  # where it was raised
    assert "5550134" not in caplog.text and "Hola" not in caplog.text
    assert "abcdef" not in caplog.text  # a media token is a secret
    assert "GET /calendar/… failed" in caplog.text and "ghijkl" not in caplog.text
    assert system.deliveries() == []
