"""A receiver beside a stdio server: the webhook routes served by uvicorn in a background thread.

`serve --webhook-receiver 127.0.0.1:8787` starts one. The hub is thread-safe, so events verified on this
thread reach the MCP server's event loop. Wrike itself needs a public HTTPS URL: put a tunnel or proxy in
front and set WRIKE_MCP_WEBHOOK_URL to its public address; the sandbox delivers to loopback directly.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from wrike_mcp.errors import ConfigError
from wrike_mcp.webhooks.receiver import DEFAULT_PATH
from wrike_mcp.webhooks.service import WebhookService
from wrike_mcp.webhooks.settings import WebhookSettings


def parse_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:PORT` for IPv6) -> (host, port); ConfigError when it is not one."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:8787)")
    return host, int(port)


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and listen before serving, so the address is real (port 0 too) and early connections wait in
    the backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket, path: str) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{path.strip('/')}"


class EmbeddedReceiver:
    """Bound at once (so `url` is known before the service that needs it exists), served by `start`:

    receiver = EmbeddedReceiver("127.0.0.1", 8787, "/webhooks/wrike")
    service = WebhookService(settings.webhooks, receiver_url=receiver.url)
    receiver.start(service.routes())
    """

    def __init__(self, host: str, port: int, path: str) -> None:
        self._socket = bind_socket(host, port)
        self.url = url_of(self._socket, path)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def bind(cls, address: str, path: str = DEFAULT_PATH) -> EmbeddedReceiver:
        """From `serve --webhook-receiver HOST:PORT`."""
        return cls(*parse_address(address), path)

    def start(self, routes: list[BaseRoute]) -> EmbeddedReceiver:
        app = Starlette(routes=routes)
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        )
        run = self._server.run
        self._thread = threading.Thread(
            target=run, kwargs={"sockets": [self._socket]}, name="wrike-mcp-webhooks", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise ConfigError("the webhook receiver did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._socket.close()


@contextmanager
def receiving(
    receiver: EmbeddedReceiver | None, settings: WebhookSettings
) -> Iterator[WebhookService | None]:
    """The webhook service of a stdio server, its receiver serving while the block runs (None: none)."""
    if receiver is None:
        yield None
        return
    service = WebhookService(settings, receiver_url=receiver.url)
    receiver.start(service.routes())
    print(f"wrike-mcp serve: receiving webhooks at {receiver.url}; new hooks point at "
          f"{service.receiver_url}", file=sys.stderr, flush=True)  # fmt: skip
    try:
        yield service
    finally:
        receiver.stop()
