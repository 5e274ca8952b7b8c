"""Fixtures for the hosted-endpoint tests: a sealing key, an app factory on the sandbox, one replica."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.types import ASGIApp

from tests.transports.hosting import PUBLIC, Balancer, serve
from wrike_mcp.auth.provider import AuthServerConfig, WrikeAuthProvider
from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.clock import FakeClock
from wrike_mcp.config import Settings
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.transports.http import HttpOptions, build_http_app
from wrike_mcp.wrike.client import WrikeClient


@pytest.fixture
def key() -> SealingKey:
    return SealingKey.from_text(generate_key())


@pytest.fixture
def build(
    sandbox: Sandbox, sandbox_server: SandboxServer, clock: FakeClock, key: SealingKey
) -> Callable[..., ASGIApp]:
    sandbox.config.oauth_clients = {"cid": "secret"}

    def make(keys: list[SealingKey] | None = None, **options: Any) -> ASGIApp:
        wrike = WrikeOAuth(OAuthSettings("cid", "secret", sandbox_server.base_url), clock)
        config = AuthServerConfig(PUBLIC, PUBLIC + "/mcp")
        provider = WrikeAuthProvider(config, Sealer(keys or [key], clock), wrike, clock)
        settings = Settings(base_url=sandbox_server.api_url)
        return build_http_app(
            settings, WrikeClient(base_url=sandbox_server.api_url), provider, HttpOptions(PUBLIC, **options)
        )

    return make


@pytest.fixture
def balancer(build: Callable[..., ASGIApp]) -> Iterator[Balancer]:
    for replicas in serve([build]):
        yield Balancer(replicas)
