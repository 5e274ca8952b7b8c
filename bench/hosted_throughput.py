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
from bench.harness import Section, cpu_ms, verdict
from bench.sandbox_child import SandboxChild, sandbox_child
from bench.targets import TOKEN_NAME, HttpTarget, floor_http, ours_http

TARGET_SHARE = 0.8
JUDGED_AT = 10
LEVELS = (1, 10, 50)
OURS, FETCH, TRIVIAL = "wrike-mcp get_tasks", "floor fetch (same GET)", "floor add (trivial)"


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


@dataclass(frozen=True)
class Rate:
    calls_per_second: float
    server_cpu_ms: float  # the server process's CPU per call: what caps its rate once the cores are busy


async def calls_per_second(load: Load, clients: int, seconds: float) -> Rate:
    """Each client its own httpx client and connection (one shared pool scans all its connections on
    every request, which made the load generator, not the server, the limit at 50)."""
    headers = {
        **load.target.headers,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(httpx.AsyncClient(headers=headers, timeout=30))
            for _ in range(clients)
        ]
        await asyncio.gather(*(_call(http, load) for http in pool))  # warm-up: open every connection
        done = 0
        deadline = time.perf_counter() + seconds

        async def client(http: httpx.AsyncClient) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await _call(http, load)
                done += 1

        started, cpu_before = time.perf_counter(), cpu_ms(load.target.pid)
        await asyncio.gather(*(client(http) for http in pool))
        elapsed, cpu = time.perf_counter() - started, cpu_ms(load.target.pid) - cpu_before
        return Rate(done / elapsed, cpu / max(done, 1))


async def _call(http: httpx.AsyncClient, load: Load) -> None:
    response = await http.post(load.target.url, content=load.body)
    answer = response.content
    if response.status_code != 200 or b'"result"' not in answer or b'"isError":true' in answer:
        raise RuntimeError(f"{load.label}: {response.status_code} {answer[:300]!r}")


async def first_task_id(wrike: SandboxChild) -> str:
    headers = {"Authorization": f"bearer {wrike.token(TOKEN_NAME)}"}
    async with httpx.AsyncClient(base_url=wrike.api_url, headers=headers) as http:
        response = await http.get("/tasks", params={"pageSize": 1})
        task_id: str = response.raise_for_status().json()["data"][0]["id"]
        return task_id


def _measure(quick: bool) -> dict[tuple[str, int], Rate]:
    rounds, seconds = (1, 0.5) if quick else (2, 2.5)
    rates: dict[tuple[str, int], list[Rate]] = {}
    with sandbox_child(size=300) as wrike, contextlib.ExitStack() as stack:
        task_id = asyncio.run(first_task_id(wrike))
        ours, floor = stack.enter_context(ours_http(wrike)), stack.enter_context(floor_http(wrike))
        loads = [
            Load(OURS, ours, call_body("get_tasks", {"taskIds": [task_id]})),
            Load(FETCH, floor, call_body("fetch", {"taskId": task_id})),
            Load(TRIVIAL, floor, call_body("add", ADD_ARGUMENTS)),
        ]
        for _ in range(rounds):
            for clients in LEVELS:
                for load in loads:
                    rate = asyncio.run(calls_per_second(load, clients, seconds))
                    rates.setdefault((load.label, clients), []).append(rate)
    return {key: _mean(values) for key, values in rates.items()}


def _mean(rates: list[Rate]) -> Rate:
    count = len(rates)
    return Rate(sum(r.calls_per_second for r in rates) / count, sum(r.server_cpu_ms for r in rates) / count)


def run(quick: bool) -> Section:
    measured = _measure(quick)
    section = Section(
        "Hosted throughput: tool calls per second through streamable HTTP, against the SDK floor",
        ["clients", "wrike-mcp calls/s", "floor, same GET calls/s", "floor, trivial calls/s",
         "wrike-mcp / floor same GET", "wrike-mcp / floor trivial", "server CPU ms/call (ours / same GET)",
         "target", "verdict"],
    )  # fmt: skip
    for clients in LEVELS:
        ours, fetch, trivial = (measured[(label, clients)] for label in (OURS, FETCH, TRIVIAL))
        share = ours.calls_per_second / fetch.calls_per_second
        judged = ["-", "-"]
        if clients == JUDGED_AT:
            judged = [f">= {TARGET_SHARE:.0%}", verdict(share >= TARGET_SHARE)]
        section.rows.append([
            str(clients), f"{ours.calls_per_second:,.0f}", f"{fetch.calls_per_second:,.0f}",
            f"{trivial.calls_per_second:,.0f}", f"{share:.0%}",
            f"{ours.calls_per_second / trivial.calls_per_second:.0%}",
            f"{ours.server_cpu_ms:.2f} / {fetch.server_cpu_ms:.2f}", *judged,
        ])  # fmt: skip
        section.data[clients] = {
            "ours": ours.calls_per_second, "floor_fetch": fetch.calls_per_second,
            "floor_trivial": trivial.calls_per_second,
        }  # fmt: skip
    section.notes += [
        "Each figure is the mean of the rounds; the three servers take turns at every level. Server CPU per "
        "call is the server process's own (from /proc): steadier than the rates when other processes load "
        "the machine.",
        "Judged against the floor making the same upstream GET: every wrike-mcp call waits for the sandbox, "
        "which shares the 2 cores, so the trivial floor's rate is out of reach of any server that calls "
        "Wrike; it is shown for scale.",
        "wrike-mcp runs as deployed: every request carries one of its sealed access tokens, opened (a JWE "
        "decryption, about 0.03 ms) on every call, behind its Host/Origin/body checks.",
        "Causes, profiled (the hosted app in-process under cProfile and CPU timing, the upstream mocked): of "
        "the ~0.27 ms of CPU a call costs wrike-mcp beyond the same-GET floor, ~0.17 ms is the hosted "
        "security stack (opening the sealed token and building the caller's grant, the Host/Origin/body "
        "edge checks, the bearer and scope-challenge middleware) and ~0.1 ms the tool layer (argument "
        "validation, result shaping). Fixed on the way: the Wrike client made httpx parse every URL twice.",
    ]
    return section
