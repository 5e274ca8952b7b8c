"""Fixtures for the policy tests: the small fixture catalogue, the real one, and policy builders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wrike_mcp.manifest import Catalog, load_catalog
from wrike_mcp.policy.grants import AgentAccess, agent_access
from wrike_mcp.policy.model import PolicyFile, parse_policy

FIXTURE_MANIFESTS = Path(__file__).parent / "fixtures" / "manifests"
REPO = Path(__file__).resolve().parents[2]

MakePolicy = Callable[[str], PolicyFile]
MakeAccess = Callable[[str, str, Catalog], AgentAccess]


@pytest.fixture(scope="session")
def fixture_catalog() -> Catalog:
    """A small, stable catalogue shaped like tool_manifests/ (tests/policy/fixtures/manifests)."""
    return load_catalog(FIXTURE_MANIFESTS)


@pytest.fixture(scope="session")
def real_catalog() -> Catalog:
    return load_catalog(REPO / "tool_manifests")


@pytest.fixture
def make_policy() -> MakePolicy:
    return lambda text: parse_policy(text, "test.toml")


@pytest.fixture
def make_access() -> MakeAccess:
    """`make_access(policy_text, agent_name, catalog)`: the agent's resolved access."""
    return lambda text, name, catalog: agent_access(parse_policy(text, "test.toml"), name, catalog.areas)
