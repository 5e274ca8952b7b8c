"""Turn a failure into an error result that tells the agent what to do next.

The advice follows the status table of Wrike's guide (wrike-api-guide.txt, "The status codes an agent
should handle"). A Wrike error shows Wrike's code and its `errorDescription`, which is Wrike's own short
text; a raw upstream body, a token or a foreign exception's text never appears.
"""

from __future__ import annotations

import math

import mcp.types as types

from wrike_mcp.errors import (
    AccessDenied,
    BulkFailed,
    CircuitOpen,
    ConfigError,
    OutcomeUnknown,
    RateLimited,
    ToolInputError,
    UpstreamUnavailable,
    WrikeApiError,
    WrikeMcpError,
)
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.results import clean_text, text_error

_CHECK_FIRST = "The change may or may not have happened: read the item to check before retrying."
_BY_CODE = {
    "invalid_parameter": "Correct the parameter Wrike names and call again.",
    "invalid_request": "The request was malformed or used a parameter this method does not support; "
    "fix the arguments and call again.",
    "parameter_required": "Add the parameter Wrike says is missing and call again.",
    "not_authorized": "The Wrike access token is invalid, expired or revoked. Retrying will not help: the "
    "user must re-authorise (log in again or set a new WRIKE_ACCESS_TOKEN).",
    "access_forbidden": "The token's user has no access to this item, or the token lacks the scope this "
    "method needs ({scopes}). Check the id and the user's access; do not retry unchanged.",
    "not_allowed": "Wrike does not allow this action here (a licence or quota limit, or a rule such as the "
    "5-minute edit window of a comment). Do not retry unchanged.",
    "resource_not_found": "Check the id(s): use a list or search tool to find a valid id, then retry.",
    "method_not_found": "Wrike does not offer this API method for this account or data centre; use another "
    "tool.",
    "server_error": "Wrike had a server-side error. Retry after a short wait, and report it if it persists.",
    "wrong_data_center": "The account lives in another Wrike data centre: set WRIKE_HOST to the host Wrike "
    "gave at login (for example app-eu.wrike.com).",
}
_BY_STATUS = {
    400: "invalid_request",
    401: "not_authorized",
    403: "access_forbidden",
    404: "resource_not_found",
}


def error_result(exc: WrikeMcpError, tool: ToolSpec) -> types.CallToolResult:
    return text_error(error_message(exc, tool))


def error_message(exc: WrikeMcpError, tool: ToolSpec) -> str:
    if isinstance(exc, ToolInputError):
        return (
            f"Invalid arguments for {tool.name}: {exc}. Fix them and call again; nothing was sent to Wrike."
        )
    if isinstance(exc, AccessDenied):
        # "Not sent", rather than "nothing sent": a subtree refusal may follow read-only lookups.
        return f"Refused: {exc}. The call was not sent to Wrike; retrying it unchanged will not help."
    if isinstance(exc, RateLimited):
        return f"Wrike's rate limit was reached (429). {_wait(exc.retry_after)}"
    if isinstance(exc, OutcomeUnknown):
        return f"{_sentence(str(exc))} {_CHECK_FIRST}"
    if isinstance(exc, BulkFailed):
        return str(exc)
    if isinstance(exc, CircuitOpen):
        return f"{exc}. Retry in {math.ceil(exc.retry_in)} seconds."
    if isinstance(exc, UpstreamUnavailable):
        return f"Wrike could not be reached or gave an unreadable answer ({exc}). Retry in a little while."
    if isinstance(exc, WrikeApiError):
        return _api_error(exc, tool)
    if isinstance(exc, ConfigError):
        return f"The server is misconfigured: {exc}."
    return "The call failed inside the server. Retry once; if it fails again, report it."


def _api_error(exc: WrikeApiError, tool: ToolSpec) -> str:
    code = exc.code
    if code in ("rate_limit_exceeded", "too_many_requests"):
        return f"Wrike's rate limit was reached ({code}). {_wait(None)}"
    key = code if code in _BY_CODE else _fallback_code(exc.status)
    advice = _BY_CODE[key].format(scopes=" or ".join(tool.scopes))
    if exc.status >= 500 and tool.method != "GET":
        advice += " " + _CHECK_FIRST
    description = clean_text(str(exc))
    return f"Wrike error {exc.status} {code}: {description}. {advice}"


def _sentence(text: str) -> str:
    """A message of ours as a sentence: capitalised, with a full stop."""
    text = text.rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _fallback_code(status: int) -> str:
    if status >= 500:
        return "server_error"
    if 300 <= status < 400:
        return "wrong_data_center"
    return _BY_STATUS.get(status, "invalid_request")


def _wait(retry_after: float | None) -> str:
    if retry_after is None:
        return "Slow down: wait about a minute, then retry."
    seconds = max(1, math.ceil(retry_after))
    return f"Wait {seconds} seconds, then retry."
