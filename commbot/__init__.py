"""commbot: home-school messaging for special education."""

__version__ = "0.1.0"
