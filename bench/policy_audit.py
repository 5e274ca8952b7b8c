"""Section 6, policy and audit: what an agent-policy decision and an audit record add to each call.

Measured in-process, where nothing else hides it: the same `get_tasks` read (Client(server), sandbox
child over loopback) with no policy, with an audit file only, with `--policy/--agent` (an agent granted
read on tasks), with both, and with an agent limited to a subtree (the folder holding the task), whose
check resolves where the task lives with read-only lookups upstream. Added = p50 minus the p50 without
either. The issue sets no target for these; the figures are for the record, beside the SDK floor's own
in-process round trip for scale.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

import httpx
from mcp import Client

from bench.call_overhead import Call, interleaved, tool_call
from bench.floor import ADD_ARGUMENTS, build_floor
from bench.harness import Section, percentile
from bench.sandbox_child import SandboxChild, sandbox_child
from bench.targets import SCOPES, TOKEN_NAME, ours_inprocess
from wrike_mcp.audit import open_audit
from wrike_mcp.clock import SystemClock
from wrike_mcp.config import Settings

POLICY = """
[agents.reader]
credential = "user_oauth"
areas = {{ tasks = "read" }}

[agents.subtree-reader]
credential = "user_oauth"
areas = {{ tasks = "read" }}
subtrees = ["{folder}"]
"""
CONFIGURATIONS = {  # label -> (agent, audit file)
    "no policy, no audit": (None, False),
    "audit file": (None, True),
    "policy (agent: tasks read)": ("reader", False),
    "policy + audit file": ("reader", True),
    "policy with a subtree + audit file": ("subtree-reader", True),
}


async def _task(wrike: SandboxChild) -> tuple[str, str]:
    """A task id and the folder holding it."""
    headers = {"Authorization": f"bearer {wrike.token(TOKEN_NAME)}"}
    async with httpx.AsyncClient(base_url=wrike.api_url, headers=headers) as http:
        params: dict[str, str | int] = {"pageSize": 1, "fields": '["parentIds"]'}
        task = (await http.get("/tasks", params=params)).raise_for_status().json()["data"][0]
        return task["id"], task["parentIds"][0]


async def _measure(
    wrike: SandboxChild, workdir: Path, rounds: int, per_round: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    task_id, folder = await _task(wrike)
    policy = workdir / "policy.toml"
    policy.write_text(POLICY.format(folder=folder))
    read = {"taskIds": [task_id]}
    async with contextlib.AsyncExitStack() as stack:
        paths: dict[str, Call] = {}
        for index, (label, (agent, audited)) in enumerate(CONFIGURATIONS.items()):
            settings = Settings(
                scopes=SCOPES, base_url=wrike.api_url, policy_file=policy if agent else None, agent=agent,
                audit_file=workdir / f"audit-{index}.log" if audited else None,
            )  # fmt: skip
            audit = open_audit(settings, SystemClock())
            if audit is not None:
                stack.callback(audit.close)
            client = await stack.enter_async_context(ours_inprocess(wrike, settings, audit=audit))
            paths[label] = tool_call(client, "get_tasks", read)
        floor = await stack.enter_async_context(Client(build_floor()))
        paths["SDK floor (trivial tool)"] = tool_call(floor, "add", ADD_ARGUMENTS)
        upstream = {label: await _upstream_per_call(wrike, call) for label, call in paths.items()}
        return await interleaved(paths, rounds, per_round), upstream


async def _upstream_per_call(wrike: SandboxChild, call: Call, calls: int = 5) -> float:
    before = await asyncio.to_thread(wrike.requests)
    for _ in range(calls):
        await call()
    return (await asyncio.to_thread(wrike.requests) - before) / calls


def run(quick: bool) -> Section:
    rounds, per_round = (3, 10) if quick else (10, 40)
    with sandbox_child(size=300) as wrike, tempfile.TemporaryDirectory() as workdir:
        samples, upstream = asyncio.run(_measure(wrike, Path(workdir), rounds, per_round))
    section = Section(
        "Policy and audit: added cost per call of a policy decision and an audit record (in-process)",
        ["configuration", "p50 / p95 ms", "added p50 ms", "upstream requests per call", "target", "verdict"],
    )
    base = percentile(samples["no policy, no audit"], 0.5)
    for label, values in samples.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        added = "-" if label.startswith(("no policy", "SDK floor")) else f"{p50 - base:+.2f}"
        section.rows.append([label, f"{p50:.2f} / {p95:.2f}", added, f"{upstream[label]:g}", "-", "-"])
        section.data[label] = p50
    section.notes += [
        f"{rounds * per_round} get_tasks calls per configuration, taking turns in {rounds} rounds; the "
        "issue sets no target for this section.",
        "The subtree agent is limited to the folder that holds the task, so every call is allowed after "
        "the check has looked up where the task lives; those read-only lookups go upstream on every call "
        "(the extra upstream requests above) and are most of its added time.",
    ]
    return section
