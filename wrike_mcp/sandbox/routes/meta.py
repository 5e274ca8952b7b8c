"""`GET /version`: the one method that needs no scope. [C] wrike-api.md §4.17"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.wire import envelope

router = Router()


@router.route("GET", "/version", scopes=None)
async def get_version(call: Call) -> dict[str, Any]:
    # The kind string is not confirmed; "version" is our choice. [I] §9.1
    return envelope("version", [{"major": 1, "minor": 0}])
