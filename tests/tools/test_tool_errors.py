"""Every error code in Wrike's status table reaches the agent as an error result that says what to do.

The sandbox produces each failure for real: its own 400/401/404 and rate limit, and its fault injection
for 429 storms, 5xx, malformed bodies, dropped connections and hangs.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp_harness import Recorder, open_mcp, text_of

from wrike_mcp.config import Settings
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import set_faults
from wrike_mcp.sandbox.runner import SandboxServer


async def call(sandbox: Sandbox, tool: str, arguments: dict[str, Any], **options: Any) -> str:
    async with open_mcp(sandbox, **options) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    return text_of(result)


async def test_400_invalid_request_names_the_parameter_and_says_fix_it(sandbox: Sandbox) -> None:
    text = await call(sandbox, "probe_version_with_param", {"fields": ["description"]})
    assert "Wrike error 400 invalid_request: Parameter 'fields' is not supported." in text
    assert "fix the arguments and call again" in text


async def test_401_says_reauthorise_without_echoing_the_token(sandbox: Sandbox) -> None:
    text = await call(sandbox, "get_version", {}, token="expired-token-abcdef123456")
    assert "Wrike error 401 not_authorized" in text
    assert "re-authorise" in text and "Retrying will not help" in text
    assert "expired-token-abcdef123456" not in text


async def test_404_method_not_found_says_use_another_tool(sandbox: Sandbox) -> None:
    text = await call(sandbox, "probe_missing_method", {"itemId": "IEAGSBX1KQAAAAAA"})
    assert "Wrike error 404 method_not_found" in text
    assert "use another tool" in text


async def test_429_from_the_rate_limit_says_how_long_to_wait(sandbox: Sandbox) -> None:
    sandbox.config.rate_limit_per_minute = 1
    async with open_mcp(sandbox) as client:
        first = await client.call_tool("get_version", {})
        second = await client.call_tool("get_version", {})
    assert not first.is_error
    assert second.is_error
    assert "Wrike's rate limit was reached (429). Wait 60 seconds, then retry." in text_of(second)


async def test_429_retry_after_from_wrike_is_passed_on(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "retryAfter": 7}])
    text = await call(sandbox, "get_version", {})
    assert "Wait 7 seconds, then retry." in text


async def test_500_on_a_read_says_retry_later(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    text = await call(sandbox, "get_version", {})
    assert "Wrike error 500 server_error: Server side error." in text
    assert "Retry after a short wait" in text
    assert "may or may not have happened" not in text


async def test_500_on_a_write_says_check_before_retrying(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    text = await call(sandbox, "probe_delete", {})
    assert "Wrike error 500 server_error" in text
    assert "may or may not have happened: read the item to check before retrying" in text


async def test_a_gateway_error_page_is_summarised_never_copied(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 502}])
    text = await call(sandbox, "get_version", {})
    assert "Wrike error 502 server_error: Wrike answered HTTP 502." in text
    assert "<" not in text


async def test_a_malformed_body_is_an_unreadable_answer(sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "malformed"}])
    text = await call(sandbox, "get_version", {})
    assert "gave an unreadable answer (Wrike answered with malformed JSON)" in text
    assert "Retry in a little while" in text


async def test_a_dropped_connection_on_a_read_is_unavailable(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    set_faults(sandbox, [{"kind": "drop"}])
    text = await call(sandbox, "get_version", {}, base_url=sandbox_server.api_url)
    assert "Wrike could not be reached" in text


async def test_a_dropped_connection_on_a_write_has_an_unknown_outcome(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    set_faults(sandbox, [{"kind": "drop"}])
    text = await call(sandbox, "probe_delete", {}, base_url=sandbox_server.api_url)
    assert "The change may or may not have happened" in text


@pytest.mark.parametrize(
    ("tool", "expected"),
    [("get_version", "could not be reached"), ("probe_delete", "may or may not have happened")],
)
async def test_a_hang_times_out_with_the_right_advice(
    sandbox: Sandbox, sandbox_server: SandboxServer, tool: str, expected: str
) -> None:
    set_faults(sandbox, [{"kind": "hang", "seconds": 5}])
    text = await call(sandbox, tool, {}, base_url=sandbox_server.api_url, timeout=0.3)
    assert expected in text


async def test_a_refused_connection_on_a_write_is_unavailable_not_unknown(sandbox: Sandbox) -> None:
    """Port 9 on loopback (discard) is closed here: the write provably never left, so it was retried."""
    recorders: list[Recorder] = []
    text = await call(sandbox, "probe_delete", {}, base_url="http://127.0.0.1:9/api/v4", recorder=recorders)
    assert "Wrike could not be reached" in text
    assert "may or may not have happened" not in text
    assert len(recorders[0].requests) == Settings().max_attempts
