"""The one generic handler: every tool call goes through `ToolHandler.call`.

Order: look the tool up (an unknown name is a protocol error, as the MCP specification says) -> the
policy decision for this caller (scopes, switches, the agent's grants; refused: an error result, nothing
sent) -> argument checks -> for a subtree-limited agent, where the named items live (read-only lookups,
`subtree_guard.py`; refused: the call's own request is never sent) -> the request from declared
parameters, through the resilient client (execute.py: one request, or pages, chunks, a polled job) ->
the shaped result, filtered to the subtrees for a listing. Every failure becomes an
error result that says what to do; no exception text from a foreign library ever reaches the agent.

Every call, allowed or refused, known tool or not, writes exactly one audit record (`audit.py`) when an
audit log is configured: the `finally` of `call` is the only place that writes it. `attempts` counts
every request the call sent to Wrike, the subtree lookups and the retries included, so a refusal after
lookups shows them.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import mcp.types as types
from mcp.shared.exceptions import MCPError

from wrike_mcp.audit import AuditEvent, AuditLog, target_ids
from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.errors import (
    AccessDenied,
    OutcomeUnknown,
    RateLimited,
    ToolInputError,
    UpstreamError,
    UpstreamUnavailable,
    WrikeApiError,
    WrikeMcpError,
)
from wrike_mcp.manifest.model import TOOL_NAME, ToolSpec
from wrike_mcp.policy.scopes import Access, decide
from wrike_mcp.tools.advice import error_result
from wrike_mcp.tools.arguments import ValidArguments, validate_arguments
from wrike_mcp.tools.exchange import Exchange, Limits, Progress, Send
from wrike_mcp.tools.execute import gather
from wrike_mcp.tools.inventory import Inventory, ToolEntry
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import download_result, envelope_result, text_error
from wrike_mcp.tools.subtree_guard import SubtreeGuard
from wrike_mcp.wrike.client import (
    MAX_JSON_BODY,
    Upstream,
    UpstreamRequest,
    WrikeCredentials,
    WrikeResponse,
)

log = logging.getLogger("wrike_mcp.tools")

__all__ = ["Caller", "Limits", "NativeRunner", "Progress", "Send", "ToolHandler"]
_FAILURE_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (ToolInputError, "invalid_arguments"),
    (RateLimited, "rate_limited"),
    (OutcomeUnknown, "outcome_unknown"),
    (UpstreamUnavailable, "upstream_unavailable"),
)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the Wrike credentials to act with, what they may do, and, for the audit log, the
    agent's name ("" without a policy) and an identity that the log only ever stores hashed."""

    credentials: WrikeCredentials
    access: Access
    agent: str = ""
    identity: str = "local"  # "stdio", "agent-key:<key id>", "user:<id>"


@dataclass
class CallTrace:
    """What one call did, gathered on the way, for its audit record."""

    decision: Literal["allow", "deny"] = "allow"
    reason: str = ""
    target_ids: tuple[str, ...] = ()
    upstream_status: int | None = None
    attempts: int = 0

    def refusal(self, code: str, message: str) -> AccessDenied:
        self.decision, self.reason = "deny", f"{code}: {message}"
        return AccessDenied(message)

    def failed(self, exc: Exception) -> None:
        """Note why the call failed, in words that hold no argument value (only codes)."""
        if isinstance(exc, AccessDenied):
            self.decision = "deny"
            self.reason = self.reason or "refused"
            return
        if isinstance(exc, ToolInputError):
            self.decision = "deny"  # the server refused the arguments; nothing was sent for the call
        if isinstance(exc, RateLimited):
            self.upstream_status = 429
        if isinstance(exc, WrikeApiError):
            self.upstream_status, self.reason = exc.status, f"upstream_error: {exc.code}"
            return
        self.reason = next((r for kind, r in _FAILURE_REASONS if isinstance(exc, kind)), "server_error")

    def sender(self, client: Upstream, credentials: WrikeCredentials) -> Send:
        """`client.send` for this call's credentials, counting every request it sends, retries included."""

        async def send(request: UpstreamRequest, *, max_bytes: int = MAX_JSON_BODY) -> WrikeResponse:
            try:
                response = await client.send(request, credentials, max_bytes=max_bytes)
            except UpstreamError as exc:
                self.attempts += exc.attempts
                raise
            self.attempts += response.attempts
            return response

        return send


# A tool that runs in the server instead of as one generic request (tools/native.py), after the same checks;
# it sends through `send`, so its requests are counted in the audit record like any other.
NativeRunner = Callable[[ToolSpec, ValidArguments, Caller, Send], Awaitable[types.CallToolResult]]


class ToolHandler:
    def __init__(
        self,
        inventory: Inventory,
        client: Upstream,
        limits: Limits,
        *,
        audit: AuditLog | None = None,
        clock: Clock | None = None,
        native: Mapping[str, NativeRunner] | None = None,
    ) -> None:
        self.inventory = inventory
        self.client = client
        self.limits = limits
        self.audit = audit
        self.clock = clock or SystemClock()
        self.native = dict(native or {})

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        progress: Progress | None = None,
    ) -> types.CallToolResult:
        started = self.clock.monotonic()
        trace = CallTrace()
        entry = self.inventory.get(name)
        try:
            if entry is None:
                trace.decision, trace.reason = "deny", "unknown_tool"
                raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {name[:128]!r}")
            if isinstance(arguments, Mapping):
                trace.target_ids = target_ids(entry.spec, arguments)
            return await self._settle(entry, arguments, caller, progress, trace)
        finally:
            self._audit(name, entry, caller, trace, started)

    async def _settle(
        self,
        entry: ToolEntry,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        progress: Progress | None,
        trace: CallTrace,
    ) -> types.CallToolResult:
        """The call's result, with every failure turned into an error result."""
        try:
            result = await self._run(entry, arguments, caller, progress, trace)
        except WrikeMcpError as exc:
            trace.failed(exc)
            log.info("tool %s failed: %s", entry.spec.name, type(exc).__name__)
            return error_result(exc, entry.spec)
        except Exception as exc:
            trace.failed(exc)
            # Logged for the operator (stderr); the agent gets a fixed sentence, never the exception text.
            log.exception("tool %s crashed", entry.spec.name)
            return text_error("The call failed inside the server. Retry once; if it fails again, report it.")
        log.info("tool %s ok", entry.spec.name)
        return result

    async def _run(
        self,
        entry: ToolEntry,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        progress: Progress | None,
        trace: CallTrace,
    ) -> types.CallToolResult:
        spec = entry.spec
        decision = decide(spec, caller.access)
        if not decision:
            raise trace.refusal(decision.detail or decision.reason.value, decision.message)
        valid = validate_arguments(spec, entry.validator, arguments)
        send = trace.sender(self.client, caller.credentials)
        guard = None
        if caller.access.subtrees is not None:
            guard = SubtreeGuard.for_call(spec, caller.access.subtrees, valid.values, send)
            verdict = await guard.check()
            if not verdict:
                raise trace.refusal("subtree", verdict.reason)
            valid = guard.with_lineage_fields(valid)
        native = self.native.get(spec.name)
        if native is not None:
            return await native(spec, valid, caller, send)
        if spec.result == "download":
            request = build_request(spec, valid)
            response = await send(request, max_bytes=self.limits.max_download_bytes)
            trace.upstream_status = response.status
            uri = self.client.base_url_for(caller.credentials) + request.path
            return download_result(spec, response, uri, self.limits.max_download_bytes)
        exchange = Exchange(send, progress)
        try:
            body = await gather(entry, valid, exchange, self.limits, self.inventory, self.clock)
        finally:
            trace.upstream_status = exchange.status
        if guard is not None:
            body = await guard.filter(body)
        return envelope_result(spec, body, self.limits.max_result_bytes)

    def _audit(
        self, name: str, entry: ToolEntry | None, caller: Caller, trace: CallTrace, started: float
    ) -> None:
        if self.audit is None:
            return
        spec = entry.spec if entry is not None else None
        event = AuditEvent(
            agent=caller.agent,
            caller_identity=caller.identity,
            # An unknown name is the agent's text: kept only when it is shaped like a tool name.
            tool=name if spec is not None or re.fullmatch(TOOL_NAME, name) else "(not a tool name)",
            area=spec.area if spec is not None else "",
            access=spec.access if spec is not None else "",
            decision=trace.decision,
            reason=trace.reason,
            target_ids=trace.target_ids,
            upstream_status=trace.upstream_status,
            attempts=trace.attempts,
            latency_ms=(self.clock.monotonic() - started) * 1000,
            request_id=uuid.uuid4().hex,
        )
        try:
            self.audit.record(event)
        except Exception:
            # [I] our choice: the call has already happened; a failing sink (a full disk) is reported to the
            # operator loudly rather than turning a completed call into an error the agent would retry.
            log.exception("could not write the audit record of a %s call", event.tool)
