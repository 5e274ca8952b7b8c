"""OAuth for wrike-mcp: Wrike's flow as a client (`wrike_oauth`), sealed stateless tokens (`sealing`), the
MCP authorization server in front of Wrike (`provider`, `consent`), and the stdio user's login
(`token_store`, `loopback`)."""
