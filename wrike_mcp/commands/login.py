"""`wrike-mcp login`, `logout` and `whoami`: Wrike's OAuth for the stdio user, on a loopback redirect.

`login` opens Wrike's authorize page in the browser (and prints its address, for `--no-browser` or a
browser that does not open), receives the redirect on http://127.0.0.1:PORT/callback, exchanges the code
and saves the tokens (keyring, else a 0600 file; see `wrike_mcp.auth.token_store`). The Wrike app must
list that redirect URI. `whoami` shows who the saved tokens act as; `logout` forgets them. No token is
ever printed. Settings: WRIKE_CLIENT_ID, WRIKE_CLIENT_SECRET, WRIKE_OAUTH_BASE (`wrike_mcp.auth.settings`).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wrike_mcp.auth.loopback import LoopbackReceiver
from wrike_mcp.auth.settings import oauth_settings_from_env
from wrike_mcp.auth.token_store import LocalSession, default_store
from wrike_mcp.auth.wrike_oauth import WrikeOAuth, WrikeTokens
from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.errors import AccessDenied, UpstreamError

# [I] our choice: a fixed default port, because Wrike matches the redirect URI the app registered.
DEFAULT_PORT = 8976
DEFAULT_TIMEOUT = 300.0
Opener = Callable[[str], object]
Printer = Callable[[str], None]


def register(subparsers: Any) -> None:
    login = subparsers.add_parser(
        "login", help="sign in to Wrike (OAuth) for the stdio server",
        description="Sign in to Wrike in the browser and keep the tokens in the OS keyring (or a private "
        "file). Needs WRIKE_CLIENT_ID and WRIKE_CLIENT_SECRET of a Wrike app whose redirect URI is "
        f"http://127.0.0.1:PORT/callback (default port {DEFAULT_PORT}).",
    )  # fmt: skip
    login.add_argument("--no-browser", action="store_true", help="only print the address to open")
    login.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"loopback port (default {DEFAULT_PORT})"
    )
    login.add_argument("--scopes", metavar="LIST", help="comma-separated Wrike scopes (default: Default)")
    login.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for the browser (default 300)"
    )
    login.set_defaults(handler=login_command)
    logout = subparsers.add_parser("logout", help="forget the saved Wrike tokens")
    logout.set_defaults(handler=logout_command)
    whoami = subparsers.add_parser("whoami", help="show which Wrike user the saved tokens act as")
    whoami.set_defaults(handler=whoami_command)


def login_command(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    opener: Opener | None = None,
    clock: Clock | None = None,
    out: Printer = print,
) -> int:
    """`opener` is the browser (injectable for tests); `--no-browser` means none."""
    browser: Opener = (lambda url: None) if args.no_browser else (opener or webbrowser.open)
    scopes = [part.strip() for part in (args.scopes or "").split(",") if part.strip()] or None
    tokens, name = asyncio.run(
        _login(env, clock or SystemClock(), browser, (args.port, args.timeout), scopes, out)
    )
    out(f"Signed in to Wrike as {name} ({tokens.host}).")
    return 0


def logout_command(
    args: argparse.Namespace, *, env: Mapping[str, str] | None = None, out: Printer = print
) -> int:
    store = default_store(env)
    if store.delete():
        out(f"Signed out: the saved Wrike tokens were removed from {store.where}.")
    else:
        out("Not signed in: there were no saved Wrike tokens.")
    return 0


def whoami_command(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    out: Printer = print,
) -> int:
    tokens, name = asyncio.run(_whoami(env, clock or SystemClock()))
    out(f"{name} (Wrike, {tokens.host})")
    return 0


async def _login(
    env: Mapping[str, str] | None,
    clock: Clock,
    opener: Opener,
    listen: tuple[int, float],
    scopes: Sequence[str] | None,
    out: Printer,
) -> tuple[WrikeTokens, str]:
    oauth = WrikeOAuth(oauth_settings_from_env(env), clock)
    try:
        state = secrets.token_urlsafe(24)
        port, timeout = listen
        async with LoopbackReceiver(port, state) as receiver:
            url = oauth.authorize_url(receiver.redirect_uri, state, scopes)
            out(f"Sign in to Wrike in your browser. If it does not open, visit:\n  {url}")
            opener(url)
            answer = await receiver.wait_for_answer(timeout)
        if "code" not in answer:
            raise AccessDenied("the Wrike sign-in was not completed (denied or cancelled)")
        tokens = await oauth.exchange_code(answer["code"], receiver.redirect_uri, scopes)
        session = LocalSession(default_store(env), oauth, clock)
        session.save(tokens)
        out(f"Tokens saved in {session.store.where}.")
        return tokens, await _name(oauth, tokens)
    finally:
        await oauth.aclose()


async def _whoami(env: Mapping[str, str] | None, clock: Clock) -> tuple[WrikeTokens, str]:
    oauth = WrikeOAuth(oauth_settings_from_env(env), clock)
    try:
        tokens = await LocalSession(default_store(env), oauth, clock).tokens()
        return tokens, await _name(oauth, tokens)
    finally:
        await oauth.aclose()


async def _name(oauth: WrikeOAuth, tokens: WrikeTokens) -> str:
    try:
        contact = await oauth.fetch_me(tokens)
    except UpstreamError:
        return "a Wrike user (the contact could not be read with these scopes)"
    name = f"{contact.get('firstName', '')} {contact.get('lastName', '')}".strip()
    return name or str(contact.get("id", "an unnamed Wrike user"))
