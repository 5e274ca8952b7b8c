"""Who may see and call which tool: one decision function (see `scopes.py`)."""

from wrike_mcp.policy.scopes import Access, Decision, Reason, decide, resolve_toolsets

__all__ = ["Access", "Decision", "Reason", "decide", "resolve_toolsets"]
