"""Fixtures shared by the sandbox's area tests."""

from __future__ import annotations

import pytest

from tests.sandbox.recording import record_events
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.store import Entity


@pytest.fixture
def events(sandbox: Sandbox) -> list[tuple[str, Entity]]:
    """Every webhook event the workspace emits during the test."""
    return record_events(sandbox)
