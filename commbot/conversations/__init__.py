"""Conversations: who is writing and which registered handler takes the message.

Importing this package registers every handler: the shared staff and family ones, and each
feature's commands, buttons and dialogs.
"""

from __future__ import annotations

from .. import features
from .router import InboundOutcome, handle_inbound  # registers the shared handlers

features.load("handlers")

__all__ = ["InboundOutcome", "handle_inbound"]
