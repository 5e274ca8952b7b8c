"""The `people` setting: the named dozen, then generated people, each able to act as themselves."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wrike_mcp.cli import build_parser
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, make_sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.seeding.bootstrap import PEOPLE


def persons(sandbox: Sandbox) -> list[dict[str, object]]:
    return [c for c in sandbox.workspace["contacts"].values() if c["type"] == "Person"]


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return make_sandbox(seed=7, size=20, clock=clock, people=50)


@pytest.fixture
def sandbox_server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox) as server:
        yield server


def test_fifty_people_are_the_named_dozen_then_distinct_generated_users(sandbox: Sandbox) -> None:
    people = persons(sandbox)
    named = [(str(p["firstName"]), str(p["lastName"])) for p in people[: len(PEOPLE)]]
    emails = [p["primaryEmail"] for p in people]
    assert len(people) == 50 and named == [(first, last) for first, last, _ in PEOPLE]
    assert len(set(emails)) == 50 and len({(p["firstName"], p["lastName"]) for p in people}) == 50
    team = next(c for c in sandbox.workspace["contacts"].values() if c.get("myTeam"))
    assert team["memberIds"] == [p["id"] for p in people]
    assert sandbox.workspace.account["subscription"]["userLimit"] >= 50


def test_the_named_people_keep_their_ids_whatever_the_head_count(clock: FakeClock) -> None:
    small = persons(make_sandbox(seed=7, size=0, clock=clock))
    large = persons(make_sandbox(seed=7, size=0, clock=clock, people=30))
    again = persons(make_sandbox(seed=7, size=0, clock=clock, people=30))
    assert [p["id"] for p in large[:12]] == [p["id"] for p in small]
    assert [p["id"] for p in large] == [p["id"] for p in again]  # deterministic


def test_every_generated_person_has_a_default_token_acting_as_them(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    for person in persons(sandbox)[-3:]:
        token = sandbox.workspace.named_tokens[f"user:{person['id']}"]
        assert sandbox.workspace.tokens[token].scopes == frozenset({"Default"})
        answer = httpx.get(
            sandbox_server.api_url + "/contacts",
            params={"me": "true"},
            headers={"Authorization": f"bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["data"][0]["id"] == person["id"]


@pytest.mark.parametrize("people", [11, 1001])
def test_a_head_count_outside_the_range_is_refused(people: int) -> None:
    with pytest.raises(ValueError, match="people"):
        make_sandbox(seed=7, size=0, people=people)


def test_the_sandbox_command_refuses_a_head_count_outside_the_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = build_parser().parse_args(["sandbox", "--people", "5"])
    assert args.handler(args) == 2
    assert "--people 12-1000" in capsys.readouterr().err
