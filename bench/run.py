"""Run every benchmark, print the tables, and write `bench/RESULTS.md` with a chart (`bench/results.png`).

python -m bench.run           # full run (about two to three minutes on two cores)
python -m bench.run --quick   # a smoke run, used by the test suite so the benchmarks cannot rot
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from pathlib import Path

from bench.chart import draw
from bench.harness import Section

# The benchmark modules, in the order their sections appear in RESULTS.md.
MODULES = [
    "bench.call_overhead",
    "bench.catalogue",
    "bench.hosted_throughput",
    "bench.startup",
    "bench.scale",
    "bench.policy_audit",
    "bench.sandbox_throughput",
]
RESULTS = Path(__file__).with_name("RESULTS.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sample sizes; does not write RESULTS.md")
    parser.add_argument("--only", help="one module, e.g. bench.startup (writes nothing without --output)")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sections: dict[str, Section] = {}
    for name in [args.only] if args.only else MODULES:
        section: Section = importlib.import_module(name).run(args.quick)
        print(section.markdown(), flush=True)
        sections[name] = section
    elapsed = time.perf_counter() - started
    output = args.output or (None if args.quick or args.only else RESULTS)
    if output is not None:
        chart = draw(sections, output.with_name(output.stem.lower() + ".png"))
        output.write_text(_document(list(sections.values()), elapsed, chart))
    print(f"benchmarks finished in {elapsed:.0f} s", file=sys.stderr)
    return 0


def _document(sections: list[Section], elapsed: float, chart: str) -> str:
    header = [
        "# Benchmark results",
        "",
        f"Latest full run of `python -m bench.run`: {time.strftime('%Y-%m-%d')}, "
        f"Python {platform.python_version()}, {platform.machine()}, 2 cores; took {elapsed:.0f} s.",
        "All figures in one table come from the same run on the same machine; every comparison is made "
        "in that run (wrike-mcp beside the SDK floor), never against another day's numbers.",
        "",
        chart,
        "",
    ]
    return "\n".join(header) + "\n" + "\n".join(section.markdown() for section in sections)


if __name__ == "__main__":
    sys.exit(main())
