"""`commbot serve`, `commbot worker`, `commbot telegram set-webhook`."""

from __future__ import annotations

import asyncio
import sys
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
    run_server(settings(), database(), host=host, port=port)


def worker() -> None:
    """Run the dispatcher: send what is due, within rate limits, with retries."""
    from ..worker import run_worker

    _logging()
    # The event loop reads providers' answers while database steps run in threads; with the
    # default 5 ms turns it waits for them, and every wait is rate lost (a send keeps its
    # place in the window until a second after its answer is read).
    sys.setswitchinterval(0.001)
    asyncio.run(run_worker(settings(), database()))


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
