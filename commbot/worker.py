"""`commbot worker`: the dispatcher and the scheduler clock in one process."""

from __future__ import annotations

import asyncio
import logging
import signal

from sqlalchemy import Engine

from .channels.base import Sender
from .channels.telegram import TelegramSender, make_bot
from .channels.twilio import TwilioSender
from .config import Settings
from .dispatch import Dispatcher
from .errors import ConfigError
from .jobs import start_clock
from .media import MediaStore
from .models import Channel
from .translation import make_translator

log = logging.getLogger(__name__)


def build_senders(settings: Settings) -> dict[Channel, Sender]:
    """A sender for every channel whose credentials are configured."""
    senders: dict[Channel, Sender] = {}
    if settings.telegram_bot_token:
        senders[Channel.TELEGRAM] = TelegramSender(make_bot(settings))
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = TwilioSender(settings)
        if settings.twilio_from_number or settings.twilio_messaging_service_sid:
            senders[Channel.SMS] = twilio
        if settings.twilio_whatsapp_from:
            senders[Channel.WHATSAPP] = twilio
    return senders


def build_dispatcher(
    settings: Settings, engine: Engine, senders: dict[Channel, Sender]
) -> Dispatcher:
    status_callback = (
        f"{settings.public_base_url}/twilio/status" if settings.public_base_url else None
    )
    return Dispatcher(
        engine,
        senders,
        retry_base_seconds=settings.retry_base_seconds,
        translator=make_translator(settings, engine),
        media_store=MediaStore(settings.media_dir),
        public_base_url=settings.public_base_url,
        status_callback=status_callback,
        whatsapp_template_sid=settings.twilio_whatsapp_template_sid,
        default_timezone=settings.default_timezone,
    )


async def run_worker(settings: Settings, engine: Engine) -> None:
    senders = build_senders(settings)
    if not senders:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN is not set; "
            "the worker has no channel to send through."
        )
    telegram = senders.get(Channel.TELEGRAM)
    if isinstance(telegram, TelegramSender):
        await telegram.bot.initialize()
    dispatcher = build_dispatcher(settings, engine, senders)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker %s sending on %s", dispatcher.worker_id, ", ".join(c.value for c in senders))
    scheduler = start_clock(engine, settings.default_timezone)
    try:
        await dispatcher.run(stop)
    finally:
        scheduler.shutdown(wait=False)
        if isinstance(telegram, TelegramSender):
            await telegram.bot.shutdown()
        for sender in {id(s): s for s in senders.values()}.values():
            if isinstance(sender, TwilioSender):
                await sender.close()
