"""The sandbox the benchmarks talk to: real HTTP on loopback, in its own process, counting requests.

    with sandbox_child(size=300) as wrike:
        wrike.api_url, wrike.token, wrike.requests()

Every path (direct httpx, wrike-mcp in-process, stdio, hosted) pays the same Wrike round trip to the
same process, and none of them shares an interpreter with it. `GET /__bench__/requests` answers how many
API requests the sandbox has served, so a benchmark counts upstream requests from outside the server
it measures. The rate limit is lifted: the benchmarks measure speed, not Wrike's quota.

    python -m bench.sandbox_child --port N --size S
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.harness import child_server, free_port
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.sandbox.seeding.bootstrap import token_for

SEED = 7
COUNT_PATH = "/__bench__/requests"
NO_RATE_LIMIT = 1_000_000_000


@dataclass(frozen=True)
class SandboxChild:
    base_url: str
    pid: int
    size: int
    seed: int = SEED

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v4"

    def token(self, name: str = "default") -> str:
        return token_for(self.seed, name)

    def requests(self) -> int:
        """API requests served so far."""
        count: int = httpx.get(self.base_url + COUNT_PATH, timeout=10).json()["requests"]
        return count


@contextlib.contextmanager
def sandbox_child(size: int) -> Iterator[SandboxChild]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with child_server(["--port", str(port), "--size", str(size)], base + COUNT_PATH, module=__name__) as pid:
        yield SandboxChild(base, pid, size)


def counting_app(sandbox: Sandbox) -> ASGIApp:
    """The sandbox's app, plus the request counter route (outside the API, so it counts nothing itself)."""
    app = sandbox.app()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == COUNT_PATH:
            await JSONResponse({"requests": len(sandbox.request_log)})(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_child")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=300)
    args = parser.parse_args(argv)
    sandbox = make_sandbox(
        seed=SEED, size=args.size, config=SandboxConfig(rate_limit_per_minute=NO_RATE_LIMIT)
    )
    uvicorn.run(
        counting_app(sandbox), host="127.0.0.1", port=args.port, log_level="warning", lifespan="off",
        access_log=False,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
