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


def test_serve_imports_no_other_command_no_hosted_stack_and_no_schema_compiler() -> None:
    handler, modules = loaded("serve", ["serve", "--sandbox"])
    assert handler == "wrike_mcp.commands.serve"
    commands = [m for m in modules if m.startswith("wrike_mcp.commands.")]
    assert commands == ["wrike_mcp.commands.serve"]
    heavy = (
        "wrike_mcp.auth",
        "wrike_mcp.transports.http_serve",
        "wrike_mcp.commands.webhooks",
        "joserfc",
        "jsonschema",
    )
    assert [m for m in modules if m.startswith(heavy)] == []


def test_a_command_named_apart_from_its_module_is_still_found() -> None:
    handler, _ = loaded("logout", ["logout"])  # registered by the `login` module
    assert handler == "wrike_mcp.commands.login"


def test_without_a_command_every_command_is_offered() -> None:
    handler, modules = loaded(None, ["serve"])
    assert handler == "wrike_mcp.commands.serve"
    assert "wrike_mcp.commands.webhooks" in modules and "wrike_mcp.commands.login" in modules


SERVER_PROBE = """
import asyncio, json, sys
from wrike_mcp.config import Settings
from wrike_mcp.errors import WrikeMcpError
from wrike_mcp.server import build_server, connect, open_client
from wrike_mcp.wrike.client import UpstreamRequest

async def main():
    settings = Settings(access_token="probe", base_url="http://127.0.0.1:9/api/v4")
    connection = connect(settings)
    async with open_client(settings, connection) as client:
        build_server(settings, client, connection=connection)
        before = "certifi" in sys.modules
        try:  # nothing listens on port 9: the request fails, after making the pool
            await client.send(UpstreamRequest("GET", "/version"), connection.credentials)
        except WrikeMcpError:
            pass
        print(json.dumps([before, "certifi" in sys.modules]))

asyncio.run(main())
"""


def test_the_wrike_client_loads_its_tls_context_at_the_first_request_not_at_start() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SERVER_PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == [False, True]
