"""A whole commbot wired to the fake Telegram and Twilio servers, for end-to-end tests.

The web app is driven over its ASGI interface by httpx; the dispatcher sends through the
real python-telegram-bot and twilio clients to the fakes over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from commbot import config, db
from commbot.channels.base import Sender
from commbot.channels.telegram import TelegramSender, make_bot
from commbot.channels.twilio import TwilioSender
from commbot.config import Settings, load_settings
from commbot.db import transaction
from commbot.dispatch import ChannelSettings, Dispatcher
from commbot.invites import create_invite
from commbot.media import MediaStore
from commbot.models import Channel, Delivery, Guardian, Staff
from commbot.web import create_app

from .conftest import import_examples
from .fakes import FakeTelegram, FakeTwilio

PUBLIC = "https://commbot.test"
SECRET = "telegram-secret"
SMS_FROM = "+16175550100"
WHATSAPP_FROM = "+16175550101"


@contextmanager
def command_line_on(
    monkeypatch: pytest.MonkeyPatch, url: str, media_dir: str | None = None
) -> Iterator[None]:
    """The `commbot` command line as a shell on the server runs it, against the database at
    `url`: settings and engine are read afresh inside, and put back after."""
    monkeypatch.setenv("DATABASE_URL", url)
    if media_dir is not None:
        monkeypatch.setenv("COMMBOT_MEDIA_DIR", media_dir)
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        yield
    finally:
        if db.get_engine.cache_info().currsize:
            db.get_engine().dispose()
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()


def press(chat: int, data: str, update_id: int) -> dict[str, Any]:
    """A Telegram callback_query update, as Telegram posts it: someone pressed an inline
    button under message 1 of their private chat."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "chat_instance": "x",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": "?",
            },
        },
    }


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


# Friday 20 November 2026, 4:30 PM in Boston: outside every example family's quiet hours.
DEFAULT_START = dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC)


class System:
    def __init__(
        self,
        engine: Engine,
        telegram: FakeTelegram,
        twilio: FakeTwilio,
        tmp_path: Any,
        **setting_overrides: str,
    ) -> None:
        self.engine = engine
        self.telegram = telegram
        self.twilio = twilio
        values = {
            "DATABASE_URL": engine.url.render_as_string(False),
            "PUBLIC_BASE_URL": PUBLIC,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_API_BASE_URL": twilio.base_url,
            "COMMBOT_TRANSLATOR": "none",
            "COMMBOT_MEDIA_DIR": str(tmp_path / "media"),
            "COMMBOT_RETRY_BASE_SECONDS": "5",
        }
        values.update(setting_overrides)
        self.settings: Settings = load_settings(**values)
        self.clock = Clock(DEFAULT_START)
        self.app = create_app(self.settings, engine, clock=self.clock)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=PUBLIC)
        self.telegram_sender = TelegramSender(make_bot(self.settings))
        self.twilio_sender = TwilioSender(self.settings)
        senders: dict[Channel, Sender] = {
            Channel.TELEGRAM: self.telegram_sender,
            Channel.SMS: self.twilio_sender,
            Channel.WHATSAPP: self.twilio_sender,
        }
        self.dispatcher = self.make_dispatcher(senders)
        self._update_ids = itertools.count(1000)
        self._sids = itertools.count(1)

    def make_dispatcher(self, senders: dict[Channel, Sender], **kwargs: Any) -> Dispatcher:
        options: dict[str, Any] = {
            "retry_base_seconds": self.settings.retry_base_seconds,
            "media_store": MediaStore(self.settings.media_dir),
            "public_base_url": PUBLIC,
            "status_callback": f"{PUBLIC}/twilio/status",
            "whatsapp_template_sid": self.settings.twilio_whatsapp_template_sid,
            "clock": self.clock,
            "poll_interval": 0.01,
            # Rate limits are tested on their own; elsewhere they would only add waiting.
            "limits": {channel: ChannelSettings(per_second=1000) for channel in Channel},
        }
        options.update(kwargs)
        return Dispatcher(self.engine, senders, **options)

    async def close(self) -> None:
        await self.http.aclose()
        await self.twilio_sender.close()
        await self.telegram_sender.bot.shutdown()

    # -- setup -------------------------------------------------------------------------

    def import_examples(self) -> None:
        import_examples(self.engine)

    def invite(self, *, email: str | None = None, guardian: str | None = None) -> str:
        with transaction(self.engine) as session:
            if email:
                staff = session.scalar(select(Staff).where(Staff.email == email))
                return create_invite(session, staff=staff, now=self.clock())
            person = session.scalar(select(Guardian).where(Guardian.name == guardian))
            return create_invite(session, guardian=person, now=self.clock())

    async def link_staff(self, email: str, chat_id: int) -> None:
        code = self.invite(email=email)
        response = await self.telegram_update(chat_id, f"/start {code}")
        assert response.status_code == 200

    # -- inbound -----------------------------------------------------------------------

    def telegram_payload(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        photo_file_id: str | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._update_ids),
            "date": int(self.clock().timestamp()),
            "chat": {"id": chat_id, "type": "private", "first_name": "T"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "T"},
        }
        if text is not None:
            message["caption" if photo_file_id else "text"] = text
        if photo_file_id:
            message["photo"] = [
                {"file_id": photo_file_id, "file_unique_id": photo_file_id, "width": 1, "height": 1}
            ]
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(self.clock().timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "...",
            }
        return {"update_id": update_id or next(self._update_ids), "message": message}

    async def telegram_update(
        self, chat_id: int, text: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        payload = self.telegram_payload(chat_id, text, **kwargs)
        return await self.post_telegram(payload)

    async def post_telegram(self, payload: Any, secret: str = SECRET) -> httpx.Response:
        return await self.http.post(
            "/telegram/webhook",
            json=payload,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )

    def twilio_form(
        self,
        sender: str,
        body: str,
        *,
        whatsapp: bool = False,
        media: list[str] = (),
        sid: str | None = None,
    ) -> dict[str, str]:
        prefix = "whatsapp:" if whatsapp else ""
        form = {
            "MessageSid": sid or f"SM{next(self._sids):032x}",
            "AccountSid": self.twilio.account_sid,
            "From": prefix + sender,
            "To": prefix + (WHATSAPP_FROM if whatsapp else SMS_FROM),
            "Body": body,
            "NumMedia": str(len(media)),
        }
        for index, url in enumerate(media):
            form[f"MediaUrl{index}"] = url
            form[f"MediaContentType{index}"] = "image/png"
        return form

    async def post_twilio(
        self, path: str, form: dict[str, str], signature: str | None = None
    ) -> httpx.Response:
        if signature is None:
            signature = self.twilio.sign(PUBLIC + path, form)
        return await self.http.post(path, data=form, headers={"X-Twilio-Signature": signature})

    async def sms(self, sender: str, body: str, **kwargs: Any) -> httpx.Response:
        return await self.post_twilio("/twilio/inbound", self.twilio_form(sender, body, **kwargs))

    async def send_photo_post(self, chat_id: int) -> None:
        """Send the photo a staff member just sent (`/msg <student>` with a photo) as they
        would: Done under "Who is in this photo?", then Send now under the preview."""
        await self.drain()
        for step in ("done", "now"):
            markup = self.telegram.sent_messages(chat_id)[-1].params.get("reply_markup") or {}
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            [data] = [b["callback_data"] for b in buttons if b["callback_data"].endswith(step)]
            assert (
                await self.post_telegram(press(chat_id, data, next(self._update_ids)))
            ).is_success
            await self.drain()

    # -- outbound ----------------------------------------------------------------------

    async def drain(self) -> int:
        return await self.dispatcher.drain()

    def deliveries(self) -> list[Delivery]:
        with transaction(self.engine) as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))

    def telegram_texts(self, chat_id: int) -> list[str]:
        texts = []
        for call in self.telegram.sent_messages(chat_id):
            texts.append(call.params.get("text") or call.params.get("caption") or "")
        return texts

    def sms_to(self, number: str) -> list[str]:
        return [m.body or "" for m in self.twilio.messages if m.to == number]
