"""The `wrike-mcp` command.

Each subcommand lives in its own module under `wrike_mcp/commands/` and exposes
`register(subparsers)`, which adds its parser and sets `handler=` to a function taking the parsed
arguments and returning an exit code. Adding a command never touches this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from wrike_mcp import __version__, commands
from wrike_mcp.errors import WrikeMcpError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wrike-mcp",
        description="An MCP server for the Wrike REST API v4, with an offline Wrike sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"wrike-mcp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except WrikeMcpError as exc:
        print(f"wrike-mcp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
