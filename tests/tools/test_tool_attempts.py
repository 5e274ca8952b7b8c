"""The audit record's `attempts` counts every request a call sent, retries and pages included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_harness import open_mcp

from wrike_mcp.audit import AuditLog
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import set_faults

SALT = b"attempts-test-salt-0123456789"


async def audited(sandbox: Sandbox, tmp_path: Path, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "audit.log"
    audit = AuditLog.to_file(sandbox.clock, SALT, path)
    try:
        async with open_mcp(sandbox, manifests=None, audit=audit) as client:
            await client.call_tool(tool, arguments)
    finally:
        audit.close()
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    return record


async def test_a_read_retried_after_a_500_records_two_attempts(sandbox: Sandbox, tmp_path: Path) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500, "times": 1}])
    task_id = next(iter(sandbox.workspace["tasks"]))
    record = await audited(sandbox, tmp_path, "get_tasks", {"taskIds": [task_id]})
    assert (record["attempts"], record["upstream_status"], record["decision"]) == (2, 200, "allow")


async def test_a_collection_records_each_page_and_retry(sandbox: Sandbox, tmp_path: Path) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "times": 1, "retryAfter": 1}])
    record = await audited(sandbox, tmp_path, "search_tasks", {"limit": 30, "pageSize": 10})
    assert record["attempts"] == 3 + 1 and record["upstream_status"] == 200


async def test_a_write_with_an_unknown_outcome_records_one_attempt(sandbox: Sandbox, tmp_path: Path) -> None:
    set_faults(sandbox, [{"kind": "status_after", "method": "POST", "times": 1}])
    arguments = {"folderId": sandbox.workspace.root_id, "title": "Audited"}
    record = await audited(sandbox, tmp_path, "create_task", arguments)
    assert (record["attempts"], record["reason"]) == (1, "outcome_unknown")
