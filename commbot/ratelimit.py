"""Rate limits for one sender: at most N sends in any window, and a gap per chat.

A send may count for more than one (`cost`): Twilio's MPS counts SMS segments, so a
three-segment text takes three of the window's places.

Providers count a send when it *arrives*, which we cannot see; we only know that it
arrived after we started it and before its answer came back. So a send holds its place in
the window from the moment it starts until one window after its answer. That bound is
safe whatever the network does, and costs only a round trip's worth of rate.

Sends are also spread out over the window (one every window / N) rather than started in a
burst at its beginning: the rate is the same, but fewer sends are on the wire at any moment,
so fewer can be in doubt (sent, not yet recorded) if the worker dies.

A send waits for its chat's gap on its own, outside the lock the sender's window is kept
under, so a chat that is not ready yet never holds up sends to other chats (the dispatcher
has at most one send per chat under way, so the chat's gap needs no lock).

A send's answer counts from when it arrives, not from when the adapter has finished with it:
an adapter's HTTP client calls `request_started` and `answer_arrived` around each request,
and the send is counted from its last answer's arrival (parsing Twilio's answer into a
message resource took a twentieth of a second of each send's place in the window).

Sends wait for their turn in order of priority (the dispatcher's lane), then of arrival: a
conversation reply claimed while a broadcast's sends queue here goes next, not after them.
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

POLL = 0.005  # seconds between looks while every counted send is still in flight


@dataclass
class _Send:
    cost: int = 1  # how much of the window it takes (Twilio: its SMS segments)
    hold: float = 1.0  # seconds it stays counted after its answer
    answered: float | None = None  # monotonic time the provider's answer came back
    requests_open: int = 0  # requests of this send on the wire (`request_started`)
    last_arrival: float | None = None  # when the last of their answers arrived


# The send the running task is making, with its limiter's clock (set by `slot`).
_current: contextvars.ContextVar[tuple[_Send, Callable[[], float]] | None] = (
    contextvars.ContextVar("commbot_send", default=None)
)


def request_started() -> None:
    """An adapter's HTTP client says one request of the current send is going out."""
    current = _current.get()
    if current is not None:
        current[0].requests_open += 1


def answer_arrived() -> None:
    """An adapter's HTTP client says a request's answer has arrived (before it is read
    into anything): the provider counted that request no later than now."""
    current = _current.get()
    if current is not None:
        send, clock = current
        send.requests_open = max(0, send.requests_open - 1)
        send.last_arrival = clock()


class SenderLimiter:
    def __init__(
        self,
        per_second: float,
        per_chat_interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = max(1, int(per_second)) if per_second >= 1 else 1
        self.window = 1.0 if per_second >= 1 else 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.spacing = self.window / self.capacity
        self._next_start = 0.0
        self._sends: list[_Send] = []
        self._last_by_chat: dict[str, _Send] = {}
        self._paused_until = 0.0
        # Whose turn it is to wait for the window: lowest priority first, then first come.
        self._turn_taken = False
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    def chat_ready_in(self, chat: str) -> float:
        """Seconds until `chat` may get another message (0 when it may now)."""
        if self.per_chat_interval is None or chat not in self._last_by_chat:
            return 0.0
        last = self._last_by_chat[chat]
        if last.answered is None:
            return self.per_chat_interval
        return max(0.0, last.answered + self.per_chat_interval - self.clock())

    @property
    def look_back(self) -> float:
        """Seconds the provider's limits look back: a new holder of this sender waits this
        long after the previous holder's last send."""
        return max(self.window, self.per_chat_interval or 0.0)

    def pause(self, seconds: float) -> None:
        """The provider asked us to slow down: start nothing through this sender for a while."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def paused_for(self) -> float:
        """Seconds left of a pause (0 when not paused)."""
        return max(0.0, self._paused_until - self.clock())

    def _wait_needed(self, chat: str | None, cost: int = 1) -> float:
        now = self.clock()
        self._sends = [s for s in self._sends if s.answered is None or s.answered > now - s.hold]
        wait = max(self._paused_until, self._next_start) - now
        # A send that costs more than the whole window goes alone, and holds its place for
        # as many windows as it fills (a three-segment SMS at 1 MPS: three seconds).
        needed = min(cost, self.capacity)
        if sum(s.cost for s in self._sends) + needed > self.capacity:
            frees = [s.answered + s.hold for s in self._sends if s.answered is not None]
            wait = max(wait, min(frees) - now if frees else POLL)
        if chat is not None:
            wait = max(wait, self.chat_ready_in(chat))
        return wait

    async def _take_turn(self, priority: int) -> None:
        if not self._turn_taken and not self._queue:
            self._turn_taken = True
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (priority, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn()  # given the turn as it was cancelled: hand it on
            raise

    def _pass_turn(self) -> None:
        while self._queue:
            _, _, turn = heapq.heappop(self._queue)
            if not turn.done():
                turn.set_result(None)
                return
        self._turn_taken = False

    @asynccontextmanager
    async def slot(
        self, chat: str | None = None, priority: int = 0, cost: int = 1
    ) -> AsyncIterator[None]:
        """Hold a place for one send that takes `cost` of the window: wait until it is
        allowed, count it until answered. Of the sends waiting, the lowest `priority` goes
        first."""
        if chat is not None:
            while (wait := self.chat_ready_in(chat)) > 0:
                await asyncio.sleep(max(wait, POLL))
        await self._take_turn(priority)
        try:
            while (wait := self._wait_needed(chat, cost)) > 0:
                await asyncio.sleep(max(wait, POLL))
            send = _Send(cost, self.window * max(1.0, cost / self.capacity))
            self._sends.append(send)
            # From when this send was due, not when it woke: a wake-up a millisecond late
            # on every send would otherwise cost 3 % of the rate at 30/s. Lateness of up to
            # half a gap is made up; after an idle spell the next send still waits half one.
            now = self.clock()
            due = max(self._next_start, now - self.spacing / 2)
            self._next_start = due + self.spacing * min(cost, self.capacity)
            if chat is not None and self.per_chat_interval is not None:
                self._last_by_chat[chat] = send
        finally:
            self._pass_turn()
        token = _current.set((send, self.clock))
        try:
            yield
        finally:
            _current.reset(token)
            # Every request answered: counted from the last answer's arrival. One still
            # open (a timeout) may arrive any time: counted from now.
            whole = send.requests_open == 0 and send.last_arrival is not None
            send.answered = send.last_arrival if whole else self.clock()
            if len(self._last_by_chat) > 50_000 and self.per_chat_interval is not None:
                cutoff = self.clock() - 10 * self.per_chat_interval
                self._last_by_chat = {
                    c: s
                    for c, s in self._last_by_chat.items()
                    if s.answered is None or s.answered >= cutoff
                }
