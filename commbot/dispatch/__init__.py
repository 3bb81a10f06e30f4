"""The dispatcher: claims due deliveries and sends them, within every rate limit."""

from .dispatcher import ChannelSettings, Dispatcher

__all__ = ["ChannelSettings", "Dispatcher"]
