"""`wrike-mcp tools`: the tools a configuration exposes, as `serve` would list them.

Takes the same flags as `serve` (read-only, toolsets, sandbox, `--policy`/`--agent`) and WRIKE_SCOPES, and
builds the caller with serve's own code (`connect`, `local_caller`), so the listing is tools/list's. No
token is needed, since nothing is sent to Wrike (an operator-token agent's variable must be set, as for
serve). `--all` adds the hidden tools with the reason; `--json` is for machines; `--export FORMAT` prints
the exposed tools as function definitions (`wrike_mcp.tools.export`), from the same `Inventory.visible`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from wrike_mcp.callers import local_caller
from wrike_mcp.commands.serve import EXIT_CONFIG, add_settings_arguments, settings_from_args
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.loader import Catalog, load_catalog
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.policy.scopes import Access, Decision
from wrike_mcp.server import Connection, connect
from wrike_mcp.tools.export import FORMATS, export_tools
from wrike_mcp.tools.inventory import Inventory
from wrike_mcp.tools.native import native_specs
from wrike_mcp.wrike.client import WrikeCredentials

_HINTS = (("read_only", "readOnly"), ("destructive", "destructive"), ("idempotent", "idempotent"),
          ("open_world", "openWorld"))  # fmt: skip


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tools", help="list the tools a configuration exposes",
        description="Print the tools `wrike-mcp serve` would expose with the same flags and WRIKE_SCOPES.",
    )  # fmt: skip
    add_settings_arguments(parser)
    parser.add_argument("--policy", metavar="FILE", help="agent policy file: list what --agent may use")
    parser.add_argument("--agent", metavar="NAME", help="the policy's agent to list the tools of")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output")
    output.add_argument(
        "--export", choices=sorted(FORMATS), metavar="FORMAT",
        help="the exposed tools as function definitions: openai (Chat Completions), openai-responses, "
        "anthropic, or json (MCP Tool objects as tools/list gives them)",
    )  # fmt: skip
    parser.add_argument("--all", action="store_true", help="include hidden tools and why they are hidden")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.export and args.all:
            raise ConfigError("--export writes only the exposed tools; leave out --all")
        settings = settings_from_args(args)
        catalog = load_catalog(settings.manifest_dir)
        access = served_access(settings, catalog)
    except ConfigError as exc:
        print(f"wrike-mcp tools: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    inventory = Inventory(catalog, native_specs(catalog))
    if args.export:
        print(json.dumps(export_tools(inventory.visible(access), args.export), indent=2))
        return 0
    rows = [(spec, d) for spec, d in inventory.decisions(access) if args.all or d.allowed]
    print(render_json(rows) if args.json else render_table(rows, show_reason=args.all))
    return 0


def served_access(settings: Settings, catalog: Catalog) -> Access:
    """What `serve` over stdio would list with, built by serve's own code: its connection, its caller,
    the agent's policy on top. With --sandbox the in-process sandbox is built (its tokens decide the
    scopes), nothing else is started, and no request is sent."""
    if settings.sandbox is not None:
        connection = connect(settings)
    else:  # listing never sends the token, so a stand-in serves when none is set
        credentials = WrikeCredentials(settings.access_token or "unused-for-listing", settings.host)
        connection = Connection(credentials, settings.scopes)
    base = connection.caller(settings, catalog)
    return local_caller(settings, base, catalog, sandbox=connection.sandbox).access


def _hints(spec: ToolSpec) -> list[str]:
    return [label for attribute, label in _HINTS if getattr(spec.annotations, attribute)]


def render_json(rows: list[tuple[ToolSpec, Decision]]) -> str:
    items = [
        {
            "name": spec.name,
            "area": spec.area,
            "access": spec.access,
            "scopes": list(spec.scopes),
            "annotations": {label + "Hint": getattr(spec.annotations, attr) for attr, label in _HINTS},
            "exposed": decision.allowed,
            **({} if decision.allowed else {"reason": decision.reason.value}),
        }
        for spec, decision in rows
    ]
    return json.dumps(items, indent=2)


def render_table(rows: list[tuple[ToolSpec, Decision]], show_reason: bool = False) -> str:
    header = ["NAME", "AREA", "ACCESS", "SCOPES", "ANNOTATIONS"] + (["HIDDEN"] if show_reason else [])
    body = [
        [spec.name, spec.area, spec.access, ",".join(spec.scopes), ",".join(_hints(spec)) or "-"]
        + ([("" if decision.allowed else decision.reason.value)] if show_reason else [])
        for spec, decision in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]  # fmt: skip
    return "\n".join([*lines, f"{len(body)} tools"])
