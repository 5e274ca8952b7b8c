"""wrike-mcp in the OpenAI Agents SDK (`pip install "wrike-mcp[examples]"`, or `pip install openai-agents`).

Loads the Wrike tools and calls one directly, so it runs without a model or an API key:

    python examples/openai_agents_example.py                               # stdio, on the sandbox
    python examples/openai_agents_example.py --http http://127.0.0.1:8000/mcp   # streamable HTTP

(For --http, first start `wrike-mcp serve --transport http --sandbox --accept-wrike-tokens`.)
"""

from __future__ import annotations

import asyncio

from _common import CALL, Target, report, target_from_args
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp


def wrike_server(target: Target) -> MCPServerStdio | MCPServerStreamableHttp:
    if target.url:
        # A real deployment authenticates with OAuth: pass `httpx_client_factory=` a factory whose client
        # carries `mcp.client.auth.OAuthClientProvider` instead of a fixed bearer header.
        return MCPServerStreamableHttp(
            params={"url": target.url, "headers": target.headers}, name="wrike", cache_tools_list=True
        )
    return MCPServerStdio(
        params={"command": target.command, "args": target.args, "env": target.env},
        name="wrike",
        cache_tools_list=True,  # the catalogue does not change while the server runs
        client_session_timeout_seconds=30,
    )


async def main() -> None:
    target = target_from_args(__doc__ or "")
    async with wrike_server(target) as wrike:
        tools = await wrike.list_tools()
        result = await wrike.call_tool(*CALL)  # an mcp CallToolResult: structured content plus text
        report(target, "openai-agents", [tool.name for tool in tools], result.structured_content)

        # Where the model plugs in (needs OPENAI_API_KEY): the agent lists and calls the tools itself.
        #
        #     from agents import Agent, Runner
        #     agent = Agent(name="Wrike assistant", instructions="Answer from Wrike.", mcp_servers=[wrike])
        #     answer = await Runner.run(agent, "Which of my tasks are due this week?")
        #     print(answer.final_output)


if __name__ == "__main__":
    asyncio.run(main())
