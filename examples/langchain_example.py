"""wrike-mcp in LangChain, through `langchain.mcp` (`pip install "wrike-mcp[examples]"`, or
`pip install "langchain[mcp]"`).

Loads the Wrike tools as LangChain tools and calls one directly, so it runs without a model or an API key:

    python examples/langchain_example.py                                   # stdio, on the sandbox
    python examples/langchain_example.py --http http://127.0.0.1:8000/mcp  # streamable HTTP

(For --http, first start `wrike-mcp serve --transport http --sandbox --accept-wrike-tokens`.)

Why not `langchain-mcp-adapters`: every release of it imports `mcp.server.fastmcp` and
`mcp.shared.context.RequestContext`, which the MCP SDK 2.x removed, and 0.3.2 pins `mcp<2`; wrike-mcp is
built on mcp 2.3. `langchain.mcp` (LangChain's own successor to it, in beta) runs on mcp 2.x and gives
the same tools and results.
"""

from __future__ import annotations

import asyncio

from _common import CALL, Target, report, target_from_args
from fastmcp.client.transports import ClientTransport, StdioTransport, StreamableHttpTransport
from langchain.mcp import MCPAdapter


def wrike_transport(target: Target) -> ClientTransport:
    if target.url:
        # A real deployment authenticates with OAuth: `StreamableHttpTransport(url, auth="oauth")`.
        return StreamableHttpTransport(target.url, headers=target.headers)
    return StdioTransport(target.command, target.args, env=target.env, keep_alive=False)


async def main() -> None:
    target = target_from_args(__doc__ or "")
    async with MCPAdapter(wrike_transport(target)) as adapter:
        tools = await adapter.list_tools()  # LangChain StructuredTools, one per Wrike tool
        search = next(tool for tool in tools if tool.name == CALL[0])
        # Invoked as a tool call (as an agent would), the ToolMessage carries Wrike's JSON as its artifact.
        message = await search.ainvoke(
            {"type": "tool_call", "id": "call-1", "name": CALL[0], "args": CALL[1]}
        )
        report(target, "langchain", [tool.name for tool in tools], message.artifact["structured_content"])

        # Where the model plugs in (needs e.g. OPENAI_API_KEY and `pip install langchain-openai`):
        #
        #     from langchain.agents import create_agent
        #     agent = create_agent("openai:gpt-5", tools)
        #     answer = await agent.ainvoke({"messages": [{"role": "user", "content": "What is overdue?"}]})
        #     print(answer["messages"][-1].content)


if __name__ == "__main__":
    asyncio.run(main())
