"""Claim due deliveries, send them through their channel, and record what happened.

One asyncio task per channel (Telegram, SMS, WhatsApp), each holding that sender's lease,
each with its own rate limiter. Claims are small (about half a second of sending), and
lower lanes are claimed first, so a conversation reply never waits behind a broadcast.

What a provider can take (rates, sizes, WhatsApp's window, fetching media) is the channel
adapter's to say (`channels/base.py`); this module claims, limits, retries and falls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from ..channels.base import ChannelAdapter, ChannelLimits, Media, Outbound, RateLimit, SendError
from ..db import transaction
from ..i18n import N_, gettext
from ..media import MediaStore, media_url
from ..models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryEventKind,
    DeliveryStatus,
    Guardian,
    Lane,
    RecipientKind,
    utcnow,
)
from ..outbox import DeliverySpec, enqueue, guardian_not_before
from ..phones import redact
from ..ratelimit import SenderLimiter
from ..translation import NoTranslator, Translator
from . import history, leases
from .compose import render
from .outcomes import record_failure, record_sent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Longer than a claimed batch can take (a provider's pause is capped at MAX_PAUSE), so a
# live worker's claim is never taken over; a dead worker's is, after this long.
CLAIM_TIME = dt.timedelta(minutes=5)
MAX_PAUSE = 60.0
MEDIA_REUSE = dt.timedelta(days=1)  # well inside a media link's lifetime

ChannelSettings = RateLimit  # the name `limits=` overrides were written with

MEDIA_NOT_FETCHED = N_(
    "(A photo or file came with this message, but we could not fetch it yet. "
    "We will keep trying and send it on its own.)"
)


@dataclass
class Claimed:
    delivery: Delivery
    # The channel takes only a template now (WhatsApp, 24 hours after the family last wrote).
    template_only: bool = False


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        senders: dict[Channel, ChannelAdapter],
        *,
        retry_base_seconds: float = 5.0,
        limits: dict[Channel, RateLimit] | None = None,
        translator: Translator | None = None,
        media_store: MediaStore | None = None,
        public_base_url: str | None = None,
        status_callback: str | None = None,
        whatsapp_template_sid: str | None = None,
        default_timezone: str = "America/New_York",
        clock: Callable[[], dt.datetime] = utcnow,
        worker_id: str | None = None,
        poll_interval: float = 0.2,
    ) -> None:
        self.engine = engine
        self.senders = senders
        self.retry_base_seconds = retry_base_seconds
        self.channel_limits: dict[Channel, ChannelLimits] = {
            channel: sender.limits(channel) for channel, sender in senders.items()
        }
        # The providers' own rates, unless the caller sets others (tests, the demo).
        rates = limits or {channel: limit.rate for channel, limit in self.channel_limits.items()}
        self.limiters = {
            channel: SenderLimiter(rate.per_second, rate.per_chat_interval)
            for channel, rate in rates.items()
        }
        self.batch_sizes = {
            channel: max(1, int(rate.per_second / 2)) for channel, rate in rates.items()
        }
        self.translator = translator or NoTranslator()
        self.media_store = media_store
        self.public_base_url = public_base_url
        self.status_callback = status_callback
        self.whatsapp_template_sid = whatsapp_template_sid
        self.default_timezone = default_timezone
        self.clock = clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.poll_interval = poll_interval
        # Provider file id or URL -> (media token, when stored).
        self._leases: dict[Channel, dt.datetime] = {}  # until when we hold each lease
        self._stored_media: dict[str, tuple[str, dt.datetime | None]] = {}

    # -- running -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; each channel in its own task."""
        tasks = [asyncio.create_task(self.run_channel(channel, stop)) for channel in self.senders]
        try:
            await asyncio.gather(*tasks)
        finally:
            await asyncio.to_thread(leases.release, self.engine, self.worker_id)

    async def run_channel(self, channel: Channel, stop: asyncio.Event) -> None:
        """Send on one channel until `stop` is set (the worker starts each once it answers)."""
        while not stop.is_set():
            try:
                sent = await self.tick(channel)
            except Exception:  # keep the worker alive; the delivery stays claimed and is retried
                log.exception("dispatch of %s failed", channel.value)
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_interval)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Send everything due now, on every channel, then return (tests and the demo)."""
        total = 0
        for _ in range(max_rounds):
            sent = sum([await self.tick(channel) for channel in self.senders])
            total += sent
            if sent == 0:
                break
        return total

    async def tick(self, channel: Channel) -> int:
        """Claim one batch for `channel` and send it. Returns how many were attempted."""
        now = self.clock()
        if not await self._hold_lease(channel, now):
            return 0
        claimed = await asyncio.to_thread(self._claim, channel, now)
        if not claimed:
            return 0
        limiter = self.limiters[channel]
        # Messages to one chat go out one after another, in the order they were written.
        by_address: dict[str, list[Claimed]] = {}
        for item in claimed:
            by_address.setdefault(item.delivery.address, []).append(item)
        tasks = []
        for address, items in by_address.items():
            wait = limiter.chat_ready_in(address)
            if wait > 0 or limiter.per_chat_interval is not None:
                # Under a per-chat limit only the first may go now; the rest wait their turn.
                later = items if wait > 0 else items[1:]
                delay = wait or limiter.per_chat_interval or 0.0
                await asyncio.to_thread(self._postpone, [i.delivery.id for i in later], delay)
                items = items[: len(items) - len(later)]
            if items:
                tasks.append(asyncio.create_task(self._deliver_in_order(channel, address, items)))
        await asyncio.gather(*tasks)
        return len(claimed)

    async def _hold_lease(self, channel: Channel, now: dt.datetime) -> bool:
        """Renew this channel's lease once half of it has run, not on every poll."""
        held_until = self._leases.get(channel)
        if held_until is not None and now < held_until - leases.LEASE_TIME / 2:
            return True
        holds = await asyncio.to_thread(
            leases.hold, self.engine, f"channel:{channel.value}", self.worker_id, now
        )
        if holds:
            self._leases[channel] = now + leases.LEASE_TIME
        else:
            self._leases.pop(channel, None)
        return holds

    async def _deliver_in_order(self, channel: Channel, address: str, items: list[Claimed]) -> None:
        for item in items:
            await self._deliver(channel, item)

    # -- database steps ------------------------------------------------------------------

    def _claim(self, channel: Channel, now: dt.datetime) -> list[Claimed]:
        due = or_(
            and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
            # A worker that died mid-send leaves a stale claim: take it over.
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < now),
        )
        window = self.channel_limits[channel].reply_window
        with transaction(self.engine) as session:
            rows = session.scalars(
                select(Delivery)
                .where(Delivery.channel == channel, due, Delivery.not_before <= now)
                .order_by(Delivery.lane, Delivery.id)
                .limit(self.batch_sizes[channel])
                .with_for_update(skip_locked=True)
            ).all()
            claimed = []
            for delivery in rows:
                if self._in_quiet_hours(session, delivery, now):
                    continue
                if delivery.status is DeliveryStatus.SENDING and delivery.attempts >= MAX_ATTEMPTS:
                    # Its worker died on the last try: give up on this address as usual.
                    delivery.claimed_by = None
                    record_failure(
                        session,
                        delivery,
                        code="abandoned",
                        message="the worker sending it stopped",
                        now=now,
                        retry_at=None,
                        default_timezone=self.default_timezone,
                    )
                    continue
                delivery.status = DeliveryStatus.SENDING
                delivery.claimed_by = self.worker_id
                delivery.claimed_until = now + CLAIM_TIME
                delivery.attempts += 1
                item = Claimed(delivery)
                if window is not None and delivery.contact_point_id is not None:
                    point = session.get(ContactPoint, delivery.contact_point_id)
                    last = point.last_inbound_at if point else None
                    item.template_only = self.channel_limits[channel].needs_template(last, now)
                claimed.append(item)
            return claimed

    def _in_quiet_hours(self, session: Session, delivery: Delivery, now: dt.datetime) -> bool:
        """Check the family's quiet hours as they are now (they may have changed since the
        message was queued); if it is quiet, move `not_before` to when it ends."""
        if delivery.recipient_kind is not RecipientKind.GUARDIAN or delivery.skip_quiet_hours:
            return False
        if delivery.guardian_id is None:
            return False
        guardian = session.get_one(Guardian, delivery.guardian_id)
        allowed = guardian_not_before(guardian, now, self.default_timezone)
        if allowed <= now:
            return False
        delivery.not_before = allowed
        return True

    def _postpone(self, delivery_ids: list[int], seconds: float) -> None:
        """Give back claims that the per-chat limit does not allow yet."""
        if not delivery_ids:
            return
        with transaction(self.engine) as session:
            for delivery_id in delivery_ids:
                delivery = session.get_one(Delivery, delivery_id)
                delivery.status = DeliveryStatus.PENDING
                delivery.attempts -= 1
                delivery.next_attempt_at = self.clock() + dt.timedelta(seconds=seconds)

    # -- sending -------------------------------------------------------------------------

    async def _deliver(self, channel: Channel, item: Claimed) -> None:
        delivery = item.delivery
        sender = self.senders[channel]
        started = self.clock()
        try:
            if item.template_only:
                await self._window_closed(channel, sender, delivery)
                return
            outbound = await self._outbound(channel, delivery)
            async with self.limiters[channel].slot(delivery.address):
                result = await sender.send(outbound)
        except Exception as exc:  # every failure is recorded: nothing stays half-sent
            error = exc if isinstance(exc, SendError) else _internal(exc)
            if error.retry_after:
                self.limiters[channel].pause(min(error.retry_after, MAX_PAUSE))
            await asyncio.to_thread(self._failed, delivery.id, error, started)
            log.info(
                "delivery %s to %s failed: %s (%s)",
                delivery.id,
                redact(delivery.address),
                error.code,
                "permanent" if error.permanent else "retryable",
            )
            return
        await asyncio.to_thread(self._sent, delivery.id, result.provider_message_id, started)

    async def _outbound(self, channel: Channel, delivery: Delivery) -> Outbound:
        media, missing = await self._media_for(channel, delivery)
        if missing:
            if not (delivery.header or delivery.body):
                # Nothing but the attachment: try it again later, as before.
                raise SendError("media", "could not fetch the photo or file", permanent=False)
            # The words never wait for a photo: they go now with a note (kept on the
            # delivery, should this send be retried), and what could not be fetched is
            # retried on its own.
            delivery.header = await asyncio.to_thread(self._split_media, delivery.id, missing)
        text = await render(delivery, self.translator)
        buttons = tuple(
            tuple((b["text"], b["callback_data"]) for b in row) for row in delivery.buttons
        )
        return Outbound(
            channel=channel,
            address=delivery.address,
            text=text,
            media=media,
            buttons=buttons,
            status_callback=self.status_callback if channel is not Channel.TELEGRAM else None,
        )

    async def _media_for(
        self, channel: Channel, delivery: Delivery
    ) -> tuple[tuple[Media, ...], list[dict[str, Any]]]:
        """Turn stored media references into what the target channel can carry. Returns
        them, and the stored references of those that could not be fetched."""
        stored = list(delivery.media)[: self.channel_limits[channel].media_count]
        resolved: list[Media] = []
        missing: list[dict[str, Any]] = []
        for reference in stored:
            item = Media.from_json(reference)
            try:
                resolved.append(await self._resolve(channel, item))
            except MediaUnavailable:
                missing.append(reference)
        return tuple(resolved), missing

    async def _resolve(self, channel: Channel, item: Media) -> Media:
        if channel is Channel.TELEGRAM:
            if item.telegram_file_id:
                return item
            return replace(item, url=None, local_token=None, data=await self._fetch(item))
        if item.local_token is None:
            # One photo to many families (or retried) is fetched and stored once.
            source = item.telegram_file_id or item.url or ""
            token, stored_at = self._stored_media.get(source, ("", None))
            if stored_at is None or self.clock() - stored_at > MEDIA_REUSE:
                data = await self._fetch(item)
                token = await asyncio.to_thread(self._store, data, item.content_type, source)
                self._stored_media[source] = (token, self.clock())
            item = replace(item, telegram_file_id=None, url=None, local_token=token)
        if not self.public_base_url:
            raise SendError(
                "config", "PUBLIC_BASE_URL is needed to send photos by MMS", permanent=True
            )
        return replace(
            item, local_token=None, url=media_url(self.public_base_url, item.local_token or "")
        )

    async def _fetch(self, item: Media) -> bytes:
        """The photo's bytes, from the provider it came in through."""
        source = next((s for s in self.senders.values() if s.can_fetch(item)), None)
        if source is None:
            raise MediaUnavailable("media", "photo has no source", permanent=True)
        try:
            return await source.fetch_media(item)
        except Exception as exc:
            log.info("could not fetch media: %s", type(exc).__name__)
            raise MediaUnavailable(
                "media", f"could not fetch the photo: {type(exc).__name__}", permanent=False
            ) from None

    def _split_media(self, delivery_id: int, missing: list[dict[str, Any]]) -> str:
        """Take what could not be fetched off this delivery into a delivery of its own for
        the same person and message, retried with backoff like any other; note it in the
        delivery's header, which is returned."""
        now = self.clock()
        with transaction(self.engine) as session:
            delivery = session.get_one(Delivery, delivery_id)
            note = gettext(delivery.language, MEDIA_NOT_FETCHED)
            header = "\n".join(part for part in (delivery.header, note) if part)
            if self._mine(session, delivery_id) is None:
                return header  # another worker has it: change nothing
            delivery.header = header
            delivery.media = [m for m in delivery.media if m not in missing]
            spec = DeliverySpec(
                recipient_kind=delivery.recipient_kind,
                channel=delivery.channel,
                address=delivery.address,
                language=delivery.language,
                not_before=delivery.not_before,
                lane=Lane(delivery.lane),
                media=missing,
                guardian_id=delivery.guardian_id,
                staff_id=delivery.staff_id,
                contact_point_id=delivery.contact_point_id,
                message_id=delivery.message_id,
                skip_quiet_hours=delivery.skip_quiet_hours,
            )
            split = enqueue(session, spec, now)
            split.attempts = 1  # this fetch was its first try
            split.next_attempt_at = now + dt.timedelta(seconds=self.retry_base_seconds)
            session.flush()
            history.record(
                session,
                delivery,
                DeliveryEventKind.RETRY,
                now,
                error_code="media",
                detail=f"{len(missing)} attachment(s) not fetched: the words go now with a note;"
                f" the attachment follows as delivery {split.id}",
            )
            history.record(
                session,
                split,
                DeliveryEventKind.QUEUED,
                now,
                error_code="media",
                detail=f"attachment(s) of delivery {delivery.id} that could not be fetched,"
                " retried on their own",
            )
            return delivery.header

    def _store(self, data: bytes, content_type: str, source: str) -> str:
        if self.media_store is None:
            raise SendError("config", "no media directory configured", permanent=True)
        with transaction(self.engine) as session:
            return self.media_store.save(session, data, content_type, self.clock(), source)

    async def _window_closed(
        self, channel: Channel, sender: ChannelAdapter, delivery: Delivery
    ) -> None:
        """Outside the channel's reply window (WhatsApp's 24 hours): send the approved
        template once and hold the message until the family replies, or move to their next
        channel without a template."""
        if not self.whatsapp_template_sid:
            error = SendError(
                "whatsapp-window", "outside the 24-hour window and no template", permanent=True
            )
            await asyncio.to_thread(self._failed, delivery.id, error)
            return
        first = await asyncio.to_thread(self._hold_for_window, delivery.id)
        if not first:
            return
        outbound = Outbound(
            channel=channel,
            address=delivery.address,
            text="",
            template_sid=self.whatsapp_template_sid,
            template_variables={"1": "1"},
            status_callback=self.status_callback,
        )
        try:
            async with self.limiters[channel].slot(delivery.address):
                await sender.send(outbound)
        except SendError as error:
            await asyncio.to_thread(self._failed, delivery.id, error)

    def _hold_for_window(self, delivery_id: int) -> bool:
        """Mark the delivery held; True if it is the first held for this contact point."""
        with transaction(self.engine) as session:
            delivery = session.get_one(Delivery, delivery_id)
            already = session.scalar(
                select(Delivery.id).where(
                    Delivery.contact_point_id == delivery.contact_point_id,
                    Delivery.status == DeliveryStatus.HELD,
                    Delivery.id != delivery.id,
                )
            )
            delivery.status = DeliveryStatus.HELD
            delivery.error_message = "waiting for the family to reply on WhatsApp"
            history.record(
                session,
                delivery,
                DeliveryEventKind.HELD,
                self.clock(),
                detail="outside the 24-hour reply window"
                + ("; template sent" if already is None else ""),
            )
            return already is None

    def _mine(self, session: Session, delivery_id: int) -> Delivery | None:
        """The delivery, if this worker's claim on it still stands."""
        delivery = session.get_one(Delivery, delivery_id)
        if delivery.claimed_by != self.worker_id or delivery.status is not DeliveryStatus.SENDING:
            log.warning("delivery %s was claimed by another worker meanwhile", delivery_id)
            return None
        return delivery

    def _sent(self, delivery_id: int, provider_id: str, started: dt.datetime | None = None) -> None:
        with transaction(self.engine) as session:
            delivery = self._mine(session, delivery_id)
            if delivery is not None:
                history.attempt(session, delivery, started or self.clock())
                record_sent(session, delivery, provider_id, self.clock(), self.default_timezone)

    def _failed(
        self, delivery_id: int, error: SendError, started: dt.datetime | None = None
    ) -> None:
        """Record a failure; `started` is when the attempt began, if one was made."""
        with transaction(self.engine) as session:
            delivery = self._mine(session, delivery_id)
            if delivery is None:
                return
            if started is not None:
                history.attempt(session, delivery, started)
            retry_at = None
            if not error.permanent and delivery.attempts < MAX_ATTEMPTS:
                retry_at = self.clock() + dt.timedelta(
                    seconds=self._backoff(delivery.attempts, error)
                )
            record_failure(
                session,
                delivery,
                code=error.code,
                message=error.message,
                now=self.clock(),
                retry_at=retry_at,
                default_timezone=self.default_timezone,
            )

    def _backoff(self, attempts: int, error: SendError) -> float:
        """Exponential backoff with full jitter; never sooner than the provider asked."""
        ceiling = self.retry_base_seconds * 2 ** (attempts - 1)
        delay = random.uniform(ceiling / 2, ceiling)
        return max(delay, error.retry_after or 0.0)


class MediaUnavailable(SendError):
    """A photo or file could not be fetched from the provider it came through."""


def _internal(exc: Exception) -> SendError:
    """An unexpected error while sending: logged with where it happened (not its message,
    which could quote a number or a text), retried like any other."""
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error("sending failed unexpectedly: %s\n%s", type(exc).__name__, where)
    return SendError("internal", type(exc).__name__, permanent=False)
