"""The web process: `create_app` builds the Starlette app from its route groups."""

from .app import create_app

__all__ = ["create_app"]
