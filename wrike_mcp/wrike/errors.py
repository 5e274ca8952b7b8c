"""Map what can go wrong on the wire to the package's exception tree, at the boundary.

Nothing here copies a raw upstream body or a token into an exception: a Wrike error carries Wrike's
code and its `errorDescription` (Wrike's own short text, capped and scrubbed of the token), and transport
failures carry a fixed sentence. The caller raises the result `from` the foreign exception, so the
cause stays in tracebacks for the operator without reaching the agent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from wrike_mcp.errors import (
    NotSent,
    OutcomeUnknown,
    RateLimited,
    UpstreamError,
    UpstreamUnavailable,
    WrikeApiError,
)

MAX_DESCRIPTION = 300


def error_from_status(status: int, headers: Mapping[str, str], body: bytes, token: str) -> UpstreamError:
    """The exception for a non-2xx answer."""
    if status == 429:
        return RateLimited(retry_after_seconds(headers.get("retry-after")))
    code, description = _envelope(body)
    if 300 <= status < 400:
        # [C3] Wrike answers 3xx when a request reaches the wrong data centre (wrike-api.md §1.1).
        return WrikeApiError(status, code or "wrong_data_center", "Wrike redirected the request")
    if not code:
        code = "server_error" if status >= 500 else f"http_{status}"
    text = _scrub(description, token) or f"Wrike answered HTTP {status}"
    return WrikeApiError(status, code, text)


def error_from_transport(exc: httpx.TransportError, method: str) -> UpstreamError:
    """Connection trouble. A write that may have reached Wrike has an unknown outcome."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        # No connection was made (or none was free): the request provably never reached Wrike.
        return NotSent("Wrike could not be reached")
    if method == "GET":
        return UpstreamUnavailable("Wrike could not be reached or did not answer in time")
    return OutcomeUnknown("the request was sent to Wrike but no complete answer came back")


def retry_after_seconds(raw: str | None) -> float | None:
    """`Retry-After` in seconds; Wrike does not document it, so it is read opportunistically. [C3] §3.3"""
    if raw is None:
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        return None  # an HTTP-date; [I] our choice: ignore it rather than trust a remote clock
    return seconds if seconds >= 0 else None


def _envelope(body: bytes) -> tuple[str, str]:
    """`(error, errorDescription)` from Wrike's error envelope, or empty strings if it is not one."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return "", ""
    if not isinstance(parsed, dict):
        return "", ""
    code, description = parsed.get("error"), parsed.get("errorDescription")
    code = code if isinstance(code, str) and code.replace("_", "").isalnum() and len(code) <= 64 else ""
    return code, description if isinstance(description, str) else ""


def _scrub(description: str, token: str) -> str:
    if token:
        description = description.replace(token, "[redacted]")
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    return description
