"""The suite-wide log watch (tests/conftest.py) really catches a secret, so a green run means something."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import _SecretWatch
from wrike_mcp.sandbox.seeding.bootstrap import token_for


def _record(logger: str, message: str) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.INFO, __file__, 1, message, None, None)


@pytest.mark.parametrize(
    "secret",
    [
        token_for(7, "default"),
        "sbx_oa_" + "ab" * 20,
        "wmcp_0123456789ab_" + "k" * 43,
        "eyJhbGciOiJkaXIifQ.." + "a" * 16 + "." + "b" * 30 + "." + "c" * 22,
    ],
)
def test_the_watch_flags_each_secret_format_in_our_logs(secret: str) -> None:
    watch = _SecretWatch()
    watch.emit(_record("wrike_mcp.tools", f"calling with {secret}"))
    assert len(watch.leaks) == 1


def test_the_watch_ignores_clean_lines_and_the_test_clients_wire_logs() -> None:
    watch = _SecretWatch()
    watch.emit(_record("wrike_mcp.tools", "tool search_tasks ok"))
    watch.emit(_record("httpx", f"HTTP Request: GET /api/v4/version?access_token={token_for(7, 'default')}"))
    assert watch.leaks == []
