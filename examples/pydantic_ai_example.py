"""wrike-mcp in Pydantic AI (`pip install "wrike-mcp[examples]"`, or `pip install "pydantic-ai-slim[mcp]"`).

Loads the Wrike tools as a toolset and calls one directly, so it runs without a model or an API key:

    python examples/pydantic_ai_example.py                                   # stdio, on the sandbox
    python examples/pydantic_ai_example.py --http http://127.0.0.1:8000/mcp  # streamable HTTP

(For --http, first start `wrike-mcp serve --transport http --sandbox --accept-wrike-tokens`.)
Pydantic AI 2 replaced `MCPServerStdio`/`MCPServerStreamableHTTP` with one `MCPToolset`.
"""

from __future__ import annotations

import asyncio

from _common import CALL, Target, report, target_from_args
from fastmcp.client.transports import StdioTransport
from pydantic_ai.mcp import MCPToolset


def wrike_toolset(target: Target) -> MCPToolset:
    if target.url:
        # A real deployment authenticates with OAuth: `MCPToolset(url, auth="oauth")`.
        return MCPToolset(target.url, headers=target.headers)
    return MCPToolset(StdioTransport(target.command, target.args, env=target.env, keep_alive=False))


async def main() -> None:
    target = target_from_args(__doc__ or "")
    toolset = wrike_toolset(target)
    async with toolset:
        tools = await toolset.list_tools()
        result = await toolset.direct_call_tool(*CALL)  # the structured content: Wrike's {"kind", "data"}
        report(target, "pydantic-ai", [tool.name for tool in tools], result)

        # Where the model plugs in (needs e.g. OPENAI_API_KEY and `pip install "pydantic-ai-slim[openai]"`):
        #
        #     from pydantic_ai import Agent
        #     agent = Agent("openai:gpt-5", toolsets=[toolset])
        #     answer = await agent.run("Which tasks were completed last week?")
        #     print(answer.output)


if __name__ == "__main__":
    asyncio.run(main())
