"""run_batch: up to 100 operations in one request, the async job polled on the clock until it is done,
and each operation's outcome reported."""

from __future__ import annotations

from typing import Any

import httpx
from mcp_harness import open_mcp, text_of

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import set_faults


def operations(sandbox: Sandbox, titles: list[str], bad_parent: bool = False) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [
        {"type": "TaskCreation", "parentId": sandbox.workspace.root_id, "params": {"title": title}}
        for title in titles
    ]
    if bad_parent:
        ops.append({"type": "TaskCreation", "parentId": "MQAAAAZZZZZZ", "params": {"title": "Lost"}})
    return ops


def titled(sandbox: Sandbox, title: str) -> int:
    return sum(task["title"] == title for task in sandbox.workspace["tasks"].values())


class JobStillRunning(httpx.AsyncBaseTransport):
    """Makes the sandbox's (instant) job look in progress for the first `polls` polls, as a real job is."""

    def __init__(self, sandbox: Sandbox, polls: int) -> None:
        self.inner = httpx.ASGITransport(app=sandbox.app())
        self.jobs = sandbox.workspace["async_jobs"]
        self.polls = polls
        self.seen = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        job_id = request.url.path.rsplit("/", 1)[-1]
        if "/async_job/" not in request.url.path or self.seen >= self.polls:
            return await self.inner.handle_async_request(request)
        self.seen += 1
        job = self.jobs[job_id]
        done = dict(job)
        job.update(status="InProgress", progressPercent=10 * self.seen)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            job.clear()
            job.update(done)


async def test_a_batch_reports_each_operations_outcome(sandbox: Sandbox) -> None:
    ops = operations(sandbox, ["Batch one", "Batch two"], bad_parent=True)
    async with open_mcp(sandbox, manifests=None) as client:
        result = await client.call_tool("run_batch", {"operations": ops})
    assert not result.is_error, text_of(result)
    content: dict[str, Any] = result.structured_content
    [job] = content["data"]
    assert job["status"] == "Completed" and content["summary"] == {"Completed": 2, "Failed": 1}
    outcomes = job["result"]["operations"]
    assert [o["status"] for o in outcomes] == ["Completed", "Completed", "Failed"]
    assert outcomes[2]["error"] == "resource_not_found"
    created = [sandbox.workspace["tasks"][outcome["id"]]["title"] for outcome in outcomes[:2]]
    assert created == ["Batch one", "Batch two"]
    assert [entry[0] for entry in sandbox.request_log] == ["POST", "GET"]
    assert sandbox.request_log[1] == ("GET", f"/api/v4/async_job/{job['id']}")


async def test_a_running_job_is_polled_on_the_clock_with_growing_waits(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    transport = JobStillRunning(sandbox, polls=3)
    async with open_mcp(sandbox, manifests=None, transport=transport) as client:
        result = await client.call_tool(
            "run_batch", {"operations": operations(sandbox, ["Polled"])}, progress_callback=on_progress
        )
    content: dict[str, Any] = result.structured_content
    assert content["data"][0]["status"] == "Completed" and content["summary"] == {"Completed": 1}
    assert clock.slept == [0.5, 1.0, 2.0]
    assert progress == [10.0, 20.0, 30.0, 100.0]
    assert titled(sandbox, "Polled") == 1


async def test_a_job_still_running_after_the_wait_cap_names_the_job_to_poll(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    transport = JobStillRunning(sandbox, polls=1000)
    async with open_mcp(sandbox, manifests=None, transport=transport) as client:
        result = await client.call_tool("run_batch", {"operations": operations(sandbox, ["Slow"])})
    assert not result.is_error
    content: dict[str, Any] = result.structured_content
    job_id = content["data"][0]["id"]
    assert f"poll get_async_job with asyncJobId {job_id}" in content["notice"]
    assert 60 <= sum(clock.slept) < 70


async def test_a_batch_whose_answer_is_lost_is_not_sent_again(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status_after", "path": "/batch", "times": 1}])
    async with open_mcp(sandbox, manifests=None) as client:
        result = await client.call_tool("run_batch", {"operations": operations(sandbox, ["Once only"])})
    assert result.is_error and "may or may not have happened" in text_of(result)
    assert titled(sandbox, "Once only") == 1
    assert sandbox.request_log == [("POST", "/api/v4/batch")]
