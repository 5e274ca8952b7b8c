"""Watching what the sandbox announces: the events its updates emit for webhooks."""

from __future__ import annotations

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.store import Entity


def record_events(sandbox: Sandbox) -> list[tuple[str, Entity]]:
    """Every webhook event the workspace emits from now on, as (event type, payload)."""
    seen: list[tuple[str, Entity]] = []
    sandbox.workspace.listeners.append(lambda kind, payload: seen.append((kind, payload)))
    return seen
