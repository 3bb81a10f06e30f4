"""Configuration: environment variables (and an optional `.env`), read once into `Settings`.

Every value is optional at load time, because each command needs a different subset.
A command asks for what it needs with `settings.require(...)`, which stops it with one
line naming the variable. Malformed values are reported the same way when settings load.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigError as ConfigError  # its home is errors.py; kept importable here


class TranslatorName(StrEnum):
    GOOGLETRANS = "googletrans"
    LIBRETRANSLATE = "libretranslate"
    NONE = "none"


def _http_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


HttpUrl = Annotated[str | None, AfterValidator(_http_url)]

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _e164(value: str | None) -> str | None:
    """A sending number as Twilio wants it: `+` and digits (a `whatsapp:` prefix is dropped)."""
    if value is None or value.strip() == "":
        return None
    number = value.strip().removeprefix("whatsapp:")
    if not _E164.fullmatch(number):
        raise ValueError("must be a phone number in E.164 form, like +16175550100")
    return number


E164Number = Annotated[str | None, AfterValidator(_e164)]


class Settings(BaseSettings):
    """Everything commbot reads from its environment. Names match the README's table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False
    )

    database_url: str = Field("sqlite:///commbot.db", validation_alias="DATABASE_URL")
    public_base_url: HttpUrl = Field(None, validation_alias="PUBLIC_BASE_URL")
    telegram_bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: HttpUrl = Field(
        "https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: E164Number = Field(None, validation_alias="TWILIO_FROM_NUMBER")
    twilio_messaging_service_sid: str | None = Field(
        None, validation_alias="TWILIO_MESSAGING_SERVICE_SID"
    )
    twilio_whatsapp_from: E164Number = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_whatsapp_template_sid: str | None = Field(
        None, validation_alias="TWILIO_WHATSAPP_TEMPLATE_SID"
    )
    twilio_api_base_url: HttpUrl = Field(
        "https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL"
    )
    translator: TranslatorName = Field(
        TranslatorName.GOOGLETRANS, validation_alias="COMMBOT_TRANSLATOR"
    )
    libretranslate_url: HttpUrl = Field(None, validation_alias="LIBRETRANSLATE_URL")
    libretranslate_api_key: str | None = Field(None, validation_alias="LIBRETRANSLATE_API_KEY")
    default_timezone: str = Field("America/New_York", validation_alias="COMMBOT_DEFAULT_TIMEZONE")
    media_dir: str = Field("media", validation_alias="COMMBOT_MEDIA_DIR")
    retry_base_seconds: float = Field(5.0, gt=0, validation_alias="COMMBOT_RETRY_BASE_SECONDS")
    twilio_mps: float = Field(1.0, gt=0, validation_alias="COMMBOT_TWILIO_MPS")
    # Timeouts and 5xx answers are retried, with capped backoff, for this long after a
    # delivery's first attempt before the family's next channel is tried.
    retry_budget_hours: float = Field(6.0, gt=0, validation_alias="COMMBOT_RETRY_BUDGET_HOURS")
    # How long one send may take before it counts as a (retryable) timeout.
    send_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias="COMMBOT_SEND_TIMEOUT_SECONDS"
    )
    # A stable name for this worker (e.g. its process slot, "worker.1"). When a worker of the
    # same name restarts, it knows the lease holder of that name is its dead predecessor and
    # takes over at once instead of waiting for the lease to expire. Give each running
    # worker a different name; leave it unset to wait out the lease (a few seconds).
    worker_name: str | None = Field(
        None, max_length=60, pattern=r"^[A-Za-z0-9._:-]+$", validation_alias="COMMBOT_WORKER_NAME"
    )

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone name") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        expected = "must be a sqlite:/// or postgresql+psycopg:// URL"
        if value.startswith("postgres://"):
            # Heroku-style URLs name the dialect only; psycopg 3 is the driver we ship.
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(expected) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(expected)
        if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
            raise ValueError(f"{expected} (psycopg 3 is the driver commbot ships)")
        return value

    def secret_values(self) -> list[str]:
        """Every configured secret, so messages and logs can leave them out."""
        password = make_url(self.database_url).password
        values = [
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.twilio_auth_token,
            self.libretranslate_api_key,
            str(password) if password else None,
        ]
        return [v for v in values if v]

    def require(self, *names: str) -> None:
        """Stop the caller with a `ConfigError` naming the first missing variable."""
        for name in names:
            field = _FIELD_BY_ENV[name]
            if not getattr(self, field):
                raise ConfigError(f"{name} is not set; this command needs it.")


# Each field is bound to exactly one environment variable (its validation alias).
_FIELD_BY_ENV: dict[str, str] = {
    info.validation_alias: name
    for name, info in Settings.model_fields.items()
    if isinstance(info.validation_alias, str)
}


def load_settings(**overrides: object) -> Settings:
    """Read the environment, turning validation failures into one clear `ConfigError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        location = error["loc"][0] if error["loc"] else "configuration"
        name = location if isinstance(location, str) else str(location)
        name = _ENV_BY_FIELD.get(name, name)
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name} is malformed: {reason}.") from None


_ENV_BY_FIELD = {field: env for env, field in _FIELD_BY_ENV.items()}


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once. Their secrets are kept out of logs and errors."""
    from .logs import hide

    settings = load_settings()
    hide(settings.secret_values())
    return settings
