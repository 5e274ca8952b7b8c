"""The Wrike HTTP client: where requests go, how they are authenticated, how failures are mapped."""

from wrike_mcp.wrike.client import UpstreamRequest, WrikeClient, WrikeCredentials, WrikeResponse
from wrike_mcp.wrike.hosts import DEFAULT_HOST, api_base_url

__all__ = [
    "DEFAULT_HOST",
    "UpstreamRequest",
    "WrikeClient",
    "WrikeCredentials",
    "WrikeResponse",
    "api_base_url",
]
