"""`wrike-mcp policy check` and `policy schema`: validate an agent policy and show what each agent gets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wrike_mcp.manifest import Catalog, ToolSpec, load_catalog
from wrike_mcp.policy.grants import AgentAccess, agent_access, check_policy, visible_tools
from wrike_mcp.policy.model import PolicyFile, load_policy, policy_schema_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy", help="check an agent policy file", description="Validate agent policies."
    )
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a policy and print each agent's effective tools",
        description="Validate a policy file against its schema and the tool catalogue, then list the "
        "tools each agent may see (the Wrike token's scopes can narrow them further at run time).",
    )
    check.add_argument("file", type=Path, metavar="FILE", help="the policy file (TOML)")
    check.add_argument("--manifests", type=Path, metavar="DIR", help="tool manifest directory")
    check.set_defaults(handler=run_check)
    schema = actions.add_parser("schema", help="print the policy file's JSON schema")
    schema.set_defaults(handler=run_schema)


def run_check(args: argparse.Namespace) -> int:
    policy = load_policy(args.file)
    catalog = load_catalog(args.manifests)
    problems = check_policy(policy, catalog)
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        return 1
    print(f"{args.file}: valid; {len(policy.agents)} agent(s); catalogue of {len(catalog.tools)} tools.")
    print(_describe_server(policy))
    for name in policy.agents:
        print()
        print("\n".join(describe_agent(agent_access(policy, name, catalog.areas), catalog)))
    return 0


def run_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(policy_schema_text())
    return 0


def _describe_server(policy: PolicyFile) -> str:
    toolsets = ", ".join(policy.server.toolsets) if policy.server.toolsets else "all"
    return f"server: read_only={str(policy.server.read_only).lower()}; toolsets: {toolsets}"


def describe_agent(access: AgentAccess, catalog: Catalog) -> list[str]:
    """Lines describing one agent and its effective tools, grouped by area."""
    agent = access.agent
    source = f"from ${agent.token_env}" if agent.token_env else "the calling user's OAuth grant"
    subtrees = ", ".join(agent.subtrees) if agent.subtrees else "none (whole account)"
    lines = [
        f"agent {access.name}: credential {agent.credential} ({source}); "
        f"key {'set' if agent.key_hash else 'none (stdio only)'}; subtrees: {subtrees}"
    ]
    tools = visible_tools(catalog.tools, access)
    by_area: dict[str, list[ToolSpec]] = {}
    for tool in tools:
        by_area.setdefault(tool.area, []).append(tool)
    for area, group in by_area.items():
        lines.append(f"  {area} ({agent.grant(area)}): {', '.join(t.name for t in group)}")
    lines.append(f"  {len(tools)} tool(s)" if tools else "  no tools: this agent can do nothing")
    return lines
