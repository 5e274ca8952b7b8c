"""wrike-mcp: every Wrike REST API v4 method as a scope-gated MCP tool."""

__version__ = "0.1.0"
