"""`wrike-mcp serve`: the MCP server over stdio (the transport desktop clients spawn).

Only JSON-RPC goes to stdout; logs go to stderr, with the token redacted from every record. A missing
token (outside `--sandbox`) or a bad setting exits with code 2 before anything starts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from mcp.server.stdio import stdio_server

from wrike_mcp.config import SandboxOptions, Settings, split_list
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.server import Connection, build_server, connect, open_client
from wrike_mcp.transports.http_serve import add_http_arguments, run_http

EXIT_CONFIG = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the MCP server (stdio)",
        description="Serve every Wrike API method as an MCP tool over stdio. Reads WRIKE_ACCESS_TOKEN, "
        "WRIKE_HOST (default www.wrike.com) and WRIKE_SCOPES (default Default); --sandbox needs none.",
    )  # fmt: skip
    add_settings_arguments(parser)
    parser.add_argument(
        "--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http (hosted)"
    )
    add_http_arguments(parser)
    parser.set_defaults(handler=run)


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags `serve` and `tools` share, so `tools` shows exactly what `serve` would expose."""
    parser.add_argument(
        "--read-only", action="store_true", default=None, help="hide and refuse every write tool"
    )
    parser.add_argument(
        "--toolsets", metavar="LIST", help="comma-separated areas (tasks,comments,...), 'default' or 'all'"
    )
    parser.add_argument("--manifests", metavar="DIR", help="tool manifest directory (default: built in)")
    group = parser.add_argument_group("sandbox", "run against the embedded, offline Wrike sandbox")
    group.add_argument("--sandbox", action="store_true", help="use the in-process sandbox; no token needed")
    group.add_argument("--sandbox-seed", type=int, default=7, metavar="N", help="workspace seed (default 7)")
    group.add_argument("--sandbox-size", type=int, default=300, metavar="N", help="tasks (default 300)")
    group.add_argument(
        "--sandbox-token", default="all", metavar="NAME",
        help="which sandbox token to act with: all (default), default, ws_read_only, ws_read_write, ...",
    )  # fmt: skip


def settings_from_args(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    from pathlib import Path

    sandbox = None
    if args.sandbox:
        if args.sandbox_size < 0:
            raise ConfigError("--sandbox-size must be >= 0")
        sandbox = SandboxOptions(
            seed=args.sandbox_seed, size=args.sandbox_size, token_name=args.sandbox_token
        )
    return Settings.from_env(
        env,
        read_only=args.read_only,
        toolsets=tuple(split_list(args.toolsets)) if args.toolsets else None,
        manifest_dir=Path(args.manifests) if args.manifests else None,
        sandbox=sandbox,
    )


def run(args: argparse.Namespace) -> int:
    if args.transport == "http":
        return run_http(args)
    try:
        settings = settings_from_args(args)
        connection = connect(settings)
        connection.caller(settings, load_catalog(settings.manifest_dir))  # unknown toolsets fail here
    except ConfigError as exc:
        print(f"wrike-mcp serve: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, [connection.credentials.token])
    asyncio.run(serve_stdio(settings, connection))
    return 0


async def serve_stdio(settings: Settings, connection: Connection) -> None:
    async with open_client(settings, connection) as client:
        server = build_server(settings, client, connection=connection)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


class RedactSecrets(logging.Filter):
    """Replace any secret in a log record's final message (defence in depth: nothing should log one)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level, logging.WARNING))
