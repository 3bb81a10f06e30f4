"""Machine translation of people's words, behind one interface."""

from .base import NoTranslator, TranslationResult, Translator
from .factory import make_translator

__all__ = ["NoTranslator", "TranslationResult", "Translator", "make_translator"]
