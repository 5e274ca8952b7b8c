"""`wrike-mcp serve` over stdio starts without importing what only other commands need.

A desktop client spawns the server and waits for its tool list, so what start-up imports is start-up
latency and resident memory (bench/RESULTS.md, cold start). These run in a fresh interpreter, since this
one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from wrike_mcp.cli import build_parser
args = build_parser({command!r}).parse_args({argv!r})
print(json.dumps({{"handler": args.handler.__module__, "modules": sorted(sys.modules)}}))
"""


def loaded(command: str | None, argv: list[str]) -> tuple[str, list[str]]:
    code = PROBE.format(command=command, argv=argv)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    answer = json.loads(done.stdout)
    return answer["handler"], answer["modules"]


def test_serve_imports_neither_other_commands_nor_the_hosted_stack() -> None:
    handler, modules = loaded("serve", ["serve", "--sandbox"])
    assert handler == "wrike_mcp.commands.serve"
    commands = [m for m in modules if m.startswith("wrike_mcp.commands.")]
    assert commands == ["wrike_mcp.commands.serve"]
    heavy = ("wrike_mcp.auth", "wrike_mcp.transports.http_serve", "wrike_mcp.commands.webhooks", "joserfc")
    assert [m for m in modules if m.startswith(heavy)] == []


def test_a_command_named_apart_from_its_module_is_still_found() -> None:
    handler, _ = loaded("logout", ["logout"])  # registered by the `login` module
    assert handler == "wrike_mcp.commands.login"


def test_without_a_command_every_command_is_offered() -> None:
    handler, modules = loaded(None, ["serve"])
    assert handler == "wrike_mcp.commands.serve"
    assert "wrike_mcp.commands.webhooks" in modules and "wrike_mcp.commands.login" in modules
