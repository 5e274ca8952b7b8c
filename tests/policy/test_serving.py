"""Serving an agent: `wrike-mcp serve --policy FILE --agent NAME` over stdio, the start-up refusals, the
settings, and the hosted endpoint's hook (`AgentDirectory.caller_for_agent_key`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client

from wrike_mcp.audit import AuditLog, verify_files
from wrike_mcp.callers import load_agents
from wrike_mcp.cli import main
from wrike_mcp.clock import FakeClock
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest import Catalog, load_catalog
from wrike_mcp.policy.keys import generate_key, key_id_of
from wrike_mcp.policy.scopes import Access
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.server import SANDBOX_BASE_URL, build_server, open_client
from wrike_mcp.tools.handler import Caller
from wrike_mcp.wrike.client import WrikeCredentials

from .agent_harness import MANIFESTS, REPO, SALT, Recorder, text_of
from .test_escalation import INSIDE_TASK
from .test_matrix import EXPECTED

EXAMPLE = REPO / "examples" / "policy.toml"
SERVE = [sys.executable, "-m", "wrike_mcp", "serve", "--sandbox", "--sandbox-size", "60"]


def child_env(**extra: str) -> dict[str, str]:
    import os

    env = {key: value for key in ("PATH", "HOME", "PYTHONPATH") if (value := os.environ.get(key))}
    return env | extra


async def test_serve_over_stdio_acts_as_the_chosen_agent_and_audits_each_call(tmp_path: Path) -> None:
    audit = tmp_path / "audit.log"
    args = [*SERVE[1:], "--policy", str(EXAMPLE), "--agent", "task-reader", "--audit-file", str(audit),
            "--audit-stderr"]  # fmt: skip
    params = StdioServerParameters(command=SERVE[0], args=args, env=child_env())
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = {tool.name for tool in (await session.list_tools()).tools}
            found = await session.call_tool("search_tasks", {"pageSize": 2})
            refused = await session.call_tool("create_task", {"folderId": "MQAAAAPZfQ6Y", "title": "x"})
    assert tools == {"search_tasks", "get_tasks"}
    assert not found.is_error and len(found.structured_content["data"]) == 2
    assert refused.is_error and "needs write access to 'tasks'" in text_of(refused)
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["agent"], r["tool"], r["decision"]) for r in records] == [
        ("task-reader", "search_tasks", "allow"), ("task-reader", "create_task", "deny"),
    ]  # fmt: skip
    assert verify_files([audit]).ok
    assert records[1]["hash"] in stderr_path.read_text()  # the stderr sink got the same record


async def test_a_subtree_agent_over_stdio_lists_only_its_project(tmp_path: Path) -> None:
    args = [*SERVE[1:], "--policy", str(EXAMPLE), "--agent", "project-bot"]
    async with Client(StdioServerParameters(command=SERVE[0], args=args, env=child_env())) as client:
        result = await client.call_tool("get_folder_tree", {})
    assert [f["title"] for f in result.structured_content["data"]] == [
        "API Gateway Migration",
        "Design",
        "Rollout",
    ]


CLEARED = ("WRIKE_ACCESS_TOKEN", "WRIKE_SCOPES", "WRIKE_MCP_POLICY", "WRIKE_MCP_AGENT", "WRIKE_TOOLSETS",
           "WRIKE_READER_TOKEN", "WRIKE_MCP_AUDIT_FILE", "WRIKE_MCP_AUDIT_STDERR")  # fmt: skip
NO_FILE = {"WRIKE_MCP_POLICY": "/nonexistent/policy.toml"}
NOT_SET = "acts with the operator token in $WRIKE_READER_TOKEN, which is not set"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--sandbox", "--policy", str(EXAMPLE)], {}, "--policy needs --agent NAME"),
        (["--sandbox", "--agent", "task-reader"], {}, "--agent needs a policy"),
        (["--sandbox", "--policy", str(EXAMPLE), "--agent", "nobody"], {}, "no agent 'nobody' in"),
        (["--sandbox", "--agent", "x"], NO_FILE, "cannot read policy"),
        (["--policy", str(EXAMPLE), "--agent", "task-reader"], {"WRIKE_ACCESS_TOKEN": "t"}, NOT_SET),
        (["--sandbox", "--policy", "{bad}", "--agent", "bot"], {}, "deny_tools: unknown tool(s) drop_ev"),
    ],
)  # fmt: skip
def test_serve_refuses_to_start_with_a_bad_policy_or_agent(
    args: list[str], env: dict[str, str], expected: str, clean_env: pytest.MonkeyPatch,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text('[agents.bot]\ncredential = "user_oauth"\ndeny_tools = ["drop_everything"]\n')
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert main(["serve", *[str(bad) if a == "{bad}" else a for a in args]]) == 2
    assert expected in capsys.readouterr().err


def test_policy_and_audit_settings_come_from_the_environment_and_flags_override_them() -> None:
    env = {"WRIKE_MCP_POLICY": "p.toml", "WRIKE_MCP_AGENT": "bot", "WRIKE_MCP_AUDIT_FILE": "a.log",
           "WRIKE_MCP_AUDIT_STDERR": "1", "WRIKE_MCP_AUDIT_MAX_BYTES": "4096",
           "WRIKE_MCP_AUDIT_SALT": "0123456789abcdef0123"}  # fmt: skip
    settings = Settings.from_env(env, agent="other")
    assert (settings.policy_file, settings.agent, settings.audit_file) == (
        Path("p.toml"),
        "other",
        Path("a.log"),
    )
    assert settings.audit_stderr and settings.audit_max_bytes == 4096
    assert settings.audit_salt == b"0123456789abcdef0123" and "0123456789abcdef" not in repr(settings)
    with pytest.raises(ConfigError, match="AUDIT_SALT must be at least 16"):
        Settings.from_env({"WRIKE_MCP_AUDIT_SALT": "short"})


# --- the hosted endpoint's hook: an agent key identifies the agent -------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(MANIFESTS)


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return {"operator": generate_key().key, "user": generate_key().key}


def keyed_policy(tmp_path: Path, keys: dict[str, str]) -> Path:
    from wrike_mcp.policy.keys import hash_key

    path = tmp_path / "policy.toml"
    path.write_text(f"""
[agents.task-reader]
key_hash = "{hash_key(keys["operator"])}"
credential = "operator_token"
token_env = "READER_TOKEN"
areas = {{ tasks = "read" }}

[agents.commenter]
key_hash = "{hash_key(keys["user"])}"
credential = "user_oauth"
areas = {{ comments = "write" }}
""")
    return path


def hosted_settings(policy: Path) -> Settings:
    return Settings(manifest_dir=MANIFESTS, base_url=SANDBOX_BASE_URL, policy_file=policy)


def test_an_agent_key_stands_for_its_agent_and_credential(
    tmp_path: Path, keys: dict[str, str], catalog: Catalog
) -> None:
    directory = load_agents(
        hosted_settings(keyed_policy(tmp_path, keys)), catalog, env={"READER_TOKEN": "op-tok"}
    )
    caller = directory.caller_for_agent_key(keys["operator"])
    assert caller is not None and caller.agent == "task-reader"
    assert caller.credentials.token == "op-tok"
    assert caller.identity == f"agent-key:{key_id_of(keys['operator'])}"
    assert caller.access.agent is directory.accesses["task-reader"]
    assert directory.operator_tokens() == ("op-tok",)
    user = Caller(WrikeCredentials("user-tok"), Access(frozenset({"wsReadWrite"})), identity="user:KU1")
    as_user = directory.caller_for_agent_key(keys["user"], user)
    assert as_user is not None and as_user.agent == "commenter"
    assert as_user.credentials.token == "user-tok" and as_user.access.scopes == frozenset({"wsReadWrite"})
    assert directory.caller_for_agent_key(keys["user"]) is None  # a user_oauth agent needs the user's login
    wrong = keys["operator"][:-4] + ("AAAA" if not keys["operator"].endswith("AAAA") else "BBBB")
    assert directory.caller_for_agent_key(wrong) is None
    assert directory.caller_for_agent_key("wmcp_nonsense") is None
    assert directory.caller_for_agent_key(keys["operator"]) == caller  # cached, and still the same caller


def test_the_hosted_directory_refuses_to_start_without_a_keyed_agents_operator_token(
    tmp_path: Path, keys: dict[str, str], catalog: Catalog
) -> None:
    with pytest.raises(ConfigError, match=r"\$READER_TOKEN, which is not set"):
        load_agents(hosted_settings(keyed_policy(tmp_path, keys)), catalog, env={})


async def test_a_server_resolving_callers_by_agent_key_serves_that_agent(
    sandbox: Sandbox, tmp_path: Path, keys: dict[str, str], catalog: Catalog
) -> None:
    token = sandbox.workspace.named_tokens["ws_read_only"]
    settings = hosted_settings(keyed_policy(tmp_path, keys))
    directory = load_agents(settings, catalog, env={"READER_TOKEN": token})
    caller = directory.caller_for_agent_key(keys["operator"])
    assert caller is not None
    audit = AuditLog.to_file(FakeClock(), SALT, tmp_path / "audit.log")
    recorder = Recorder(httpx.ASGITransport(app=sandbox.app()))
    from wrike_mcp.server import Connection

    connection = Connection(WrikeCredentials("unused"), frozenset({"Default"}), SANDBOX_BASE_URL, recorder)

    def resolve(ctx: Any) -> Caller:
        return caller

    async with open_client(settings, connection) as wrike:
        server = build_server(settings, wrike, resolve_caller=resolve, catalog=catalog, audit=audit)
        async with Client(server) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            result = await client.call_tool("get_tasks", {"taskIds": [INSIDE_TASK]})
    audit.close()
    assert listed == EXPECTED["task-reader"] and not result.is_error
    assert recorder.requests[0].headers["authorization"] == f"bearer {token}"
    (record,) = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert record["caller"] == audit.caller_hash(caller.identity)
    assert keys["operator"] not in (tmp_path / "audit.log").read_text()
