"""commbot's one error tree.

Every error commbot raises on purpose derives from `CommbotError`, so the edges (the CLI's
`main`, the web app) catch it once: a command ends with one line, a webhook with a 400.
"""

from __future__ import annotations


class CommbotError(Exception):
    """An error commbot expects and can explain in one line."""


class UserError(CommbotError):
    """Something the person running commbot can fix; the message says what."""


class ConfigError(CommbotError):
    """A configuration value is missing or malformed. The message names the variable."""


class InputError(CommbotError, ValueError):
    """Input from outside is malformed (a webhook body, a file); the message says how.

    Also a `ValueError`, so code that already catches that keeps working."""


class SendError(CommbotError):
    """A send that did not happen. `permanent` errors are not retried on this address;
    the others are retried, no sooner than `retry_after` seconds when the provider asks."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
