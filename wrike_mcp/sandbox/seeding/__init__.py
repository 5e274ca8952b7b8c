"""Build a deterministic workspace from a seed.

`bootstrap` makes what every Wrike account has (root, recycle bin, the default workflow, people and
tokens). Then every module in this package with a `seed(ws, rng, size)` function runs, in order of its
`ORDER` constant, so each area seeds its own data without touching the others' files.
"""

from __future__ import annotations

import importlib
import pkgutil
import random

from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.sandbox.seeding.bootstrap import DEFAULT_PEOPLE, bootstrap
from wrike_mcp.sandbox.store import Workspace

DEFAULT_SEED = 7
DEFAULT_SIZE = 300  # tasks; `--size 10000` for paging benchmarks


def build_workspace(
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_SIZE,
    clock: Clock | None = None,
    people: int = DEFAULT_PEOPLE,
) -> Workspace:
    """`people`: persons in the account (the named 12, then generated ones, each with a Default token)."""
    ws = bootstrap(seed, clock or SystemClock(), people)
    rng = random.Random(seed)
    seeders = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "seed"):
            seeders.append((getattr(module, "ORDER", 100), info.name, module.seed))
    for _order, _name, seed_area in sorted(seeders):
        seed_area(ws, rng, size)
    return ws
