"""The benchmarks run end to end in quick mode, so they cannot rot (figures are judged in bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quick_benchmark_run_prints_every_section_with_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    from bench.run import MODULES

    assert done.stdout.count("\n## ") + done.stdout.startswith("## ") == len(MODULES)
    table_rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table_rows) > len(MODULES), "every section has a header and at least one row of figures"
