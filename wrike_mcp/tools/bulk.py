"""More ids than Wrike takes in one path: send them in chunks of 100 and merge the answers.

Wrike's multi-id paths take at most 100 ids ([C] wrike-api.md §2.2; `PUT /tasks/{taskIds}` applies the
same change to each, §4.1). A manifest may allow more (`max_items` up to 1000 on an `ids` path
parameter); then the call becomes one request per 100 ids, each built from the call's own arguments
with only that id list changed, each paced and retried like any request. So updating 1000 tasks costs
10 requests.

One failing chunk does not stop the others. The result merges every answered chunk's items and lists
each failed chunk with its ids and what went wrong, so the agent retries exactly those. [I] our choice:
when every chunk fails, the call is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from wrike_mcp.errors import BulkFailed, WrikeMcpError
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.advice import error_message
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.tools.exchange import Exchange
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import read_envelope
from wrike_mcp.tools.schema import MAX_IDS


@dataclass(frozen=True)
class Chunks:
    """The call split by its `ids_param`, at most 100 ids per part."""

    ids_param: str
    parts: list[ValidArguments]


def chunked(spec: ToolSpec, valid: ValidArguments) -> Chunks | None:
    """The call split into chunks of at most 100 path ids, or None when it fits in one request."""
    for param in spec.params:
        ids = valid.values.get(param.name)
        if param.location == "path" and param.type == "ids" and isinstance(ids, list) and len(ids) > MAX_IDS:
            parts = [
                replace(valid, values={**valid.values, param.name: ids[start : start + MAX_IDS]})
                for start in range(0, len(ids), MAX_IDS)
            ]
            return Chunks(param.name, parts)
    return None


async def send_in_chunks(exchange: Exchange, spec: ToolSpec, chunks: Chunks) -> dict[str, Any]:
    kind: Any = None
    data: list[Any] = []
    failures: list[dict[str, Any]] = []
    total = len(chunks.parts)
    for number, part in enumerate(chunks.parts, start=1):
        try:
            envelope = read_envelope(await exchange.send(build_request(spec, part)))
        except WrikeMcpError as exc:
            ids = part.values[chunks.ids_param]
            failures.append({"chunk": number, "ids": ids, "error": error_message(exc, spec)})
        else:
            kind = envelope["kind"]
            data.extend(envelope["data"])
        await exchange.report(number, total, f"chunk {number} of {total}")
    if len(failures) == total:
        distinct = list(dict.fromkeys(failure["error"] for failure in failures))
        shown = " | ".join(distinct[:3])
        raise BulkFailed(f"All {total} chunks of up to {MAX_IDS} ids failed: {shown}")
    result: dict[str, Any] = {"kind": kind, "data": data, "chunks": total}
    if failures:
        result["failures"] = failures
        result["notice"] = (
            f"{len(failures)} of {total} chunks failed; the ids under failures were not changed unless "
            "their error says the outcome is unknown. Retry only those ids."
        )
    return result
