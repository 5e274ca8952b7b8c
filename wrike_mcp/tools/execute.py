"""From checked arguments to a shaped result: one request, or the few a tool's options call for.

    download           -> one request, the file as an embedded resource
    paged + `limit`    -> pages collected (paging.py)
    > 100 path ids     -> chunks of 100 (bulk.py)
    otherwise          -> one request
    then: async job    -> polled until done (jobs.py); `plainText` -> HTML as text (plaintext.py);
                          the result cleaned and capped with a notice (results.py)

Every request goes through the `Exchange`, so through the resilient client; the policy decision and
the argument checks happened before (handler.py) and cover every request made here.
"""

from __future__ import annotations

from typing import Any

import mcp.types as types

from wrike_mcp.clock import Clock
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.tools.bulk import AllChunksFailed, chunked, send_in_chunks
from wrike_mcp.tools.exchange import Exchange, Limits
from wrike_mcp.tools.inventory import Inventory, ToolEntry
from wrike_mcp.tools.jobs import POLL_TOOL, wait_for_job
from wrike_mcp.tools.paging import collect_pages
from wrike_mcp.tools.plaintext import plain_descriptions
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import download_result, envelope_of, shaped_result, text_error


async def execute(
    entry: ToolEntry,
    valid: ValidArguments,
    exchange: Exchange,
    limits: Limits,
    inventory: Inventory,
    clock: Clock,
) -> types.CallToolResult:
    spec = entry.spec
    if spec.result == "download":
        request = build_request(spec, valid)
        response = await exchange.send(request, max_bytes=limits.max_download_bytes)
        uri = exchange.client.base_url_for(exchange.credentials) + request.path
        return download_result(spec, response, uri, limits.max_download_bytes)
    limit = _local(entry, valid, "limit")
    chunks = chunked(spec, valid)
    if spec.paged and isinstance(limit, int):
        shaped = await collect_pages(exchange, spec, valid, limit, limits.max_items, limits.max_result_bytes)
    elif chunks is not None:
        try:
            shaped = await send_in_chunks(exchange, spec, chunks)
        except AllChunksFailed as failed:
            return text_error(failed.summary)
    else:
        shaped = envelope_of(await exchange.send(build_request(spec, valid)))
    if spec.result == "async_job":
        shaped = await wait_for_job(exchange, inventory.get(POLL_TOOL), shaped, clock, limits.job_wait)
    if _local(entry, valid, "plainText") is True:
        shaped = plain_descriptions(shaped)
    return shaped_result(spec, shaped, limits.max_result_bytes)


def _local(entry: ToolEntry, valid: ValidArguments, name: str) -> Any:
    """A server-side option's value, if the tool declares it as one (`in = "local"`)."""
    param = entry.spec.param(name)
    return valid.values.get(name) if param is not None and param.location == "local" else None
