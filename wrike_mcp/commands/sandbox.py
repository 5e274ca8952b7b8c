"""`wrike-mcp sandbox`: run the Wrike emulator standalone and print its URL and tokens."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

from wrike_mcp.sandbox import SandboxConfig, make_sandbox
from wrike_mcp.sandbox.seeding import DEFAULT_SEED, DEFAULT_SIZE


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run the offline Wrike sandbox over HTTP",
        description="Run the Wrike v4 emulator with a seeded workspace; prints its base URL and tokens.",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="workspace seed (default 7)")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="number of tasks (default 300)")
    parser.add_argument(
        "--rate-limit", type=int, default=400, help="requests per minute per token (default 400)"
    )
    parser.add_argument(
        "--admin", action="store_true", help="enable the fault-injection admin route (test harnesses)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.size < 0 or not 1 <= args.port <= 65535 or args.rate_limit < 1:
        print("wrike-mcp sandbox: --size must be >= 0, --port 1-65535, --rate-limit >= 1", file=sys.stderr)
        return 2
    config = SandboxConfig(rate_limit_per_minute=args.rate_limit, admin_routes=args.admin)
    sandbox = make_sandbox(seed=args.seed, size=args.size, config=config)
    base = f"http://{args.host}:{args.port}"
    print(f"Wrike sandbox at {base}/api/v4  (seed {args.seed}, {args.size} tasks)", flush=True)
    print("Tokens (Authorization: bearer TOKEN):", flush=True)
    for name, token in sandbox.workspace.named_tokens.items():
        if not name.startswith("user:"):
            print(f"  {name:<16} {token}", flush=True)
    uvicorn.run(sandbox.app(), host=args.host, port=args.port, log_level="warning", lifespan="off")
    return 0
