"""Manifest entries as MCP tools: schemas, argument checks, request building, the handler, results."""
