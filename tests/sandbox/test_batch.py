"""The batch API: many creations in one request, with per-operation outcomes in an async job."""

from __future__ import annotations

from typing import Any

import httpx

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.sandbox.runner import SandboxServer


def run_batch(api: httpx.Client, operations: list[dict[str, Any]]) -> dict[str, Any]:
    posted = api.post("/batch", json={"operations": operations})
    assert posted.status_code == 200, posted.text
    queued = posted.json()
    assert queued["kind"] == "asyncJob"
    assert queued["data"][0]["type"] == "Batch"
    polled = api.get(f"/async_job/{queued['data'][0]['id']}")
    assert polled.status_code == 200
    job: dict[str, Any] = polled.json()["data"][0]
    return job


def test_mixed_operations_report_each_outcome(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    root = ws.root_id
    job = run_batch(api, [
        {"type": "TaskCreation", "parentId": root, "params": {"title": "From a batch"}},
        {"type": "FolderCreation", "parentId": root, "params": {"title": "Batch folder"}},
        {"type": "TaskCreation", "parentId": root, "params": {}},
        {"type": "TaskCreation", "parentId": "MQAAAAnosuch", "params": {"title": "Orphan"}},
        {"type": "CommentCreation", "parentId": root, "params": {"text": "no"}},
        {"type": "TaskCreation", "parentId": root, "params": {"title": "x", "colour": "red"}},
    ])  # fmt: skip
    assert (job["status"], job["progressPercent"], job["totalCount"], job["processedCount"]) == (
        "Completed", 100, 6, 6,
    )  # fmt: skip
    task, folder, untitled, orphan, unknown, extra = job["result"]["operations"]
    assert task["status"] == folder["status"] == "Completed"
    assert ws["tasks"][task["id"]]["title"] == "From a batch"
    assert ws["folders"][folder["id"]]["title"] == "Batch folder"
    assert (untitled["status"], untitled["error"]) == ("Failed", "parameter_required")
    assert (orphan["status"], orphan["error"]) == ("Failed", "resource_not_found")
    assert (unknown["error"], extra["error"]) == ("invalid_parameter", "invalid_request")


def test_a_batch_where_nothing_succeeds_fails(api: httpx.Client, sandbox: Sandbox) -> None:
    before = len(sandbox.workspace["tasks"])
    job = run_batch(api, [{"type": "TaskCreation", "parentId": sandbox.workspace.root_id, "params": {}}])
    assert job["status"] == "Failed"
    assert job["errorMessage"]
    assert len(sandbox.workspace["tasks"]) == before


def test_batch_counts_as_one_request_against_the_rate_limit(clock: FakeClock) -> None:
    sandbox = make_sandbox(seed=7, size=60, clock=clock, config=SandboxConfig(rate_limit_per_minute=2))
    ws = sandbox.workspace
    ops = [{"type": "TaskCreation", "parentId": ws.root_id, "params": {"title": f"t{i}"}} for i in range(100)]
    headers = {"Authorization": f"bearer {ws.named_tokens['default']}"}
    with SandboxServer(sandbox) as server, httpx.Client(base_url=server.api_url, headers=headers) as api:
        assert api.post("/batch", json={"operations": ops}).status_code == 200
        assert api.get("/version").status_code == 200
        assert api.get("/version").status_code == 429


def test_operations_are_limited_to_100_and_must_not_be_empty(api: httpx.Client, sandbox: Sandbox) -> None:
    op = {"type": "TaskCreation", "parentId": sandbox.workspace.root_id, "params": {"title": "t"}}
    assert api.post("/batch", json={"operations": [op] * 101}).json()["error"] == "invalid_parameter"
    assert api.post("/batch", json={"operations": []}).json()["error"] == "invalid_parameter"
    assert api.post("/batch", json={}).json()["error"] == "parameter_required"


def test_unknown_async_job_is_not_found(api: httpx.Client) -> None:
    response = api.get("/async_job/IEAGSBX1JBNOSUCH")
    assert response.status_code == 404
    assert response.json()["error"] == "resource_not_found"
