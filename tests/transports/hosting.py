"""Run hosted app replicas on loopback behind a stand-in load balancer, for the hosted-endpoint tests.

Every replica believes it is `PUBLIC` (one public URL, as behind a real load balancer); the balancer is an
httpx transport that sends each request for `PUBLIC` to the next replica in turn, keeping the public Host
header. Anything else (the sandbox) goes straight to the network.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import httpx2
import uvicorn
from starlette.types import ASGIApp

PUBLIC = "http://localhost:18765"


class Replica:
    """One hosted app on a pre-bound loopback socket, served by uvicorn in a thread (lifespan on)."""

    def __init__(self, app: ASGIApp) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Replica:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the replica did not start"
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Balancer:
    """Round-robin over replicas for requests to PUBLIC; counts which replica served what."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.ports = [r.port for r in replicas]
        self._next = itertools.cycle(range(len(replicas)))
        self.served: list[int] = []

    def route(self, url: Any) -> tuple[bool, int]:
        if f"{url.scheme}://{url.host}:{url.port}" != PUBLIC:
            return False, 0
        index = next(self._next)
        self.served.append(index)
        return True, self.ports[index]

    def transport(self) -> httpx.AsyncBaseTransport:
        return _HttpxBalanced(self)

    def transport2(self) -> httpx2.AsyncBaseTransport:
        return _Httpx2Balanced(self)


class _HttpxBalanced(httpx.AsyncBaseTransport):
    def __init__(self, balancer: Balancer) -> None:
        self.balancer = balancer
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        public, port = self.balancer.route(request.url)
        if public:  # a copy to the replica; the Host header (and the client's view: cookies) stays public
            url = request.url.copy_with(host="127.0.0.1", port=port)
            request = httpx.Request(request.method, url, headers=request.headers, stream=request.stream)
        return await self.inner.handle_async_request(request)


class _Httpx2Balanced(httpx2.AsyncBaseTransport):
    def __init__(self, balancer: Balancer) -> None:
        self.balancer = balancer
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        public, port = self.balancer.route(request.url)
        if public:
            url = request.url.copy_with(host="127.0.0.1", port=port)
            request = httpx2.Request(
                request.method,
                url,
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)


def serve(builds: list[Callable[[], ASGIApp]]) -> Iterator[list[Replica]]:
    replicas = [Replica(build()) for build in builds]
    for replica in replicas:
        replica.__enter__()
    try:
        yield replicas
    finally:
        for replica in replicas:
            replica.__exit__()
