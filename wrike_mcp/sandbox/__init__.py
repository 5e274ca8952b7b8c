"""A faithful, in-memory emulator of the Wrike REST API v4 with a seeded workspace.

sandbox = make_sandbox(seed=7, size=300)
app = sandbox.app()            # a Starlette app: mount it, or use httpx.ASGITransport(app)
token = sandbox.workspace.named_tokens["default"]
"""

from __future__ import annotations

from wrike_mcp.clock import Clock
from wrike_mcp.sandbox.app import Sandbox, SandboxConfig
from wrike_mcp.sandbox.seeding import DEFAULT_SEED, DEFAULT_SIZE, build_workspace
from wrike_mcp.sandbox.seeding.bootstrap import DEFAULT_PEOPLE


def make_sandbox(
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_SIZE,
    clock: Clock | None = None,
    config: SandboxConfig | None = None,
    people: int = DEFAULT_PEOPLE,
) -> Sandbox:
    return Sandbox(build_workspace(seed, size, clock, people), config or SandboxConfig())


__all__ = ["Sandbox", "SandboxConfig", "make_sandbox"]
