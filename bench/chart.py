"""The results chart (PNG) beside RESULTS.md: each figure drawn against its floor or target.

matplotlib is optional (the `bench` extra): without it the chart is skipped with a note, so the quick
run inside the test suite needs nothing beyond the test tools.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from bench.harness import Section

CHART = Path(__file__).with_name("results.png")


def draw(sections: dict[str, Section], path: Path = CHART) -> str:
    """Draw what the sections measured; returns the line RESULTS.md shows for the chart."""
    if importlib.util.find_spec("matplotlib") is None:
        return "Chart skipped: matplotlib is not installed (`pip install -e '.[bench]'`)."
    import matplotlib

    matplotlib.use("Agg")  # no display here: render straight to a file
    import matplotlib.pyplot as plt

    panels = [
        (name, painter) for name, painter in PAINTERS.items() if name in sections and sections[name].data
    ]
    if not panels:
        return "Chart skipped: no section produced figures to draw."
    rows = 1 if len(panels) <= 2 else 2
    columns = -(-len(panels) // rows)
    figure, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 4.4 * rows), squeeze=False)
    cells = [axis for row in axes for axis in row]
    for axis, (name, painter) in zip(cells, panels, strict=False):
        painter(axis, sections[name].data)
    for axis in cells[len(panels) :]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"![benchmark chart]({path.name})"


def _bars(axis: Any, labels: list[str], series: dict[str, list[float]]) -> None:
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        axis.bar([i + index * width for i in range(len(labels))], values, width, label=name)
    axis.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels)
    axis.legend(fontsize=8)


def _overhead(axis: Any, data: dict[Any, Any]) -> None:
    transports = list(data)
    _bars(axis, transports, {
        "wrike-mcp added (p50)": [data[t]["added"] for t in transports],
        "SDK floor + same GET, added": [data[t]["fetch"] for t in transports],
        "SDK floor round trip (p50)": [data[t]["floor"] for t in transports],
        "target: 1.5x floor": [1.5 * data[t]["floor"] for t in transports],
    })  # fmt: skip
    axis.set_title("Call overhead (ms)")


def _throughput(axis: Any, data: dict[Any, Any]) -> None:
    levels = list(data)
    _bars(axis, [f"{c} clients" for c in levels], {
        "wrike-mcp": [data[c]["ours"] for c in levels],
        "floor, same GET": [data[c]["floor_fetch"] for c in levels],
        "floor, trivial": [data[c]["floor_trivial"] for c in levels],
    })  # fmt: skip
    axis.set_title("Hosted throughput (calls/s)")


def _startup(axis: Any, data: dict[Any, Any]) -> None:
    labels = ["cold start", "memory"]
    figures = list(data.values())
    _bars(axis, labels, {
        "wrike-mcp / floor": [f["ours"] / f["floor"] for f in figures],
        "target": [1.3, 1.3],
    })  # fmt: skip
    axis.set_title("Start-up and memory (ratio to floor)")


def _catalogue(axis: Any, data: dict[Any, Any]) -> None:
    areas = data["areas"]
    axis.barh(list(areas), [areas[a] / 1000 for a in areas], color="tab:blue")
    axis.set_title(
        f"tools/list kB per toolset (all: {data['total'] / 1000:.1f}, default: {data['default'] / 1000:.1f})"
    )
    axis.title.set_fontsize(9)


PAINTERS = {
    "bench.call_overhead": _overhead,
    "bench.hosted_throughput": _throughput,
    "bench.startup": _startup,
    "bench.catalogue": _catalogue,
}
