"""Button data as a small typed codec: a prefix and fields, within Telegram's 64 bytes.

    PLAN = ButtonData("ckp", Choice("action", "pause", "resume", "delete"), Number("plan"))
    PLAN.encode(action="pause", plan=12)   # "ckp:pause:12"
    PLAN.decode("ckp:pause")               # None: malformed, answered "this button has expired"

Fields are joined by ":"; the last field takes the rest, so it may hold ":" ("14:00").

It imports nothing of commbot's and lives outside `conversations`, whose package loads every
feature's handlers: a feature's codecs module (`features/meetings/buttons.py`) can then be
imported first, by anyone, without a circular import.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64  # Telegram refuses longer callback_data
SEPARATOR = ":"
MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses larger ones in a lookup

Value = str | int


class ButtonDataError(ValueError):
    """Data this codec cannot encode (a programming error, not user input)."""


@dataclass(frozen=True)
class Text:
    """Free text, up to `max_length` characters; empty allowed only if `optional`."""

    name: str
    max_length: int = 40
    optional: bool = False

    def parse(self, raw: str) -> Value | None:
        if (not raw and not self.optional) or len(raw) > self.max_length:
            return None
        return raw

    def format(self, value: Value) -> str:
        text = str(value)
        if self.parse(text) is None:
            raise ButtonDataError(f"{self.name}: {len(text)} characters do not fit the field")
        return text


@dataclass(frozen=True)
class Number:
    """A non-negative integer id that fits an INTEGER column."""

    name: str

    def parse(self, raw: str) -> Value | None:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
            return None
        return int(raw)

    def format(self, value: Value) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise ButtonDataError(f"{self.name} must be a non-negative id up to {MAX_ID}")
        return str(value)


class Choice:
    """One of a fixed set of words."""

    def __init__(self, name: str, *options: str) -> None:
        self.name = name
        self.options = frozenset(options)

    def parse(self, raw: str) -> Value | None:
        return raw if raw in self.options else None

    def format(self, value: Value) -> str:
        if value not in self.options:
            raise ButtonDataError(f"{value!r} is not a choice for {self.name}")
        return str(value)


Field = Text | Number | Choice


class ButtonData:
    """The codec for one kind of button."""

    def __init__(self, prefix: str, *fields: Field) -> None:
        if SEPARATOR in prefix or not prefix:
            raise ButtonDataError(f"bad prefix {prefix!r}")
        self.prefix = prefix
        self.fields = fields

    def encode(self, **values: Value) -> str:
        parts = [self.prefix]
        for f in self.fields:
            if f.name not in values:
                if isinstance(f, Text) and f.optional:
                    continue
                raise ButtonDataError(f"{self.prefix}: {f.name} is missing")
            text = f.format(values[f.name])
            if f is not self.fields[-1] and SEPARATOR in text:
                raise ButtonDataError(f"{self.prefix}: {f.name} may not contain {SEPARATOR!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ButtonDataError(f"{self.prefix}: {len(data.encode())} bytes, over {MAX_BYTES}")
        return data

    def matches(self, data: str) -> bool:
        return data == self.prefix or data.startswith(self.prefix + SEPARATOR)

    def decode(self, data: str) -> dict[str, Value] | None:
        """The fields of `data`, or None when it is not this button's, or malformed."""
        try:
            size = len(data.encode())
        except UnicodeEncodeError:  # a lone surrogate, which JSON can carry
            return None
        if not self.matches(data) or size > MAX_BYTES:
            return None
        rest = data[len(self.prefix) + 1 :] if data != self.prefix else None
        if not self.fields:
            return {} if rest is None else None
        raw: list[str] = [] if rest is None else rest.split(SEPARATOR, len(self.fields) - 1)
        if len(raw) > len(self.fields):
            return None
        values: dict[str, Value] = {}
        for index, f in enumerate(self.fields):
            if index >= len(raw):
                if isinstance(f, Text) and f.optional:
                    continue
                return None
            value = f.parse(raw[index])
            if value is None:
                return None
            if value != "" or not (isinstance(f, Text) and f.optional):
                values[f.name] = value
        return values
