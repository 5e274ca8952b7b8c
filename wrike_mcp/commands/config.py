"""`wrike-mcp config claude-desktop`: print, or merge into the user's file, the Claude Desktop entry.

Merging keeps every other server and setting in the file, writes a backup first, and changes nothing
when the entry is already there as it would be written (running it twice is a no-op).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from wrike_mcp.errors import ConfigError

TOKEN_PLACEHOLDER = "paste-your-wrike-permanent-token-here"  # noqa: S105 - a placeholder, not a secret


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("config", help="print or install client configuration")
    targets = parser.add_subparsers(dest="target", metavar="CLIENT", required=True)
    desktop = targets.add_parser(
        "claude-desktop",
        help="the Claude Desktop mcpServers entry for this installation",
        description="Print the Claude Desktop configuration block, or merge it into the config file.",
    )
    desktop.add_argument("--sandbox", action="store_true", help="run on the embedded sandbox (no token)")
    desktop.add_argument("--write", action="store_true", help="merge into the config file (keeps a backup)")
    desktop.add_argument("--name", default="wrike", help="the server's key under mcpServers (default wrike)")
    desktop.add_argument("--config-file", type=Path, help="the config file (default: Claude's own location)")
    desktop.add_argument(
        "--token-from-env", action="store_true",
        help="copy WRIKE_ACCESS_TOKEN from this environment instead of writing a placeholder",
    )  # fmt: skip
    desktop.set_defaults(handler=run_claude_desktop)


def run_claude_desktop(args: argparse.Namespace) -> int:
    entry = server_entry(sandbox=args.sandbox, token=_token(args))
    if not args.write:
        print(json.dumps({"mcpServers": {args.name: entry}}, indent=2))
        return 0
    path = args.config_file or default_config_path()
    changed = merge_into_file(path, args.name, entry)
    print(f"{'Updated' if changed else 'Already up to date:'} {path}", file=sys.stderr)
    if changed and not args.sandbox and entry.get("env", {}).get("WRIKE_ACCESS_TOKEN") == TOKEN_PLACEHOLDER:
        print(
            "Replace the token placeholder with your Wrike permanent token, then restart Claude.",
            file=sys.stderr,
        )
    return 0


def _token(args: argparse.Namespace) -> str | None:
    if args.sandbox:
        return None
    if args.token_from_env:
        token = os.environ.get("WRIKE_ACCESS_TOKEN")
        if not token:
            raise ConfigError("--token-from-env: WRIKE_ACCESS_TOKEN is not set")
        return token
    return TOKEN_PLACEHOLDER


def command_line() -> list[str]:
    """The absolute command that starts this installation: its script, else `python -m wrike_mcp`."""
    script = Path(sys.executable).with_name("wrike-mcp")
    if script.exists():
        return [str(script)]
    found = shutil.which("wrike-mcp")
    return [str(Path(found).resolve())] if found else [sys.executable, "-m", "wrike_mcp"]


def server_entry(*, sandbox: bool, token: str | None) -> dict[str, Any]:
    command, *prefix = command_line()
    entry: dict[str, Any] = {
        "command": command,
        "args": [*prefix, "serve", *(["--sandbox"] if sandbox else [])],
    }
    if token is not None:
        entry["env"] = {"WRIKE_ACCESS_TOKEN": token}
    return entry


def default_config_path() -> Path:
    """Where Claude Desktop reads its configuration on this platform."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform.startswith("win"):
        return (
            Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
            / "Claude"
            / "claude_desktop_config.json"
        )
    return Path(os.environ.get("XDG_CONFIG_HOME", home / ".config")) / "Claude" / "claude_desktop_config.json"


def merge_into_file(path: Path, name: str, entry: dict[str, Any]) -> bool:
    """Set `mcpServers[name] = entry` in the file; return whether anything changed."""
    config = _read_config(path)
    servers = config.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: 'mcpServers' is not an object; fix the file by hand")
    if servers.get(name) == entry:
        return False
    if path.exists():
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    servers[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)  # the file may hold a token
    temporary.replace(path)
    return True


def _read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.__class__.__name__}); nothing was changed") from exc
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: the top level is not an object; nothing was changed")
    return config
