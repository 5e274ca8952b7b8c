"""Build the upstream request from declared parameters only.

The request is assembled by walking the manifest's parameters, never the arguments, so an undeclared key
(`method`, `access_token`, `state`, anything) has no way onto the wire even if it got past validation.
Path values are percent-encoded one id at a time (ids joined by ","), so `../` cannot walk out of an
endpoint; complex query values are Wrike's JSON literals (`fields=["description"]`, not exploded,
[C] wrike-api.md §2.1); body parameters form one JSON object; a raw parameter is the body itself (upload);
a local parameter stays here. The manifest's `idempotent` travels along, for the retry layer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from wrike_mcp.errors import ToolInputError
from wrike_mcp.manifest.model import PLACEHOLDER, ParamSpec, ToolSpec
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.wrike.client import UpstreamRequest

# Headers the client owns; a manifest's header parameter can never set them.
_RESERVED_HEADERS = frozenset({"authorization", "host", "cookie", "content-length", "transfer-encoding"})
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def build_request(tool: ToolSpec, args: ValidArguments) -> UpstreamRequest:
    query: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    headers: list[tuple[str, str]] = []
    content: bytes | None = None
    path_values: dict[str, str] = {}
    for param in tool.params:
        if param.name not in args.values or param.location == "local":
            continue
        value = args.values[param.name]
        if param.location == "path":
            path_values[param.name] = encode_path_value(param, value)
        elif param.location == "query":
            query.append((param.upstream_name, query_literal(value)))
        elif param.location == "body":
            body[param.upstream_name] = value
        elif param.location == "header":
            headers.append(_header(param, value))
        else:  # raw: the bytes are the body
            content = args.raw[param.name]
    if content is not None and body:
        raise ToolInputError("a file upload cannot be combined with body parameters")
    if content is not None:
        headers = _with_upload_headers(headers)
    path = PLACEHOLDER.sub(lambda match: path_values[match.group(1)], args.path)
    return UpstreamRequest(
        method=tool.method,
        path=path,
        query=tuple(query),
        json_body=body or None,
        content=content,
        headers=tuple(headers),
        idempotent=tool.annotations.idempotent,
    )


def encode_path_value(param: ParamSpec, value: Any) -> str:
    """One path segment: each id percent-encoded on its own, a list joined by ",". [C] §2.2"""
    values = value if isinstance(value, list) else [value]
    return ",".join(quote(str(item), safe="") for item in values)


def query_literal(value: Any) -> str:
    """Wrike's query form: strings as they are, booleans lower-case, arrays and objects as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _header(param: ParamSpec, value: Any) -> tuple[str, str]:
    name = param.upstream_name
    if name.lower() in _RESERVED_HEADERS:
        raise ToolInputError(f"parameter {param.name!r} cannot set the {name} header")
    # Non-ASCII, control characters and "%" are percent-encoded: Wrike reads X-File-Name url-encoded
    # ([C3] wrike-api.md §4.8), and CR/LF can never split a header.
    return name, quote(query_literal(value), safe=_HEADER_SAFE)


def _with_upload_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    names = {name.lower() for name, _ in headers}
    extra = [("X-Requested-With", "XMLHttpRequest")]  # [C3] §4.8: what Wrike's own upload sends
    if "content-type" not in names:
        extra.append(("Content-Type", "application/octet-stream"))
    return headers + extra
