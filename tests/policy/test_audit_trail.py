"""The audit log the running server writes: one record per call and refusal, only ids and outcomes, and
`wrike-mcp audit verify` accepts the real log and rejects each kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from wrike_mcp.audit import AuditLog, rotated_files
from wrike_mcp.cli import main
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox

from .agent_harness import SALT, open_agent
from .test_escalation import INSIDE_TASK, OUTSIDE_TASK
from .test_matrix import MARKETING, POLICY

SECRET_TITLE = "Quarterly numbers for the board"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


async def write_real_log(sandbox: Sandbox, policy: Path, audit: Path, **options: int) -> int:
    """Drive the project bot through allowed, refused, invalid and unknown calls; return how many."""
    clock = FakeClock()
    async with open_agent(sandbox, policy, "project-bot", audit, clock=clock, **options) as session:
        calls = [
            ("get_tasks", {"taskIds": [INSIDE_TASK]}),
            ("update_task", {"taskId": INSIDE_TASK, "title": SECRET_TITLE}),
            ("update_task", {"taskId": OUTSIDE_TASK, "title": SECRET_TITLE}),
            ("create_task", {"folderId": MARKETING, "title": SECRET_TITLE}),
            ("create_workflow", {"name": SECRET_TITLE}),
            ("update_task", {"taskId": INSIDE_TASK, "method": "DELETE"}),
            ("search_tasks", {"pageSize": 10}),
        ] * 3
        for tool, arguments in calls:
            await session.client.call_tool(tool, arguments)
            clock.advance(0.25)
        with pytest.raises(MCPError):
            await session.client.call_tool("no_such_tool", {})
    return len(calls) + 1


def verify(*paths: Path) -> int:
    return main(["audit", "verify", *map(str, paths)])


async def test_every_call_and_refusal_is_one_record_of_ids_and_outcomes(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.log"
    calls = await write_real_log(sandbox, policy_file, audit)
    text = audit.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == calls
    assert [r["decision"] for r in records[:7]] == ["allow", "allow", "deny", "deny", "deny", "deny", "allow"]
    assert [r["reason"].split(":")[0] for r in records[2:6]] == [
        "subtree", "subtree", "area_grant", "invalid_arguments"
    ]  # fmt: skip
    assert records[1]["upstream_status"] == 200 and records[1]["target_ids"] == [INSIDE_TASK]
    assert records[4]["attempts"] == 0 and records[2]["attempts"] >= 1  # lookups, then refused
    assert records[0]["latency_ms"] == 0.0  # measured on the injected clock
    assert records[-1]["reason"] == "unknown_tool"
    assert SECRET_TITLE not in text and "DELETE" not in text
    assert not any(token in text for token in sandbox.workspace.tokens)
    assert {r["caller"] for r in records} == {AuditLog(FakeClock(), SALT).caller_hash("stdio")}


async def test_audit_verify_passes_on_the_real_log_and_fails_on_each_kind_of_tampering(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = tmp_path / "audit.log"
    calls = await write_real_log(sandbox, policy_file, audit)
    assert verify(audit) == 0
    assert f"audit log intact: {calls} record(s)" in capsys.readouterr().out
    lines = audit.read_text().splitlines(keepends=True)
    edited = lines[3].replace('"decision":"deny"', '"decision":"allow"')
    assert edited != lines[3]
    tampered = {
        "edited": [*lines[:3], edited, *lines[4:]],
        "removed": [*lines[:3], *lines[4:]],
        "reordered": [*lines[:3], lines[4], lines[3], *lines[5:]],
        "inserted": [*lines[:3], lines[1], *lines[3:]],
        "cut short": [*lines[:-1], lines[-1][:40]],
    }
    for kind, content in tampered.items():
        copy = tmp_path / f"tampered-{kind.replace(' ', '-')}.log"
        copy.write_text("".join(content))
        assert verify(copy) == 1, kind
        assert "audit log NOT intact" in capsys.readouterr().out


async def test_a_rotated_log_verifies_across_its_files(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.log"
    calls = await write_real_log(sandbox, policy_file, audit, audit_max_bytes=2048)
    rotated = rotated_files(audit)
    assert len(rotated) >= 2
    assert sum(len(p.read_text().splitlines()) for p in [*rotated, audit]) == calls
    assert verify(*rotated, audit) == 0
    assert verify(*rotated[1:], audit) == 1  # the oldest file is missing
