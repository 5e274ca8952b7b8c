"""Every tool of the catalogue, called through a real MCP client against the sandbox, in-process.

Each scenario (scenarios_*.py) runs on a fresh seeded sandbox with the "all" token (every scope, so the
user- and workflow-admin tools are there too), in the auto protocol era; the ones marked `legacy_too`
run in the legacy (initialize) era as well. The guard tests keep the table complete: a new tool, or a
new path variant of a tool, without a scenario fails the suite. Over stdio: test_every_tool_stdio.py.
"""

from __future__ import annotations

import pytest
import scenarios_activity
import scenarios_admin
import scenarios_items
import scenarios_time
from every_tool import CATALOGUE, SCENARIOS, Ctx, Scenario
from mcp_harness import MODES, Recorder, open_mcp, text_of

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.webhooks.settings import WebhookSettings

MODULES = (scenarios_items, scenarios_activity, scenarios_time, scenarios_admin)  # they fill SCENARIOS
RUNS = [(s, "auto") for s in SCENARIOS] + [(s, "legacy") for s in SCENARIOS if s.legacy_too]


def test_the_scenario_table_covers_exactly_the_catalogue_tools() -> None:
    assert {s.tool for s in SCENARIOS} == set(CATALOGUE)


def test_every_path_variant_of_every_tool_has_exactly_one_scenario() -> None:
    wanted = sorted((t.name, path) for t in CATALOGUE.values() for path in (t.path, *t.alt_paths))
    assert sorted((s.tool, s.path) for s in SCENARIOS) == wanted


def test_the_legacy_era_subset_covers_every_area() -> None:
    assert {CATALOGUE[s.tool].area for s in SCENARIOS if s.legacy_too} == {t.area for t in CATALOGUE.values()}
    assert len([r for r in RUNS if r[1] == "legacy"]) < len(SCENARIOS) / 2


@pytest.mark.parametrize("mode", MODES)
async def test_the_all_scopes_token_lists_exactly_the_catalogue(sandbox: Sandbox, mode: str) -> None:
    async with open_mcp(sandbox, token_name="all", manifests=None, mode=mode) as client:
        listed = [tool.name for tool in (await client.list_tools()).tools]
    assert sorted(listed) == sorted(CATALOGUE)


@pytest.mark.parametrize(("scenario", "mode"), RUNS, ids=[f"{s.id}-{mode}" for s, mode in RUNS])
async def test_every_tool_does_what_it_says_in_the_sandbox(
    sandbox: Sandbox, scenario: Scenario, mode: str
) -> None:
    sandbox.config.webhook_delivery = False  # hooks are created and changed here, never delivered to
    hooks = WebhookSettings(receiver_url=scenarios_admin.RECEIVER_URL, allow_urls=(scenarios_admin.HOOK_URL,))
    async with open_mcp(sandbox, token_name="all", manifests=None, mode=mode, webhooks=hooks) as client:
        ctx = Ctx(client, sandbox)
        await scenario.run(ctx)
    spec = CATALOGUE[scenario.tool]
    assert ctx.reached(scenario.tool, spec.method, scenario.path), (
        f"{scenario.tool} never reached {spec.method} {scenario.path}: {ctx.calls}"
    )


async def test_a_download_past_the_cap_sends_the_agent_to_wrike_not_to_a_tool_that_does_not_exist(
    sandbox: Sandbox,
) -> None:
    png = next(a for a in sandbox.workspace["attachments"].values() if a["contentType"] == "image/png")
    async with open_mcp(sandbox, token_name="all", manifests=None, max_download_bytes=16) as client:
        result = await client.call_tool("download_attachment", {"attachmentId": png["id"]})
    assert result.is_error
    assert "larger than the 16-byte download cap" in text_of(result)
    assert "open it in Wrike" in text_of(result) and "tool" not in text_of(result)


PAGED = sorted(name for name, spec in CATALOGUE.items() if spec.param("pageSize"))


@pytest.mark.parametrize("tool", PAGED)
async def test_a_page_size_below_one_is_refused_before_anything_is_sent(sandbox: Sandbox, tool: str) -> None:
    """Wrike's pages hold 1 to 1000 items [C] wrike-api.md §2.5; zero is the agent's mistake to fix."""
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, token_name="all", manifests=None, recorder=recorders) as client:
        result = await client.call_tool(tool, {"pageSize": 0})
    assert result.is_error and "parameter 'pageSize' must be at least 1" in text_of(result)
    assert recorders[0].requests == []
