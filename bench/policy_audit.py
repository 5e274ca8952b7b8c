"""Section 6, policy and audit: what an agent-policy decision and an audit record add to each call.

Measured in-process (where nothing else hides it) once `serve --policy FILE --agent NAME` and the audit
file exist (issue #5); until then the section says what has not landed.
"""

from __future__ import annotations

import argparse

from bench.harness import Section
from wrike_mcp.commands import serve


def policy_wired() -> bool:
    """Whether `wrike-mcp serve` takes `--policy` (issue #5 wired into the server)."""
    subparsers = argparse.ArgumentParser().add_subparsers()
    serve.register(subparsers)
    return "--policy" in subparsers.choices["serve"].format_help()


def run(quick: bool) -> Section:
    section = Section(
        "Policy and audit: added cost per call of a policy decision and an audit record",
        ["configuration", "p50 ms", "added p50 ms", "target", "verdict"],
    )
    if not policy_wired():
        section.rows.append(
            ["with --policy/--agent and an audit file",
             "not measured: the agent policy and audit wiring (issue #5) has not landed", "-", "-", "-"]
        )  # fmt: skip
    return section
