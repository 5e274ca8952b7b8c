"""Shape Wrike's answers for the agent: compact JSON once, invisible characters stripped, sizes capped.

Text from Wrike (titles, descriptions, comments) was written by other people. It is data, and it must
not be able to hide instructions from the person reading along: every string in a result loses its
invisible and bidirectional control characters (zero-width spaces, bidi overrides and isolates, the BOM,
tag characters and the other Cf/Cc code points; newline and tab are kept).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import mcp.types as types

from wrike_mcp.errors import UpstreamUnavailable
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.wrike.client import WrikeResponse

# Every Cc except \t and \n, and every Cf of Unicode 15 (tests check this against `unicodedata`).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
# A C0 control (other than newline and tab) as `json.dumps` writes it: escaped, never raw.
_C0_ESCAPE = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bfr])")
# Wrike's paging keys, then what multi-request calls add: pages read, chunks sent and failed, a job's
# per-operation summary, and a notice saying how to go on.
_ENVELOPE_EXTRAS = ("nextPageToken", "responseSize", "pages", "chunks", "failures", "summary", "notice")


def clean_text(text: str) -> str:
    return _INVISIBLE.sub("", text)


def may_hide_text(text: str) -> bool:
    """Whether `compact` text may hold an invisible character, raw or JSON-escaped.

    False proves the value behind it clean, so the walk in `sanitize` can be skipped; True may be a false
    alarm (an escaped backslash before a "b"), which only costs the walk. ASCII text, the common case,
    needs no scan with the large character class (about 30x slower than these checks).
    """
    if _C0_ESCAPE.search(text) is not None:
        return True
    if text.isascii():
        return "\x7f" in text  # the one invisible ASCII character JSON leaves raw
    return _INVISIBLE.search(text) is not None


def sanitize(value: Any) -> Any:
    """The same JSON value with every string (keys included) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [sanitize(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(key)): sanitize(item) for key, item in value.items()}
    return value


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_result(tool: ToolSpec, response: WrikeResponse, max_bytes: int) -> types.CallToolResult:
    """`{kind, data, nextPageToken?, responseSize?}` as structured content and, once, as compact text."""
    return envelope_result(tool, read_envelope(response), max_bytes)


def read_envelope(response: WrikeResponse) -> dict[str, Any]:
    """Wrike's `{kind, data: [...], ...}` answer, or UpstreamUnavailable for anything else."""
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise UpstreamUnavailable("Wrike answered in an unexpected format")
    return body


def envelope_result(tool: ToolSpec, body: dict[str, Any], max_bytes: int) -> types.CallToolResult:
    """An envelope (possibly filtered by the subtree guard) shaped as the tool's result."""
    shaped: dict[str, Any] = {"kind": body.get("kind"), "data": body["data"]}
    shaped.update({key: body[key] for key in _ENVELOPE_EXTRAS if body.get(key) is not None})
    text = compact(shaped)
    if may_hide_text(text):  # most answers are clean: a scan at C speed instead of a walk
        shaped = sanitize(shaped)
        text = compact(shaped)
    if len(text.encode()) > max_bytes:
        shaped, text = _truncate(tool, shaped, max_bytes)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=shaped
    )


def _truncate(tool: ToolSpec, shaped: dict[str, Any], max_bytes: int) -> tuple[dict[str, Any], str]:
    """Keep as many whole items as fit, and say how to get the rest."""
    items: list[Any] = shaped["data"]
    sizes = [len(compact(item).encode()) + 1 for item in items]
    budget = max_bytes - len(compact({**shaped, "data": []}).encode()) - 400  # room for the notice
    kept = 0
    while kept < len(items) and budget - sizes[kept] >= 0:
        budget -= sizes[kept]
        kept += 1
    notice = (
        f"Result cut to {kept} of {len(items)} items to stay under {max_bytes} bytes. "
        f"To get the rest, {_narrowing_hint(tool)}."
    )
    cut = {
        **shaped,
        "data": items[:kept],
        "truncated": {"returned": kept, "total": len(items), "notice": notice},
    }
    return cut, compact(cut)


def _narrowing_hint(tool: ToolSpec) -> str:
    names = {param.name for param in tool.params}
    hints = []
    if "pageSize" in names:
        hints.append("use a smaller pageSize and follow nextPageToken")
    if "limit" in names:
        hints.append("collect fewer items with limit")
    if "fields" in names:
        hints.append("request fewer optional fields")
    if any(param.type == "ids" for param in tool.params):
        hints.append("ask for fewer ids per call")
    hints.append("narrow the query with filters")
    return ", ".join(hints)


def download_result(
    tool: ToolSpec, response: WrikeResponse, uri: str, max_bytes: int
) -> types.CallToolResult:
    """The file as an embedded resource (base64 blob) with its MIME type, or a clear message past the cap."""
    if not response.complete:
        return text_error(
            f"The file is larger than the {max_bytes}-byte download cap, so it was not returned. Ask the "
            "user to open it in Wrike; do not retry the download."
        )
    mime = response.content_type.split(";")[0].strip() or "application/octet-stream"
    blob = base64.b64encode(response.body).decode("ascii")
    resource = types.BlobResourceContents(uri=uri, mime_type=mime, blob=blob)
    summary = compact({"uri": uri, "mimeType": mime, "size": len(response.body)})
    return types.CallToolResult(
        content=[
            types.TextContent(type="text", text=summary),
            types.EmbeddedResource(type="resource", resource=resource),
        ]
    )


def text_error(message: str) -> types.CallToolResult:
    """A tool-level failure the agent can read and act on."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
