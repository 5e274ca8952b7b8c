"""Fifty Wrike users at once through the hosted endpoint, each seeing only themselves and their own writes.

The account has 50 people (the sandbox's `people` setting), each with a Personal space only they are a
member of. Every user signs in through the full OAuth flow (the SDK's client, our consent, the sandbox's
Wrike sign-in with `login_hint`), then, all at the same time over streamable HTTP through two replicas:
reads their `me` contact, creates a task in their own space and searches the account for the tasks of
the run. A credential taken from anything but the request itself (module state, a shared client, a
contextvar leaking across tasks) would show up as someone else's `me`, a task authored by someone else,
a 403 on someone else's space, or another user's task in a search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mcp import Client
from starlette.types import ASGIApp

from tests.transports.hosting import Balancer, serve
from tests.transports.oauth_user import User, me
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.sandbox.items_model import default_workflow_id
from wrike_mcp.sandbox.items_tree import build_space, member
from wrike_mcp.sandbox.runner import SandboxServer

USERS = 50
MARK = "isolation-run"


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    sandbox = make_sandbox(seed=7, size=20, clock=clock, config=SandboxConfig(), people=USERS)
    ws = sandbox.workspace
    for person in people(sandbox):
        build_space(
            ws, title=f"Personal {person}", access_type="Personal", author_id=person, created=ws.now_iso(),
            members=[member(ws, person, True)], workflow_id=default_workflow_id(ws),
        )  # fmt: skip
    return sandbox


@pytest.fixture
def sandbox_server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox) as server:
        yield server


def people(sandbox: Sandbox) -> list[str]:
    contacts = sandbox.workspace["contacts"].values()
    return [c["id"] for c in contacts if c["type"] == "Person" and not c.get("deleted")]


def own_space(sandbox: Sandbox, person: str) -> str:
    spaces = sandbox.workspace["spaces"].values()
    return next(s["id"] for s in spaces if s["title"] == f"Personal {person}")


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value: ids are compared whole, never as substrings."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


async def call(client: Client, seen: list[Any], name: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result
    seen.append(result.structured_content)
    return result.structured_content


async def work(user: User, person: str, space: str) -> list[Any]:
    """One user's session: who am I, write, search. Returns every structured result it received."""
    seen: list[Any] = []
    async with user.client() as client:
        assert await me(client) == person
        created = await call(client, seen, "create_task", {"folderId": space, "title": f"{MARK} {person}"})
        task = created["data"][0]
        assert task["authorIds"] == [person] and task["parentIds"] == [space]
        found = await call(client, seen, "search_tasks", {"title": MARK, "fields": ["parentIds"]})
        assert [t["id"] for t in found["data"]] == [task["id"]]
        seen.append((await call(client, seen, "list_contacts", {"me": True}))["data"][0]["id"])
    return seen


async def test_fifty_concurrent_users_each_see_only_their_own_identity_and_writes(
    build: Callable[..., ASGIApp], sandbox: Sandbox
) -> None:
    everyone = people(sandbox)
    assert len(everyone) == USERS
    for replicas in serve([build, build]):
        balancer = Balancer(replicas)
        users = [User(balancer, login_hint=person) for person in everyone]
        results = await asyncio.gather(
            *(
                work(user, person, own_space(sandbox, person))
                for user, person in zip(users, everyone, strict=True)
            )
        )
        assert set(balancer.served) == {0, 1}
    for person, seen in zip(everyone, results, strict=True):
        others = set(everyone) - {person}
        assert not others.intersection(strings(seen)), f"{person} was shown another user's identity"
    written = [t for t in sandbox.workspace["tasks"].values() if t["title"].startswith(MARK)]
    assert sorted((t["title"], t["authorIds"]) for t in written) == sorted(
        (f"{MARK} {person}", [person]) for person in everyone
    )
    assert all(user.approvals == 1 for user in users)
