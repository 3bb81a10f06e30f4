"""The fakes answer the real clients as Telegram and Twilio would.

These drive python-telegram-bot's `Bot` and twilio's `Client` over HTTP against the fakes, so
a fake that drifts from the wire protocol fails here before it misleads other tests.
"""

from __future__ import annotations

import datetime as dtm
import struct
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from telegram.error import Forbidden, RetryAfter
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from commbot.channels.twilio import HttpxTwilioClient
from tests.fakes import FakeTelegram, FakeTwilio

CHAT = 4242
FAMILY = "+15551230001"
SCHOOL = "+15557650002"


def png(width: int, height: int) -> bytes:
    """A valid, all-black RGB PNG: small, and the fake can read its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00" * 3 * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read RetryAfter.retry_after as a timedelta, without PTB's deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def make_bot(fake: FakeTelegram) -> telegram.Bot:
    return telegram.Bot(
        fake.token, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot"
    )


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with make_bot(tg) as bot:  # initialize() calls getMe
        yield bot


async def test_telegram_message_photo_and_download(tg: FakeTelegram, bot: telegram.Bot) -> None:
    assert bot.username == "commbot_test_bot"
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("Got it", callback_data="ack:1")]]
    )
    message = await bot.send_message(CHAT, "Field trip on Friday", reply_markup=keyboard)
    assert (message.message_id, message.chat.id, message.text) == (1, CHAT, "Field trip on Friday")
    assert message.reply_markup == keyboard

    image = png(40, 30)
    photo_message = await bot.send_photo(CHAT, photo=image, caption="Our class garden")
    assert photo_message.message_id == 2
    assert photo_message.caption == "Our class garden"
    size = photo_message.photo[-1]
    assert (size.width, size.height, size.file_size) == (40, 30, len(image))

    file = await bot.get_file(size.file_id)
    assert await file.download_as_bytearray() == image

    sent = tg.sent_messages(CHAT)
    assert [call.method for call in sent] == ["sendMessage", "sendPhoto"]
    assert sent[0].params["reply_markup"] == keyboard.to_dict()
    assert sent[1].files["photo"] == image


async def test_telegram_user_file_download(tg: FakeTelegram, bot: telegram.Bot) -> None:
    file_id = tg.add_file(b"voice note", file_path="voice/file_7.oga")
    file = await bot.get_file(file_id)
    assert file.file_path.endswith("/voice/file_7.oga")
    assert await file.download_as_bytearray() == b"voice note"
    assert tg.downloads == ["voice/file_7.oga"]


async def test_telegram_blocked_chat_is_forbidden(tg: FakeTelegram, bot: telegram.Bot) -> None:
    tg.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello")
    assert tg.sent_messages() == []
    assert tg.calls("sendMessage")[0].status == 403


async def test_telegram_429_raises_retry_after(tg: FakeTelegram, bot: telegram.Bot) -> None:
    tg.fail_next(1, status=429, retry_after=7, chat_id=CHAT)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hello")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(CHAT, "hello again")  # only one failure was queued
    assert tg.rejected_429_count == 1
    assert tg.accepted_count == 1


async def test_telegram_flood_limit_per_chat() -> None:
    async with FakeTelegram(enforce_limits=True) as fake, make_bot(fake) as bot:
        await bot.send_message(CHAT, "first")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "too soon")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        await bot.send_message(CHAT + 1, "another chat is fine")
    assert [call.params["text"] for call in fake.sent_messages()] == [
        "first",
        "another chat is fine",
    ]
    assert (fake.accepted_count, fake.rejected_429_count) == (2, 1)


def test_telegram_wire_format_from_sync_code(tg: FakeTelegram) -> None:
    with httpx.Client(base_url=f"{tg.base_url}/bot{tg.token}") as client:
        sent = client.post("/sendMessage", data={"chat_id": str(CHAT), "text": "42"}).json()
        unknown = client.post("/sendCarrierPigeon", json={"chat_id": CHAT})
    assert sent["ok"] and sent["result"]["text"] == "42"
    assert sent["result"]["chat"] == {"id": CHAT, "type": "private"}
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.fixture
def tw() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def twilio_client(tw: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    # The client sends to another host when these are set.
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    http_client = HttpxTwilioClient(tw.base_url)
    yield Client(tw.account_sid, tw.auth_token, http_client=http_client)
    await http_client.close()


async def test_twilio_create_message(tw: FakeTwilio, twilio_client: Client) -> None:
    message = await twilio_client.messages.create_async(
        to=FAMILY,
        from_=SCHOOL,
        body="Picture day is Tuesday",
        status_callback="https://commbot.example/twilio/status",
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.num_segments, message.direction) == (
        "queued",
        "1",
        "outbound-api",
    )
    [call] = tw.messages
    assert (call.to, call.from_, call.body, call.status_callback, call.sid) == (
        FAMILY,
        SCHOOL,
        "Picture day is Tuesday",
        "https://commbot.example/twilio/status",
        message.sid,
    )


async def test_twilio_refusal_raises_rest_exception(tw: FakeTwilio, twilio_client: Client) -> None:
    tw.fail_to(FAMILY, 21211)
    with pytest.raises(TwilioRestException) as caught:
        await twilio_client.messages.create_async(to=FAMILY, from_=SCHOOL, body="hi")
    assert (caught.value.code, caught.value.status) == (21211, 400)
    assert tw.messages == []
    assert tw.requests[0].error_code == 21211


async def test_twilio_carrier_failure_arrives_by_callback(
    tw: FakeTwilio, twilio_client: Client
) -> None:
    tw.fail_to(FAMILY, 30003)
    message = await twilio_client.messages.create_async(to=FAMILY, from_=SCHOOL, body="hi")
    params = tw.status_callback_params(message.sid, "undelivered")
    assert params["ErrorCode"] == "30003"
    assert (params["MessageSid"], params["To"], params["From"]) == (message.sid, FAMILY, SCHOOL)


async def test_twilio_media_needs_auth(tw: FakeTwilio) -> None:
    url = tw.add_media(b"\xff\xd8jpeg bytes", content_type="image/jpeg")
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 401
        response = await client.get(url, auth=(tw.account_sid, tw.auth_token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == b"\xff\xd8jpeg bytes"
