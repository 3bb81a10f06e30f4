"""Button data: the typed codec behind every inline button (prefix + fields, at most 64
bytes, Telegram's limit). Encoding a bad value is a programming error and raises; decoding
is user input from the webhook and answers None for anything malformed, never raising."""

from __future__ import annotations

import random

import pytest

from commbot.callback_data import (
    MAX_BYTES,
    ButtonData,
    ButtonDataError,
    Choice,
    Number,
    Text,
    Value,
)
from commbot.conversations.language_menu import LANGUAGE_BUTTON
from commbot.features.checkins.handlers import PLAN, STEP

# Small codecs of our own, so each field type is tested apart from any feature.
NOTE = ButtonData("note", Number("id"), Text("text"))  # required text, last
TAGGED = ButtonData("tag", Text("label", max_length=10), Number("n"))  # text not last
LONG = ButtonData("long", Text("text", max_length=100))  # only the byte limit applies
COLOUR = ButtonData("col", Choice("colour", "red", "green", "a:b"))
BARE = ButtonData("ping")  # no fields at all


# -- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "values", "data"),
    [
        (PLAN, {"action": "pause", "plan": 12}, "ckp:pause:12"),
        (PLAN, {"action": "delete", "plan": 0}, "ckp:delete:0"),
        (STEP, {"step": "class", "value": "12"}, "ck:class:12"),
        (STEP, {"step": "days", "value": "mon,thu"}, "ck:days:mon,thu"),
        (STEP, {"step": "time", "value": "14:00"}, "ck:time:14:00"),  # ':' in the last field
        (STEP, {"step": "student"}, "ck:student"),  # optional trailing text left out
        (LANGUAGE_BUTTON, {"code": "zh-CN"}, "lang:zh-CN"),
        (NOTE, {"id": 7, "text": "¿Mañana? 14:00 — 好"}, "note:7:¿Mañana? 14:00 — 好"),
        (TAGGED, {"label": "x", "n": 3}, "tag:x:3"),
        (COLOUR, {"colour": "a:b"}, "col:a:b"),  # a choice may hold ':' in the last field
        (BARE, {}, "ping"),
    ],
)
def test_encode_and_decode_round_trip(
    codec: ButtonData, values: dict[str, Value], data: str
) -> None:
    assert codec.encode(**values) == data
    assert codec.decode(data) == values


def test_every_language_button_round_trips() -> None:
    from commbot.languages import CATALOG_LANGUAGES

    for code in CATALOG_LANGUAGES:
        assert LANGUAGE_BUTTON.decode(LANGUAGE_BUTTON.encode(code=code)) == {"code": code}


def test_an_empty_optional_text_decodes_as_left_out() -> None:
    assert STEP.decode("ck:days:") == STEP.decode("ck:days") == {"step": "days"}


def test_numbers_decode_as_integers_and_text_as_text() -> None:
    assert PLAN.decode("ckp:pause:007") == {"action": "pause", "plan": 7}
    assert STEP.decode("ck:class:12") == {"step": "class", "value": "12"}  # Text stays str


def test_the_byte_limit_is_inclusive() -> None:
    exactly = "long:" + "a" * (MAX_BYTES - len("long:"))
    assert len(exactly.encode()) == MAX_BYTES
    assert LONG.decode(exactly) == {"text": "a" * 59}
    assert LONG.encode(text="a" * 59) == exactly


# -- encode refuses what Telegram or decode would not take ----------------------------


def test_encode_counts_bytes_not_characters() -> None:
    # 32 "é" are 32 characters but 64 bytes; with the prefix the data is over the limit.
    with pytest.raises(ButtonDataError, match="bytes"):
        LONG.encode(text="é" * 32)
    assert LONG.encode(text="é" * 29) == "long:" + "é" * 29  # 63 bytes


@pytest.mark.parametrize(
    ("codec", "values", "problem"),
    [
        (TAGGED, {"label": "a:b", "n": 1}, "may not contain"),  # ':' outside the last field
        (PLAN, {"action": "pause"}, "plan is missing"),
        (PLAN, {"plan": 1}, "action is missing"),
        (NOTE, {"id": 1}, "text is missing"),  # required text cannot be left out
        (PLAN, {"action": "explode", "plan": 1}, "not a choice"),
        (PLAN, {"action": "pause", "plan": -1}, "non-negative"),
        (PLAN, {"action": "pause", "plan": "12"}, "non-negative"),  # a str is not a number
    ],
)
def test_encode_refuses_bad_values(
    codec: ButtonData, values: dict[str, Value], problem: str
) -> None:
    with pytest.raises(ButtonDataError, match=problem):
        codec.encode(**values)


def test_a_choice_with_a_colon_is_refused_outside_the_last_field() -> None:
    codec = ButtonData("c", Choice("pick", "a:b"), Number("n"))
    with pytest.raises(ButtonDataError, match="may not contain"):
        codec.encode(pick="a:b", n=1)


@pytest.mark.parametrize("prefix", ["", "a:b"])
def test_a_prefix_must_be_one_non_empty_word(prefix: str) -> None:
    with pytest.raises(ButtonDataError, match="prefix"):
        ButtonData(prefix, Number("n"))


@pytest.mark.parametrize(
    ("codec", "values"),
    [
        (STEP, {"step": "q", "value": "a" * 41}),
        (NOTE, {"id": 1, "text": ""}),
        (PLAN, {"action": "pause", "plan": 10**19}),
        (PLAN, {"action": "pause", "plan": True}),
    ],
)
def test_encode_refuses_what_decode_would_refuse(
    codec: ButtonData, values: dict[str, Value]
) -> None:
    with pytest.raises(ButtonDataError):
        codec.encode(**values)


# -- decode: every malformed case is None ----------------------------------------------

MALFORMED = [
    # wrong or missing prefix
    (PLAN, ""),
    (PLAN, "ck:pause:1"),
    (PLAN, "ckpx:pause:1"),
    (PLAN, "CKP:pause:1"),
    (STEP, "ckp:pause:1"),  # "ck" is a prefix of "ckp" but not its button
    (PLAN, ":pause:1"),
    # prefix only, or missing fields, when fields are required
    (PLAN, "ckp"),
    (PLAN, "ckp:"),
    (PLAN, "ckp:pause"),
    (PLAN, "ckp:pause:"),
    (STEP, "ck"),
    (STEP, "ck:"),
    (NOTE, "note:1"),
    # too many fields (the last is a number, so nothing may follow it)
    (PLAN, "ckp:pause:1:2"),
    (PLAN, "ckp:pause:1:"),
    (BARE, "ping:"),
    (BARE, "ping:1"),
    # numbers: not digits, not ASCII digits, signs, spaces, too big
    (PLAN, "ckp:pause:abc"),
    (PLAN, "ckp:pause:-1"),
    (PLAN, "ckp:pause:+1"),
    (PLAN, "ckp:pause: 1"),
    (PLAN, "ckp:pause:1 "),
    (PLAN, "ckp:pause:1.0"),
    (PLAN, "ckp:pause:1e3"),
    (PLAN, "ckp:pause:١٢"),  # Arabic-Indic digits
    (PLAN, "ckp:pause:１２"),  # fullwidth digits
    (PLAN, "ckp:pause:²"),  # str.isdigit() says yes
    (PLAN, "ckp:pause:" + "9" * 19),  # beyond any id column
    (PLAN, "ckp:pause:1\x00"),
    # choices
    (PLAN, "ckp:explode:1"),
    (PLAN, "ckp:PAUSE:1"),
    (PLAN, "ckp::1"),
    (STEP, "ck:nope:1"),
    (LANGUAGE_BUTTON, "lang:xx"),
    (LANGUAGE_BUTTON, "lang:"),
    (LANGUAGE_BUTTON, "lang:es:extra"),
    # text: empty when required, longer than allowed
    (NOTE, "note:1:"),
    (STEP, "ck:q:" + "a" * 41),
    (TAGGED, "tag:" + "a" * 11 + ":1"),
    (TAGGED, "tag::1"),
    # over 64 bytes, counted as bytes
    (LONG, "long:" + "a" * 60),
    (LONG, "long:" + "é" * 30),
]


@pytest.mark.parametrize(("codec", "data"), MALFORMED)
def test_malformed_data_decodes_to_none(codec: ButtonData, data: str) -> None:
    assert codec.decode(data) is None


def test_the_longest_plan_id_that_decodes_fits_the_plan_id_column() -> None:
    decoded = PLAN.decode("ckp:pause:" + "9" * 18)
    assert decoded is None or int(decoded["plan"]) <= 2**31 - 1


def test_decode_of_a_lone_surrogate_is_none() -> None:
    assert PLAN.decode("ckp:pause:\ud800") is None


def test_decode_never_raises_on_arbitrary_strings() -> None:
    """A seeded sample (hypothesis is not installed): strings shaped like button data,
    a known or random prefix then fields made of the characters that matter (separators,
    digits of several scripts, multi-byte letters, NUL), or no shape at all."""
    codecs = [PLAN, STEP, LANGUAGE_BUTTON, NOTE, TAGGED, LONG, COLOUR, BARE]
    prefixes = [c.prefix for c in codecs] + ["", "zz", "ckpx"]
    pieces = ["pause", "delete", "q", "days", "es", "red", "0", "12", "14:00", "a", "é", "好"]
    characters = list(":0123456789abé好١²\x00 -")
    rng = random.Random(8)
    decoded = 0
    for _ in range(5000):
        fields = [
            rng.choice(pieces)
            if rng.random() < 0.7
            else "".join(rng.choice(characters) for _ in range(rng.randrange(0, 40)))
            for _ in range(rng.randrange(0, 4))
        ]
        data = ":".join([rng.choice(prefixes), *fields])
        for codec in codecs:
            result = codec.decode(data)
            if result is not None:  # whatever decodes re-encodes within the limit
                decoded += 1
                assert len(codec.encode(**result).encode()) <= MAX_BYTES
    assert decoded > 200  # the sample reaches the success paths too, not only rejections


def test_decoded_plans_re_encode_to_a_press_that_decodes_the_same() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        values: dict[str, Value] = {
            "action": rng.choice(["pause", "resume", "delete"]),
            "plan": rng.randrange(0, 2**31),
        }
        assert PLAN.decode(PLAN.encode(**values)) == values
        step_value = "".join(rng.choice("ab:1,é") for _ in range(rng.randrange(1, 20)))
        step = {"step": rng.choice(["class", "days", "time", "q"]), "value": step_value}
        assert STEP.decode(STEP.encode(**step)) == step
