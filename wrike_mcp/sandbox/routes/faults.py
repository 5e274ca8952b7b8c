"""Fault injection for `/api/v4`: the failures a Wrike client must survive, on demand and reproducibly.

A rule (a JSON object) says where and how often to misbehave:

    {"path": "/api/v4/tasks*", "method": "POST", "kind": "status", "status": 503, "every": 2, "times": 3}

- `path`: an fnmatch glob on the request path (a glob without the `/api/v4` prefix gets it); default all.
- `method`: optional; the effective verb, so Wrike's `?method=` override counts.
- `every`: fire on every Nth matching request; `rate`: fire with this probability (a seeded RNG);
  neither: fire on every matching request. `times`: stop after this many firings.
- `kind`:
  - `latency` (`seconds`): wait on the sandbox clock (a FakeClock advances at once), then serve normally.
  - `status` (`status` 429/500/502/503/504): answer the error; the handler is NOT called, so a write is
    never applied. 429 carries Wrike's body and `Retry-After` (`retryAfter`, default 1).
    502-504 come as an HTML page, as a gateway in front of Wrike would send them. [I]
  - `status_after`: run the handler (the write happens), then answer 500: "the reply was lost".
  - `hang`: never answer until the client goes away (bounded by `seconds`, at most 60; then 504).
  - `malformed`: 200 with a truncated JSON body.
  - `drop`: start a response, then break the connection.
  Every kind except `latency` and `status_after` acts BEFORE the handler, so the write never happens:
  a client that sees a hang, a drop or a malformed body must not assume its write was lost or done.
  [I] our choice: that keeps "did the write happen?" answerable in tests (only `status_after` says yes).

The first rule that fires wins; later rules do not see that request. Rules live in
`sandbox.state["faults"]`; `set_faults(sandbox, rules)` replaces them (benchmarks, tests), and with
`SandboxConfig.admin_routes` on, `POST/GET/DELETE /__sandbox__/faults` does the same over HTTP.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wrike_mcp.sandbox.app import API_PREFIX, Sandbox

KINDS = ("latency", "status", "status_after", "hang", "malformed", "drop")
STATUSES = (429, 500, 502, 503, 504)
HANG_LIMIT = 60.0
RATE_LIMITED = {"errorDescription": "IP or access token exceeded limit: 400 requests per minute",
                "error": "rate_limit_exceeded"}  # fmt: skip
SERVER_ERROR = {"errorDescription": "Server side error", "error": "server_error"}


class FaultRuleError(ValueError):
    """A rule that does not make sense; the message names the field."""


class ConnectionDropped(Exception):
    """Raised by a `drop` fault so the server breaks the connection mid-response."""


@dataclass
class FaultRule:
    kind: str
    path: str = API_PREFIX + "/*"
    method: str | None = None
    status: int | None = None
    seconds: float | None = None
    retryAfter: int = 1  # the JSON name
    every: int | None = None
    rate: float | None = None
    times: int | None = None
    matched: int = 0
    applied: int = 0

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> FaultRule:
        unknown = set(raw) - {
            "kind",
            "path",
            "method",
            "status",
            "seconds",
            "retryAfter",
            "every",
            "rate",
            "times",
        }
        if unknown:
            raise FaultRuleError(f"unknown rule field '{sorted(unknown)[0]}'")
        try:
            rule = cls(**{k: v for k, v in raw.items() if v is not None})
        except TypeError:
            raise FaultRuleError("kind is required") from None
        rule._validate()
        if not rule.path.startswith(API_PREFIX):
            rule.path = API_PREFIX + (rule.path if rule.path.startswith("/") else "/" + rule.path)
        rule.method = rule.method.upper() if rule.method else None
        return rule

    def _validate(self) -> None:
        checks = [
            (self.kind in KINDS, "kind"),
            (isinstance(self.path, str), "path"),
            (self.method is None or isinstance(self.method, str), "method"),
            (self.kind != "status" or self.status in STATUSES, "status"),
            (self.kind != "latency" or _is_number(self.seconds, 0, 3600), "seconds"),
            (
                self.kind != "hang" or self.seconds is None or _is_number(self.seconds, 0, HANG_LIMIT),
                "seconds",
            ),
            (_is_int(self.retryAfter, 0), "retryAfter"),
            (self.every is None or _is_int(self.every, 1), "every"),
            (self.rate is None or _is_number(self.rate, 0, 1), "rate"),
            (self.every is None or self.rate is None, "every"),
            (self.times is None or _is_int(self.times, 0), "times"),
        ]
        for ok, name in checks:
            if not ok:
                raise FaultRuleError(f"rule field '{name}' is invalid")

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def fires(self, method: str, path: str, rng: random.Random) -> bool:
        """Whether this request gets the fault; counts it either way."""
        if self.method not in (None, method) or not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.times is not None and self.applied >= self.times:
            return False
        self.matched += 1
        if self.every is not None:
            hit = self.matched % self.every == 0
        else:
            hit = self.rate is None or rng.random() < self.rate
        self.applied += hit
        return hit


def _is_number(value: Any, lo: float, hi: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi


def _is_int(value: Any, lo: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= lo


@dataclass
class FaultState:
    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)


def fault_state(sandbox: Sandbox) -> FaultState:
    """The sandbox's rules; plain rule dicts put in `sandbox.state["faults"]` are parsed on first use."""
    state = sandbox.state.setdefault("faults", FaultState(rng=random.Random(sandbox.workspace.seed)))
    if not isinstance(state, FaultState):
        return set_faults(sandbox, state)
    return state


def set_faults(
    sandbox: Sandbox, rules: Iterable[Mapping[str, Any] | FaultRule], seed: int | None = None
) -> FaultState:
    """Replace every rule and reseed the RNG behind `rate`; an empty list clears them.

    Raises FaultRuleError for a rule that does not validate (nothing is replaced then)."""
    parsed = [r if isinstance(r, FaultRule) else FaultRule.parse(r) for r in rules]
    state = FaultState(parsed, random.Random(sandbox.workspace.seed if seed is None else seed))
    sandbox.state["faults"] = state
    return state


def clear_faults(sandbox: Sandbox) -> None:
    set_faults(sandbox, [])


# --- the middleware -------------------------------------------------------------------------------


def wrap_app(sandbox: Sandbox, app: ASGIApp) -> ASGIApp:
    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        rule = _firing_rule(sandbox, scope) if scope["type"] == "http" else None
        if rule is None:
            await app(scope, receive, send)
        else:
            await _apply(sandbox, rule, app, scope, receive, send)

    return faulty


def _firing_rule(sandbox: Sandbox, scope: Scope) -> FaultRule | None:
    path: str = scope["path"]
    if not path.startswith(API_PREFIX + "/"):
        return None
    state = fault_state(sandbox)
    if not state.rules:
        return None
    override = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("method")
    method = (override[0] if override else scope["method"]).upper()
    return next((rule for rule in state.rules if rule.fires(method, path, state.rng)), None)


async def _apply(
    sandbox: Sandbox, rule: FaultRule, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    if rule.kind == "latency":
        await sandbox.clock.sleep(float(rule.seconds or 0))
        await app(scope, receive, send)
    elif rule.kind == "status":
        await _status_response(int(rule.status or 500), rule.retryAfter)(scope, receive, send)
    elif rule.kind == "status_after":
        await app(scope, receive, _discard)
        await JSONResponse(SERVER_ERROR, status_code=500)(scope, receive, send)
    elif rule.kind == "hang":
        if not await _hang(receive, HANG_LIMIT if rule.seconds is None else float(rule.seconds)):
            await _status_response(504, 0)(scope, receive, send)
    elif rule.kind == "malformed":
        await _malformed(scope, send)
    else:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise ConnectionDropped("fault injection: connection dropped")


def _status_response(status: int, retry_after: int) -> Response:
    if status == 429:
        return JSONResponse(RATE_LIMITED, status_code=429, headers={"Retry-After": str(retry_after)})
    if status == 500:
        return JSONResponse(SERVER_ERROR, status_code=500)
    names = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    return HTMLResponse(f"<html><body><h1>{status} {names[status]}</h1></body></html>", status_code=status)


async def _discard(message: Message) -> None:
    """The send of a `status_after` handler run: its reply is the one that gets lost."""


async def _hang(receive: Receive, bound: float) -> bool:
    """Wait until the client disconnects (True) or `bound` real seconds pass (False).

    Real time on purpose: a hang stands for a stuck server, so a FakeClock must not skip it; the
    client's own timeout is what ends it in tests.
    """
    never = asyncio.Event()  # nothing sets it: the point is to wait

    async def client_gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    waiters = {asyncio.ensure_future(client_gone()), asyncio.ensure_future(never.wait())}
    done, pending = await asyncio.wait(waiters, timeout=bound, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return bool(done)


async def _malformed(scope: Scope, send: Send) -> None:
    kind = scope["path"][len(API_PREFIX) + 1 :].split("/")[0] or "unknown"
    body = json.dumps({"kind": kind, "data": [{"id": "MAAAAAXXXXXX", "title": "x"}]}).encode()
    truncated = body[: len(body) // 2]
    headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(truncated)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": truncated})


# --- the admin route ------------------------------------------------------------------------------


def extra_routes(sandbox: Sandbox) -> list[BaseRoute]:
    """`/__sandbox__/faults`, only for test harnesses (`admin_routes`); otherwise it does not exist (404)."""
    if not sandbox.config.admin_routes:
        return []

    async def admin(request: Request) -> Response:
        if request.method == "POST":
            try:
                raw = json.loads(await request.body() or b"[]")
                rules = raw.get("rules", []) if isinstance(raw, dict) else raw
                seed = raw.get("seed") if isinstance(raw, dict) else None
                if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
                    raise FaultRuleError("rules must be a list of objects")
                set_faults(sandbox, rules, seed if isinstance(seed, int) else None)
            except (ValueError, FaultRuleError) as error:
                return JSONResponse(
                    {"errorDescription": str(error), "error": "invalid_parameter"}, status_code=400
                )
        elif request.method == "DELETE":
            clear_faults(sandbox)
        return JSONResponse({"rules": [rule.to_json() for rule in fault_state(sandbox).rules]})

    return [Route("/__sandbox__/faults", admin, methods=["GET", "POST", "DELETE"])]
