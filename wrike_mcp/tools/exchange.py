"""One tool call's line to Wrike: the call's sender, where progress goes, and the caps that bound it.

Multi-request tools (page collection, chunked bulk updates, async-job polling) talk to Wrike only
through an `Exchange`, whose `send` is the call's own (the handler's: it counts attempts for the audit
record and goes through the resilient client: pacing, breaker, retries), and report each step to the MCP
client as progress.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wrike_mcp.wrike.client import MAX_JSON_BODY, UpstreamRequest, WrikeResponse

log = logging.getLogger("wrike_mcp.tools")

# `ctx.session.report_progress`: (progress, total, message); a no-op unless the caller asked for progress.
Progress = Callable[[float, float | None, str | None], Awaitable[None]]
# The call's sender: `send(request, *, max_bytes=...)` with the caller's credentials bound.
Send = Callable[..., Awaitable[WrikeResponse]]

DEFAULT_MAX_ITEMS = 10_000
DEFAULT_JOB_WAIT = 60.0


@dataclass(frozen=True)
class Limits:
    """Caps on one call: result text, downloads, items collected across pages, time spent polling a job."""

    max_result_bytes: int
    max_download_bytes: int
    max_items: int = DEFAULT_MAX_ITEMS
    job_wait: float = DEFAULT_JOB_WAIT


@dataclass
class Exchange:
    sender: Send
    progress: Progress | None = None
    status: int | None = None  # of the last answer: the audit record's upstream status

    async def send(self, request: UpstreamRequest, *, max_bytes: int = MAX_JSON_BODY) -> WrikeResponse:
        response = await self.sender(request, max_bytes=max_bytes)
        self.status = response.status
        return response

    async def report(self, done: float, total: float | None, message: str) -> None:
        """Tell the client how far the call got. A client that went away must not fail the call, so a
        failure to notify is logged and ignored (a cancellation is not an Exception: it goes through)."""
        if self.progress is None:
            return
        try:
            await self.progress(done, total, message)
        except Exception:
            log.debug("progress notification failed", exc_info=True)
