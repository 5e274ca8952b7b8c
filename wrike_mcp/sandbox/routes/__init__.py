"""Sandbox endpoint modules, one per Wrike area; each exposes `router` (see `endpoint.py`)."""
