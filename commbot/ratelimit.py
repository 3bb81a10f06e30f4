"""Rate limits for one sender: a sliding window overall, and a minimum gap per chat.

A sliding window (not a token bucket) matches how Telegram counts: at most N messages in
any one-second span. A small margin absorbs the jitter between our clock and theirs.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

MARGIN = 0.03  # seconds added to every window and gap


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
        self._sent: deque[float] = deque()
        self._chat_last: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def chat_ready_in(self, chat: str) -> float:
        """Seconds until `chat` may get another message (0 when it may now)."""
        if self.per_chat_interval is None or chat not in self._chat_last:
            return 0.0
        due = self._chat_last[chat] + self.per_chat_interval + MARGIN
        return max(0.0, due - self.clock())

    def pause(self, seconds: float) -> None:
        """The provider asked us to slow down: send nothing through this sender for a while."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat: str | None = None) -> None:
        """Wait until one more message may go out, then count it as sent."""
        async with self._lock:
            while True:
                now = self.clock()
                while self._sent and now - self._sent[0] >= self.window + MARGIN:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self.capacity:
                    wait = max(wait, self._sent[0] + self.window + MARGIN - now)
                if chat is not None:
                    wait = max(wait, self.chat_ready_in(chat))
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._sent.append(now)
            if chat is not None and self.per_chat_interval is not None:
                self._chat_last[chat] = now
                if len(self._chat_last) > 50_000:  # forget chats idle for a while
                    cutoff = now - 10 * self.per_chat_interval
                    self._chat_last = {c: t for c, t in self._chat_last.items() if t >= cutoff}
