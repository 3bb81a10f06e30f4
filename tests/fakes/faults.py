"""Injected failures and rate limits, shared by the fakes.

Both fakes answer sends in the same way: a test may queue failures for the next few sends, and
a fake may enforce the provider's rate limits so a benchmark measures what the real provider
would let through. The failure and limit classes do not lock: the fakes call them while
holding their own lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass
class InjectedFailure:
    """`remaining` more sends (to `target` only, if set) answer with HTTP `status`."""

    remaining: int
    status: int
    target: Hashable | None = None
    retry_after: int | None = None
    code: int | None = None


@dataclass
class InjectedDelay:
    """`remaining` more sends (to `target` only, if set) wait `seconds` before they are
    handled: a slow provider (`answer`), or a hung request that in the end gets a 504 and
    is not accepted (not `answer`), as when a gateway gives up on it."""

    remaining: int
    seconds: float
    target: Hashable | None = None
    answer: bool = True


class DelayQueue:
    """Delays queued by `delay_next`/`hang_next`, used up in the order they were queued."""

    def __init__(self) -> None:
        self._queue: list[InjectedDelay] = []

    def add(self, delay: InjectedDelay) -> None:
        if delay.remaining > 0:
            self._queue.append(delay)

    def take(self, target: Hashable) -> InjectedDelay | None:
        for delay in self._queue:
            if delay.target is None or delay.target == target:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self._queue.remove(delay)
                return delay
        return None

    def clear(self) -> None:
        self._queue.clear()


class FailureQueue:
    """Failures queued by `fail_next`, used up in the order they were queued."""

    def __init__(self) -> None:
        self._queue: list[InjectedFailure] = []

    def add(self, failure: InjectedFailure) -> None:
        if failure.remaining > 0:
            self._queue.append(failure)

    def take(self, target: Hashable) -> InjectedFailure | None:
        """The first queued failure that applies to a send to `target`, if any, used once."""
        for failure in self._queue:
            if failure.target is None or failure.target == target:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._queue.remove(failure)
                return failure
        return None

    def clear(self) -> None:
        self._queue.clear()


class RateLimiter:
    """Accepts a send unless it comes too soon after the last one to the same key, or the
    trailing `window` already holds `global_limit` accepted sends.

    Rejected sends are not counted against later ones, as with the real providers: a client
    that backs off and retries is not punished twice.
    """

    def __init__(
        self, min_interval: float | None, global_limit: int | None, window: float = 1.0
    ) -> None:
        self.min_interval = min_interval
        self.global_limit = global_limit
        self.window = window
        self._last_by_key: dict[Hashable, float] = {}
        self._recent: deque[float] = deque()

    def accept(self, key: Hashable, now: float) -> bool:
        """Record and allow a send at monotonic time `now`, or refuse it."""
        last = self._last_by_key.get(key)
        if self.min_interval is not None and last is not None and now - last < self.min_interval:
            return False
        while self._recent and now - self._recent[0] >= self.window:
            self._recent.popleft()
        if self.global_limit is not None and len(self._recent) >= self.global_limit:
            return False
        self._last_by_key[key] = now
        self._recent.append(now)
        return True

    def reset(self) -> None:
        self._last_by_key.clear()
        self._recent.clear()


class SegmentWindow:
    """Twilio's MPS as a sender sees it: at most `limit` segments accepted in any trailing
    `window` per sender (an SMS counts its segments, an MMS or WhatsApp message one). A
    message longer than the limit is taken only into an empty window. Refused sends are
    not counted."""

    def __init__(self, limit: float, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._accepted: dict[Hashable, deque[tuple[float, int]]] = {}

    def accept(self, key: Hashable, now: float, cost: int = 1) -> bool:
        recent = self._accepted.setdefault(key, deque())
        while recent and now - recent[0][0] >= self.window:
            recent.popleft()
        if recent and sum(c for _, c in recent) + cost > self.limit:
            return False
        recent.append((now, cost))
        return True

    def reset(self) -> None:
        self._accepted.clear()


class SendCounts:
    """What a fake let through and what it refused, for benchmarks to read.

    Mixed into both fakes, which set `_lock`, `_limiter`, `_accepted_times` and
    `_rejected_429` in their constructors.
    """

    _lock: threading.Lock
    _limiter: RateLimiter | SegmentWindow | None
    _accepted_times: list[float]
    _rejected_429: int

    @property
    def accepted_count(self) -> int:
        with self._lock:
            return len(self._accepted_times)

    @property
    def accepted_times(self) -> list[float]:
        """`time.monotonic()` of every accepted send, for computing an achieved rate."""
        with self._lock:
            return list(self._accepted_times)

    @property
    def rejected_429_count(self) -> int:
        """Sends answered 429, by the fake's rate limits or by `fail_next`."""
        with self._lock:
            return self._rejected_429

    def _reset_counts(self) -> None:
        """Call while holding `_lock`."""
        self._accepted_times.clear()
        self._rejected_429 = 0
        if self._limiter is not None:
            self._limiter.reset()
