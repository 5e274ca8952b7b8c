"""The commands: `policy check|schema`, `agents add|rotate|list`, `audit verify`, through the real CLI."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from wrike_mcp.audit import AuditEvent, AuditLog, rotated_files
from wrike_mcp.cli import main
from wrike_mcp.clock import FakeClock
from wrike_mcp.policy.keys import KEY_PATTERN, KeyRing, verify_key
from wrike_mcp.policy.model import load_policy, policy_schema_text

from .conftest import FIXTURE_MANIFESTS, REPO

EXAMPLE = REPO / "examples" / "policy.toml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_policy_check_prints_each_agents_effective_tools(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "policy", "check", str(EXAMPLE), "--manifests", str(FIXTURE_MANIFESTS))
    assert code == 0
    assert f"{EXAMPLE}: valid; 4 agent(s); catalogue of 18 tools." in out
    assert "server: read_only=false; toolsets: default, workflows" in out
    blocks = {block.split(":", 1)[0]: block for block in out.split("\n\n")[1:]}
    assert "  tasks (read): search_tasks, get_tasks\n  2 tool(s)" in blocks["agent task-reader"]
    assert "  comments (write): list_comments, create_comment\n" in blocks["agent commenter"]
    assert "subtrees: MQAAAAPZfQ6Y" in blocks["agent project-bot"]
    assert (
        "  workflows (write): list_workflows, create_workflow, update_workflow\n"
        in blocks["agent workflow-admin"]
    )


def test_policy_check_refuses_unknown_tools(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[agents.a]\ncredential = "user_oauth"\ndeny_tools = ["delete_everything"]\n')
    code, out, err = _run(capsys, "policy", "check", str(bad), "--manifests", str(FIXTURE_MANIFESTS))
    assert code == 1 and out == ""
    assert err == f"{bad}: agent 'a': deny_tools: unknown tool(s) delete_everything\n"


def test_policy_check_names_the_agent_and_key_of_a_schema_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[agents.a]\ncredential = "user_oauth"\nareas = { tasks = "rw" }\n')
    code, _, err = _run(capsys, "policy", "check", str(bad))
    assert code == 1
    assert err.startswith(
        f"wrike-mcp: {bad}: agent 'a': areas.tasks: Input should be 'none', 'read' or 'write'"
    )


def test_policy_schema_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "policy", "schema")
    assert code == 0 and out == policy_schema_text()
    assert json.loads(out)["title"] == "wrike-mcp agent policy"


def test_agents_add_prints_the_key_once_and_stores_only_its_hash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "policy.toml"
    shutil.copy(EXAMPLE, path)
    code, out, _ = _run(
        capsys, "agents", "add", "ci-bot", "--policy", str(path), "--token-env", "CI_WRIKE_TOKEN",
        "--area", "tasks=read", "--area", "comments=write", "--subtree", "MQAAAAPZfQ6Y",
        "--deny-tool", "delete_comment",
    )  # fmt: skip
    assert code == 0
    keys = [word for word in out.split() if KEY_PATTERN.fullmatch(word)]
    assert len(keys) == 1 and out.count(keys[0]) == 1
    key = keys[0]
    text = path.read_text()
    assert key not in text and key.split("_", 2)[2] not in text
    assert text.startswith(EXAMPLE.read_text())  # comments and layout kept: the table is appended
    agent = load_policy(path).agent("ci-bot")
    assert agent.key_hash is not None and verify_key(key, agent.key_hash)
    assert (agent.credential, agent.token_env) == ("operator_token", "CI_WRIKE_TOKEN")
    assert dict(agent.areas) == {"tasks": "read", "comments": "write"}
    assert (agent.subtrees, agent.deny_tools) == (("MQAAAAPZfQ6Y",), ("delete_comment",))
    assert KeyRing({"ci-bot": agent.key_hash}).identify(key) == "ci-bot"


def test_agents_add_creates_a_private_file_and_refuses_duplicates_and_bad_grants(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "new" / "policy.toml"
    assert _run(capsys, "agents", "add", "bot", "--policy", str(path), "--user-oauth")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_policy(path).agent("bot").credential == "user_oauth"
    code, _, err = _run(capsys, "agents", "add", "bot", "--policy", str(path), "--user-oauth")
    assert code == 1 and "agent 'bot' already exists" in err
    code, _, err = _run(
        capsys, "agents", "add", "x", "--policy", str(path), "--user-oauth", "--area", "tasks=rw"
    )
    assert code == 1 and "agent 'x': areas.tasks" in err
    code, _, err = _run(capsys, "agents", "add", "y", "--policy", str(path))
    assert code == 1 and "--token-env VAR or --user-oauth" in err
    assert set(load_policy(path).agents) == {"bot"}  # refused edits left the file alone


def test_agents_rotate_replaces_only_the_key_hash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    shutil.copy(EXAMPLE, path)
    _, first, _ = _run(capsys, "agents", "rotate", "commenter", "--policy", str(path))
    old_key = next(word for word in first.split() if KEY_PATTERN.fullmatch(word))
    old_hash = load_policy(path).agent("commenter").key_hash
    _, second, _ = _run(capsys, "agents", "rotate", "commenter", "--policy", str(path))
    new_key = next(word for word in second.split() if KEY_PATTERN.fullmatch(word))
    agent = load_policy(path).agent("commenter")
    assert agent.key_hash is not None and agent.key_hash != old_hash
    assert verify_key(new_key, agent.key_hash) and not verify_key(old_key, agent.key_hash)
    others = {name: a for name, a in load_policy(path).agents.items() if name != "commenter"}
    assert others == {name: a for name, a in load_policy(EXAMPLE).agents.items() if name != "commenter"}
    assert path.read_text().count("# Writes comments and nothing else") == 1


def test_agents_list_shows_key_ids_but_no_hashes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    shutil.copy(EXAMPLE, path)
    _run(capsys, "agents", "rotate", "task-reader", "--policy", str(path))
    stored = load_policy(path).agent("task-reader").key_hash
    assert stored is not None
    code, out, _ = _run(capsys, "agents", "list", "--policy", str(path))
    assert code == 0 and stored not in out
    assert f"task-reader: key wmcp_{stored.split('$')[4]}_...; operator_token; tasks=read" in out
    assert "project-bot: key none (stdio only); user_oauth; tasks=write" in out
    assert "subtrees MQAAAAPZfQ6Y" in out


def test_audit_verify_passes_on_a_good_log_and_names_the_bad_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "audit.log"
    log = AuditLog.to_file(FakeClock(), b"salt", path, max_bytes=2048)
    for n in range(30):
        log.record(
            AuditEvent("bot", "caller", "get_tasks", "tasks", "read", "allow", target_ids=(f"MAAAAA{n}",))
        )
    log.close()
    files = [str(p) for p in [*rotated_files(path), path]]
    code, out, _ = _run(capsys, "audit", "verify", *files)
    assert code == 0 and f"audit log intact: 30 record(s) in {len(files)} file(s)" in out
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([lines[1], lines[0], *lines[2:]]))
    code, out, _ = _run(capsys, "audit", "verify", *files)
    assert code == 1 and f"audit log NOT intact: {path}:1: prev does not match" in out
