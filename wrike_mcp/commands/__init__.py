"""`wrike-mcp` subcommands, one module each; see `wrike_mcp/cli.py`."""
