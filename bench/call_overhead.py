"""Section 1, call overhead: what wrike-mcp adds to one Wrike read, beside what the SDK itself costs.

The same read (`get_tasks` with one id) goes to the same sandbox child over loopback HTTP four ways: a
direct httpx GET, and wrike-mcp in-process (`mcp.Client(server)`), over stdio (a `wrike-mcp serve`
subprocess) and over streamable HTTP (`serve --transport http`). Added latency = wrike-mcp - direct, so the
Wrike round trip cancels out. The floor is a trivial tool on a bare low-level Server (`bench.floor`) on the
same transport: its whole round trip is what the SDK costs. Target: added <= 1.5 x floor, per transport.

All clients are open at once and the paths take turns in rounds, so a burst of load from another process
on this shared machine hits every path alike instead of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from mcp import Client

from bench.floor import ADD_ARGUMENTS
from bench.harness import Section, percentile, verdict
from bench.sandbox_child import SandboxChild, sandbox_child
from bench.targets import (
    TOKEN_NAME,
    floor_http,
    floor_inprocess,
    floor_stdio,
    http_client_for,
    ours_http,
    ours_inprocess,
    ours_stdio,
    stdio_client_for,
)  # fmt: skip

TARGET_RATIO = 1.5
WARM_UP = 10
TRANSPORTS = ("in-process", "stdio", "streamable HTTP")
# What profiling found (pyinstrument, cProfile call counts, CPU from /proc), for the rows above.
CAUSES = [
    "Causes, profiled (cProfile call counts, pyinstrument, CPU time over 1,200 calls): in-process the SDK's "
    "dispatcher answers the trivial tool in ~0.1 ms, while the same bare Server's tool awaiting the same "
    "GET costs ~0.2 ms of CPU more than the plain GET (its wall-clock p50 above swings between 0.8x and "
    "2.5x the floor from run to run): the target leaves wrike-mcp's code less than the SDK's own cost of "
    "an await. wrike-mcp adds ~0.1 ms of CPU on top: argument validation (~15 us), result shaping (~15 "
    "us; was ~45 us before the clean-text scan), the request, the decision, the audit hook, logging and a "
    "deeper await chain; its Wrike client now costs less than a plain httpx GET. Over stdio and HTTP the "
    "same-GET floor alone already sits near or above the target (the column beside it). On top of it, "
    "wrike-mcp's stdio server spends 0.1-0.3 ms more CPU per call; its hosted app ~0.3 ms (about 0.2 ms "
    "the hosted security stack: opening the sealed token, which a verified-token cache could skip, the "
    "edge, bearer and scope-challenge middleware) plus a twice-as-large response (structured content "
    "beside the text). Under load every process hop (client -> server -> Wrike) also waits for a core.",
]
Call = Callable[[], Awaitable[None]]


def tool_call(client: Client, name: str, arguments: dict[str, Any]) -> Call:
    async def call() -> None:
        result = await client.call_tool(name, arguments)
        if result.is_error:  # an error path would be measured as if it were the read
            raise RuntimeError(f"{name} failed: {result.content}")

    return call


async def first_task_id(http: httpx.AsyncClient) -> str:
    response = await http.get("/tasks", params={"pageSize": 1})
    response.raise_for_status()
    task_id: str = response.json()["data"][0]["id"]
    return task_id


async def _open_paths(stack: contextlib.AsyncExitStack, wrike: SandboxChild) -> dict[str, Call]:
    headers = {"Authorization": f"bearer {wrike.token(TOKEN_NAME)}"}
    http = await stack.enter_async_context(httpx.AsyncClient(base_url=wrike.api_url, headers=headers))
    task_id = await first_task_id(http)

    async def direct() -> None:
        (await http.get(f"/tasks/{task_id}")).raise_for_status()

    ours_web, floor_web = stack.enter_context(ours_http(wrike)), stack.enter_context(floor_http(wrike))
    clients: dict[tuple[str, str], contextlib.AbstractAsyncContextManager[Client]] = {
        ("in-process", "ours"): ours_inprocess(wrike),
        ("in-process", "floor"): floor_inprocess(wrike),
        ("stdio", "ours"): stdio_client_for(ours_stdio(wrike)),
        ("stdio", "floor"): stdio_client_for(floor_stdio(wrike)),
        ("streamable HTTP", "ours"): http_client_for(ours_web),
        ("streamable HTTP", "floor"): http_client_for(floor_web),
    }
    paths: dict[str, Call] = {"direct": direct}
    for (transport, who), opener in clients.items():
        client = await stack.enter_async_context(opener)
        if who == "ours":
            paths[f"{transport}/ours"] = tool_call(client, "get_tasks", {"taskIds": [task_id]})
        else:  # one floor server, two tools: the trivial one, and the same GET as get_tasks
            paths[f"{transport}/floor"] = tool_call(client, "add", ADD_ARGUMENTS)
            paths[f"{transport}/fetch"] = tool_call(client, "fetch", {"taskId": task_id})
    return paths


@dataclass
class Timings:
    """Per path: wall milliseconds of every call, and this process's CPU milliseconds per call of each
    round (meaningful for in-process paths: it is all of their client and server work)."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]


async def interleaved(paths: dict[str, Call], rounds: int, per_round: int) -> Timings:
    """Every path after a warm-up, the paths taking turns in rounds."""
    for call in paths.values():  # warm-up: connections, caches, the first tools/list
        for _ in range(WARM_UP):
            await call()
    timings = Timings({name: [] for name in paths}, {name: [] for name in paths})
    for _ in range(rounds):
        for name, call in paths.items():
            cpu_started = time.process_time()
            for _ in range(per_round):
                started = time.perf_counter()
                await call()
                timings.wall[name].append((time.perf_counter() - started) * 1000)
            timings.cpu[name].append((time.process_time() - cpu_started) * 1000 / per_round)
    return timings


async def _measure(wrike: SandboxChild, rounds: int, per_round: int) -> dict[str, list[float]]:
    async with contextlib.AsyncExitStack() as stack:
        return (await interleaved(await _open_paths(stack, wrike), rounds, per_round)).wall


def _ms(samples: list[float]) -> tuple[float, float]:
    return percentile(samples, 0.5), percentile(samples, 0.95)


def run(quick: bool) -> Section:
    rounds, per_round = (3, 10) if quick else (10, 30)
    with sandbox_child(size=300) as wrike:
        samples = asyncio.run(_measure(wrike, rounds, per_round))
    section = Section(
        "Call overhead: one get_tasks read, wrike-mcp vs direct httpx, beside the SDK floor",
        ["transport", "wrike-mcp p50 / p95 ms", "direct p50 / p95 ms", "added p50 / p95 ms",
         "SDK floor p50 / p95 ms", "added / floor (p50)", "floor + same GET: added p50 ms", "target",
         "verdict"],
    )  # fmt: skip
    direct = _ms(samples["direct"])
    for transport in TRANSPORTS:
        ours, floor = _ms(samples[f"{transport}/ours"]), _ms(samples[f"{transport}/floor"])
        fetch = _ms(samples[f"{transport}/fetch"])
        added = (ours[0] - direct[0], ours[1] - direct[1])
        ratio = added[0] / floor[0]
        section.rows.append([
            transport, _pair(ours), _pair(direct), _pair(added), _pair(floor), f"{ratio:.2f}x",
            f"{fetch[0] - direct[0]:.2f} ({(fetch[0] - direct[0]) / floor[0]:.2f}x)",
            f"<= {TARGET_RATIO}x", verdict(ratio <= TARGET_RATIO),
        ])  # fmt: skip
        section.data[transport] = {"added": added[0], "floor": floor[0], "fetch": fetch[0] - direct[0]}
    section.notes += [
        f"{rounds * per_round} calls per path after {WARM_UP} warm-up calls, the paths taking turns in "
        f"{rounds} rounds. Judged on p50: p95 on this shared 2-core machine mostly measures other processes.",
        "`floor + same GET`: the same bare Server's `fetch` tool, which makes get_tasks' upstream GET and "
        "returns the body: what the SDK itself adds to a Wrike request, before any wrike-mcp code runs.",
        "mcp Client defaults (protocol 2026-07-28). The hosted endpoint is called with one of its own sealed "
        "access tokens, opened (a JWE decryption) on every request, as in production.",
        *CAUSES,
    ]
    return section


def _pair(figures: tuple[float, float]) -> str:
    return f"{figures[0]:.2f} / {figures[1]:.2f}"
