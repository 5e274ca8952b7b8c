"""Shared pieces of the benchmarks: timing, percentiles, result tables, and child processes.

Each benchmark module exposes `run(quick: bool) -> Section`; `bench.run` collects the sections, prints
them and writes `bench/RESULTS.md`. Figures are compared in the same run (ratios), never against
numbers from another machine or day.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Section:
    """One table of results with the targets it is judged against."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[Any, Any] = field(default_factory=dict)  # raw figures for the chart, never printed

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", "| " + " | ".join(self.headers) + " |"]
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in self.rows]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines) + "\n"


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment (PYTHONPATH included, so children import the same code) plus `extra`,
    without a Wrike token or settings inherited from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WRIKE_", "WRIKE_MCP_"))}
    return {**env, "PYTHONUNBUFFERED": "1", **(extra or {})}


@contextlib.contextmanager
def child_server(
    args: Sequence[str],
    ready_url: str,
    headers: dict[str, str] | None = None,
    *,
    module: str = "wrike_mcp",
    env: Mapping[str, str] | None = None,
) -> Iterator[int]:
    """Start `python -m MODULE ARGS` and wait until `ready_url` answers; yield the child's pid."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(env),
    )
    try:
        _wait_ready(ready_url, headers or {}, process)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory_kib(pid: int) -> dict[str, int]:
    """`VmRSS` (resident now) and `VmHWM` (peak resident) of a live process, in KiB, from /proc."""
    figures: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0])
    return figures


def cpu_ms(pid: int) -> float:
    """User + system CPU a live process has used so far, in ms (10 ms resolution), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def _wait_ready(url: str, headers: dict[str, str], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, headers=headers, timeout=1).status_code < 500:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not become ready in 30 s")
