"""What every example shares: where wrike-mcp is, how to reach it, and how to show what came back.

The framework-specific part of each example is in its own file; this is only the plumbing, so the
examples stay short and say the same thing the same way.

    python examples/openai_agents_example.py                # stdio: spawns `wrike-mcp serve --sandbox`
    python examples/openai_agents_example.py --wrike        # stdio on your account (WRIKE_ACCESS_TOKEN)
    python examples/openai_agents_example.py --http http://127.0.0.1:8000/mcp   # a running hosted endpoint

Over HTTP the bearer is WRIKE_MCP_BEARER, or else the sandbox's `default` token, which the hosted sandbox
accepts when started with `wrike-mcp serve --transport http --sandbox --accept-wrike-tokens`. A real
deployment signs users in with OAuth instead; each example says where that goes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from wrike_mcp.sandbox.seeding.bootstrap import token_for

SANDBOX_SEED = (
    7  # `serve --sandbox` builds its workspace from this seed (the default), so its tokens are known
)
CALL = ("search_tasks", {"pageSize": 3})  # the tool each example calls directly, without a model


@dataclass(frozen=True)
class Target:
    """How to reach wrike-mcp: a command to spawn over stdio, or a streamable-HTTP URL with headers."""

    command: str = sys.executable
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    json_output: bool = False

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"


def target_from_args(description: str) -> Target:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--http", metavar="URL", help="connect to a hosted endpoint, e.g. http://127.0.0.1:8000/mcp"
    )
    parser.add_argument("--wrike", action="store_true", help="stdio on your Wrike account, not the sandbox")
    parser.add_argument("--json", action="store_true", help="also print one JSON line (for tests)")
    args = parser.parse_args()
    if args.http:
        bearer = os.environ.get("WRIKE_MCP_BEARER") or token_for(SANDBOX_SEED, "default")
        return Target(url=args.http, headers={"Authorization": f"Bearer {bearer}"}, json_output=args.json)
    if args.wrike and not os.environ.get("WRIKE_ACCESS_TOKEN"):
        parser.error("--wrike needs WRIKE_ACCESS_TOKEN (a Wrike permanent token) in the environment")
    # The same interpreter runs the server, so it is the wrike-mcp installed next to the framework. The
    # whole environment is passed on: it carries WRIKE_ACCESS_TOKEN (and PYTHONPATH) to the server.
    serve = ["-m", "wrike_mcp", "serve", *([] if args.wrike else ["--sandbox"])]
    return Target(args=serve, env=dict(os.environ), json_output=args.json)


def report(target: Target, framework: str, tool_names: list[str], result: Any) -> None:
    """Print the tools count and the call's result (`{"kind": "tasks", "data": [...]}` from Wrike)."""
    print(f"{framework} over {target.transport}: {len(tool_names)} Wrike tools")
    tasks = result.get("data", []) if isinstance(result, dict) else []
    print(f"{CALL[0]}{json.dumps(CALL[1])} -> {len(tasks)} tasks")
    for task in tasks:
        print(f"  {task.get('id')}  {task.get('status', ''):<10}  {task.get('title')}")
    if target.json_output:  # last, on one line: what the tests compare with tools/list and the call
        print(json.dumps({"framework": framework, "transport": target.transport, "tools": tool_names,
                          "call": CALL[0], "result": result}))  # fmt: skip
