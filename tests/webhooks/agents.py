"""Helpers for the agent-side webhook tests: a stdio-style receiver on loopback, and MCP agents on it.

The sandbox runs over real HTTP (it delivers to the receiver from its own worker thread); the MCP server
runs in-process behind `mcp.Client`, talking to the sandbox over loopback, with the receiver's service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from mcp import Client

from tests.tools.mcp_harness import Recorder
from wrike_mcp.clock import Clock
from wrike_mcp.config import Settings
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.server import Connection, build_server, open_client
from wrike_mcp.webhooks.embedded import EmbeddedReceiver
from wrike_mcp.webhooks.receiver import DEFAULT_PATH
from wrike_mcp.webhooks.service import WebhookService
from wrike_mcp.webhooks.settings import WebhookSettings
from wrike_mcp.wrike.client import WrikeCredentials


@contextmanager
def receiving(clock: Clock, settings: WebhookSettings | None = None) -> Iterator[WebhookService]:
    """A webhook service whose receiver listens on a free loopback port (as `serve --webhook-receiver`).
    The sandbox's clock, so that its events are never "stale" to the receiver."""
    receiver = EmbeddedReceiver("127.0.0.1", 0, DEFAULT_PATH)
    service = WebhookService(settings, receiver_url=receiver.url, clock=clock)
    receiver.start(service.routes())
    try:
        yield service
    finally:
        receiver.stop()


@asynccontextmanager
async def agent(
    sandbox: Sandbox,
    server: SandboxServer,
    webhooks: WebhookService | None,
    *,
    token_name: str = "default",
    mode: str = "auto",
    recorder: list[Recorder] | None = None,
    toolsets: tuple[str, ...] | None = None,
    policy: Path | None = None,
    agent_name: str | None = None,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """An MCP client on a server that acts as one of the sandbox's named tokens, over loopback (as the
    `agent_name` agent of `policy` when given, like `serve --policy FILE --agent NAME`)."""
    token = sandbox.workspace.named_tokens[token_name]
    scopes = sandbox.workspace.tokens[token].scopes
    transport = Recorder(httpx.AsyncHTTPTransport())
    if recorder is not None:
        recorder.append(transport)
    settings = Settings(
        scopes=scopes, base_url=server.api_url, toolsets=toolsets, policy_file=policy, agent=agent_name
    )
    connection = Connection(WrikeCredentials(token), scopes, server.api_url, transport)
    async with open_client(settings, connection) as wrike:
        mcp_server = build_server(settings, wrike, connection=connection, webhooks=webhooks)
        async with Client(mcp_server, mode=mode, **client_options) as client:
            yield client


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    content: dict[str, Any] = result.structured_content
    return content


def person_token(sandbox: Sandbox, role: str) -> str:
    """The named token of the first person with this role (not the account owner)."""
    for contact in sandbox.workspace["contacts"].values():
        profiles = contact.get("profiles") or [{}]
        if contact["type"] == "Person" and profiles[0].get("role") == role:
            name = "user:" + contact["id"]
            if name in sandbox.workspace.named_tokens:
                return name
    raise AssertionError(f"no {role} in the sandbox")
