"""The SDK floor: a bare low-level `mcp` Server with one trivial tool, the cheapest server the SDK allows.

    python -m bench.floor stdio [--upstream URL --token T]
    python -m bench.floor http --port N [--upstream URL --token T]

Built as mcp-sdk.md §1.2 recommends (handlers in the constructor, `get_tool_input_schema` set), served
the way wrike-mcp serves: stdio, or stateless streamable HTTP with SSE responses under uvicorn. Whatever a
call costs here is what the SDK itself costs; wrike-mcp's overhead is judged against it. With
`--upstream`, a second tool `fetch` makes the same GET wrike-mcp's `get_tasks` makes (one httpx request
to the sandbox, the body returned as text): what the SDK costs for a tool that waits on an upstream, so
latency and throughput can also be compared at equal upstream work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    import httpx

ADD = types.Tool(
    name="add",
    description="Add two numbers.",
    input_schema={
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
        "additionalProperties": False,
    },
)
FETCH = types.Tool(
    name="fetch",
    description="GET one task from the upstream, body as text.",
    input_schema={
        "type": "object",
        "properties": {"taskId": {"type": "string"}},
        "required": ["taskId"],
        "additionalProperties": False,
    },
)
ADD_ARGUMENTS = {"a": 2, "b": 3}
HEALTH_PATH = "/healthz"  # for the benchmark to see it is up (a GET on /mcp opens an endless stream)


class Upstream:
    """The one pooled httpx client the `fetch` tool uses (as wrike-mcp keeps one per process)."""

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url
        self.headers = {"Authorization": f"bearer {token}"}
        self._client: httpx.AsyncClient | None = None

    async def get_task(self, task_id: str) -> str:
        if self._client is None:  # made inside the running loop that will use it
            import httpx  # here: the stdio floor never pays for importing it

            self._client = httpx.AsyncClient(headers=self.headers, timeout=30)
        response = await self._client.get(f"{self.api_url}/tasks/{task_id}")
        response.raise_for_status()
        return response.text


def build_floor(upstream: Upstream | None = None) -> Server[Any]:
    tools = [ADD] if upstream is None else [ADD, FETCH]
    by_name = {tool.name: tool for tool in tools}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        args = params.arguments or {}
        if params.name == "fetch" and upstream is not None:
            text = await upstream.get_task(str(args["taskId"]))
        else:
            text = str(args.get("a", 0) + args.get("b", 0))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    def input_schema(name: str) -> dict[str, Any] | None:
        tool = by_name.get(name)
        return tool.input_schema if tool else None

    return Server(
        "sdk-floor",
        version="1",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=input_schema,
    )


async def _serve_stdio(upstream: Upstream | None) -> None:
    server = build_floor(upstream)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _serve_http(port: int, upstream: Upstream | None) -> None:
    import uvicorn

    app = build_floor(upstream).streamable_http_app(
        stateless_http=True, json_response=False, custom_starlette_routes=[Route(HEALTH_PATH, _health)]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", help="the sandbox's API URL, for the `fetch` tool")
    parser.add_argument("--token", default="", help="bearer token for --upstream")
    args = parser.parse_args(argv)
    upstream = Upstream(args.upstream, args.token) if args.upstream else None
    if args.transport == "stdio":
        asyncio.run(_serve_stdio(upstream))
    else:
        _serve_http(args.port, upstream)
    return 0


if __name__ == "__main__":
    sys.exit(main())
