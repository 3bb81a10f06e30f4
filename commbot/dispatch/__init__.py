"""The dispatcher: claims due deliveries and sends them, within every rate limit."""

from ..channels.base import RateLimit
from .dispatcher import ChannelSettings, Dispatcher

__all__ = ["ChannelSettings", "Dispatcher", "RateLimit"]
