"""Section 3, hosted throughput: tool calls per second through the hosted endpoint at 1, 10 and 50 clients.

wrike-mcp (`serve --transport http`, one process) answers `get_tasks` for one id, which costs it a GET to
the sandbox child. Beside it, the SDK floor (`bench.floor` under uvicorn, stateless streamable HTTP, SSE
responses, as wrike-mcp serves) twice: its trivial `add` tool, and its `fetch` tool, which makes the same
GET to the same sandbox. The target (>= 80% at 10 clients) is judged against the floor doing the same
upstream work; the ratio to the trivial floor is shown too.

The load is raw JSON-RPC `tools/call` POSTs (protocol 2025-11-25, stateless, so no initialize), each
client on its own keep-alive connection, from this process: a thin client, so the figures are the
servers'. Server, sandbox and load share the 2 cores, as they would on one small host.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.floor import ADD_ARGUMENTS
from bench.harness import Section, verdict
from bench.sandbox_child import SandboxChild, sandbox_child
from bench.targets import TOKEN_NAME, HttpTarget, floor_http, ours_http

TARGET_SHARE = 0.8
JUDGED_AT = 10
LEVELS = (1, 10, 50)


@dataclass(frozen=True)
class Load:
    label: str
    target: HttpTarget
    body: bytes


def call_body(name: str, arguments: dict[str, Any]) -> bytes:
    return httpx.Request(
        "POST", "http://x", json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                  "params": {"name": name, "arguments": arguments}},
    ).content  # fmt: skip


async def calls_per_second(load: Load, clients: int, seconds: float) -> float:
    headers = {
        **load.target.headers,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:

        async def one() -> None:
            response = await http.post(load.target.url, content=load.body)
            if (
                response.status_code != 200
                or b'"result"' not in response.content
                or b'"isError":true' in (response.content)
            ):
                raise RuntimeError(f"{load.label}: {response.status_code} {response.content[:300]!r}")

        await asyncio.gather(*(one() for _ in range(clients)))  # warm-up: open every connection
        done = 0
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await one()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return done / (time.perf_counter() - started)


async def first_task_id(wrike: SandboxChild) -> str:
    headers = {"Authorization": f"bearer {wrike.token(TOKEN_NAME)}"}
    async with httpx.AsyncClient(base_url=wrike.api_url, headers=headers) as http:
        response = await http.get("/tasks", params={"pageSize": 1})
        task_id: str = response.raise_for_status().json()["data"][0]["id"]
        return task_id


def _measure(quick: bool) -> dict[tuple[str, int], float]:
    rounds, seconds = (1, 0.5) if quick else (2, 2.5)
    rates: dict[tuple[str, int], list[float]] = {}
    with sandbox_child(size=300) as wrike, contextlib.ExitStack() as stack:
        task_id = asyncio.run(first_task_id(wrike))
        ours, floor = stack.enter_context(ours_http(wrike)), stack.enter_context(floor_http(wrike))
        loads = [
            Load("wrike-mcp get_tasks", ours, call_body("get_tasks", {"taskIds": [task_id]})),
            Load("floor fetch (same GET)", floor, call_body("fetch", {"taskId": task_id})),
            Load("floor add (trivial)", floor, call_body("add", ADD_ARGUMENTS)),
        ]
        for _ in range(rounds):
            for clients in LEVELS:
                for load in loads:
                    rate = asyncio.run(calls_per_second(load, clients, seconds))
                    rates.setdefault((load.label, clients), []).append(rate)
    return {key: sum(values) / len(values) for key, values in rates.items()}


def run(quick: bool) -> Section:
    rates = _measure(quick)
    section = Section(
        "Hosted throughput: tool calls per second through streamable HTTP, against the SDK floor",
        ["clients", "wrike-mcp calls/s", "floor, same GET calls/s", "floor, trivial calls/s",
         "wrike-mcp / floor same GET", "wrike-mcp / floor trivial", "target", "verdict"],
    )  # fmt: skip
    for clients in LEVELS:
        ours, fetch, trivial = (rates[(label, clients)] for label in (
            "wrike-mcp get_tasks", "floor fetch (same GET)", "floor add (trivial)"))  # fmt: skip
        share = ours / fetch
        judged = (
            [f">= {TARGET_SHARE:.0%}", verdict(share >= TARGET_SHARE)] if clients == JUDGED_AT else ["-", "-"]
        )
        section.rows.append(
            [str(clients), f"{ours:,.0f}", f"{fetch:,.0f}", f"{trivial:,.0f}", f"{share:.0%}",
             f"{ours / trivial:.0%}", *judged]
        )  # fmt: skip
        section.data[clients] = {"ours": ours, "floor_fetch": fetch, "floor_trivial": trivial}
    section.notes += [
        "Each figure is the mean of the rounds; the three servers take turns at every level.",
        "Judged against the floor making the same upstream GET: every wrike-mcp call waits for the sandbox, "
        "which shares the 2 cores, so the trivial floor's rate is out of reach of any server that calls "
        "Wrike; it is shown for scale.",
    ]
    return section
