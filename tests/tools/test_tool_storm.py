"""Mixed tool calls from concurrent MCP clients through 429 storms, 5xx, hangs, malformed bodies, dropped
connections and slow answers: no crash, no lost or duplicated write, a clear result for every call.

The sandbox runs on loopback (a hang needs a real client timeout, 0.25 s here); its fault injection
fires by seeded chance; every other wait (pacing, backoff, latency faults) is on one FakeClock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from mcp import Client
from mcp_harness import Recorder, mcp_server, open_mcp, text_of

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import set_faults
from wrike_mcp.sandbox.runner import SandboxServer

STORM = [
    {"kind": "status", "status": 429, "rate": 0.15, "retryAfter": 1},
    {"kind": "status", "status": 500, "rate": 0.06},
    {"kind": "status", "status": 503, "rate": 0.04},
    {"kind": "status_after", "method": "POST", "rate": 0.1},
    {"kind": "status_after", "method": "PUT", "rate": 0.05},
    {"kind": "hang", "rate": 0.02, "seconds": 5},
    {"kind": "malformed", "rate": 0.04},
    {"kind": "drop", "rate": 0.03},
    {"kind": "latency", "rate": 0.1, "seconds": 3},
]
CLIENTS = 4
ROUNDS = 8
# What an agent may be told; anything else (a crash, a traceback, a raw body) fails the test.
CLEAR = (
    "Wrike's rate limit was reached",
    "may or may not have happened",
    "Wrike error 5",
    "could not be reached",
    "unreadable answer",
    "is failing, so calls to it are paused",
)


@dataclass
class Call:
    tool: str
    arguments: dict[str, Any]
    result: Any = None


def plan(sandbox: Sandbox, client: int) -> list[Call]:
    ws = sandbox.workspace
    tasks = [t for t in ws["tasks"].values() if t.get("scope") != "RbTask"]
    own = tasks[client * ROUNDS : (client + 1) * ROUNDS]  # each client updates its own tasks
    calls: list[Call] = []
    for n, task in enumerate(own):
        tag = f"storm-{client}-{n}"
        calls += [
            Call("create_task", {"folderId": ws.root_id, "title": tag}),
            Call("create_comment", {"taskId": task["id"], "text": tag}),
            Call("update_task", {"taskId": task["id"], "importance": ("High", "Low")[n % 2]}),
            Call("get_tasks", {"taskIds": [task["id"]]}),
            Call("search_tasks", {"limit": 30, "pageSize": 10}),
        ]
    return calls


async def run(client: Client, calls: list[Call]) -> None:
    for call in calls:
        call.result = await client.call_tool(call.tool, call.arguments)


async def test_a_storm_of_faults_ends_with_a_clear_result_for_every_call_and_no_lost_or_doubled_write(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    plans = [plan(sandbox, client) for client in range(CLIENTS)]
    set_faults(sandbox, STORM, seed=11)
    options: dict[str, Any] = {"manifests": None, "base_url": sandbox_server.api_url, "timeout": 0.25}
    async with mcp_server(sandbox, **options) as server, AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(server)) for _ in range(CLIENTS)]
        await asyncio.gather(*(run(client, calls) for client, calls in zip(clients, plans, strict=True)))
    set_faults(sandbox, [])
    calls = [call for calls in plans for call in calls]

    unclear = [(c.tool, text_of(c.result)) for c in calls if c.result.is_error and not _clear(c.result)]
    assert unclear == []
    ws = sandbox.workspace
    titles = Counter(task["title"] for task in ws["tasks"].values())
    texts = Counter(comment["text"] for comment in ws["comments"].values())
    for call in calls:
        if call.tool in ("create_task", "create_comment"):
            tag = call.arguments.get("title") or call.arguments["text"]
            made = (titles if call.tool == "create_task" else texts)[tag]
            assert made <= 1, f"{call.tool} {tag} was applied {made} times"
            if not call.result.is_error:
                assert made == 1, f"{call.tool} {tag} reported done but is missing"
        elif call.tool == "update_task" and not call.result.is_error:
            assert ws["tasks"][call.arguments["taskId"]]["importance"] == call.arguments["importance"]

    outcomes = Counter("ok" if not c.result.is_error else _kind(c.result) for c in calls)
    assert outcomes["ok"] >= len(calls) // 2, outcomes  # retries carried most calls through
    assert outcomes["unknown"] >= 1, outcomes  # and some writes honestly could not be confirmed


def _clear(result: Any) -> bool:
    text = text_of(result)
    return any(phrase in text for phrase in CLEAR) and "inside the server" not in text


def _kind(result: Any) -> str:
    text = text_of(result)
    return "unknown" if "may or may not have happened" in text else "error"


async def test_a_created_task_whose_answer_is_lost_is_sent_once_and_the_agent_told_to_check(
    sandbox: Sandbox,
) -> None:
    set_faults(sandbox, [{"kind": "status_after", "method": "POST", "times": 1}])
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, manifests=None, recorder=recorders) as client:
        arguments = {"folderId": sandbox.workspace.root_id, "title": "Once"}
        result = await client.call_tool("create_task", arguments)
    assert result.is_error
    assert text_of(result) == (
        "Wrike answered HTTP 500 after the request was sent. The change may or may not have happened: "
        "read the item to check before retrying."
    )
    assert [r.method for r in recorders[0].requests] == ["POST"]
    assert sum(task["title"] == "Once" for task in sandbox.workspace["tasks"].values()) == 1
