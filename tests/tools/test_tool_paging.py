"""`limit` on paged tools, through a real MCP client against a 10,000-task sandbox.

Every page repeats the original query, a progress notification goes out per page, the item and byte
caps hold, and the nextPageToken handed back continues exactly where the items end.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp_harness import Recorder, open_mcp, text_of

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox

EVERYTHING = {"subTasks": True}  # the seeded subtasks too: all 10,000 tasks


@pytest.fixture(scope="module")
def big() -> Sandbox:
    """10,000 tasks, read-only for the tests of this module."""
    return make_sandbox(seed=7, size=10_000, clock=FakeClock(), config=SandboxConfig(admin_routes=True))


@pytest.fixture(autouse=True)
def fresh_log(big: Sandbox) -> Iterator[None]:
    big.request_log.clear()
    yield


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    content: dict[str, Any] = result.structured_content
    return content


def queries(recorder: Recorder) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(urlsplit(str(r.url)).query).items()} for r in recorder.requests]


async def test_limit_pages_through_10000_tasks_each_once_in_10_requests(big: Sandbox) -> None:
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with open_mcp(big, manifests=None, max_result_bytes=20_000_000) as client:
        arguments = {**EVERYTHING, "limit": 10_000, "pageSize": 1000}
        result = structured(await client.call_tool("search_tasks", arguments, progress_callback=on_progress))
    ids = [task["id"] for task in result["data"]]
    assert len(ids) == len(set(ids)) == 10_000 == len(big.workspace["tasks"])
    assert set(ids) == set(big.workspace["tasks"])
    assert big.request_log == [("GET", "/api/v4/tasks")] * 10
    assert "nextPageToken" not in result and result["pages"] == 10 and result["responseSize"] == 10_000
    assert progress == [(1000.0 * page, 10_000.0) for page in range(1, 11)]


async def test_a_collection_stopped_by_the_size_cap_continues_exactly_where_it_stopped(big: Sandbox) -> None:
    """Bounded results, nothing lost or repeated: follow the tokens until the end."""
    cap = 300_000
    seen: list[str] = []
    token: str | None = None
    calls = 0
    async with open_mcp(big, manifests=None, max_result_bytes=cap) as client:
        while True:
            arguments = {**EVERYTHING, "limit": 10_000, "pageSize": 250}
            continued = {"nextPageToken": token} if token else {}
            result = await client.call_tool("search_tasks", arguments | continued)
            assert len(text_of(result).encode()) <= cap
            page = structured(result)
            seen.extend(task["id"] for task in page["data"])
            calls += 1
            token = page.get("nextPageToken")
            if token is None:
                break
            assert "Stopped after" in page["notice"] and "nextPageToken" in page["notice"]
    assert len(seen) == len(set(seen)) == 10_000
    assert 10 < calls < 40
    assert len(big.request_log) == 40  # 10,000 / 250: no page read twice, none wasted


async def test_memory_stays_bounded_by_the_size_cap_not_the_workspace(big: Sandbox) -> None:
    async with open_mcp(big, manifests=None, max_result_bytes=1_000_000) as client:
        tracemalloc.start()
        try:
            result = structured(await client.call_tool("search_tasks", {**EVERYTHING, "limit": 10_000}))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert 1000 <= len(result["data"]) < 10_000 and "nextPageToken" in result
    assert peak < 20_000_000  # the full 10,000 tasks take about 50 MB, f"peak {peak / 1e6:.1f} MB"


async def test_limit_without_a_page_size_reads_even_pages(big: Sandbox) -> None:
    recorders: list[Recorder] = []
    async with open_mcp(big, manifests=None, recorder=recorders, max_result_bytes=5_000_000) as client:
        result = structured(await client.call_tool("search_tasks", {"limit": 2500}))
    assert [q["pageSize"] for q in queries(recorders[0])] == ["834"] * 3
    assert len(result["data"]) == 2502 and "nextPageToken" in result


async def test_every_page_repeats_the_original_query(big: Sandbox) -> None:
    recorders: list[Recorder] = []
    filters = {"status": "Active", "importance": "High", "fields": ["parentIds"]}
    arguments = filters | {"limit": 300, "pageSize": 100}
    async with open_mcp(big, manifests=None, recorder=recorders, max_result_bytes=5_000_000) as client:
        result = structured(await client.call_tool("search_tasks", arguments))
    sent = queries(recorders[0])
    assert len(sent) == 3
    for number, query in enumerate(sent):
        assert query["status"] == "Active" and query["importance"] == "High"
        assert query["fields"] == '["parentIds"]' and query["pageSize"] == "100"
        assert ("nextPageToken" in query) == (number > 0)
    assert "limit" not in sent[0]  # a server-side option, never sent
    assert all(task["status"] == "Active" and "parentIds" in task for task in result["data"])


async def test_the_item_cap_is_never_exceeded(big: Sandbox) -> None:
    async with open_mcp(big, manifests=None, max_items=250, max_result_bytes=5_000_000) as client:
        result = structured(await client.call_tool("search_tasks", {"limit": 5000, "pageSize": 100}))
    assert len(result["data"]) == 200 and "nextPageToken" in result
    assert "the server's cap of 250 items" in result["notice"]


async def test_without_limit_a_paged_tool_answers_one_page_as_wrike_does(big: Sandbox) -> None:
    async with open_mcp(big, manifests=None) as client:
        result = structured(await client.call_tool("search_tasks", {"pageSize": 50}))
    assert len(result["data"]) == 50 and "nextPageToken" in result and "pages" not in result
    assert len(big.request_log) == 1


async def test_a_truncated_page_says_to_use_page_size_limit_or_fields(big: Sandbox) -> None:
    async with open_mcp(big, manifests=None, max_result_bytes=5000) as client:
        result = structured(await client.call_tool("search_tasks", {"pageSize": 1000, "limit": 1000}))
    notice = result["truncated"]["notice"]
    assert "pageSize" in notice and "limit" in notice and "fields" in notice
    assert "notice" not in result  # one page alone is over the cap: only the truncation notice speaks


async def test_list_timelogs_collects_pages_too(sandbox: Sandbox) -> None:
    total = len(sandbox.workspace["timelogs"])
    async with open_mcp(sandbox, manifests=None) as client:
        result = structured(await client.call_tool("list_timelogs", {"limit": total, "pageSize": 7}))
    assert {t["id"] for t in result["data"]} == set(sandbox.workspace["timelogs"])
    assert len(sandbox.request_log) == -(-total // 7)
