"""A snapshot of every tool as the agent sees it, so that any change to the surface is deliberate.

After an intended change to tool_manifests/ or to the schema rendering, regenerate it and review the diff:

    WRIKE_MCP_UPDATE_SNAPSHOT=1 pytest tests/tools/test_tool_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.tools.native import native_specs
from wrike_mcp.tools.schema import to_mcp_tool

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools.json"


def current_surface() -> str:
    tools = [
        to_mcp_tool(spec).model_dump(by_alias=True, exclude_none=True, mode="json")
        for spec in (*load_catalog().tools, *native_specs(load_catalog()))
    ]
    return json.dumps(tools, indent=1, ensure_ascii=False) + "\n"


def test_every_tool_schema_matches_the_snapshot() -> None:
    surface = current_surface()
    if os.environ.get("WRIKE_MCP_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(surface, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == surface, (
        "the tool surface changed; if intended, run WRIKE_MCP_UPDATE_SNAPSHOT=1 pytest "
        "tests/tools/test_tool_snapshot.py and commit tests/tools/snapshots/tools.json"
    )
