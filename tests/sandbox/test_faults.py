"""Fault injection: each kind of failure, when it fires, and whether the write behind it happened."""

from __future__ import annotations

import httpx
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.sandbox.routes.faults import FaultRuleError, fault_state, set_faults
from wrike_mcp.sandbox.runner import SandboxServer

HOOK = {"hookUrl": "http://127.0.0.1:9/hook"}


def hook_count(sandbox: Sandbox) -> int:
    return len(sandbox.workspace["webhooks"])


def test_status_fault_answers_the_error_and_does_not_apply_the_write(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    set_faults(sandbox, [{"path": "/webhooks", "method": "POST", "kind": "status", "status": 500}])
    response = api.post("/webhooks", json=HOOK)
    assert response.status_code == 500
    assert response.json() == {"errorDescription": "Server side error", "error": "server_error"}
    assert hook_count(sandbox) == 0


def test_status_after_applies_the_write_but_loses_the_reply(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"path": "/webhooks", "method": "POST", "kind": "status_after"}])
    response = api.post("/webhooks", json=HOOK)
    assert response.status_code == 500
    assert hook_count(sandbox) == 1


def test_429_carries_wrikes_body_and_retry_after(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "retryAfter": 7}])
    response = api.get("/version")
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limit_exceeded"
    assert response.headers["Retry-After"] == "7"


def test_gateway_errors_are_not_json(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 502}])
    response = api.get("/version")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


def test_every_nth_request_and_times_limit(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"path": "/version", "kind": "status", "status": 503, "every": 2, "times": 2}])
    statuses = [api.get("/version").status_code for _ in range(7)]
    assert statuses == [200, 503, 200, 503, 200, 200, 200]


def test_rate_is_reproducible_with_the_same_seed(api: httpx.Client, sandbox: Sandbox) -> None:
    rule = {"kind": "status", "status": 500, "rate": 0.5}
    runs = []
    for _ in range(2):
        set_faults(sandbox, [rule], seed=11)
        runs.append([api.get("/version").status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert 0 < runs[0].count(500) < 20


def test_method_and_path_narrow_a_rule(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"path": "/webhooks*", "method": "POST", "kind": "status", "status": 500}])
    assert api.get("/version").status_code == 200
    assert api.get("/webhooks").status_code == 200
    # Wrike's verb override counts as the method.
    assert api.get("/webhooks", params={"method": "POST", **HOOK}).status_code == 500


def test_latency_waits_on_the_sandbox_clock(api: httpx.Client, sandbox: Sandbox, clock: FakeClock) -> None:
    set_faults(sandbox, [{"kind": "latency", "seconds": 30}])
    before = clock.now()
    assert api.get("/version").status_code == 200
    assert clock.now() - before == 30
    assert clock.slept == [30]


def test_hang_never_answers_and_never_applies(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "hang", "times": 1}])
    with pytest.raises(httpx.ReadTimeout):
        api.post("/webhooks", json=HOOK, timeout=0.3)
    assert hook_count(sandbox) == 0
    assert api.get("/version").status_code == 200


def test_hang_is_bounded(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "hang", "seconds": 0.1}])
    assert api.get("/version").status_code == 504


def test_malformed_answers_200_with_truncated_json(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "malformed"}])
    response = api.post("/webhooks", json=HOOK)
    assert response.status_code == 200
    assert response.text.startswith('{"kind": "webhooks"')
    with pytest.raises(ValueError):
        response.json()
    assert hook_count(sandbox) == 0


def test_drop_breaks_the_connection(api: httpx.Client, sandbox: Sandbox) -> None:
    set_faults(sandbox, [{"kind": "drop", "times": 1}])
    # The client sees a broken message or a reset, depending on when the close reaches it: both a drop.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/webhooks", json=HOOK)
    assert hook_count(sandbox) == 0
    assert api.get("/version").status_code == 200


def test_admin_route_sets_lists_and_clears_rules(api: httpx.Client, sandbox_server: SandboxServer) -> None:
    admin = sandbox_server.base_url + "/__sandbox__/faults"
    rule = {"path": "/version", "kind": "status", "status": 503}
    assert httpx.post(admin, json={"rules": [rule]}).status_code == 200
    assert api.get("/version").status_code == 503
    listed = httpx.get(admin).json()["rules"]
    assert listed[0]["status"] == 503
    assert listed[0]["applied"] == 1
    assert httpx.delete(admin).json() == {"rules": []}
    assert api.get("/version").status_code == 200


def test_admin_route_refuses_a_bad_rule(sandbox_server: SandboxServer) -> None:
    response = httpx.post(sandbox_server.base_url + "/__sandbox__/faults", json=[{"kind": "explode"}])
    assert response.status_code == 400
    assert "kind" in response.json()["errorDescription"]


def test_admin_route_does_not_exist_without_admin_routes(clock: FakeClock) -> None:
    sandbox = make_sandbox(seed=7, size=60, clock=clock, config=SandboxConfig(admin_routes=False))
    with SandboxServer(sandbox) as server:
        assert httpx.get(server.base_url + "/__sandbox__/faults").status_code == 404


def test_bad_rules_are_refused_by_set_faults(sandbox: Sandbox) -> None:
    for rule in (
        {"kind": "status", "status": 418},
        {"kind": "latency"},
        {"kind": "status", "status": 500, "every": 2, "rate": 0.5},
        {"kind": "status", "status": 500, "colour": "red"},
    ):
        with pytest.raises(FaultRuleError):
            set_faults(sandbox, [rule])


def test_rules_placed_in_state_as_plain_dicts_are_used(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.state["faults"] = [{"path": "/version", "kind": "status", "status": 500}]
    assert api.get("/version").status_code == 500
    assert fault_state(sandbox).rules[0].applied == 1
