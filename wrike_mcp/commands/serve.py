"""`wrike-mcp serve`: the MCP server over stdio (the transport desktop clients spawn).

Only JSON-RPC goes to stdout; logs (and, with --audit-stderr, audit records) go to stderr, with the token
redacted from every record. A missing token (outside `--sandbox`), a bad setting, a policy with problems,
an unknown agent or an agent's unset operator token exits with code 2 before anything starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from mcp.server.stdio import stdio_server

from wrike_mcp.audit import AuditLog, open_audit
from wrike_mcp.callers import local_caller
from wrike_mcp.clock import SystemClock
from wrike_mcp.config import SandboxOptions, Settings, split_list
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.loader import Catalog, load_catalog
from wrike_mcp.server import Connection, build_server, connect, open_client
from wrike_mcp.transports.http_args import add_http_arguments
from wrike_mcp.webhooks.embedded import EmbeddedReceiver, receiving
from wrike_mcp.webhooks.receiver import DEFAULT_PATH
from wrike_mcp.webhooks.service import WebhookService

EXIT_CONFIG = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the MCP server (stdio)",
        description="Serve every Wrike API method as an MCP tool over stdio. Reads WRIKE_ACCESS_TOKEN, "
        "WRIKE_HOST (default www.wrike.com) and WRIKE_SCOPES (default Default); --sandbox needs none.",
    )  # fmt: skip
    add_settings_arguments(parser)
    add_policy_arguments(parser)
    parser.add_argument(
        "--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http (hosted)"
    )
    add_http_arguments(parser)
    parser.add_argument(
        "--webhook-receiver", metavar="HOST:PORT",
        help=f"stdio: also receive Wrike webhooks on HOST:PORT{DEFAULT_PATH}, for wait_for_events and the "
        "event resources (expose it with a tunnel and WRIKE_MCP_WEBHOOK_URL; the sandbox needs neither)",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("agent policy and audit log")
    group.add_argument("--policy", metavar="FILE", help="agent policy file (TOML); over stdio with --agent")
    group.add_argument("--agent", metavar="NAME", help="the policy's agent this server acts as")
    group.add_argument("--audit-file", metavar="FILE", help="append one hash-chained record per call to FILE")
    group.add_argument(
        "--audit-stderr", action="store_true", default=None, help="also write each audit record to stderr"
    )
    group.add_argument(
        "--audit-max-bytes", type=int, metavar="N", help="rotate the audit file at N bytes (default 10 MiB)"
    )


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
    policy = getattr(args, "policy", None)  # `tools` shares these flags but has no policy options
    audit_file = getattr(args, "audit_file", None)
    return Settings.from_env(
        env,
        policy_file=Path(policy) if policy else None,
        agent=getattr(args, "agent", None),
        audit_file=Path(audit_file) if audit_file else None,
        audit_stderr=getattr(args, "audit_stderr", None),
        audit_max_bytes=getattr(args, "audit_max_bytes", None),
        read_only=args.read_only,
        toolsets=tuple(split_list(args.toolsets)) if args.toolsets else None,
        manifest_dir=Path(args.manifests) if args.manifests else None,
        sandbox=sandbox,
    )


def run(args: argparse.Namespace) -> int:
    if args.transport == "http":
        from wrike_mcp.transports.http_serve import run_http  # the hosted stack, only when hosting

        return run_http(args)
    try:
        settings = settings_from_args(args)
        connection = connect(settings)
        catalog = load_catalog(settings.manifest_dir)
        # Unknown toolsets, a bad policy, an unknown agent or its unset token all fail here, before serving.
        caller = local_caller(
            settings, connection.caller(settings, catalog), catalog, sandbox=connection.sandbox
        )
        audit = open_audit(settings, SystemClock(), sys.stderr)
        receiver = EmbeddedReceiver.bind(args.webhook_receiver) if args.webhook_receiver else None
    except ConfigError as exc:
        print(f"wrike-mcp serve: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"wrike-mcp serve: cannot open the audit log: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, [connection.credentials.token, caller.credentials.token])
    try:
        with receiving(receiver, settings.webhooks) as webhooks:
            asyncio.run(serve_stdio(settings, connection, catalog, audit, webhooks))
    finally:
        if audit is not None:
            audit.close()
    return 0


async def serve_stdio(
    settings: Settings,
    connection: Connection,
    catalog: Catalog | None = None,
    audit: AuditLog | None = None,
    webhooks: WebhookService | None = None,
) -> None:
    async with open_client(settings, connection) as client, keeping_login_fresh(connection):
        server = build_server(
            settings, client, connection=connection, catalog=catalog, audit=audit, webhooks=webhooks
        )
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


@contextlib.asynccontextmanager
async def keeping_login_fresh(connection: Connection) -> AsyncIterator[None]:
    """With a saved `wrike-mcp login`: refresh it now if it expired, and before each expiry while serving."""
    login = connection.login
    if login is None:
        yield
        return
    await login.ensure_fresh()
    refresher = asyncio.create_task(login.keep_fresh())
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        await login.aclose()


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
