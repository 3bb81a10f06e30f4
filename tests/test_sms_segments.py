"""Fewer, cheaper SMS: exact segment counts, texts kept in GSM-7, long texts split on
segment boundaries, and the count recorded per delivery and shown by `commbot outbox`.

Counts are checked twice: by `commbot.sms` and by the fake carrier (tests/fakes/segments.py,
written apart from it, encoding real septets and UTF-16 units).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from commbot import sms
from commbot.channels.base import Media, Outbound
from commbot.channels.sandbox import SandboxSender
from commbot.channels.twilio import TwilioSender
from commbot.cli import app
from commbot.config import load_settings
from commbot.models import Channel, DeliveryStatus
from commbot.text import split_text

from .fakes import FakeTwilio
from .fakes.segments import is_gsm7 as carrier_gsm7
from .fakes.segments import sms_segments as carrier_segments
from .support import System, command_line_on
from .test_dispatch import KIM, MARGARET, guardian_deliveries

runner = CliRunner()
FAMILY = "+16175550123"


def both(text: str) -> int:
    """The segments of `text` by commbot and by the carrier, which must agree."""
    ours = sms.count(text).segments
    assert ours == carrier_segments(text), text[:40]
    return ours


# -- exact counts at the boundaries --------------------------------------------------------


def test_gsm7_single_and_joined_boundaries() -> None:
    assert [both("a" * n) for n in (0, 1, 160, 161)] == [1, 1, 1, 2]
    for k in range(2, 11):
        assert both("a" * (153 * k)) == k
        assert both("a" * (153 * k + 1)) == k + 1


def test_ucs2_single_and_joined_boundaries() -> None:
    assert [both("ж" * n) for n in (1, 70, 71)] == [1, 1, 2]
    for k in range(2, 11):
        assert both("ж" * (67 * k)) == k
        assert both("ж" * (67 * k + 1)) == k + 1


def test_an_escape_pair_straddling_a_boundary_starts_the_next_segment() -> None:
    assert sms.count("€" * 80) == sms.SegmentCount(sms.Encoding.GSM7, 160, 1)
    # 306 septets would be two segments by division; the euro at septet 153 cannot be
    # split from its escape, so it opens a third.
    assert both("a" * 152 + "€" + "a" * 152) == 3
    assert both("a" * 151 + "€" + "a" * 153) == 2  # the pair ends segment one exactly
    assert both("€" * 153) == 3  # 76 pairs a segment, not 76.5


def test_an_emoji_straddling_a_boundary_starts_the_next_segment() -> None:
    assert both("😀" * 35) == 1  # 70 units
    assert both("ж" * 66 + "😀" + "ж" * 66) == 3  # 134 units, yet the pair will not split
    assert both("ж" * 65 + "😀" + "ж" * 67) == 2
    assert both("😀" * 67) == 3  # 33 emoji a segment


# -- keeping GSM-7 -------------------------------------------------------------------------


def test_a_curly_apostrophe_in_english_no_longer_costs_double() -> None:
    typed = "We’ll see you at Tuesday’s conference – please bring Alfredo’s reading log…"
    assert sms.count(typed) == sms.SegmentCount(sms.Encoding.UCS2, len(typed), 2)
    kept = sms.keep_gsm7(typed)
    assert kept == "We'll see you at Tuesday's conference - please bring Alfredo's reading log..."
    assert carrier_gsm7(kept) and both(kept) == 1
    assert sms.billed_segments(typed) == 1


def test_machine_translation_marks_are_made_plain() -> None:
    # Somali and Haitian as a translation service returns them: a non-breaking space
    # before the time, a zero-width space, a byte-order mark, quotes and a long dash.
    somali = "\ufeffFadlan kaalay shirka\u00a0Talaadada, 3:00\u202fPM \u201cQolka 12\u201d\u200b."
    assert sms.keep_gsm7(somali) == 'Fadlan kaalay shirka Talaadada, 3:00 PM "Qolka 12".'
    haitian = "Tanpri vini nan reyinyon an \u2014 Madi a 3\u00a0è.\u2028M\u00e8si\u00a0!"
    assert sms.keep_gsm7(haitian) == "Tanpri vini nan reyinyon an - Madi a 3 è.\nMèsi !"
    # A ligature pasted from a PDF, and an accent sent apart from its letter.
    assert sms.keep_gsm7("The ﬁeld trip is on Friday. Cafe\u0301 at 9.") == (
        "The field trip is on Friday. Café at 9."
    )
    plain = "Already plain: nothing to change."
    assert sms.keep_gsm7(plain) is plain


def test_texts_that_need_ucs2_anyway_are_left_alone() -> None:
    arabic = "\u200fالاجتماع يوم الثلاثاء الساعة 3:00 \u00ab\u0627\u0644\u0642\u0627\u0639\u0629 12\u00bb."
    assert sms.keep_gsm7(arabic) == arabic  # its direction mark and quotes stay
    spanish = "La reunión es el martes – “Salón 12”."  # ó and á are not GSM-7
    assert sms.keep_gsm7(spanish) == spanish
    assert sms.billed_encoding(spanish) is sms.Encoding.UCS2


# -- splitting -----------------------------------------------------------------------------

PARAGRAPH = (
    "Our school will hold parent conferences next week. Each family has a time with the "
    "class teacher, and an interpreter can join if you ask. Please bring questions about "
    "reading, homework and anything else on your mind. "
)


def rejoins(source: str, parts: list[str]) -> bool:
    """Whether `parts` are `source` in order, with only whitespace between them."""
    at = 0
    for part in parts:
        found = source.find(part, at)
        if found < 0 or source[at:found].strip():
            return False
        at = found + len(part)
    return not source[at:].strip()


def test_a_text_that_fits_ten_segments_goes_whole() -> None:
    assert sms.split_for_sms("a" * 1530) == ["a" * 1530]
    assert [len(p) for p in sms.split_for_sms("a " * 765 + "b")] == [1529, 1]


def test_a_long_letter_is_split_into_full_segments_on_sentence_ends() -> None:
    letter = "\n\n".join((PARAGRAPH * 3).strip() for _ in range(8))  # 5,500 septets
    parts = sms.split_for_sms(letter)
    assert rejoins(letter, parts)
    counts = [both(part) for part in parts]
    assert all(c == sms.MAX_SEGMENTS for c in counts[:-1]) and counts[-1] <= 10
    for part in parts[:-1]:
        # The last segment is at least half full, and the part ends a sentence.
        assert len(part) > 153 * 9 + 153 // 2 and part.endswith("."), part[-40:]
    old = sum(carrier_segments(p) for p in split_text(letter, 1600))
    assert sum(counts) < old


def test_a_link_is_never_cut() -> None:
    link = "https://school.example/forms/" + "x" * 180
    text = "word " * 290 + link + " end"
    parts = sms.split_for_sms(text)
    assert any(link in part for part in parts) and rejoins(text, parts)


def test_chinese_breaks_after_its_full_stop() -> None:
    text = "今天下午学校开会，请家长准时参加。" * 50
    parts = sms.split_for_sms(text)
    assert rejoins(text, parts) and len(parts) == 2
    assert parts[0].endswith("。") and both(parts[0]) == 10


def test_no_emoji_sequence_or_flag_is_cut_apart() -> None:
    family = "👨\u200d👩\u200d👧"
    for text in (family * 200, "🇺🇸🇭🇹" * 200, "e\u0301" * 800):
        parts = sms.split_for_sms(text)
        assert "".join(parts) == text and all(both(p) <= 10 for p in parts)
        for left, right in itertools.pairwise(parts):
            assert not left.endswith("\u200d") and not right.startswith("\u200d")
            assert right[0] not in "\u0301"  # an accent stays with its letter
        if text.startswith("🇺"):
            assert all(len(p) % 2 == 0 for p in parts)  # whole flags


def test_a_mixed_text_keeps_its_plain_parts_in_gsm7() -> None:
    # One emoji in the middle of a long English text: only the part holding it is UCS-2.
    text = "Thanks for coming. " * 60 + "See you soon 😀 " + "It’s a big day. " * 70
    plan = sms.plan(text)
    encodings = [part.encoding for part in plan]
    assert sms.Encoding.GSM7 in encodings and sms.Encoding.UCS2 in encodings
    assert all(p.segments == carrier_segments(p.text) <= 10 for p in plan)
    assert "It's a big day." in plan[-1].text  # its apostrophes made plain
    whole = sum(carrier_segments(p) for p in split_text(text, 1600))
    assert sms.billed_segments(text) < whole


def test_a_long_arabic_text_is_split_on_spaces_and_keeps_its_marks() -> None:
    sentence = "يرجى الرد بوقت يناسبك \u2013 «الغرفة 12»\u200f. "
    text = (sentence * 40).strip()
    parts = sms.split_for_sms(text)
    assert rejoins(text, parts) and [p.text for p in sms.plan(text)] == parts
    assert [both(p) for p in parts][:-1] == [10] * (len(parts) - 1)
    assert all(p.endswith(".") for p in parts)  # whole sentences
    # Each cut wastes less than a segment: at most one more per part than the least
    # the text could cost in one piece.
    least = -(-sum(map(len, parts)) // 67)
    assert least <= sms.billed_segments(text) <= least + len(parts) - 1


TEXTS = st.text(
    st.sampled_from([*"abcdefghij XYZ .!?,\n", "€", "é", "ж", "😀", "’", "\u00a0", "。"]),
    max_size=4000,
)


@given(TEXTS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_splitting_loses_nothing_and_never_exceeds_the_limit(text: str) -> None:
    plain = sms.keep_gsm7(text)
    parts = sms.split_for_sms(plain)
    assert rejoins(plain, parts)
    assert all(carrier_segments(p) <= sms.MAX_SEGMENTS and len(p) <= 1600 for p in parts)
    assert all(p for p in parts) or parts == [""]
    plan = sms.plan(text)
    assert [p.segments for p in plan] == [carrier_segments(p.text) for p in plan]
    assert sms.billed_segments(text) == sum(p.segments for p in plan)


# -- the Twilio sender ---------------------------------------------------------------------


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


async def send(tw: FakeTwilio, outbound: Outbound) -> tuple[int | None, list[str]]:
    settings_ = load_settings(
        DATABASE_URL="sqlite://",
        TWILIO_ACCOUNT_SID=tw.account_sid,
        TWILIO_AUTH_TOKEN=tw.auth_token,
        TWILIO_FROM_NUMBER="+16175550100",
        TWILIO_WHATSAPP_FROM="+16175550101",
        TWILIO_API_BASE_URL=tw.base_url,
    )
    sender = TwilioSender(settings_)
    try:
        result = await sender.send(outbound)
        fetched = await sender.client.messages(result.provider_message_id).fetch_async()
        assert fetched.num_segments  # Twilio's own count, for a From number
    finally:
        await sender.close()
    return result.segments, [m.body or "" for m in tw.messages]


async def test_the_sender_sends_parts_in_gsm7_and_reports_their_segments(
    twilio: FakeTwilio,
) -> None:
    text = ("It’s picture day on Friday – smile! " * 60).strip()
    segments, bodies = await send(twilio, Outbound(Channel.SMS, FAMILY, text))
    assert len(bodies) == 2 and all(carrier_gsm7(b) for b in bodies)
    assert segments == sum(carrier_segments(b) for b in bodies) == 15
    assert " ".join(bodies) == sms.keep_gsm7(text)


async def test_whatsapp_keeps_its_typography_and_has_no_segments(twilio: FakeTwilio) -> None:
    text = "« Réunion » mardi – salle 12"
    segments, bodies = await send(twilio, Outbound(Channel.WHATSAPP, FAMILY, text))
    assert (segments, bodies) == (None, [text])


async def test_a_picture_goes_by_mms_counted_as_one(twilio: FakeTwilio) -> None:
    photo = Media(url="https://commbot.test/media/abc", content_type="image/jpeg")
    segments, bodies = await send(twilio, Outbound(Channel.SMS, FAMILY, "Field trip!", (photo,)))
    assert (segments, bodies) == (1, ["Field trip!"])
    assert sms.billed_segments("Field trip!", picture=True) == 1


async def test_the_demo_sandbox_counts_as_twilio_would() -> None:
    result = await SandboxSender().send(Outbound(Channel.SMS, FAMILY, "It’s " + "a" * 200))
    assert result.segments == 2
    assert (await SandboxSender().send(Outbound(Channel.TELEGRAM, "1", "Hi"))).segments is None


# -- end to end: recorded per delivery, shown by `commbot outbox` --------------------------


@pytest.fixture
def cli_on(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with command_line_on(monkeypatch, system.engine.url.render_as_string(False)):
        yield


async def test_a_curly_quote_arrives_in_gsm7_and_its_segments_are_recorded(
    system: System, cli_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.drain()
    await system.telegram_update(KIM, "/msg Tyrell We’ll meet on Tuesday – bring Tyrell’s folder…")
    await system.drain()

    [body] = system.sms_to(MARGARET)
    assert body == "David Kim, about Tyrell Ruby:\nWe'll meet on Tuesday - bring Tyrell's folder..."
    assert carrier_gsm7(body) and carrier_segments(body) == 1
    [delivery] = guardian_deliveries(system, "Margaret Ruby")
    assert delivery.status is DeliveryStatus.SENT and delivery.segments == 1

    result = runner.invoke(app, ["outbox", "--json"], catch_exceptions=False)
    rows = [json.loads(line) for line in result.output.splitlines()]
    [row] = [r for r in rows if r["id"] == delivery.id]
    assert (row["channel"], row["segments"]) == ("sms", 1)
    assert all(r["segments"] is None for r in rows if r["channel"] != "sms")

    monkeypatch.setenv("COLUMNS", "80")
    table = runner.invoke(app, ["outbox"], catch_exceptions=False).output
    assert max(len(line) for line in table.splitlines()) <= 80
    [line] = [line for line in table.splitlines() if "Margaret Ruby" in line]
    assert re.search(r"SMS\s+sent ×1\s+1$", line), line
    assert "segs" in table.splitlines()[1]

    history = runner.invoke(app, ["outbox", "--history", str(delivery.id), "--json"]).output
    sent = [json.loads(line) for line in history.splitlines() if '"sent"' in line]
    assert sent[0]["detail"] == "billed as 1 SMS segment"
    assert MARGARET not in table + history and "Tuesday" not in table + history


async def test_a_long_sms_is_recorded_as_the_segments_the_carrier_bills(
    system: System,
) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.drain()
    body = (PARAGRAPH.replace("school", "school’s team") * 8).strip()
    await system.telegram_update(KIM, f"/msg Tyrell {body}")
    await system.drain()

    parts = system.sms_to(MARGARET)
    assert len(parts) == 2 and all(carrier_gsm7(p) for p in parts)
    billed = [carrier_segments(p) for p in parts]
    [delivery] = guardian_deliveries(system, "Margaret Ruby")
    assert delivery.segments == sum(billed) and billed[0] == 10
    # As it was sent before: typographic marks (UCS-2), cut at 1,600 characters.
    before = split_text(f"{delivery.header}\n{body}", 1600)
    assert delivery.segments < sum(carrier_segments(p) for p in before)
