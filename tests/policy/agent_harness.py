"""An MCP client on the real server acting as one agent of a policy, against the sandbox, with the real
catalogue and an audit file: what the enforcement tests drive.

`open_agent` is an async context manager used inside the test body (a yield-fixture holding a Client
breaks at teardown, mcp-sdk.md §4). It yields an `AgentSession`: the client, the recorder that sees every
request leaving the server, and the audit file.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from mcp import Client

from tests.tools.mcp_harness import Recorder
from wrike_mcp.audit import AuditLog
from wrike_mcp.clock import FakeClock
from wrike_mcp.config import Settings
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.server import SANDBOX_BASE_URL, Connection, build_server, open_client
from wrike_mcp.wrike.client import WrikeCredentials

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "tool_manifests"
SALT = b"test-salt-0123456789abcdef"


@dataclass
class AgentSession:
    client: Client
    recorder: Recorder
    audit_path: Path

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_path.read_text().splitlines()]


@asynccontextmanager
async def open_agent(
    sandbox: Sandbox,
    policy: Path,
    agent: str,
    audit_path: Path,
    *,
    token_name: str = "all",
    mode: str = "auto",
    clock: FakeClock | None = None,
    audit_max_bytes: int = 10 * 1024 * 1024,
) -> AsyncIterator[AgentSession]:
    """The server as `agent` of `policy`, acting with the sandbox's `token_name` token as the local user."""
    token = sandbox.workspace.named_tokens[token_name]
    scopes = sandbox.workspace.tokens[token].scopes
    recorder = Recorder(httpx.ASGITransport(app=sandbox.app()))
    settings = Settings(
        scopes=scopes, manifest_dir=MANIFESTS, base_url=SANDBOX_BASE_URL, policy_file=policy, agent=agent
    )
    connection = Connection(WrikeCredentials(token), scopes, SANDBOX_BASE_URL, recorder)
    clock = clock or FakeClock()
    audit = AuditLog.to_file(clock, SALT, audit_path, max_bytes=audit_max_bytes)
    try:
        async with open_client(settings, connection, clock=clock) as wrike:
            server = build_server(settings, wrike, connection=connection, audit=audit, clock=clock)
            async with Client(server, mode=mode) as client:
                yield AgentSession(client, recorder, audit_path)
    finally:
        audit.close()


async def wrike_get(sandbox: Sandbox, path: str, token_name: str = "all", **params: str) -> list[Any]:
    """The `data` of a GET straight to the sandbox, past the server: what an unrestricted caller sees."""
    token = sandbox.workspace.named_tokens[token_name]
    transport = httpx.ASGITransport(app=sandbox.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
        response = await http.get(
            SANDBOX_BASE_URL + path, params=params, headers={"Authorization": f"bearer {token}"}
        )
    response.raise_for_status()
    data: list[Any] = response.json()["data"]
    return data


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)
