"""Family relationships as the roster writes them, in the reader's language."""

from __future__ import annotations

from . import N_, gettext

# The roster's words (lowercase English) that commbot can say in every catalog language.
KNOWN = {
    word: word
    for word in (
        N_("mother"),
        N_("father"),
        N_("parent"),
        N_("stepmother"),
        N_("stepfather"),
        N_("foster parent"),
        N_("grandmother"),
        N_("grandfather"),
        N_("grandparent"),
        N_("aunt"),
        N_("uncle"),
        N_("sister"),
        N_("brother"),
        N_("guardian"),
        N_("relative"),
    )
}


def relationship_in(language: str, relationship: str) -> str:
    """`relationship` in `language` when it is a word we know; else as the roster wrote it."""
    word = KNOWN.get(relationship.strip().lower())
    return gettext(language, word) if word else relationship
