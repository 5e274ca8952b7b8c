"""Section 2, catalogue cost: what `tools/list` costs an agent's context, in total and per toolset.

Every tool description is paid for in context tokens on every turn, so the listing is measured as sent:
the `tools/list` result serialised the way the SDK puts it on the wire (by alias, no nulls, compact),
listed by the real server in-process with every scope granted, once per toolset. Tokens are estimated as
bytes / 4. A `wrike-mcp serve` child over stdio cross-checks the total on the real wire, where the
JSON-RPC envelope adds a few bytes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from mcp import Client

from bench.harness import Section, child_env, verdict
from bench.stdio_rpc import StdioRpc
from wrike_mcp.config import Settings
from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.manifest.model import KNOWN_SCOPES
from wrike_mcp.policy.scopes import DEFAULT_TOOLSET
from wrike_mcp.server import Connection, build_server, open_client
from wrike_mcp.wrike.client import WrikeCredentials

TARGET_TOTAL = 24_000
TARGET_DEFAULT = 10_000
NOWHERE = "http://127.0.0.1:9/api/v4"  # never contacted: listing tools sends nothing to Wrike


async def listing(toolsets: tuple[str, ...] | None) -> tuple[int, int]:
    """(tools, bytes) of the tools/list result for these toolsets, every scope granted."""
    settings = Settings(scopes=KNOWN_SCOPES, toolsets=toolsets, base_url=NOWHERE)
    connection = Connection(WrikeCredentials("bench"), KNOWN_SCOPES, NOWHERE)
    async with open_client(settings, connection) as upstream:
        server = build_server(settings, upstream, connection=connection)
        async with Client(server, mode="legacy") as client:
            result = await client.list_tools()
    # Only `tools`: the client's parsed result also carries cache fields the server never sent.
    tools = [tool.model_dump(by_alias=True, mode="json", exclude_none=True) for tool in result.tools]
    wire = json.dumps({"tools": tools}, separators=(",", ":"), ensure_ascii=False)
    return len(result.tools), len(wire.encode())


def wire_total() -> int:
    """Bytes of the tools/list answer line a `wrike-mcp serve` child writes to stdout (envelope included)."""
    env = child_env({"WRIKE_ACCESS_TOKEN": "bench", "WRIKE_BASE_URL": NOWHERE,
                     "WRIKE_SCOPES": ",".join(sorted(KNOWN_SCOPES))})  # fmt: skip
    with StdioRpc([sys.executable, "-m", "wrike_mcp", "serve"], env) as rpc:
        rpc.initialize()
        rpc.request("tools/list")
        return rpc.last_bytes


def _row(label: str, tools: int, size: int, target: int | None) -> list[str]:
    judged = ["-", "-"] if target is None else [f"<= {target:,} B", verdict(size <= target)]
    return [label, str(tools), f"{size:,}", f"{size // 4:,}", *judged]


def run(quick: bool) -> Section:
    areas = sorted(load_catalog().areas)
    section = Section(
        "Catalogue cost: tools/list bytes and estimated tokens (bytes / 4)",
        ["toolset", "tools", "bytes", "~tokens", "target", "verdict"],
    )
    total = asyncio.run(listing(None))
    default = asyncio.run(listing((DEFAULT_TOOLSET,)))
    section.rows.append(_row("whole catalogue (all)", *total, TARGET_TOTAL))
    section.rows.append(_row(f"`{DEFAULT_TOOLSET}`", *default, TARGET_DEFAULT))
    per_area = {area: asyncio.run(listing((area,))) for area in areas}
    section.rows += [_row(area, *figures, None) for area, figures in per_area.items()]
    on_wire = wire_total()
    section.notes += [
        f"Cross-check on the real wire: the whole tools/list answer line of a `wrike-mcp serve` child over "
        f"stdio is {on_wire:,} bytes, JSON-RPC envelope included.",
        "Every scope granted, so every tool is listed; a token with fewer scopes sees fewer tools.",
    ]
    section.data = {"total": total[1], "default": default[1], "areas": {a: f[1] for a, f in per_area.items()}}
    return section
