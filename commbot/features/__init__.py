"""Features, one package each: `models`, `actions`, `handlers`, `jobs`, `messages`.

Shared machinery (channels, conversations, outbox, dispatch, jobs) stays outside. The
parts that register themselves are loaded by whoever needs them: `commbot.models` loads
every feature's tables, `commbot.conversations` their handlers, `commbot.jobs` their jobs,
`commbot.dispatch.guards` their last checks before a send.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Literal

FEATURES = ("checkins", "meetings", "photos", "stories", "broadcasts", "reports")

Part = Literal["models", "handlers", "jobs", "guards"]


def load(part: Part) -> None:
    """Import `part` of every feature that has one (once; Python caches modules)."""
    for name in FEATURES:
        module = f"{__name__}.{name}.{part}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
