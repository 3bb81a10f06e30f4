"""Claim due deliveries, send them through their channel, and record what happened.

One pipeline per channel (Telegram, SMS, WhatsApp), each holding that sender's lease,
each with its own rate limiter. A pipeline keeps up to `max_in_flight` sends under way
(twice what the channel's rate allows in one window) and claims more as sends finish,
lowest lane first, so a conversation reply never waits behind a broadcast. Each send is
recorded the moment it is answered, and is bounded by `send_timeout`: a hung request
becomes a retryable "timeout" failure and never holds up the channel's other sends. An
address with a send under way gets its next message only after it, so messages to one
chat arrive in the order they were written.

What a provider can take (rates, sizes, WhatsApp's window, fetching media) is the channel
adapter's to say (`channels/base.py`); this module claims, limits, retries and falls back.
Whatever it fetches is stripped of its metadata (`images`) before it is sent or stored; a
number that cannot take MMS gets the picture as an expiring link of ours.
Leases and hand-overs are `leases.py` and `recovery.py`; when to retry is `retries.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from ..channels.base import (
    ChannelAdapter,
    ChannelLimits,
    Media,
    MediaKind,
    Outbound,
    RateLimit,
    SendError,
    SendResult,
)
from ..db import transaction
from ..i18n import N_, gettext
from ..images import NotCleaned, cleaned_file_name, cleaned_type, strip_metadata
from ..languages import is_rtl
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
from ..phones import redact, supports_mms
from ..ratelimit import SenderLimiter
from ..translation import NoTranslator, Translator
from . import guards, history, leases, recovery, retries
from .compose import render, right_to_left
from .outcomes import record_failure, record_sent

log = logging.getLogger(__name__)

# The safety net for a claim nobody took over with its lease (see `recovery`): longer than
# any send may take, so a live worker's claim is never taken from it.
CLAIM_TIME = dt.timedelta(minutes=5)
MAX_PAUSE = retries.MAX_RETRY_AFTER  # a provider's pause is honoured in full, up to a day
SEND_TIMEOUT = 20.0
MEDIA_REUSE = dt.timedelta(days=1)  # well inside a media link's lifetime

ChannelSettings = RateLimit  # the name `limits=` overrides were written with

MEDIA_NOT_FETCHED = N_(
    "(A photo or file came with this message, but we could not fetch it yet. "
    "We will keep trying and send it on its own.)"
)
# Before the link that replaces MMS for a number that cannot take it.
PHOTO_LINK = N_("See the photo here. The link works for 7 days:")


@dataclass
class Claimed:
    delivery: Delivery
    # The channel takes only a template now (WhatsApp, 24 hours after the family last wrote).
    template_only: bool = False


@dataclass
class _Pipe:
    """One channel's sends under way, and its lease as this worker sees it."""

    tasks: dict[int, asyncio.Task[None]] = field(default_factory=dict)  # by delivery id
    busy: set[str] = field(default_factory=set)  # addresses with a send under way
    started: set[int] = field(default_factory=set)  # ids whose request has gone out
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    lease: leases.Held | None = None
    renewed_at: dt.datetime | None = None
    next_try: dt.datetime | None = None  # when a worker without the lease asks again
    last_answer: dt.datetime | None = None  # when our last send through it was answered
    ahead_claimed_at: dt.datetime | None = None  # last claim of what goes before a broadcast


@dataclass
class _SentRecord:
    """A send the provider took, waiting to be written."""

    delivery_id: int
    provider_id: str
    started: dt.datetime
    segments: int | None
    written: asyncio.Future[None] | None = None


class LeaseLost(Exception):
    """This worker no longer holds the channel's lease: it must not start a send."""


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
        worker_name: str | None = None,
        retry_budget: dt.timedelta = retries.DEFAULT_BUDGET,
        send_timeout: float = SEND_TIMEOUT,
        max_in_flight: int | None = None,
    ) -> None:
        self.engine = engine
        self.senders = senders
        self.retry_base_seconds = retry_base_seconds
        self.retry_budget = retry_budget
        self.send_timeout = send_timeout
        self.channel_limits: dict[Channel, ChannelLimits] = {
            channel: sender.limits(channel) for channel, sender in senders.items()
        }
        # The providers' own rates, unless the caller sets others (tests, the demo).
        rates = limits or {channel: limit.rate for channel, limit in self.channel_limits.items()}
        self.limiters = {
            channel: SenderLimiter(rate.per_second, rate.per_chat_interval)
            for channel, rate in rates.items()
        }
        # Enough sends under way to keep the window full while some wait for an answer.
        self.max_in_flight = {
            channel: max_in_flight or max(2, 2 * limiter.capacity)
            for channel, limiter in self.limiters.items()
        }
        self.translator = translator or NoTranslator()
        self.media_store = media_store
        self.public_base_url = public_base_url
        self.status_callback = status_callback
        self.whatsapp_template_sid = whatsapp_template_sid
        self.default_timezone = default_timezone
        self.clock = clock
        # One id per run: claims and leases name the process that made them. A stable
        # `worker_name` prefixes it, so a restart recognises its own dead predecessor.
        self.worker_name = worker_name
        run = uuid.uuid4().hex[:8]
        self.worker_id = worker_id or f"{worker_name or socket.gethostname()}:{run}"
        self.poll_interval = poll_interval
        self._pipes: dict[Channel, _Pipe] = {channel: _Pipe() for channel in senders}
        # Provider file id or URL -> (media token, when stored).
        self._stored_media: dict[str, tuple[str, dt.datetime | None]] = {}
        # Copies being fetched and stored now, by the same key: a photo to a whole class
        # is fetched once, however many of its sends are under way at the same time.
        self._storing: dict[str, asyncio.Future[str]] = {}
        # Sends answered while the previous ones are being written (`_record_sent`).
        self._unwritten: list[_SentRecord] = []
        self._writer: asyncio.Task[None] | None = None

    # -- running -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; each channel in its own task. Then give back what was
        claimed but not sent, and the leases."""
        tasks = [asyncio.create_task(self.run_channel(channel, stop)) for channel in self.senders]
        try:
            await asyncio.gather(*tasks)
        finally:
            await self.release()

    async def run_channel(self, channel: Channel, stop: asyncio.Event) -> None:
        """Send on one channel until `stop` is set (the worker starts each once it answers);
        then finish the sends under way and give back the claims not yet sent."""
        pipe = self._pipes[channel]
        try:
            while not stop.is_set():
                try:
                    await self._fill(channel)
                except Exception:  # keep the worker alive; claims stay and are retried
                    log.exception("dispatch of %s failed", channel.value)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(pipe.wakeup.wait(), self.poll_interval)
                pipe.wakeup.clear()
        finally:
            await self._wind_down(channel)

    async def release(self) -> None:
        """Give back this worker's leases at once (a graceful stop), noting when each
        sender's last send was answered, so the next holder waits no longer than it must."""
        for channel in self.senders:
            await self._wind_down(channel)
        last = {
            _lease_name(channel): pipe.last_answer
            for channel, pipe in self._pipes.items()
            if pipe.last_answer is not None
        }
        await asyncio.to_thread(leases.release, self.engine, self.worker_id, self.clock(), last)
        for pipe in self._pipes.values():
            pipe.lease = None

    async def drain(self, max_rounds: int = 1000) -> int:
        """Send everything due now, on every channel, then return (tests and the demo)."""
        total, idle = 0, 0
        for _ in range(max_rounds):
            started = 0
            for channel in self.senders:
                started += await self._fill(channel)
            await self._settle(*self.senders)
            # A hand-over's wait (one window) is waited out; a provider's long pause is not.
            short = [p for c in self.senders if 0 < (p := self.limiters[c].paused_for()) <= 2]
            if short and started == 0:
                await asyncio.sleep(max(short))
                idle = 0
                continue
            total += started
            # Twice: taking a lease over may have queued work (a note to a writer).
            idle = idle + 1 if started == 0 else 0
            if idle == 2:
                break
        return total

    async def tick(self, channel: Channel) -> int:
        """Claim what `channel`'s pipeline may take now and send it; returns how many were
        claimed, once every one of them is answered (or timed out)."""
        started = await self._fill(channel)
        await self._settle(channel)
        return started

    async def _settle(self, *channels: Channel) -> None:
        tasks = [t for c in channels for t in self._pipes[c].tasks.values()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _fill(self, channel: Channel) -> int:
        """Renew the lease when due; claim as many deliveries as the pipeline has room for
        (one per address not already under way) and start sending them."""
        now = self.clock()
        if not await self._hold_lease(channel, now):
            return 0
        pipe = self._pipes[channel]
        size = self.max_in_flight[channel]
        room = size - len(pipe.tasks)
        before: Lane | None = None
        # Claim in chunks (fewer, larger claims), but never leave the pipeline empty.
        if room <= 0 or (pipe.tasks and room < max(1, size // 4)):
            # A pipeline full of a broadcast still takes, a few at a time and once a poll,
            # what goes before it: a reply must not wait for a chunk of the broadcast to go.
            since = pipe.ahead_claimed_at
            if since is not None and (now - since).total_seconds() < self.poll_interval:
                return 0
            room = size + max(2, size // 8) - len(pipe.tasks)
            if room <= 0:
                return 0
            pipe.ahead_claimed_at, before = now, Lane.BROADCAST
        if self.limiters[channel].paused_for() > 0:
            return 0  # the provider asked us to wait: hold no claims meanwhile
        claimed = await asyncio.to_thread(
            self._claim, channel, now, room, frozenset(pipe.busy), frozenset(pipe.tasks), before
        )
        for item in claimed:
            pipe.busy.add(item.delivery.address)
            pipe.tasks[item.delivery.id] = asyncio.create_task(self._one(channel, item))
        return len(claimed)

    async def _one(self, channel: Channel, item: Claimed) -> None:
        pipe = self._pipes[channel]
        try:
            await self._deliver(channel, item)
        except Exception:
            log.exception("recording delivery %s failed", item.delivery.id)
        finally:
            pipe.tasks.pop(item.delivery.id, None)
            pipe.busy.discard(item.delivery.address)
            pipe.started.discard(item.delivery.id)
            pipe.wakeup.set()

    async def _wind_down(self, channel: Channel) -> None:
        """Stop a channel's pipeline: claims not yet sent are given back at once; sends
        already on their way are answered (within their timeout) and recorded."""
        pipe = self._pipes[channel]
        waiting = [i for i in pipe.tasks if i not in pipe.started]
        for delivery_id in waiting:
            pipe.tasks[delivery_id].cancel()
        await self._settle(channel)
        if waiting:
            await asyncio.to_thread(self._give_back, waiting)

    async def _hold_lease(self, channel: Channel, now: dt.datetime) -> bool:
        """Renew this channel's lease every `RENEW_EVERY`, not on every poll; a worker
        without it asks as often. Taking it over reclaims the previous holder's claims
        and waits out the provider's limits (see `leases`)."""
        pipe = self._pipes[channel]
        if pipe.lease is not None and pipe.renewed_at is not None:
            if now - pipe.renewed_at < leases.RENEW_EVERY and self._may_send(channel, now):
                return True
        elif pipe.next_try is not None and now < pipe.next_try:
            return False
        limiter = self.limiters[channel]
        takeover = functools.partial(
            recovery.reclaim,
            channel=channel,
            now=now,
            budget=self.retry_budget,
            default_timezone=self.default_timezone,
        )
        held = await asyncio.to_thread(
            leases.hold,
            self.engine,
            _lease_name(channel),
            self.worker_id,
            now,
            self.worker_name,
            dt.timedelta(seconds=limiter.look_back),
            takeover,
            pipe.last_answer,
        )
        if held is None:
            pipe.lease = None
            pipe.next_try = now + leases.RENEW_EVERY
            return False
        pipe.lease, pipe.renewed_at = held, now
        if held.replaced is not None:
            log.info("took over the %s lease from %s", channel.value, held.replaced)
        if held.quiet_until is not None and held.quiet_until > now:
            limiter.pause(min((held.quiet_until - now).total_seconds(), MAX_PAUSE))
        return True

    def _may_send(self, channel: Channel, now: dt.datetime | None = None) -> bool:
        """Whether this worker's lease still has its safety margin left: a worker that
        lost its lease (paused, cut off from the database) starts no send, so the next
        holder may reclaim its claims at once."""
        lease = self._pipes[channel].lease
        return lease is not None and (now or self.clock()) < lease.until - leases.SAFETY

    # -- database steps ------------------------------------------------------------------

    def _claim(
        self,
        channel: Channel,
        now: dt.datetime,
        room: int | None = None,
        busy: frozenset[str] = frozenset(),
        in_flight: frozenset[int] = frozenset(),
        before: Lane | None = None,
    ) -> list[Claimed]:
        """Claim up to `room` due deliveries (the pipeline's size by default), the first due
        for each address not in `busy`; only those of lanes before `before`, if given."""
        room = room or self.max_in_flight[channel]
        due = or_(
            and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
            # A claim nobody reclaimed with its lease (the safety net; see `recovery`).
            and_(
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.claimed_until < now,
                # Never one of our own sends under way (it may wait out a long pause).
                or_(Delivery.claimed_by != self.worker_id, Delivery.id.not_in(in_flight)),
            ),
        )
        query = select(Delivery).where(Delivery.channel == channel, due, Delivery.not_before <= now)
        if busy:
            query = query.where(Delivery.address.not_in(busy))
        if before is not None:
            query = query.where(Delivery.lane < int(before))
        window = self.channel_limits[channel].reply_window
        with transaction(self.engine) as session:
            rows = session.scalars(
                query.order_by(Delivery.lane, Delivery.id)
                # More than room: several may be for one address, which takes only one.
                .limit(room * 3)
                .with_for_update(skip_locked=True)
            ).all()
            claimed: list[Claimed] = []
            addresses: set[str] = set()
            for delivery in rows:
                if len(claimed) >= room:
                    break
                if delivery.address in addresses:
                    continue
                if self._in_quiet_hours(session, delivery, now):
                    continue
                if guards.stopped(session, delivery, now):
                    continue
                addresses.add(delivery.address)
                if delivery.status is DeliveryStatus.SENDING and retries.out_of_budget(
                    delivery, now, self.retry_budget
                ):
                    recovery.abandon(session, delivery, now, self.default_timezone)
                    continue
                delivery.status = DeliveryStatus.SENDING
                delivery.claimed_by = self.worker_id
                delivery.claimed_until = now + CLAIM_TIME
                delivery.attempts += 1
                if delivery.first_attempt_at is None:
                    delivery.first_attempt_at = now
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

    def _give_back(self, delivery_ids: list[int]) -> None:
        """Give back claims whose send never started (a graceful stop, a lost lease):
        due again at once, for whoever holds the lease, with no attempt counted."""
        with transaction(self.engine) as session:
            for delivery_id in delivery_ids:
                delivery = session.get(Delivery, delivery_id)
                if delivery is None or delivery.claimed_by != self.worker_id:
                    continue
                if delivery.status is not DeliveryStatus.SENDING:
                    continue
                delivery.status = DeliveryStatus.PENDING
                delivery.claimed_by = None
                delivery.claimed_until = None
                delivery.attempts = max(0, delivery.attempts - 1)
                if delivery.attempts == 0:
                    delivery.first_attempt_at = None  # never tried: its retry budget has not begun

    # -- sending -------------------------------------------------------------------------

    async def _deliver(self, channel: Channel, item: Claimed) -> None:
        delivery = item.delivery
        started = self.clock()
        try:
            if item.template_only:
                await self._window_closed(channel, delivery, started)
                return
            outbound = await self._outbound(channel, delivery)
            result = await self._send(channel, delivery.id, outbound, Lane(delivery.lane))
        except LeaseLost:
            log.warning("lost the %s lease: delivery %s given back", channel.value, delivery.id)
            await asyncio.to_thread(self._give_back, [delivery.id])
            return
        except Exception as exc:  # every failure is recorded: nothing stays half-sent
            await self._record_error(channel, delivery, exc, started)
            return
        await self._record_sent(
            _SentRecord(delivery.id, result.provider_message_id, started, result.segments)
        )

    async def _send(
        self,
        channel: Channel,
        delivery_id: int,
        outbound: Outbound,
        lane: Lane = Lane.CONVERSATION,
    ) -> SendResult:
        """One request to the provider: within the channel's limits (at what the provider
        counts it as: Twilio's SMS segments), lowest lane first, only while this worker
        holds the lease (checked when the send is about to start), bounded in time."""
        pipe = self._pipes[channel]
        cost = self.channel_limits[channel].cost(outbound)
        async with self.limiters[channel].slot(outbound.address, int(lane), cost):
            if not self._may_send(channel):
                raise LeaseLost
            pipe.started.add(delivery_id)
            try:
                async with asyncio.timeout(self.send_timeout) as deadline:
                    return await self.senders[channel].send(outbound)
            except TimeoutError:
                if not deadline.expired():
                    raise
                raise SendError(
                    "timeout", f"no answer within {self.send_timeout:g} s", permanent=False
                ) from None
            finally:
                pipe.last_answer = self.clock()

    async def _record_error(
        self, channel: Channel, delivery: Delivery, exc: Exception, started: dt.datetime
    ) -> None:
        error = exc if isinstance(exc, SendError) else _internal(exc)
        if error.retry_after:
            # Honoured in full, here and by whoever holds the lease next.
            seconds = min(error.retry_after, MAX_PAUSE)
            self.limiters[channel].pause(seconds)
            until = self.clock() + dt.timedelta(seconds=seconds)
            await asyncio.to_thread(
                leases.pause, self.engine, _lease_name(channel), self.worker_id, until
            )
        await asyncio.to_thread(self._failed, delivery.id, error, started)
        log.info(
            "delivery %s to %s failed: %s (%s)",
            delivery.id,
            redact(delivery.address),
            error.code,
            "permanent" if error.permanent else "retryable",
        )

    async def _outbound(self, channel: Channel, delivery: Delivery) -> Outbound:
        media, missing = await self._media_for(channel, delivery)
        if missing:
            if not (delivery.header or delivery.body or delivery.pieces):
                # Nothing but the attachment: try it again later, as before.
                raise SendError("media", "could not fetch the photo or file", permanent=False)
            # The words never wait for a photo: they go now with a note (kept on the
            # delivery, should this send be retried), and what could not be fetched is
            # retried on its own.
            delivery.header = await asyncio.to_thread(self._split_media, delivery.id, missing)
        text = await render(delivery, self.translator)
        if any(item.as_link for item in media):
            # The sender puts the link itself after the words: say what it is first.
            line = gettext(delivery.language, PHOTO_LINK)
            line = right_to_left(line) if is_rtl(delivery.language) else line
            text = "\n".join(part for part in (text, line) if part)
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
            protect_content=delivery.protect_content,
            edit_message_id=delivery.edit_message_id,
        )

    async def _media_for(
        self, channel: Channel, delivery: Delivery
    ) -> tuple[tuple[Media, ...], list[dict[str, Any]]]:
        """Turn stored media references into what the target channel can carry. Returns
        them, and the stored references of those that could not be fetched."""
        stored = list(delivery.media)[: self.channel_limits[channel].media_count]
        resolved: list[Media] = []
        missing: list[dict[str, Any]] = []
        to_family = delivery.recipient_kind is RecipientKind.GUARDIAN
        for reference in stored:
            item = Media.from_json(reference)
            try:
                resolved.append(await self._resolve(channel, item, delivery.address, to_family))
            except MediaUnavailable:
                missing.append(reference)
        return tuple(resolved), missing

    async def _resolve(
        self, channel: Channel, item: Media, address: str, to_family: bool = True
    ) -> Media:
        """What `channel` is sent for one attachment. Whatever is fetched is stripped of
        its metadata (a photo's GPS position among it) before it goes anywhere; a picture
        for a family that cannot be stripped does not go (the words go with a note)."""
        if channel is Channel.TELEGRAM:
            if item.telegram_file_id and not _may_carry_metadata(item):
                return item  # sent again by its file id: Telegram's copy carries none
            data = await self._fetch_clean(item, strict=to_family and item.is_image)
            if not item.is_image:
                return replace(item, telegram_file_id=None, url=None, local_token=None, data=data)
            return replace(
                item,
                telegram_file_id=None,
                url=None,
                local_token=None,
                data=data,
                content_type=cleaned_type(item.content_type),
                file_name=cleaned_file_name(item.file_name, item.content_type),
            )
        if item.local_token is None:
            # One photo to many families (or retried) is fetched and stored once.
            source = item.telegram_file_id or item.url or _inline_key(item)
            token = await self._stored_copy(source)
            if token is None:
                token = await self._store_once(item, source)
            item = replace(
                item,
                telegram_file_id=None,
                url=None,
                local_token=token,
                content_type=cleaned_type(item.content_type),
            )
        if not self.public_base_url:
            raise SendError(
                "config", "PUBLIC_BASE_URL is needed to send photos by MMS", permanent=True
            )
        # A number that cannot take MMS gets the picture as our expiring link in the text.
        as_link = channel is Channel.SMS and item.is_image and not supports_mms(address)
        return replace(
            item,
            local_token=None,
            url=media_url(self.public_base_url, item.local_token or ""),
            as_link=True if as_link else item.as_link,
        )

    async def _stored_copy(self, source: str) -> str | None:
        """The token of the copy this worker stored of `source` lately, while it is still
        served (a withdrawn consent removes copies at once, from any process)."""
        token, stored_at = self._stored_media.get(source, ("", None))
        if stored_at is None or self.clock() - stored_at > MEDIA_REUSE:
            return None
        if not await asyncio.to_thread(self._still_stored, token):
            self._stored_media.pop(source, None)  # another send may have dropped it
            return None
        return token

    async def _store_once(self, item: Media, source: str) -> str:
        """Fetch, strip and store `item`, or wait for the send already doing it (its
        failure is each waiting send's own, recorded and retried by each)."""
        storing = self._storing.get(source)
        if storing is None:
            storing = asyncio.ensure_future(self._fetch_and_store(item, source))
            self._storing[source] = storing
            storing.add_done_callback(lambda _: self._storing.pop(source, None))
        return await asyncio.shield(storing)

    async def _fetch_and_store(self, item: Media, source: str) -> str:
        # Stored copies are for SMS and WhatsApp: always a family's.
        data = await self._fetch_clean(item, strict=item.is_image)
        kind = cleaned_type(item.content_type)
        token = await asyncio.to_thread(self._store, data, kind, source)
        self._stored_media[source] = (token, self.clock())
        return token

    def _still_stored(self, token: str) -> bool:
        with transaction(self.engine) as session:
            return MediaStore.find(session, token, self.clock()) is not None

    async def _fetch_clean(self, item: Media, *, strict: bool = False) -> bytes:
        """The file's bytes with no metadata left in them (see `images`); a file commbot
        wrote itself has none. With `strict`, a picture that cannot be stripped is
        unavailable for good rather than sent as it came."""
        data = await self._fetch(item)
        if item.inline is not None:
            return data
        try:
            return await asyncio.to_thread(strip_metadata, data, strict=strict)
        except NotCleaned:
            log.info("a picture for a family could not be stripped: not sent")
            raise MediaUnavailable(
                "media", "the photo's metadata could not be removed", permanent=True
            ) from None

    async def _fetch(self, item: Media) -> bytes:
        """The photo's bytes, from the provider it came in through (or the file itself,
        for one commbot wrote)."""
        if item.inline is not None:
            return item.inline.encode("utf-8")
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
                protect_content=delivery.protect_content,
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
        self, channel: Channel, delivery: Delivery, started: dt.datetime
    ) -> None:
        """Outside the channel's reply window (WhatsApp's 24 hours): send the approved
        template once and hold the message until the family replies, or move to their next
        channel without a template. A template that cannot be sent is a failed attempt
        like any other (retried, or the next channel and a note to the writer)."""
        if not self.whatsapp_template_sid:
            error = SendError(
                "whatsapp-window", "outside the 24-hour window and no template", permanent=True
            )
            await asyncio.to_thread(self._failed, delivery.id, error)
            return
        first = await asyncio.to_thread(self._first_held, delivery.id)
        if first:
            outbound = Outbound(
                channel=channel,
                address=delivery.address,
                text="",
                template_sid=self.whatsapp_template_sid,
                template_variables={"1": "1"},
                status_callback=self.status_callback,
            )
            await self._send(channel, delivery.id, outbound, Lane(delivery.lane))  # failure: above
        await asyncio.to_thread(self._hold_for_window, delivery.id, first)

    def _first_held(self, delivery_id: int) -> bool:
        """True if no other delivery to this contact point is already held for its window."""
        with transaction(self.engine) as session:
            delivery = session.get_one(Delivery, delivery_id)
            already = session.scalar(
                select(Delivery.id).where(
                    Delivery.contact_point_id == delivery.contact_point_id,
                    Delivery.status == DeliveryStatus.HELD,
                    Delivery.id != delivery.id,
                )
            )
            return already is None

    def _hold_for_window(self, delivery_id: int, template_sent: bool) -> None:
        """Mark the delivery held until the family writes again."""
        with transaction(self.engine) as session:
            delivery = self._mine(session, delivery_id)
            if delivery is None:
                return
            delivery.status = DeliveryStatus.HELD
            delivery.claimed_by = None
            delivery.claimed_until = None
            delivery.error_message = "waiting for the family to reply on WhatsApp"
            history.record(
                session,
                delivery,
                DeliveryEventKind.HELD,
                self.clock(),
                detail="outside the 24-hour reply window"
                + ("; template sent" if template_sent else ""),
            )

    def _mine(self, session: Session, delivery_id: int) -> Delivery | None:
        """The delivery, if this worker's claim on it still stands."""
        delivery = session.get_one(Delivery, delivery_id)
        if delivery.claimed_by != self.worker_id or delivery.status is not DeliveryStatus.SENDING:
            log.warning("delivery %s was claimed by another worker meanwhile", delivery_id)
            return None
        return delivery

    async def _record_sent(self, record: _SentRecord) -> None:
        """Write that the provider took a send; return once it is written. Sends answered
        while earlier ones are being written go together in the next transaction: at full
        rate one write carries many (SQLite takes one writer at a time), and a lone send
        is written at once."""
        record.written = asyncio.get_running_loop().create_future()
        self._unwritten.append(record)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_sent())
        await record.written

    async def _write_sent(self) -> None:
        while self._unwritten:
            batch, self._unwritten = self._unwritten, []
            try:
                await asyncio.to_thread(self._sent, batch)
            except Exception:
                # One record that cannot be written must not take the others with it.
                for record in batch:
                    try:
                        await asyncio.to_thread(self._sent, [record])
                    except Exception as exc:
                        _settle_future(record.written, exc)
                    else:
                        _settle_future(record.written)
            else:
                for record in batch:
                    _settle_future(record.written)

    def _sent(self, records: list[_SentRecord]) -> None:
        with transaction(self.engine) as session:
            for record in records:
                delivery = self._mine(session, record.delivery_id)
                if delivery is None:
                    continue
                history.attempt(session, delivery, record.started)
                record_sent(
                    session,
                    delivery,
                    record.provider_id,
                    self.clock(),
                    self.default_timezone,
                    segments=record.segments,
                )

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
            retry_at = retries.next_attempt(
                delivery,
                error,
                self.clock(),
                base_seconds=self.retry_base_seconds,
                budget=self.retry_budget,
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


def _lease_name(channel: Channel) -> str:
    return f"channel:{channel.value}"


class MediaUnavailable(SendError):
    """A photo or file could not be fetched from the provider it came through."""


def _internal(exc: Exception) -> SendError:
    """An unexpected error while sending: logged with where it happened (not its message,
    which could quote a number or a text), retried like any other."""
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error("sending failed unexpectedly: %s\n%s", type(exc).__name__, where)
    return SendError("internal", type(exc).__name__, permanent=False)


def _may_carry_metadata(item: Media) -> bool:
    """A Telegram file that may still hold what the camera wrote: a picture sent as a file
    (Telegram keeps a document's bytes as they were). A compressed PHOTO is re-encoded by
    Telegram without its EXIF, so its file id is sent again as it is."""
    return item.is_image and item.kind is not MediaKind.PHOTO


def _inline_key(item: Media) -> str:
    """What a file commbot wrote is stored under: its content, hashed."""
    return "inline:" + hashlib.sha256((item.inline or "").encode("utf-8")).hexdigest()


def _settle_future(future: asyncio.Future[None] | None, error: Exception | None = None) -> None:
    """Tell whoever waits for a record (unless it stopped waiting) how its writing went."""
    if future is None or future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
