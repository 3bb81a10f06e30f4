"""Choosing the backend named by `COMMBOT_TRANSLATOR`, behind the database cache."""

from __future__ import annotations

from sqlalchemy import Engine

from ..config import Settings, TranslatorName
from .base import NoTranslator, Translator
from .cache import CachedTranslator


def make_backend(settings: Settings) -> Translator:
    if settings.translator is TranslatorName.GOOGLETRANS:
        from .googletrans_backend import GoogleTransTranslator

        return GoogleTransTranslator()
    if settings.translator is TranslatorName.LIBRETRANSLATE:
        from .libretranslate_backend import LibreTranslateTranslator

        settings.require("LIBRETRANSLATE_URL")
        assert settings.libretranslate_url is not None
        return LibreTranslateTranslator(
            settings.libretranslate_url, settings.libretranslate_api_key
        )
    return NoTranslator()


def make_translator(settings: Settings, engine: Engine) -> Translator:
    backend = make_backend(settings)
    if isinstance(backend, NoTranslator):
        return backend
    return CachedTranslator(engine, backend)
