"""Translator backends through their real clients, the cache, and failures."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, func, select

from commbot.db import transaction
from commbot.models import TranslationCache
from commbot.translation.cache import CachedTranslator
from commbot.translation.googletrans_backend import GoogleTransTranslator
from commbot.translation.libretranslate_backend import LibreTranslateTranslator

from .fakes.translation import FakeLibreTranslate, GoogleWebMock


async def test_googletrans_through_its_own_client() -> None:
    google = GoogleWebMock({("Good morning", "es"): "Buenos días"})
    translator = GoogleTransTranslator(transport=google.transport)
    results = await translator.translate(["Good morning", "See you"], "en", "es")
    assert [(r.text, r.ok) for r in results] == [("Buenos días", True), ("[es] See you", True)]
    assert [(c.source, c.target) for c in google.calls] == [("en", "es"), ("en", "es")]


async def test_googletrans_language_codes() -> None:
    google = GoogleWebMock()
    translator = GoogleTransTranslator(transport=google.transport)
    await translator.translate(["Hi"], "en", "zh-CN")
    await translator.translate(["Hi"], "en", "tl")
    assert [c.target for c in google.calls] == ["zh-cn", "tl"]


async def test_googletrans_failure_is_a_result_not_an_exception() -> None:
    translator = GoogleTransTranslator(transport=GoogleWebMock(fail=True).transport)
    [result] = await translator.translate(["Hello"], "en", "ar")
    assert (result.text, result.ok) == ("Hello", False)


async def test_libretranslate_batch_and_api_key() -> None:
    with FakeLibreTranslate(api_key="k") as server:
        translator = LibreTranslateTranslator(server.base_url, api_key="k")
        results = await translator.translate(["one", "two"], "en", "so")
        assert [r.text for r in results] == ["[so] one", "[so] two"]
        assert len(server.calls) == 1 and server.calls[0].texts == ("one", "two")
        wrong = LibreTranslateTranslator(server.base_url, api_key="nope")
        [failed] = await wrong.translate(["one"], "en", "so")
        assert (failed.text, failed.ok) == ("one", False)
        await translator.close()
        await wrong.close()


async def test_unreachable_libretranslate_fails_softly() -> None:
    translator = LibreTranslateTranslator("http://127.0.0.1:9", timeout=1)
    [result] = await translator.translate(["Hello"], "en", "es")
    assert not result.ok and result.text == "Hello"


async def test_cache_translates_once_per_language(engine: Engine) -> None:
    with FakeLibreTranslate() as server:
        backend = LibreTranslateTranslator(server.base_url)
        cached = CachedTranslator(engine, backend)
        text = "The class trip is on Friday."
        # Thirty families in three languages, all at once, then again later.
        jobs = [cached.translate([text], "en", lang) for lang in ["es", "ar", "vi"] * 10]
        results = await asyncio.gather(*jobs)
        assert {r[0].text for r in results} == {f"[{lang}] {text}" for lang in ["es", "ar", "vi"]}
        await cached.translate([text], "en", "es")
        assert len(server.calls) == 3
        with transaction(engine) as session:
            assert session.scalar(select(func.count()).select_from(TranslationCache)) == 3
        await backend.close()


async def test_failed_translations_are_not_cached(engine: Engine) -> None:
    with FakeLibreTranslate() as server:
        backend = LibreTranslateTranslator(server.base_url)
        cached = CachedTranslator(engine, backend)
        server.fail = True
        [first] = await cached.translate(["Hello"], "en", "es")
        server.fail = False
        [second] = await cached.translate(["Hello"], "en", "es")
        assert (first.ok, second.ok) == (False, True)
        assert len(server.calls) == 1
        await backend.close()
