"""Configuration: environment variables (and an optional `.env`), read once into `Settings`.

Every value is optional at load time, because each command needs a different subset.
A command asks for what it needs with `settings.require(...)`, which stops it with one
line naming the variable. Malformed values are reported the same way when settings load.
"""

from __future__ import annotations

import functools
import zoneinfo
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    twilio_from_number: str | None = Field(None, validation_alias="TWILIO_FROM_NUMBER")
    twilio_messaging_service_sid: str | None = Field(
        None, validation_alias="TWILIO_MESSAGING_SERVICE_SID"
    )
    twilio_whatsapp_from: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
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
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgres://"):
            # Heroku-style URLs name the dialect only; psycopg 3 is the driver we ship.
            return "postgresql+psycopg://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

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
    """The process-wide settings, read once."""
    return load_settings()
