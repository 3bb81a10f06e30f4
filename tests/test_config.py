import pytest

from commbot.config import ConfigError, TranslatorName, load_settings


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///commbot.db"
    assert settings.telegram_api_base_url == "https://api.telegram.org"
    assert settings.twilio_api_base_url == "https://api.twilio.com"
    assert settings.default_timezone == "America/New_York"
    assert settings.translator is TranslatorName.GOOGLETRANS


def test_every_variable_is_read_by_its_documented_name(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "DATABASE_URL": "postgresql://u@db/commbot",
        "PUBLIC_BASE_URL": "https://bot.school.example/",
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081",
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "tok",
        "TWILIO_FROM_NUMBER": "+16175550100",
        "TWILIO_MESSAGING_SERVICE_SID": "MG123",
        "TWILIO_WHATSAPP_FROM": "+16175550101",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:8082",
        "COMMBOT_TRANSLATOR": "libretranslate",
        "LIBRETRANSLATE_URL": "http://127.0.0.1:5000",
        "LIBRETRANSLATE_API_KEY": "key",
        "COMMBOT_DEFAULT_TIMEZONE": "America/Chicago",
        "COMMBOT_MEDIA_DIR": "/var/lib/commbot/media",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert s.database_url == "postgresql+psycopg://u@db/commbot"
    assert s.public_base_url == "https://bot.school.example"
    assert (s.telegram_bot_token, s.telegram_webhook_secret) == ("1:abc", "s3cret")
    assert s.telegram_api_base_url == "http://127.0.0.1:8081"
    assert (s.twilio_account_sid, s.twilio_auth_token) == ("AC123", "tok")
    assert s.twilio_from_number == "+16175550100"
    assert s.twilio_messaging_service_sid == "MG123"
    assert s.twilio_whatsapp_from == "+16175550101"
    assert s.twilio_api_base_url == "http://127.0.0.1:8082"
    assert s.translator is TranslatorName.LIBRETRANSLATE
    assert (s.libretranslate_url, s.libretranslate_api_key) == ("http://127.0.0.1:5000", "key")
    assert s.default_timezone == "America/Chicago"
    assert s.media_dir == "/var/lib/commbot/media"


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=from-dotenv\n")
    assert load_settings().telegram_bot_token == "from-dotenv"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COMMBOT_DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("COMMBOT_TRANSLATOR", "babelfish"),
        ("PUBLIC_BASE_URL", "bot.school.example"),
        ("DATABASE_URL", "mysql://db"),
        ("COMMBOT_TWILIO_MPS", "fast"),
    ],
)
def test_malformed_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name} is malformed")
    assert "\n" not in message


def test_require_names_the_missing_variable() -> None:
    settings = load_settings()
    with pytest.raises(ConfigError, match=r"^TELEGRAM_BOT_TOKEN is not set"):
        settings.require("TELEGRAM_BOT_TOKEN")
    settings.require("DATABASE_URL")  # has a default
