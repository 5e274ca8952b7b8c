"""The `serve --transport http` flags, apart from the hosted app itself.

`wrike-mcp serve` registers these flags on every start, stdio included; keeping them here means a stdio
start never imports the hosted stack (OAuth, JWE sealing, uvicorn), which `transports.http_serve` loads.
"""

from __future__ import annotations

import argparse


def add_http_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("http", "the hosted endpoint (--transport http)")
    group.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    group.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    group.add_argument(
        "--public-url", metavar="URL",
        help="the URL clients use (default $WRIKE_MCP_PUBLIC_URL, else http://HOST:PORT)",
    )  # fmt: skip
    group.add_argument(
        "--accept-wrike-tokens", action="store_true",
        help="also accept a raw Wrike token as the bearer (X-Wrike-Host names its data centre): "
        "a pass-through, only for a network you trust",
    )  # fmt: skip
    group.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN", help="extra Origin")
    group.add_argument("--max-body-bytes", type=int, default=4 * 1024 * 1024, help="request-body limit")
