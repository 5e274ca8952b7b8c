"""`wrike-mcp sandbox`: run the Wrike emulator standalone and print its URL and tokens."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

from wrike_mcp.sandbox import SandboxConfig, make_sandbox
from wrike_mcp.sandbox.seeding import DEFAULT_SEED, DEFAULT_SIZE
from wrike_mcp.sandbox.seeding.bootstrap import DEFAULT_PEOPLE, MAX_PEOPLE


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
        "--people", type=int, default=DEFAULT_PEOPLE, metavar="N",
        help=f"people in the account, {DEFAULT_PEOPLE}-{MAX_PEOPLE} (default {DEFAULT_PEOPLE}); each has a "
        "Default token, listed with --user-tokens",
    )  # fmt: skip
    parser.add_argument(
        "--user-tokens", action="store_true", help="also print each person's own Default token"
    )
    parser.add_argument(
        "--rate-limit", type=int, default=400, help="requests per minute per token (default 400)"
    )
    parser.add_argument(
        "--admin", action="store_true", help="enable the fault-injection admin route (test harnesses)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (
        args.size < 0
        or not 1 <= args.port <= 65535
        or args.rate_limit < 1
        or not DEFAULT_PEOPLE <= args.people <= MAX_PEOPLE
    ):
        print(
            "wrike-mcp sandbox: --size must be >= 0, --port 1-65535, --rate-limit >= 1, "
            f"--people {DEFAULT_PEOPLE}-{MAX_PEOPLE}",
            file=sys.stderr,
        )
        return 2
    config = SandboxConfig(rate_limit_per_minute=args.rate_limit, admin_routes=args.admin)
    sandbox = make_sandbox(seed=args.seed, size=args.size, config=config, people=args.people)
    base = f"http://{args.host}:{args.port}"
    print(
        f"Wrike sandbox at {base}/api/v4  (seed {args.seed}, {args.size} tasks, {args.people} people)",
        flush=True,
    )
    print("Tokens (Authorization: bearer TOKEN):", flush=True)
    for name, token in sandbox.workspace.named_tokens.items():
        if args.user_tokens or not name.startswith("user:"):
            print(f"  {name:<16} {token}", flush=True)
    uvicorn.run(sandbox.app(), host=args.host, port=args.port, log_level="warning", lifespan="off")
    return 0
