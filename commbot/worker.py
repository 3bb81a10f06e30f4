"""`commbot worker`: the dispatcher and the scheduler clock in one process."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import signal

from sqlalchemy import Engine
from telegram.error import InvalidToken, NetworkError

from .channels.base import ChannelLimits, Media, Outbound, Sender, SendError, SendResult
from .channels.telegram import TelegramSender, make_bot
from .channels.twilio import TwilioSender
from .config import Settings
from .dispatch import Dispatcher
from .errors import ConfigError
from .jobs import start_clock
from .logs import scrub
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
        worker_name=settings.worker_name,
        retry_budget=dt.timedelta(hours=settings.retry_budget_hours),
        send_timeout=settings.send_timeout_seconds,
    )


# Waits between attempts to reach a provider that did not answer at start.
START_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Watched:
    """A sender that logs one line when its provider stops answering and one when it
    answers again, instead of a line per failed delivery."""

    def __init__(self, sender: Sender, name: str) -> None:
        self.sender = sender
        self.name = name
        self.reachable = True

    def limits(self, channel: Channel) -> ChannelLimits:
        return self.sender.limits(channel)

    def can_fetch(self, media: Media) -> bool:
        return self.sender.can_fetch(media)

    async def fetch_media(self, media: Media) -> bytes:
        return await self.sender.fetch_media(media)

    async def send(self, outbound: Outbound) -> SendResult:
        try:
            result = await self.sender.send(outbound)
        except SendError as exc:
            if exc.code == "timeout" or exc.code.endswith("-network"):
                self.mark(False, exc.message)
            raise
        self.mark(True)
        return result

    def mark(self, reachable: bool, reason: str = "") -> None:
        if reachable == self.reachable:
            return
        self.reachable = reachable
        if reachable:
            log.info("%s answers again", self.name)
        else:
            log.warning(
                "%s is unreachable (%s); deliveries wait and are retried", self.name, reason
            )


async def start_telegram(sender: TelegramSender, stop: asyncio.Event) -> bool:
    """Initialise the bot (getMe), retrying with backoff while Telegram cannot be reached.
    False if the worker stopped first. A token Telegram rejects stops the worker: no wait
    fixes it."""
    for attempt in itertools.count():
        try:
            await sender.bot.initialize()
        except InvalidToken:
            raise ConfigError(
                "Telegram rejected TELEGRAM_BOT_TOKEN; check the token BotFather gave you."
            ) from None
        except (NetworkError, OSError) as exc:
            wait = START_BACKOFF[min(attempt, len(START_BACKOFF) - 1)]
            if attempt == 0:
                log.warning(
                    "Telegram is unreachable (%s); the other channels send, Telegram is retried",
                    scrub(str(exc)),
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if stop.is_set():
                return False
            continue
        if attempt:
            log.info("Telegram answers again; sending on it")
        return True
    return False  # unreachable: the loop above only ends by returning


async def run_worker(settings: Settings, engine: Engine, stop: asyncio.Event | None = None) -> None:
    """Send until SIGINT/SIGTERM (or `stop`). Each channel starts on its own: a provider
    that does not answer at start holds back only its own channel.

    A graceful stop (SIGTERM, as a platform sends before it restarts a process) lets the
    sends under way be answered and recorded, gives back at once what was claimed but not
    sent, then the leases, so another worker carries on without waiting for them to expire.
    """
    senders = build_senders(settings)
    if not senders:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN is not set; "
            "the worker has no channel to send through."
        )
    telegram = senders.get(Channel.TELEGRAM)
    twilio = next((s for s in senders.values() if isinstance(s, TwilioSender)), None)
    watched: dict[Channel, Sender] = {}
    if telegram is not None:
        watched[Channel.TELEGRAM] = Watched(telegram, "Telegram")
    if twilio is not None:
        twilio_watch = Watched(twilio, "Twilio")
        watched.update({c: twilio_watch for c, s in senders.items() if s is twilio})
    dispatcher = build_dispatcher(settings, engine, watched)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def channel(channel: Channel) -> None:
        if isinstance(senders[channel], TelegramSender):
            assert isinstance(telegram, TelegramSender)
            if not await start_telegram(telegram, stop):
                return
        await dispatcher.run_channel(channel, stop)

    log.info("worker %s sending on %s", dispatcher.worker_id, ", ".join(c.value for c in senders))
    scheduler = start_clock(engine, settings.default_timezone)
    tasks = [asyncio.create_task(channel(c)) for c in senders]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        scheduler.shutdown(wait=False)
        await dispatcher.release()
        if isinstance(telegram, TelegramSender):
            await telegram.bot.shutdown()
        if twilio is not None:
            await twilio.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
