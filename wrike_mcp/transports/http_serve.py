"""`wrike-mcp serve --transport http`: settings, keys and the Wrike OAuth app, then uvicorn.

| variable | meaning |
|---|---|
| WRIKE_CLIENT_ID, WRIKE_CLIENT_SECRET | the Wrike OAuth app (redirect URI: PUBLIC_URL/oauth/callback) |
| WRIKE_OAUTH_BASE | Wrike's OAuth server (default https://login.wrike.com) |
| WRIKE_MCP_TOKEN_KEYS | sealing keys, current first; every replica gets the same list |
| WRIKE_MCP_PUBLIC_URL | the URL clients use, when `--public-url` is not given (containers) |

With `--sandbox` none is needed: the embedded sandbox runs on loopback and plays Wrike, its OAuth included
(sign-in auto-approves as the account owner), and an ephemeral key is made if none is set, so a newcomer
can connect a client to http://127.0.0.1:8000/mcp at once. Everything is checked before the server starts;
a bad setting is a ConfigError (exit 2), and so is an agent policy (`--policy`) with problems or with a
keyed operator-token agent whose token variable is unset. Over HTTP the agent key identifies the agent,
so `--agent` (stdio's way to choose one) is refused here. uvicorn's access log stays off: request lines
carry Wrike's authorization codes (`/oauth/callback?code=...`), and no credential may reach a log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import uvicorn

from wrike_mcp.audit import AuditLog, open_audit
from wrike_mcp.auth.provider import AuthServerConfig, WrikeAuthProvider
from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.settings import OAuthSettings, oauth_settings_from_env, sealing_keys_from_env
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.callers import AgentDirectory, load_agents
from wrike_mcp.clock import SystemClock
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.loader import Catalog, load_catalog
from wrike_mcp.transports.http import HttpOptions, build_http_app
from wrike_mcp.transports.http_args import add_http_arguments
from wrike_mcp.wrike.client import WrikeClient
from wrike_mcp.wrike.resilient import resilient_client

SANDBOX_CLIENT_ID = "wrike-mcp-sandbox"
__all__ = ["HostedPlan", "add_http_arguments", "plan_http", "run_http", "serve_http"]


@dataclass(frozen=True)
class HostedPlan:
    """Everything checked, nothing started yet."""

    settings: Settings
    options: HttpOptions
    bind: tuple[str, int]
    oauth: OAuthSettings | None  # None: the embedded sandbox provides it
    keys: list[SealingKey]
    catalog: Catalog
    agents: AgentDirectory | None = None  # with --policy: agents identified by their keys


def plan_http(
    args: argparse.Namespace, settings: Settings, env: Mapping[str, str] | None = None
) -> HostedPlan:
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be 0-65535")
    if getattr(args, "webhook_receiver", None):
        raise ConfigError("--webhook-receiver is for stdio; the hosted app receives at /webhooks/wrike")
    if settings.agent:
        raise ConfigError(
            "--agent is for stdio; over HTTP each agent presents its key (wrike-mcp agents add)"
        )
    catalog = load_catalog(settings.manifest_dir)
    agents = load_agents(settings, catalog, env=env) if settings.policy_file else None
    host = f"[{args.host}]" if ":" in args.host else args.host
    source = os.environ if env is None else env
    options = HttpOptions(
        public_url=args.public_url or source.get("WRIKE_MCP_PUBLIC_URL") or f"http://{host}:{args.port}",
        max_body_bytes=args.max_body_bytes,
        accept_wrike_tokens=args.accept_wrike_tokens,
        extra_origins=tuple(args.allow_origin),
    )
    if settings.sandbox is not None:
        try:
            keys = sealing_keys_from_env(env)
        except ConfigError:
            print("wrike-mcp serve: no WRIKE_MCP_TOKEN_KEYS, using an ephemeral key", file=sys.stderr)
            keys = [SealingKey.from_text(generate_key())]
        return HostedPlan(settings, options, (args.host, args.port), None, keys, catalog, agents)
    oauth = oauth_settings_from_env(env)
    keys = sealing_keys_from_env(env)
    return HostedPlan(settings, options, (args.host, args.port), oauth, keys, catalog, agents)


async def serve_http(plan: HostedPlan, audit: AuditLog | None = None) -> None:
    clock = SystemClock()
    async with contextlib.AsyncExitStack() as stack:
        oauth, api_url = plan.oauth, plan.settings.base_url
        if oauth is None:
            oauth, api_url = _start_sandbox(stack, plan.settings)
        inner = WrikeClient(base_url=api_url, timeout=plan.settings.timeout)
        client = await stack.enter_async_context(resilient_client(plan.settings, inner, clock))
        wrike = WrikeOAuth(oauth, clock)
        stack.push_async_callback(wrike.aclose)
        config = AuthServerConfig(plan.options.public_url, plan.options.resource_url)
        provider = WrikeAuthProvider(config, Sealer(plan.keys, clock), wrike, clock)
        app = build_http_app(
            plan.settings, client, provider, plan.options, plan.catalog, agents=plan.agents, audit=audit
        )
        host, port = plan.bind
        url = plan.options.public_url
        print(f"wrike-mcp hosted endpoint: {url}/mcp (legacy SSE: {url}/sse)", file=sys.stderr, flush=True)
        server_config = uvicorn.Config(
            app, host=host, port=port, access_log=False, server_header=False,
            log_level=plan.settings.log_level.lower(),
        )  # fmt: skip
        await uvicorn.Server(server_config).serve()


def _start_sandbox(stack: contextlib.AsyncExitStack, settings: Settings) -> tuple[OAuthSettings, str]:
    """The embedded sandbox on loopback: the browser must reach its sign-in page, so not in-process."""
    from wrike_mcp.sandbox import SandboxConfig, make_sandbox
    from wrike_mcp.sandbox.runner import SandboxServer

    options = settings.sandbox
    assert options is not None
    secret = secrets.token_urlsafe(24)
    config = SandboxConfig(oauth_clients={SANDBOX_CLIENT_ID: secret})
    server = SandboxServer(make_sandbox(seed=options.seed, size=options.size, config=config)).start()
    stack.callback(server.stop)
    print(f"embedded Wrike sandbox at {server.base_url}", file=sys.stderr, flush=True)
    return OAuthSettings(SANDBOX_CLIENT_ID, secret, server.base_url), server.api_url


def run_http(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    """The `serve --transport http` handler."""
    from wrike_mcp.commands.serve import EXIT_CONFIG, configure_logging, settings_from_args

    try:
        plan = plan_http(args, settings_from_args(args, env), env)
        audit = open_audit(plan.settings, SystemClock(), sys.stderr)
    except ConfigError as exc:
        print(f"wrike-mcp serve: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"wrike-mcp serve: cannot open the audit log: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    operator_tokens = plan.agents.operator_tokens() if plan.agents is not None else ()
    for token in operator_tokens:
        if audit is not None:
            audit.add_secret(token)
    configure_logging(plan.settings.log_level, operator_tokens)
    try:
        asyncio.run(serve_http(plan, audit))
    finally:
        if audit is not None:
            audit.close()
    return 0
