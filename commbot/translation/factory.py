"""Choosing the backend named by `COMMBOT_TRANSLATOR`."""

from __future__ import annotations

import logging

from ..config import Settings, TranslatorName
from .base import NoTranslator, Translator

log = logging.getLogger(__name__)


def make_translator(settings: Settings) -> Translator:
    if settings.translator is not TranslatorName.NONE:
        # The googletrans and libretranslate backends arrive with the languages work.
        log.warning(
            "translator %s is not available yet; delivering original text", settings.translator
        )
    return NoTranslator()
