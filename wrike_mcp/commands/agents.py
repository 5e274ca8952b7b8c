"""`wrike-mcp agents add|rotate|list`: issue agent API keys and keep only their hashes in the policy.

The policy file is edited as text, never re-serialised: `add` appends one `[agents.NAME]` table and
`rotate` swaps one `key_hash` line, so the operator's comments and layout survive. Every edit is parsed
and validated before it replaces the file (atomically), so a bad edit never leaves a broken policy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from wrike_mcp.errors import ConfigError
from wrike_mcp.policy.keys import generate_key, stored_key_id
from wrike_mcp.policy.model import AREAS, PolicyFile, load_policy, parse_policy

NEW_FILE_HEADER = """\
# wrike-mcp agent policy (see examples/policy.toml for every option).
# Keys are stored only as salted hashes; `wrike-mcp agents add` prints each key once.

[server]
read_only = false
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("agents", help="issue and list agent API keys", description=__doc__)
    actions = parser.add_subparsers(dest="agents_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an agent with a new API key (printed once)")
    add.add_argument("name", metavar="NAME", help="agent name (letters, digits, - and _)")
    _policy_option(add)
    add.add_argument("--area", action="append", default=[], metavar="AREA=GRANT",
                     help=f"grant none/read/write on an area ({', '.join(AREAS)}); repeatable")  # fmt: skip
    add.add_argument("--token-env", metavar="VAR", help="act with the operator token in this variable")
    add.add_argument("--user-oauth", action="store_true", help="act with the calling user's OAuth grant")
    add.add_argument("--subtree", action="append", metavar="ID", help="limit to this folder/project/space")
    add.add_argument("--allow-tool", action="append", metavar="TOOL", help="only these tools; repeatable")
    add.add_argument("--deny-tool", action="append", metavar="TOOL", help="never these tools; repeatable")
    add.set_defaults(handler=run_add)
    rotate = actions.add_parser("rotate", help="replace an agent's API key (the old one stops working)")
    rotate.add_argument("name", metavar="NAME")
    _policy_option(rotate)
    rotate.set_defaults(handler=run_rotate)
    listing = actions.add_parser("list", help="list the agents of a policy")
    _policy_option(listing)
    listing.set_defaults(handler=run_list)


def _policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", type=Path, required=True, metavar="FILE", help="the policy file (TOML)")


def run_add(args: argparse.Namespace) -> int:
    text = _read(args.policy) if args.policy.exists() else NEW_FILE_HEADER
    if args.name in parse_policy(text, str(args.policy)).agents:
        raise ConfigError(f"agent {args.name!r} already exists in {args.policy}; use `agents rotate`")
    if bool(args.token_env) == bool(args.user_oauth):
        raise ConfigError("say which Wrike credential the agent acts with: --token-env VAR or --user-oauth")
    issued = generate_key()
    table = _agent_table(args, issued.stored)
    updated = text + ("" if text.endswith("\n") else "\n") + "\n" + table
    if args.name not in _validated(updated, args.policy).agents:
        raise ConfigError(f"{args.policy}: the new [agents.{args.name}] table did not take effect")
    _replace_file(args.policy, updated)
    _print_key(args.name, args.policy, issued.key, "added")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    text = _read(args.policy)
    before = parse_policy(text, str(args.policy)).agent(args.name)
    issued = generate_key()
    updated = _set_key_hash(text, args.name, issued.stored)
    after = _validated(updated, args.policy).agent(args.name)
    if after != before.model_copy(update={"key_hash": issued.stored}):
        raise ConfigError(f"{args.policy}: could not rotate the key of {args.name!r} safely; edit by hand")
    _replace_file(args.policy, updated)
    _print_key(args.name, args.policy, issued.key, "rotated")
    return 0


def run_list(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    if not policy.agents:
        print(f"{args.policy}: no agents")
    for name, agent in policy.agents.items():
        key = f"wmcp_{stored_key_id(agent.key_hash)}_..." if agent.key_hash else "none (stdio only)"
        grants = ", ".join(f"{a}={g}" for a, g in agent.areas.items() if g != "none") or "nothing"
        limit = f"; subtrees {', '.join(agent.subtrees)}" if agent.subtrees else ""
        print(f"{name}: key {key}; {agent.credential}; {grants}{limit}")
    return 0


def _agent_table(args: argparse.Namespace, stored: str) -> str:
    areas: dict[str, str] = {}
    for item in args.area:
        area, sep, grant = item.partition("=")
        if not sep:
            raise ConfigError(f"--area {item!r}: write AREA=GRANT, e.g. tasks=read")
        areas[area.strip()] = grant.strip()
    lines = [f"[agents.{args.name}]", f"key_hash = {_toml(stored)}"]
    if args.token_env:
        lines += ['credential = "operator_token"', f"token_env = {_toml(args.token_env)}"]
    else:
        lines.append('credential = "user_oauth"')
    inline = ", ".join(f"{_toml_key(area)} = {_toml(grant)}" for area, grant in areas.items())
    lines.append(f"areas = {{ {inline} }}" if inline else "areas = {}")
    for key, values in (
        ("subtrees", args.subtree),
        ("allow_tools", args.allow_tool),
        ("deny_tools", args.deny_tool),
    ):
        if values:
            lines.append(f"{key} = [{', '.join(_toml(v) for v in values)}]")
    return "\n".join(lines) + "\n"


def _toml(value: str) -> str:
    """A TOML basic string: JSON's escaping is valid TOML for the characters we write."""
    return json.dumps(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


def _set_key_hash(text: str, name: str, stored: str) -> str:
    """Replace (or add) `key_hash` inside the `[agents.NAME]` table, leaving every other line alone."""
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*agents\s*\.\s*{re.escape(name)}\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\n"))), None)
    if start is None:
        raise ConfigError(f"no [agents.{name}] table found to rotate; edit the policy by hand")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    new_line = f"key_hash = {_toml(stored)}\n"
    for i in range(start + 1, end):
        if re.match(r"^\s*key_hash\s*=", lines[i]):
            lines[i] = new_line
            break
    else:
        lines.insert(start + 1, new_line)
    return "".join(lines)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc


def _validated(text: str, path: Path) -> PolicyFile:
    return parse_policy(text, str(path))


def _replace_file(path: Path, text: str) -> None:
    """Write beside the file and rename over it, keeping its permissions (0600 for a new file)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _print_key(name: str, path: Path, key: str, verb: str) -> None:
    print(f"Agent {name!r} {verb} in {path}; only the key's hash is stored there.")
    print("Its API key, shown this once; give it to the agent now:")
    print()
    print(f"    {key}")
    print()
    print("The agent presents it to the hosted endpoint as its bearer credential (`Authorization: Bearer`),")
    print("or, if it acts with the user's own Wrike login, in X-Wrike-MCP-Agent-Key beside the user's token.")
