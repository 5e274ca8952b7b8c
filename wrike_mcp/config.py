"""Settings: the one object that says how this process runs, and the only place that reads the environment.

Everything else takes a `Settings` (or the pieces it needs) as an argument, so tests build one directly
and no module consults `os.environ` on its own. Values come from the environment first and then from
command-line flags, which override them (`Settings.from_env(env, read_only=True)`).

| variable | meaning | default |
|---|---|---|
| WRIKE_ACCESS_TOKEN | the Wrike token (a permanent token, or an OAuth access token) | none |
| WRIKE_HOST | the data-centre host, allow-listed (`www.wrike.com`, `app-eu.wrike.com`, ...) | www.wrike.com |
| WRIKE_BASE_URL | operator override of the whole API base URL (a test server, a proxy) | none |
| WRIKE_SCOPES | comma-separated scopes the token was granted | Default |
| WRIKE_READ_ONLY | `1`/`true`: hide and refuse every write tool | off |
| WRIKE_TOOLSETS | comma-separated areas to expose, or `all` / `default` | all |
| WRIKE_MCP_MAX_RESULT_BYTES | cap on a result's text | 100000 |
| WRIKE_MCP_MAX_DOWNLOAD_BYTES | cap on a downloaded file | 10485760 |
| WRIKE_MCP_TIMEOUT | seconds to wait for Wrike's answer | 60 |
| WRIKE_MCP_LOG_LEVEL | log level on stderr | WARNING |
| WRIKE_MCP_POLICY | the agent policy file (TOML); over stdio it needs WRIKE_MCP_AGENT | none |
| WRIKE_MCP_AGENT | the policy's agent this stdio server acts as | none |
| WRIKE_MCP_AUDIT_FILE | append-only audit log, hash-chained and rotated by size | none |
| WRIKE_MCP_AUDIT_STDERR | `1`/`true`: also write each audit record to stderr | off |
| WRIKE_MCP_AUDIT_MAX_BYTES | rotate the audit file when it would pass this size | 10485760 |
| WRIKE_MCP_AUDIT_SALT | secret salt of the callers' hashes (compare them across runs) | random per run |
| WRIKE_MCP_WEBHOOK_* | hook URL, allowed hook URLs, hook-secret key: see `webhooks/settings.py` | |
| WRIKE_MCP_RATE_LIMIT | requests per minute per Wrike token (`N`; `N/S`: N per S seconds; 0: off) | 400 |
| WRIKE_MCP_REDIS_URL | share each token's budget across processes via this Redis (`[redis]` extra) | none |
| WRIKE_MCP_MAX_ATTEMPTS | attempts per request when retrying is safe | 4 |
| WRIKE_MCP_RETRY_AFTER_CAP | longest Retry-After (seconds) waited out before telling the agent | 20 |
| WRIKE_MCP_MAX_ITEMS | most items one call collects across pages (`limit`) | 10000 |

An agent whose credential is `operator_token` reads its Wrike token from the variable its policy names
(`token_env`); `secret_from_env` is the one function that reads it, so that stays in this module too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.model import KNOWN_SCOPES
from wrike_mcp.webhooks.settings import WebhookSettings
from wrike_mcp.wrike.hosts import DEFAULT_HOST, check_base_url, check_host

DEFAULT_MAX_RESULT_BYTES = 100_000
DEFAULT_MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024
MIN_AUDIT_SALT = 16
DEFAULT_RATE_LIMIT = 400  # [C] wrike-api.md §3.3: 400 requests per minute per token
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_RETRY_AFTER_CAP = 20
DEFAULT_MAX_ITEMS = 10_000
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class SandboxOptions:
    """Run against the embedded sandbox instead of Wrike: no credentials, everything in-process."""

    seed: int = 7
    size: int = 300
    token_name: str = "all"  # noqa: S105 (a name, not a secret): one of the sandbox's named tokens: all, default, ws_read_only, ...


@dataclass(frozen=True)
class Settings:
    """How this process talks to Wrike and what it exposes. Immutable; `with_()` derives a variant."""

    access_token: str | None = field(default=None, repr=False)  # never printed, never logged
    host: str = DEFAULT_HOST
    base_url: str | None = None
    scopes: frozenset[str] = frozenset({"Default"})
    read_only: bool = False
    toolsets: tuple[str, ...] | None = None  # None: every area; names are resolved against the catalogue
    manifest_dir: Path | None = None
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    timeout: float = DEFAULT_TIMEOUT
    log_level: str = "WARNING"
    sandbox: SandboxOptions | None = None
    policy_file: Path | None = None
    agent: str | None = None
    audit_file: Path | None = None
    audit_stderr: bool = False
    audit_max_bytes: int = DEFAULT_AUDIT_MAX_BYTES
    audit_salt: bytes | None = field(default=None, repr=False)  # None: a random salt per process
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    rate_limit: int = DEFAULT_RATE_LIMIT  # requests per `rate_window` seconds per token; 0: no pacing
    rate_window: float = 60.0
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP
    max_items: int = DEFAULT_MAX_ITEMS

    def __post_init__(self) -> None:
        check_host(self.host)
        if self.base_url is not None:
            check_base_url(self.base_url)
        unknown = self.scopes - KNOWN_SCOPES
        if unknown:
            raise ConfigError(f"unknown Wrike scope(s): {', '.join(sorted(unknown))}")
        if not self.scopes:
            raise ConfigError("WRIKE_SCOPES is empty; leave it unset for Default")
        if self.max_result_bytes < 1000 or self.max_download_bytes < 1 or self.timeout <= 0:
            raise ConfigError("size caps and the timeout must be positive (result cap at least 1000 bytes)")
        if self.audit_max_bytes < 1024:
            raise ConfigError("WRIKE_MCP_AUDIT_MAX_BYTES must be at least 1024")
        if self.audit_salt is not None and len(self.audit_salt) < MIN_AUDIT_SALT:
            raise ConfigError(f"WRIKE_MCP_AUDIT_SALT must be at least {MIN_AUDIT_SALT} characters")
        if self.rate_limit < 0 or self.rate_window <= 0 or self.max_attempts < 1 or self.max_items < 1:
            raise ConfigError("the rate limit must be >= 0, attempts and the item cap at least 1")
        if self.retry_after_cap < 0:
            raise ConfigError("WRIKE_MCP_RETRY_AFTER_CAP must be >= 0")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the environment (or `env`), then apply `overrides` (flags); `None` overrides are ignored."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {
            "access_token": source.get("WRIKE_ACCESS_TOKEN") or None,
            "host": source.get("WRIKE_HOST") or DEFAULT_HOST,
            "base_url": source.get("WRIKE_BASE_URL") or None,
            "read_only": _flag(source, "WRIKE_READ_ONLY"),
            "max_result_bytes": _integer(source, "WRIKE_MCP_MAX_RESULT_BYTES", DEFAULT_MAX_RESULT_BYTES),
            "max_download_bytes": _integer(
                source, "WRIKE_MCP_MAX_DOWNLOAD_BYTES", DEFAULT_MAX_DOWNLOAD_BYTES
            ),
            "timeout": float(_integer(source, "WRIKE_MCP_TIMEOUT", int(DEFAULT_TIMEOUT))),
            "log_level": (source.get("WRIKE_MCP_LOG_LEVEL") or "WARNING").upper(),
            "policy_file": _path(source, "WRIKE_MCP_POLICY"),
            "agent": source.get("WRIKE_MCP_AGENT") or None,
            "audit_file": _path(source, "WRIKE_MCP_AUDIT_FILE"),
            "audit_stderr": _flag(source, "WRIKE_MCP_AUDIT_STDERR"),
            "audit_max_bytes": _integer(source, "WRIKE_MCP_AUDIT_MAX_BYTES", DEFAULT_AUDIT_MAX_BYTES),
            "audit_salt": (source.get("WRIKE_MCP_AUDIT_SALT") or "").encode() or None,
            "webhooks": WebhookSettings.from_env(source),
            "redis_url": source.get("WRIKE_MCP_REDIS_URL") or None,
            "max_attempts": _integer(source, "WRIKE_MCP_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
            "retry_after_cap": float(_integer(source, "WRIKE_MCP_RETRY_AFTER_CAP", DEFAULT_RETRY_AFTER_CAP)),
            "max_items": _integer(source, "WRIKE_MCP_MAX_ITEMS", DEFAULT_MAX_ITEMS),
        }
        values["rate_limit"], values["rate_window"] = _rate(source.get("WRIKE_MCP_RATE_LIMIT", ""))
        scopes = split_list(source.get("WRIKE_SCOPES", ""))
        if scopes:
            values["scopes"] = frozenset(scopes)
        toolsets = split_list(source.get("WRIKE_TOOLSETS", ""))
        if toolsets:
            values["toolsets"] = tuple(toolsets)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def split_list(raw: str) -> list[str]:
    """`"a, b,,c"` -> `["a", "b", "c"]`: the comma-separated form of WRIKE_SCOPES and --toolsets."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _flag(source: Mapping[str, str], name: str) -> bool:
    raw = source.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/true or 0/false")


def _rate(raw: str) -> tuple[int, float]:
    """`"400"` -> (400, 60.0); `"40/1"` -> (40, 1.0): N requests per S seconds."""
    count, _, seconds = raw.strip().partition("/")
    try:
        limit = int(count) if count.strip() else DEFAULT_RATE_LIMIT
        window = float(seconds) if seconds.strip() else 60.0
    except ValueError:
        raise ConfigError("WRIKE_MCP_RATE_LIMIT must be N (per minute) or N/S (per S seconds)") from None
    return limit, window


def _integer(source: Mapping[str, str], name: str, default: int) -> int:
    raw = source.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None


def _path(source: Mapping[str, str], name: str) -> Path | None:
    raw = source.get(name, "").strip()
    return Path(raw) if raw else None


def secret_from_env(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of a variable that holds a credential (an agent's operator token), or None if unset."""
    source = os.environ if env is None else env
    return source.get(name) or None
