"""How many simple GETs per second the sandbox serves on loopback (issue #2 target: >= 1,000/s).

The sandbox runs in its own process (as `wrike-mcp sandbox`), the load comes from this process with
keep-alive connections, so the figure is the server's, not shared with its client's interpreter.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.harness import Section, child_server, free_port, percentile, verdict
from wrike_mcp.sandbox.seeding.bootstrap import token_for

TARGET_RPS = 1000.0
SEED = 7


async def _load(base: str, token: str, path: str, total: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    headers = {"Authorization": f"bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=10) as client:
        await client.get(path)  # warm-up

        async def worker(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        started = time.perf_counter()
        share = total // concurrency
        await asyncio.gather(*(worker(share) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def run(quick: bool) -> Section:
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v4"
    token = token_for(SEED, "default")
    total = 600 if quick else 6000
    section = Section(
        "Sandbox throughput (simple GETs on loopback)",
        ["endpoint", "requests", "concurrency", "req/s", "p50 ms", "p95 ms", "target", "verdict"],
    )
    args = ["sandbox", "--port", str(port), "--seed", str(SEED), "--size", "300", "--rate-limit", "100000000"]
    with child_server(args, base + "/version", {"Authorization": f"bearer {token}"}):
        for label, path in (("GET /version", "/version"),):
            rps, latencies = asyncio.run(_load(base, token, path, total, concurrency=8))
            p50, p95 = (percentile(latencies, q) * 1000 for q in (0.5, 0.95))
            section.rows.append([
                label, str(total), "8", f"{rps:,.0f}", f"{p50:.2f}", f"{p95:.2f}",
                f">= {TARGET_RPS:,.0f}/s", verdict(rps >= TARGET_RPS),
            ])  # fmt: skip
    section.notes.append(
        "The sandbox runs as `wrike-mcp sandbox` in a child process; the load is 8 keep-alive connections."
    )
    return section
