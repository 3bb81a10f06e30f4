"""Inbound messages: who wrote, and what happens next. All work is database work."""

from .handler import InboundOutcome, handle_inbound

__all__ = ["InboundOutcome", "handle_inbound"]
