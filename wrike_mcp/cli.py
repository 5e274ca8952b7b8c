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
from typing import Any

from wrike_mcp import __version__, commands
from wrike_mcp.errors import WrikeMcpError


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; or, when `command` names a command module that registers it, that one alone.

    A desktop client spawns `wrike-mcp serve` and waits for it, so `serve` does not pay for importing
    every other command (OAuth, webhooks, policy, ...): about a fifth of the cold start (bench/RESULTS.md).
    """
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    if command in names:
        parser, subparsers = _empty_parser()
        importlib.import_module(f"{commands.__name__}.{command}").register(subparsers)
        if command in subparsers.choices:
            return parser
    parser, subparsers = _empty_parser()
    for name in names:
        importlib.import_module(f"{commands.__name__}.{name}").register(subparsers)
    return parser


def _empty_parser() -> tuple[argparse.ArgumentParser, Any]:
    parser = argparse.ArgumentParser(
        prog="wrike-mcp",
        description="An MCP server for the Wrike REST API v4, with an offline Wrike sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"wrike-mcp {__version__}")
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
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
