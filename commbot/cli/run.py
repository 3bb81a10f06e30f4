"""`commbot serve`, `commbot worker`, `commbot telegram set-webhook`."""

from __future__ import annotations

import asyncio
import gc
from typing import Annotated

import typer

from ..errors import ConfigError
from .context import console, database, settings

telegram_app = typer.Typer(help="Telegram setup.", no_args_is_help=True)


def _logging() -> None:
    """Logging for long-running processes, after checking the install is whole."""
    from ..logs import configure
    from ..resources import check_installed

    check_installed()
    configure(secrets=settings().secret_values())


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app: Telegram and Twilio webhooks, media, /healthz."""
    from ..server import serve as run_server
    from ..server import warn_missing_secrets

    _logging()
    warn_missing_secrets(settings())
    _freeze_start_up()
    run_server(settings(), database(), host=host, port=port)


def worker() -> None:
    """Run the dispatcher: send what is due, within rate limits, with retries."""
    from ..worker import run_worker

    _logging()
    _freeze_start_up()
    asyncio.run(run_worker(settings(), database()))


def _freeze_start_up() -> None:
    """Keep what start-up made (modules, classes, the ORM's mappers) out of the garbage
    collector's full passes. A busy worker made one every few seconds, each over all of
    it, and stopped every send for 100-170 ms: 3 % of the sending rate."""
    gc.collect()
    gc.freeze()


@telegram_app.command("set-webhook")
def set_webhook() -> None:
    """Register PUBLIC_BASE_URL/telegram/webhook with Telegram, with the secret token."""
    from ..channels.telegram import make_bot

    config = settings()
    config.require("TELEGRAM_BOT_TOKEN", "PUBLIC_BASE_URL", "TELEGRAM_WEBHOOK_SECRET")
    url = f"{config.public_base_url}/telegram/webhook"
    if not url.startswith("https://"):
        raise ConfigError(
            "PUBLIC_BASE_URL must start with https://: Telegram posts updates only over HTTPS."
        )

    async def register() -> None:
        async with make_bot(config, pool_size=1) as bot:
            await bot.set_webhook(
                url,
                secret_token=config.telegram_webhook_secret,
                allowed_updates=["message", "callback_query"],
            )

    asyncio.run(register())
    console.print(f"[green]✓[/] Telegram will post updates to {url}")


def demo() -> None:
    """Play a scripted conversation offline on a fresh SQLite file (no accounts needed)."""
    from ..demo import run_demo

    run_demo(console)
