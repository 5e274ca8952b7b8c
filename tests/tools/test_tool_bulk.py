"""Bulk updates past Wrike's 100 ids: chunks of 100, merged, with per-chunk failures reported."""

from __future__ import annotations

from typing import Any

import pytest
from mcp_harness import open_mcp, text_of

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox


@pytest.fixture
def sb() -> Sandbox:
    return make_sandbox(seed=7, size=1200, clock=FakeClock(), config=SandboxConfig(admin_routes=True))


def hold(sandbox: Sandbox) -> str:
    return sandbox.workspace.account["id"] + "JMAAAAAC"  # the Default Workflow's "On Hold"


def task_ids(sandbox: Sandbox, count: int) -> list[str]:
    return list(sandbox.workspace["tasks"])[:count]


async def test_updating_1000_tasks_takes_10_requests_and_changes_each(sb: Sandbox) -> None:
    ids = task_ids(sb, 1000)
    tasks = sb.workspace["tasks"]
    rest_before = {task_id: task["customStatusId"] for task_id, task in tasks.items() if task_id not in ids}
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with open_mcp(sb, manifests=None, max_result_bytes=50_000_000) as client:
        result = await client.call_tool(
            "update_tasks",
            {"taskIds": ids, "customStatus": hold(sb)},
            progress_callback=on_progress,
        )
    assert not result.is_error, text_of(result)
    content: dict[str, Any] = result.structured_content
    assert [task["id"] for task in content["data"]] == ids and content["chunks"] == 10
    chunks = [",".join(ids[start : start + 100]) for start in range(0, 1000, 100)]
    assert sb.request_log == [("PUT", f"/api/v4/tasks/{chunk}") for chunk in chunks]
    assert all(tasks[task_id]["customStatusId"] == hold(sb) for task_id in ids)
    assert {task_id: tasks[task_id]["customStatusId"] for task_id in rest_before} == rest_before
    assert progress == [(float(n), 10.0) for n in range(1, 11)]


async def test_a_failing_chunk_is_reported_with_its_ids_and_the_others_still_apply(
    sb: Sandbox,
) -> None:
    ids = task_ids(sb, 250)
    ids[150] = "MAAAAAZZZZZZ"  # unknown: Wrike refuses the whole second chunk
    tasks = sb.workspace["tasks"]
    before = {task_id: tasks[task_id]["customStatusId"] for task_id in ids if task_id in tasks}
    async with open_mcp(sb, manifests=None, max_result_bytes=50_000_000) as client:
        result = await client.call_tool("update_tasks", {"taskIds": ids, "customStatus": hold(sb)})
    content: dict[str, Any] = result.structured_content
    assert not result.is_error and content["chunks"] == 3
    assert len(content["data"]) == 150
    [failure] = content["failures"]
    assert failure["chunk"] == 2 and failure["ids"] == ids[100:200]
    assert "404 resource_not_found" in failure["error"] and "Retry only those ids" in content["notice"]
    assert all(tasks[i]["customStatusId"] == hold(sb) for i in ids[:100] + ids[200:])
    assert all(tasks[i]["customStatusId"] == before[i] for i in ids[100:200] if i in tasks)


async def test_when_every_chunk_fails_the_call_is_an_error_naming_what_went_wrong(
    sb: Sandbox,
) -> None:
    ids = task_ids(sb, 150)
    async with open_mcp(sb, manifests=None) as client:
        result = await client.call_tool("update_tasks", {"taskIds": ids, "customStatus": "IEAGSBX1JMZZZZZZ"})
    assert result.is_error
    assert "All 2 chunks of up to 100 ids failed" in text_of(result)
    assert "invalid_parameter" in text_of(result) or "resource_not_found" in text_of(result)


async def test_up_to_100_ids_go_in_one_request(sb: Sandbox) -> None:
    ids = task_ids(sb, 100)
    async with open_mcp(sb, manifests=None) as client:
        result = await client.call_tool("update_tasks", {"taskIds": ids, "customStatus": hold(sb)})
    assert not result.is_error and "chunks" not in result.structured_content
    assert len(sb.request_log) == 1


async def test_more_than_1000_ids_are_refused_before_any_request(sb: Sandbox) -> None:
    ids = task_ids(sb, 1001)
    async with open_mcp(sb, manifests=None) as client:
        result = await client.call_tool("update_tasks", {"taskIds": ids, "customStatus": hold(sb)})
    assert result.is_error and "takes at most 1000 items" in text_of(result)
    assert sb.request_log == []
