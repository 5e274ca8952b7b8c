"""`wrike-mcp login`, `whoami`, `logout` against the sandbox's OAuth, with a scripted browser."""

from __future__ import annotations

import argparse
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.auth.conftest import browser_code
from wrike_mcp.auth.loopback import LoopbackReceiver
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.token_store import (
    FileTokenStore,
    KeyringTokenStore,
    LocalSession,
    default_store,
    encode_record,
)
from wrike_mcp.auth.wrike_oauth import WrikeOAuth, WrikeTokens
from wrike_mcp.cli import build_parser
from wrike_mcp.clock import FakeClock
from wrike_mcp.commands.login import login_command, logout_command, whoami_command
from wrike_mcp.errors import ConfigError
from wrike_mcp.sandbox import Sandbox


def token_file(tmp_path: Path) -> Path:
    return tmp_path / "wrike-mcp" / "tokens.json"


def scripted_browser(**extra: str) -> Callable[[str], None]:
    """Stands in for the user's browser: visits Wrike's page (signing in), then follows the redirect."""

    def visit(url: str) -> None:
        page = httpx.get(url + ("&" + urlencode(extra) if extra else ""))
        httpx.get(page.headers["location"])

    return lambda url: threading.Thread(target=visit, args=(url,), daemon=True).start()


def args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def person(sandbox: Sandbox, contact_id: str) -> str:
    contact = sandbox.workspace["contacts"][contact_id]
    return f"{contact['firstName']} {contact['lastName']}"


def login(env: dict[str, str], clock: FakeClock, **extra: str) -> list[str]:
    printed: list[str] = []
    opener = scripted_browser(**extra)
    assert (
        login_command(
            args("login", "--port", "0", "--timeout", "20"),
            env=env,
            opener=opener,
            clock=clock,
            out=printed.append,
        )
        == 0
    )
    return printed


def whoami(env: dict[str, str], clock: FakeClock) -> str:
    printed: list[str] = []
    assert whoami_command(args("whoami"), env=env, clock=clock, out=printed.append) == 0
    return printed[-1]


def saved(env: dict[str, str], clock: FakeClock, tmp_path: Path) -> WrikeTokens:
    tokens = LocalSession(
        FileTokenStore(token_file(tmp_path)), WrikeOAuth(settings(env), clock), clock
    ).load()
    assert tokens is not None
    return tokens


def settings(env: dict[str, str]) -> OAuthSettings:
    return OAuthSettings(env["WRIKE_CLIENT_ID"], env["WRIKE_CLIENT_SECRET"], env["WRIKE_OAUTH_BASE"])


def test_login_keeps_the_tokens_in_a_private_file_and_whoami_names_the_user(
    env: dict[str, str], clock: FakeClock, sandbox: Sandbox, tmp_path: Path
) -> None:
    printed = login(env, clock)
    path = token_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    owner = person(sandbox, sandbox.workspace.account["ownerId"])
    assert printed[-1].startswith(f"Signed in to Wrike as {owner}")
    assert whoami(env, clock).startswith(owner)
    tokens = saved(env, clock, tmp_path)
    assert tokens.access_token in sandbox.workspace.tokens
    for line in [*printed, whoami(env, clock)]:
        assert tokens.access_token not in line and tokens.refresh_token not in line


def test_whoami_follows_the_user_who_signed_in(
    env: dict[str, str], clock: FakeClock, sandbox: Sandbox
) -> None:
    ws = sandbox.workspace
    other = next(
        c["id"] for c in ws["contacts"].values() if c["type"] == "Person" and c["id"] != ws.account["ownerId"]
    )
    login(env, clock, login_hint=other)
    assert whoami(env, clock).startswith(person(sandbox, other))


def test_expired_tokens_are_refreshed_and_the_rotated_refresh_token_is_saved(
    env: dict[str, str], clock: FakeClock, sandbox: Sandbox, tmp_path: Path
) -> None:
    login(env, clock)
    before = saved(env, clock, tmp_path)
    clock.advance(3600)
    assert whoami(env, clock).startswith(person(sandbox, sandbox.workspace.account["ownerId"]))
    after = saved(env, clock, tmp_path)
    assert after.refresh_token != before.refresh_token and after.expires_at == clock.now() + 3600
    assert stat.S_IMODE(token_file(tmp_path).stat().st_mode) == 0o600


def test_logout_forgets_the_tokens(env: dict[str, str], clock: FakeClock, tmp_path: Path) -> None:
    login(env, clock)
    printed: list[str] = []
    logout_command(args("logout"), env=env, out=printed.append)
    assert not token_file(tmp_path).exists() and printed[-1].startswith("Signed out")
    with pytest.raises(ConfigError, match="wrike-mcp login"):
        whoami_command(args("whoami"), env=env, clock=clock)


def test_a_token_file_others_can_read_is_refused(
    env: dict[str, str], clock: FakeClock, tmp_path: Path
) -> None:
    login(env, clock)
    os.chmod(token_file(tmp_path), 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        whoami_command(args("whoami"), env=env, clock=clock)


def test_no_browser_prints_the_address_and_the_user_can_open_it(
    env: dict[str, str], clock: FakeClock
) -> None:
    printed: list[str] = []

    def user_copies_the_address(text: str) -> None:
        printed.append(text)
        if "visit:" in text:
            scripted_browser()(text.split("visit:\n  ", 1)[1])

    namespace = args("login", "--port", "0", "--timeout", "20", "--no-browser")
    assert namespace.no_browser
    login_command(namespace, env=env, opener=None, clock=clock, out=user_copies_the_address)
    assert printed[-1].startswith("Signed in to Wrike as")


class StaleOnceStore:
    """A store whose first read is stale: as if another process rotated the tokens meanwhile."""

    def __init__(self, stale: str, inner: FileTokenStore) -> None:
        self.stale: str | None = stale
        self.inner = inner
        self.where = inner.where

    def read(self) -> str | None:
        text, self.stale = self.stale, None
        return text if text is not None else self.inner.read()

    def write(self, record: str) -> None:
        self.inner.write(record)

    def delete(self) -> bool:
        return self.inner.delete()


async def test_losing_a_refresh_race_to_another_process_uses_its_newer_tokens(
    env: dict[str, str], clock: FakeClock, tmp_path: Path, oauth_settings: OAuthSettings
) -> None:
    oauth = WrikeOAuth(oauth_settings, clock)
    store = FileTokenStore(tmp_path / "t.json")
    session = LocalSession(store, oauth, clock)
    code = await browser_code(oauth.authorize_url("http://127.0.0.1:9/cb", "s"))
    first = await oauth.exchange_code(code, "http://127.0.0.1:9/cb")
    clock.advance(3600)
    other_process = WrikeOAuth(oauth_settings, clock)
    rotated = await other_process.refresh(first)  # the other process wins and saves
    session.save(rotated)
    racing = LocalSession(
        StaleOnceStore(encode_record(first, oauth_settings.oauth_base), store), oauth, clock
    )
    assert (await racing.tokens()).access_token == rotated.access_token
    await oauth.aclose()
    await other_process.aclose()


def test_keyring_store_round_trip_and_the_file_fallback(tmp_path: Path) -> None:
    class MemoryKeyring:
        def __init__(self) -> None:
            self.values: dict[tuple[str, str], str] = {}

        def get_keyring(self) -> object:
            return self

        def get_password(self, service: str, user: str) -> str | None:
            return self.values.get((service, user))

        def set_password(self, service: str, user: str, value: str) -> None:
            self.values[(service, user)] = value

        def delete_password(self, service: str, user: str) -> None:
            del self.values[(service, user)]

    store = KeyringTokenStore(MemoryKeyring())
    store.write("{}")
    assert store.read() == "{}" and store.delete() and store.read() is None and not store.delete()
    fallback = default_store({"XDG_CONFIG_HOME": str(tmp_path)})  # `keyring` is not installed here
    assert isinstance(fallback, FileTokenStore) and fallback.path == tmp_path / "wrike-mcp" / "tokens.json"


async def test_the_loopback_listener_ignores_answers_with_another_state() -> None:
    async with LoopbackReceiver(0, "right-state") as receiver, httpx.AsyncClient() as browser:
        base = receiver.redirect_uri
        assert (await browser.get(base.replace("/callback", "/favicon.ico"))).status_code == 404
        assert (await browser.get(base, params={"state": "wrong", "code": "evil"})).status_code == 400
        assert (await browser.get(base, params={"state": "right-state", "code": "good"})).status_code == 200
        assert await receiver.wait_for_answer(5) == {"state": "right-state", "code": "good"}
