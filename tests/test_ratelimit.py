"""The limiter counts a send in its window from when the provider's answer arrived: the
provider took the request no later than that, whatever the adapter does with the answer
afterwards. A request that never got an answer may still arrive: it counts from the end."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from commbot import ratelimit
from commbot.ratelimit import SenderLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_send_counts_from_its_answers_arrival() -> None:
    clock = Clock()
    limiter = SenderLimiter(1, clock=clock)
    async with limiter.slot():
        ratelimit.request_started()
        clock.now = 0.2
        ratelimit.answer_arrived()
        clock.now = 0.5  # the adapter reads the answer
    # Free again one window after 0.2, not after 0.5.
    assert limiter._wait_needed(None) == pytest.approx(0.7)


async def test_a_send_of_two_requests_counts_from_the_last_answer() -> None:
    clock = Clock()
    limiter = SenderLimiter(1, clock=clock)
    async with limiter.slot():
        for answered in (0.2, 0.4):
            ratelimit.request_started()
            clock.now = answered
            ratelimit.answer_arrived()
        clock.now = 0.5
    assert limiter._wait_needed(None) == pytest.approx(0.9)


async def test_a_request_left_unanswered_counts_from_the_end() -> None:
    clock = Clock()
    limiter = SenderLimiter(1, clock=clock)
    with pytest.raises(TimeoutError):
        async with limiter.slot():
            ratelimit.request_started()
            clock.now = 0.2
            ratelimit.answer_arrived()
            ratelimit.request_started()  # the second part times out
            clock.now = 0.5
            raise TimeoutError
    assert limiter._wait_needed(None) == pytest.approx(1.0)


async def test_requests_of_another_task_do_not_count_for_a_send() -> None:
    """A webhook fetching media through the same client, while a send is under way, must
    not move that send's answer time (the hooks follow the task, not the client)."""
    clock = Clock()
    limiter = SenderLimiter(1, clock=clock)

    async def elsewhere() -> None:
        ratelimit.request_started()  # one still open when the send ends
        ratelimit.request_started()
        clock.now = 0.4
        ratelimit.answer_arrived()

    async with limiter.slot():
        ratelimit.request_started()
        clock.now = 0.2
        ratelimit.answer_arrived()
        # A task started outside any send (as the web app's are) runs meanwhile.
        await asyncio.create_task(elsewhere(), context=contextvars.Context())
        clock.now = 0.5
    # Counted from its own answer at 0.2: neither the later answer nor the open request
    # elsewhere is taken for its own.
    assert limiter._wait_needed(None) == pytest.approx(0.7)
