"""Where a hook may point: our receiver, or an operator-allowed prefix, compared by parsed parts."""

from __future__ import annotations

import pytest

from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.webhooks.hook_urls import HookUrlPolicy
from wrike_mcp.webhooks.settings import WebhookSettings

RECEIVER = "https://mcp.example.com/webhooks/wrike"
POLICY = HookUrlPolicy(RECEIVER, ["https://hooks.example.org/team", "http://127.0.0.1:9000"])


@pytest.mark.parametrize(
    "url",
    [
        RECEIVER,
        RECEIVER + "/folder-X.0123",
        "HTTPS://MCP.example.com:443/webhooks/wrike/label",
    ],
)
def test_our_receiver_and_its_labelled_paths_are_ours(url: str) -> None:
    assert POLICY.is_ours(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org/team",
        "https://hooks.example.org/team/agent-1?x=1",
        "http://127.0.0.1:9000/anything",
    ],
)
def test_urls_under_an_allowed_prefix_are_allowed(url: str) -> None:
    assert POLICY.is_allowed(url) and not POLICY.is_ours(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://mcp.example.com.evil.net/webhooks/wrike",  # lookalike host
        "https://mcp.example.com/webhooks/wrikex",  # lookalike path
        "http://mcp.example.com/webhooks/wrike",  # other scheme
        "https://mcp.example.com:8443/webhooks/wrike",  # other port
        "https://user:pw@mcp.example.com/webhooks/wrike",  # credentials
        "https://mcp.example.com/webhooks/wrike/../../admin",  # dot segments
        "https://mcp.example.com/webhooks/wrike/%2e%2e/admin",  # encoded dot segments
        "https://mcp.example.com/webhooks/wrike#frag",
        "https://hooks.example.org/teammates",
        "http://127.0.0.1:9001/",
        "ftp://hooks.example.org/team",
        "not a url",
    ],
)
def test_lookalikes_and_tricks_are_neither_ours_nor_allowed(url: str) -> None:
    assert not POLICY.is_ours(url) and not POLICY.is_allowed(url)


def test_without_a_receiver_nothing_is_ours() -> None:
    assert not HookUrlPolicy(None).is_ours(RECEIVER)


def test_settings_come_from_the_environment_and_bad_values_are_refused() -> None:
    env = {
        "WRIKE_MCP_WEBHOOK_URL": RECEIVER,
        "WRIKE_MCP_WEBHOOK_ALLOW_URLS": "https://a.example/x, https://b.example",
        "WRIKE_MCP_WEBHOOK_KEY": "k" * 32,
    }
    webhooks = Settings.from_env(env).webhooks
    assert webhooks == WebhookSettings(RECEIVER, ("https://a.example/x", "https://b.example"), b"k" * 32)
    assert "k" * 32 not in repr(webhooks)
    for bad in (
        {"WRIKE_MCP_WEBHOOK_URL": "mcp.example.com/hooks"},
        {"WRIKE_MCP_WEBHOOK_ALLOW_URLS": "https://x.example/?q=1"},
        {"WRIKE_MCP_WEBHOOK_KEY": "short"},
    ):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)
