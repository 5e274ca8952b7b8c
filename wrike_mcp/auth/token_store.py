"""Where `wrike-mcp login` keeps the stdio user's Wrike tokens, and how they stay fresh.

The OS keyring when the `keyring` package is importable and has a real backend; otherwise a JSON file
that only the user can read (0600, in a 0700 directory under `$XDG_CONFIG_HOME/wrike-mcp/` or
`~/.config/wrike-mcp/`). A token file that others can read is refused, as ssh refuses a loose key.

`LocalSession.tokens()` returns valid tokens, refreshing them when expired and saving the rotated refresh
token. If Wrike says the refresh token is spent, another process (a second stdio server) may have rotated
it first: the store is read again and its newer tokens are used.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from wrike_mcp.auth.wrike_oauth import WrikeOAuth, WrikeOAuthError, WrikeTokens
from wrike_mcp.clock import Clock
from wrike_mcp.errors import ConfigError

SERVICE = "wrike-mcp"
ACCOUNT = "wrike-oauth"
FILE_NAME = "tokens.json"
NOT_SIGNED_IN = "not signed in to Wrike: run `wrike-mcp login`"


class TokenStore(Protocol):
    """Keeps one JSON record. `where` says where, for messages (never the content)."""

    @property
    def where(self) -> str: ...

    def read(self) -> str | None: ...

    def write(self, record: str) -> None: ...

    def delete(self) -> bool: ...


class FileTokenStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        return str(self.path)

    def read(self) -> str | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, encoding="utf-8") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigError(
                    f"{self.path} can be read by others; run `chmod 600 {self.path}` or log in again"
                )
            return handle.read()

    def write(self, record: str) -> None:
        """Atomically, created 0600 from the start (never briefly readable by others)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(record)
        os.replace(temporary, self.path)

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


class KeyringTokenStore:
    """The OS keyring through the `keyring` package (any object with its three functions will do)."""

    def __init__(self, keyring: Any) -> None:
        self._keyring = keyring

    @property
    def where(self) -> str:
        return f"the system keyring ({type(self._keyring.get_keyring()).__name__})"

    def read(self) -> str | None:
        value = self._keyring.get_password(SERVICE, ACCOUNT)
        return value if isinstance(value, str) else None

    def write(self, record: str) -> None:
        self._keyring.set_password(SERVICE, ACCOUNT, record)

    def delete(self) -> bool:
        if self.read() is None:
            return False
        self._keyring.delete_password(SERVICE, ACCOUNT)
        return True


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    source = os.environ if env is None else env
    base = source.get("XDG_CONFIG_HOME") or str(Path(source.get("HOME") or Path.home()) / ".config")
    return Path(base) / "wrike-mcp"


def default_store(env: Mapping[str, str] | None = None) -> TokenStore:
    """The keyring if one is really there, else the private file."""
    keyring = _usable_keyring()
    if keyring is not None:
        return KeyringTokenStore(keyring)
    return FileTokenStore(config_dir(env) / FILE_NAME)


def _usable_keyring() -> Any:
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is the same as none
        return None
    # The fail and null backends have priority 0 or below; they would lose the tokens.
    priority = getattr(backend, "priority", 0)
    return keyring if isinstance(priority, int | float) and priority > 0 else None


def encode_record(tokens: WrikeTokens, oauth_base: str) -> str:
    return json.dumps({"version": 1, "oauth_base": oauth_base, **tokens.to_claims()})


def decode_record(text: str, oauth_base: str) -> WrikeTokens | None:
    """The tokens, or None if they belong to another OAuth server (the sandbox vs Wrike)."""
    try:
        record = json.loads(text)
        tokens = WrikeTokens.from_claims(record)
    except ValueError:
        raise ConfigError("the saved Wrike tokens are damaged: run `wrike-mcp login` again") from None
    return tokens if record.get("oauth_base") == oauth_base else None


class LocalSession:
    """The signed-in stdio user: valid tokens on demand, refreshed (and re-saved) when expired."""

    def __init__(self, store: TokenStore, oauth: WrikeOAuth, clock: Clock) -> None:
        self.store = store
        self.oauth = oauth
        self.clock = clock

    def load(self) -> WrikeTokens | None:
        text = self.store.read()
        return None if text is None else decode_record(text, self.oauth.settings.oauth_base)

    def save(self, tokens: WrikeTokens) -> None:
        self.store.write(encode_record(tokens, self.oauth.settings.oauth_base))

    async def tokens(self) -> WrikeTokens:
        current = self.load()
        if current is None:
            raise ConfigError(NOT_SIGNED_IN)
        if not current.expired(self.clock.now()):
            return current
        try:
            fresh = await self.oauth.refresh(current)
        except WrikeOAuthError as exc:
            if exc.code != "invalid_grant":
                raise
            fresh = await self._after_lost_race(current)
        self.save(fresh)
        return fresh

    async def _after_lost_race(self, spent: WrikeTokens) -> WrikeTokens:
        newer = self.load()
        if newer is None or newer.refresh_token == spent.refresh_token:
            raise ConfigError("the Wrike sign-in has expired: run `wrike-mcp login` again") from None
        return newer if not newer.expired(self.clock.now()) else await self.oauth.refresh(newer)
