"""Over HTTP the agent key identifies the agent: the hosted app (real uvicorn on loopback, a real MCP
client over streamable HTTP) serves each key as its agent, under the agent's grants and subtree, with its
credential, and audits each call under the key's public id. A bad key is a 401, never a fall-back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

from tests.transports.hosting import PUBLIC, Balancer, serve
from wrike_mcp.audit import AuditLog, verify_files
from wrike_mcp.auth.provider import AuthServerConfig, WrikeAuthProvider
from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.callers import load_agents
from wrike_mcp.cli import build_parser
from wrike_mcp.clock import FakeClock
from wrike_mcp.commands.serve import settings_from_args
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest import load_catalog
from wrike_mcp.policy.keys import generate_key as generate_agent_key
from wrike_mcp.policy.keys import hash_key, key_id_of
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.transports.http import HttpOptions, build_http_app
from wrike_mcp.transports.http_serve import plan_http
from wrike_mcp.wrike.client import WrikeClient

from .agent_harness import MANIFESTS, SALT
from .test_enforcement import DESIGN, ROLLOUT
from .test_matrix import MARKETING, PROJECT

KEYS = {name: generate_agent_key().key for name in ("project-bot", "commenter", "revoked")}
BOT_TOOLS = {"search_tasks", "get_tasks", "create_task", "update_task", "update_tasks", "delete_task",
             "get_folder_tree", "get_folders"}  # fmt: skip
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
POLICY = f"""
[agents.project-bot]
key_hash = "{hash_key(KEYS["project-bot"])}"
credential = "operator_token"
token_env = "BOT_TOKEN"
areas = {{ tasks = "write", folders = "read" }}
subtrees = ["{PROJECT}"]

[agents.commenter]
key_hash = "{hash_key(KEYS["commenter"])}"
credential = "user_oauth"
areas = {{ comments = "write" }}
"""


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog.to_file(FakeClock(), SALT, tmp_path / "audit.log")
    yield log
    log.close()


@pytest.fixture
def balancer(
    sandbox: Sandbox, sandbox_server: SandboxServer, clock: FakeClock, tmp_path: Path, audit: AuditLog
) -> Iterator[Balancer]:
    sandbox.config.oauth_clients = {"cid": "secret"}
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    settings = Settings(base_url=sandbox_server.api_url, manifest_dir=MANIFESTS, policy_file=policy)
    agents = load_agents(
        settings, load_catalog(MANIFESTS), env={"BOT_TOKEN": sandbox.workspace.named_tokens["all"]}
    )

    def build() -> ASGIApp:
        wrike = WrikeOAuth(OAuthSettings("cid", "secret", sandbox_server.base_url), clock)
        config = AuthServerConfig(PUBLIC, PUBLIC + "/mcp")
        provider = WrikeAuthProvider(
            config, Sealer([SealingKey.from_text(generate_key())], clock), wrike, clock
        )
        client = WrikeClient(base_url=sandbox_server.api_url)
        options = HttpOptions(PUBLIC, accept_wrike_tokens=True)
        return build_http_app(settings, client, provider, options, agents=agents, audit=audit)

    for replicas in serve([build]):
        yield Balancer(replicas)


def client_with(balancer: Balancer, **headers: str) -> Client:
    http = httpx2.AsyncClient(headers=headers, transport=balancer.transport2(), timeout=30)
    return Client(streamable_http_client(PUBLIC + "/mcp", http_client=http))


async def status(balancer: Balancer, **headers: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient(transport=balancer.transport2()) as http:
        response = await http.post(PUBLIC + "/mcp", json=body, headers={**MCP_HEADERS, **headers})
    return response.status_code


async def test_an_agent_key_as_the_bearer_acts_as_that_agent_inside_its_subtree(
    balancer: Balancer, sandbox: Sandbox, tmp_path: Path
) -> None:
    key = KEYS["project-bot"]
    async with client_with(balancer, Authorization=f"Bearer {key}") as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        tree = await client.call_tool("get_folder_tree", {})
        moved = await client.call_tool("update_task", {"taskId": "MAAAAAS_v1TO", "addParents": [MARKETING]})
        made = await client.call_tool("create_task", {"folderId": DESIGN, "title": "From the bot"})
    assert listed == BOT_TOOLS
    assert {f["id"] for f in tree.structured_content["data"]} == {PROJECT, DESIGN, ROLLOUT}
    assert moved.is_error and "outside the folders this agent may use" in moved.content[0].text
    assert not made.is_error
    log = (tmp_path / "audit.log").read_text()
    records = [json.loads(line) for line in log.splitlines()]
    assert [(r["agent"], r["tool"], r["decision"]) for r in records] == [
        ("project-bot", "get_folder_tree", "allow"), ("project-bot", "update_task", "deny"),
        ("project-bot", "create_task", "allow"),
    ]  # fmt: skip
    assert {r["caller"] for r in records} == {
        AuditLog(FakeClock(), SALT).caller_hash(f"agent-key:{key_id_of(key)}")
    }
    assert key not in log and verify_files([tmp_path / "audit.log"]).ok


async def test_a_user_oauth_agent_acts_with_the_users_own_token_beside_its_key(
    balancer: Balancer, sandbox: Sandbox
) -> None:
    user_token = sandbox.workspace.named_tokens["default"]
    headers = {"Authorization": f"Bearer {user_token}", "X-Wrike-MCP-Agent-Key": KEYS["commenter"]}
    async with client_with(balancer, **headers) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("list_comments", {})
    assert listed == {"list_comments", "create_comment", "update_comment", "delete_comment"}
    assert not result.is_error


async def test_a_key_that_does_not_check_out_is_a_401_never_a_fall_back(
    balancer: Balancer, sandbox: Sandbox
) -> None:
    user_token = sandbox.workspace.named_tokens["default"]
    bot = KEYS["project-bot"]
    assert await status(balancer, Authorization=f"Bearer {bot}") == 200
    assert await status(balancer, Authorization=f"Bearer {KEYS['revoked']}") == 401  # not in the policy
    assert await status(balancer, Authorization=f"Bearer {bot[:-3]}xyz") == 401  # wrong secret
    assert await status(balancer, Authorization=f"Bearer {KEYS['commenter']}") == 401  # needs the user
    both = {"Authorization": f"Bearer {user_token}", "X-Wrike-MCP-Agent-Key": KEYS["revoked"]}
    assert await status(balancer, **both) == 401  # the user's token does not rescue a bad agent key
    twice = {"Authorization": f"Bearer {bot}", "X-Wrike-MCP-Agent-Key": bot}
    assert await status(balancer, **twice) == 401


def test_the_hosted_plan_refuses_agent_and_checks_the_policys_keyed_tokens(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)

    def plan(*extra: str, env: dict[str, str]) -> Any:
        args = build_parser().parse_args(
            ["serve", "--transport", "http", "--sandbox", "--policy", str(policy), *extra]
        )
        return plan_http(args, settings_from_args(args, env), env)

    keys = {"WRIKE_MCP_TOKEN_KEYS": generate_key()}
    with pytest.raises(ConfigError, match="--agent is for stdio"):
        plan("--agent", "project-bot", env=keys)
    with pytest.raises(ConfigError, match=r"\$BOT_TOKEN, which is not set"):
        plan(env=keys)
    ready = plan(env={**keys, "BOT_TOKEN": "operator-token"})
    assert ready.agents is not None and ready.agents.operator_tokens() == ("operator-token",)
