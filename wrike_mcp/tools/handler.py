"""The one generic handler: every tool call goes through `ToolHandler.call`.

Order: look the tool up (an unknown name is a protocol error, as the MCP specification says) -> the
policy decision for this caller (refused: an error result, nothing sent) -> argument checks -> the
request from declared parameters -> Wrike -> the shaped result. Every failure becomes an error result
that says what to do; no exception text from a foreign library ever reaches the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp.types as types
from mcp.shared.exceptions import MCPError

from wrike_mcp.errors import AccessDenied, WrikeMcpError
from wrike_mcp.policy.scopes import Access, decide
from wrike_mcp.tools.advice import error_result
from wrike_mcp.tools.arguments import validate_arguments
from wrike_mcp.tools.inventory import Inventory, ToolEntry
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import download_result, json_result, text_error
from wrike_mcp.wrike.client import WrikeClient, WrikeCredentials

log = logging.getLogger("wrike_mcp.tools")

# `ctx.session.report_progress`: (progress, total, message); a no-op unless the caller asked for progress.
Progress = Callable[[float, float | None, str | None], Awaitable[None]]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the Wrike credentials to act with and what they may do."""

    credentials: WrikeCredentials
    access: Access


@dataclass(frozen=True)
class Limits:
    max_result_bytes: int
    max_download_bytes: int


class ToolHandler:
    def __init__(self, inventory: Inventory, client: WrikeClient, limits: Limits) -> None:
        self.inventory = inventory
        self.client = client
        self.limits = limits

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        progress: Progress | None = None,
    ) -> types.CallToolResult:
        entry = self.inventory.get(name)
        if entry is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {name[:128]!r}")
        try:
            result = await self._run(entry, arguments, caller, progress)
        except WrikeMcpError as exc:
            log.info("tool %s failed: %s", name, type(exc).__name__)
            return error_result(exc, entry.spec)
        except Exception:
            # Logged for the operator (stderr); the agent gets a fixed sentence, never the exception text.
            log.exception("tool %s crashed", name)
            return text_error("The call failed inside the server. Retry once; if it fails again, report it.")
        log.info("tool %s ok", name)
        return result

    async def _run(
        self,
        entry: ToolEntry,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        progress: Progress | None,
    ) -> types.CallToolResult:
        spec = entry.spec
        decision = decide(spec, caller.access)
        if not decision:
            raise AccessDenied(decision.message)
        valid = validate_arguments(spec, entry.validator, arguments)
        request = build_request(spec, valid)
        if spec.result == "download":
            response = await self.client.send(
                request, caller.credentials, max_bytes=self.limits.max_download_bytes
            )
            uri = self.client.base_url_for(caller.credentials) + request.path
            return download_result(spec, response, uri, self.limits.max_download_bytes)
        response = await self.client.send(request, caller.credentials)
        return json_result(spec, response, self.limits.max_result_bytes)
