"""Twilio's MPS counts SMS segments, not requests: a number at 10 MPS sending texts of three
segments takes about three requests a second. The fake Twilio refuses (429) any send that
would put more than its MPS of segments into a trailing second, so a sender that counted
requests would be refused here."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from commbot.models import Channel, DeliveryStatus
from commbot.ratelimit import SenderLimiter

from .fakes import FakeTelegram, FakeTwilio
from .fakes.segments import sms_segments
from .support import System
from .test_crash_recovery import drain_until_sent, queue_sms

MPS = 10
# Three GSM-7 segments (306 characters at most in three; this is more than two's 306).
LONG = ("Our class trip to the science museum is on Friday. " * 7).strip()


def test_the_long_text_is_three_segments() -> None:
    assert sms_segments(LONG) == 3


async def test_an_sms_number_is_held_to_its_mps_in_segments(engine: Engine, tmp_path: Path) -> None:
    with FakeTelegram() as telegram, FakeTwilio(enforce_mps=MPS) as twilio:
        system = System(engine, telegram, twilio, tmp_path, COMMBOT_TWILIO_MPS=str(MPS))
        try:
            queue_sms(
                system,
                [f"+1617555{4100 + n}" for n in range(12)],
                [LONG if n % 2 == 0 else f"Short note {n}." for n in range(12)],
            )
            dispatcher = system.make_dispatcher({Channel.SMS: system.twilio_sender}, limits=None)
            await drain_until_sent(dispatcher, system, seconds=30)
        finally:
            await system.close()

    assert twilio.rejected_429_count == 0
    assert all(d.status is DeliveryStatus.SENT for d in system.deliveries())
    # 6 x 3 + 6 x 1 = 24 segments: at 10 a second, more than two seconds from first to last.
    accepted = sorted(call.at for call in twilio.messages)
    assert sum(sms_segments(call.body or "") for call in twilio.messages) == 24
    assert accepted[-1] - accepted[0] > 1.0
    # And each delivery records what it was billed as.
    assert sorted(d.segments for d in system.deliveries()) == [1] * 6 + [3] * 6


async def test_a_send_costing_more_than_the_window_holds_it_for_as_many_windows() -> None:
    limiter = SenderLimiter(2)
    async with limiter.slot(cost=3):
        pass
    # Counted for three windows' worth: a second send must wait past one window.
    assert limiter._wait_needed(None) > 1.0
