"""Run a Starlette app with uvicorn in a background thread, on a free local port.

The fakes must serve real HTTP to real clients (python-telegram-bot, twilio) from both
synchronous and asynchronous tests. A server with its own thread and its own event loop works
the same in either: it never competes with the test's event loop, and a blocking test cannot
starve it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class ServerThread:
    """One uvicorn server for `app`, bound to 127.0.0.1 on a port the OS picks.

    The socket is bound before the thread starts, so the port is known without racing another
    process for it, and `start()` returns only once uvicorn accepts connections.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Start serving and return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if self.running:
            return self.base_url
        # Name the protocol: asyncio only sets TCP_NODELAY on sockets whose proto is TCP, and
        # without it every response waits ~40 ms on Nagle's algorithm and delayed ACKs.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            log_config=None,  # leave the test process's logging configuration alone
            access_log=False,
            lifespan="off",
            # Clients keep connections alive; don't let one of them hold up stop() for long.
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"fake-server:{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread; force it if it lingers."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT)
        self._server = self._thread = None


class FakeServer:
    """Lifecycle shared by the fakes: start/stop, sync and async context managers, `base_url`.

    Subclasses build their Starlette app and pass it to `__init__`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._server_thread = ServerThread(app)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` while running; raises before `start()`."""
        if not self._server_thread.running:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return self._server_thread.base_url

    def start(self) -> Self:
        self._server_thread.start()
        return self

    def stop(self) -> None:
        self._server_thread.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        # Starting and stopping block briefly; keep that off the test's event loop.
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
