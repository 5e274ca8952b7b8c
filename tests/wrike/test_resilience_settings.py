"""The settings that shape the resilient client, read from the environment, and what they build."""

from __future__ import annotations

import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.wrike.client import WrikeClient
from wrike_mcp.wrike.pacing import LocalPacer
from wrike_mcp.wrike.pacing_redis import RedisPacer
from wrike_mcp.wrike.resilient import resilient_client


def test_the_defaults_follow_wrikes_limit() -> None:
    settings = Settings.from_env({})
    assert (settings.rate_limit, settings.rate_window) == (400, 60.0)
    assert (settings.max_attempts, settings.retry_after_cap, settings.max_items) == (4, 20.0, 10_000)
    assert settings.redis_url is None


@pytest.mark.parametrize(("raw", "expected"), [("250", (250, 60.0)), ("40/1", (40, 1.0)), ("0", (0, 60.0))])
def test_the_rate_limit_is_per_minute_or_per_given_seconds(raw: str, expected: tuple[int, float]) -> None:
    settings = Settings.from_env({"WRIKE_MCP_RATE_LIMIT": raw})
    assert (settings.rate_limit, settings.rate_window) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"WRIKE_MCP_RATE_LIMIT": "fast"},
        {"WRIKE_MCP_RATE_LIMIT": "-1"},
        {"WRIKE_MCP_RATE_LIMIT": "10/0"},
        {"WRIKE_MCP_MAX_ATTEMPTS": "0"},
        {"WRIKE_MCP_MAX_ITEMS": "0"},
    ],
)
def test_nonsense_settings_are_config_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_the_redis_url_is_never_printed() -> None:
    settings = Settings.from_env({"WRIKE_MCP_REDIS_URL": "redis://:hunter2@cache:6379/0"})
    assert settings.redis_url == "redis://:hunter2@cache:6379/0"
    assert "hunter2" not in repr(settings)


async def test_the_settings_choose_the_pacer() -> None:
    clock = FakeClock()
    inner = WrikeClient(base_url="http://127.0.0.1:9/api/v4")
    local = resilient_client(Settings(), inner, clock)
    shared = resilient_client(Settings(redis_url="redis://127.0.0.1:9/0"), inner, clock)
    off = resilient_client(Settings(rate_limit=0), inner, clock)
    assert isinstance(local.pacer, LocalPacer) and local.pacer.budget.limit == 400
    assert isinstance(shared.pacer, RedisPacer)
    assert off.pacer is None
    await shared.pacer.aclose()
    await inner.aclose()
