"""`limit` on a paged list: collect several of Wrike's pages in one call, within hard caps.

Wrike pages with `pageSize` (at most 1000) and `nextPageToken`, and a page token must be sent with the
original query repeated ([C] wrike-api.md §2.4, §2.5). So every page request here is built from the
call's own arguments with only `nextPageToken` changed, through the same declared-parameters-only path
as any call.

Collection stops at the first of: no next page, `limit` items, the operator's item cap
(WRIKE_MCP_MAX_ITEMS), or the result byte cap (WRIKE_MCP_MAX_RESULT_BYTES). Pages are kept whole, so
the `nextPageToken` handed back always continues exactly where the returned items end: nothing is
skipped and nothing comes twice. [I] our choices: `limit` therefore means "collect whole pages until
at least this many items"; without a `pageSize`, pages are sized evenly so the overshoot is tiny (a
`limit` of 2500 reads 3 pages of 834); a page that would break the byte cap is not kept, and the token
returned re-reads it. Memory stays bounded by the byte cap plus one page.

A progress notification goes out after every page; a cancelled call stops before its next page.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.tools.exchange import Exchange
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import read_envelope

PAGE_TOKEN = "nextPageToken"  # noqa: S105 (a parameter name)
PAGE_SIZE = "pageSize"
WRIKE_MAX_PAGE = 1000  # [C] wrike-api.md §2.5
ENVELOPE_ROOM = 1024  # bytes of the result kept for the envelope and the notice


def page_size_for(spec: ToolSpec, target: int) -> int | None:
    """Evenly sized pages for `target` items, none above the tool's pageSize maximum."""
    param = spec.param(PAGE_SIZE)
    if param is None:
        return None
    largest = int(param.maximum or WRIKE_MAX_PAGE)
    pages = math.ceil(target / largest)
    return math.ceil(target / pages)


async def collect_pages(
    exchange: Exchange, spec: ToolSpec, valid: ValidArguments, limit: int, max_items: int, max_bytes: int
) -> dict[str, Any]:
    target = min(limit, max_items)
    values = dict(valid.values)
    token: str | None = values.pop(PAGE_TOKEN, None)
    if PAGE_SIZE not in values and (size := page_size_for(spec, target)) is not None:
        values[PAGE_SIZE] = size
    elif PAGE_SIZE in values and token is None:
        values[PAGE_SIZE] = min(values[PAGE_SIZE], max_items)  # no page may break the item cap
    budget = max(max_bytes - ENVELOPE_ROOM, 1)
    items: list[Any] = []
    first: dict[str, Any] | None = None
    used = pages = 0
    stop = ""
    while True:
        page_values = {**values, PAGE_TOKEN: token} if token else values
        response = await exchange.send(build_request(spec, replace(valid, values=page_values)))
        envelope = read_envelope(response)
        if items and used + len(response.body) > budget:
            stop = "bytes"  # not kept: `token` still points at this page
            break
        first = first or envelope
        items.extend(envelope["data"])
        used, pages = used + len(response.body), pages + 1
        await exchange.report(len(items), target, f"page {pages}: {len(items)} items")
        token = envelope.get(PAGE_TOKEN) if envelope["data"] else None  # an empty page ends it [C3] §2.5
        next_items, next_bytes = len(items) + len(envelope["data"]), used + used / pages
        stop = _stop_reason(token, len(items), limit, next_items > max_items, next_bytes > budget)
        if stop:
            break
    assert first is not None
    if stop == "bytes" and used > budget:
        stop = "oversized"  # one page alone is over the cap: the result's truncation notice explains
    return _collected(first, items, token, pages, stop, max_items)


def _stop_reason(token: str | None, count: int, limit: int, items_full: bool, bytes_full: bool) -> str:
    """Why collection ends after this page ("" to go on); `*_full`: one more page would break that cap."""
    if not token:
        return "end"
    if count >= limit:
        return "limit"
    if items_full:
        return "items"
    return "bytes" if bytes_full else ""


def _collected(
    first: dict[str, Any], items: list[Any], token: str | None, pages: int, stop: str, max_items: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": first.get("kind"), "data": items}
    if token:
        result[PAGE_TOKEN] = token
    if "responseSize" in first:
        result["responseSize"] = first["responseSize"]
    result["pages"] = pages
    if token and stop in ("bytes", "items"):
        cap = "the result size cap" if stop == "bytes" else f"the server's cap of {max_items} items per call"
        result["notice"] = (
            f"Stopped after {len(items)} items at {cap}. To continue, call again with the same arguments "
            "and this nextPageToken."
        )
    return result
