"""From checked arguments to Wrike's answer: one request, or the few a tool's options call for.

    paged + `limit`    -> pages collected (paging.py)
    > 100 path ids     -> chunks of 100 (bulk.py)
    otherwise          -> one request
    then: async job    -> polled until done (jobs.py); `plainText` -> HTML as text (plaintext.py)

The answer is an envelope (`{kind, data, ...}`) for the handler to filter (subtree guard) and shape
(results.py). Every request goes through the `Exchange`, so through the call's own sender; the policy
decision and the argument checks happened before (handler.py) and cover every request made here.
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.clock import Clock
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.tools.bulk import chunked, send_in_chunks
from wrike_mcp.tools.exchange import Exchange, Limits
from wrike_mcp.tools.inventory import Inventory, ToolEntry
from wrike_mcp.tools.jobs import POLL_TOOL, wait_for_job
from wrike_mcp.tools.paging import collect_pages
from wrike_mcp.tools.plaintext import plain_descriptions
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import read_envelope


async def gather(
    entry: ToolEntry,
    valid: ValidArguments,
    exchange: Exchange,
    limits: Limits,
    inventory: Inventory,
    clock: Clock,
) -> dict[str, Any]:
    spec = entry.spec
    limit = _local(entry, valid, "limit")
    chunks = chunked(spec, valid)
    if spec.paged and isinstance(limit, int):
        body = await collect_pages(exchange, spec, valid, limit, limits.max_items, limits.max_result_bytes)
    elif chunks is not None:
        body = await send_in_chunks(exchange, spec, chunks)
    else:
        body = read_envelope(await exchange.send(build_request(spec, valid)))
    if spec.result == "async_job":
        body = await wait_for_job(exchange, inventory.get(POLL_TOOL), body, clock, limits.job_wait)
    if _local(entry, valid, "plainText") is True:
        body = plain_descriptions(body)
    return body


def _local(entry: ToolEntry, valid: ValidArguments, name: str) -> Any:
    """A server-side option's value, if the tool declares it as one (`in = "local"`)."""
    param = entry.spec.param(name)
    return valid.values.get(name) if param is not None and param.location == "local" else None
