"""PNG figures of the rows (matplotlib, the optional ``plot`` extra).

- ``latency_cdf.png``: the distribution of signal latency per design in
  the signal-latency scenario, pinned and unpinned;
- ``throughput.png``: syscall-stops per second per tracer (round trip),
  as bars, pinned and unpinned;
- ``scale.png``: the CPU cost that tracing adds per stop against the
  number of tracees, one line per design, for each layout.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .common import BenchError, Row

__all__ = ["FIGURES", "check_available", "write"]

FIGURES = {
    "latency": "latency_cdf.png",
    "roundtrip": "throughput.png",
    "scale": "scale.png",
}


def check_available() -> None:
    """Raise BenchError unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise BenchError(
            "--plot needs matplotlib, which is not installed"
            " (pip install 'ptpoll[plot]')"
        ) from None


def write(rows: Sequence[Row], directory: str) -> list[str]:
    """Write the figures of the benchmarks present in *rows*; their paths."""
    check_available()
    import matplotlib

    matplotlib.use("Agg")
    os.makedirs(directory, exist_ok=True)
    by_bench: dict[str, list[Row]] = {}
    for row in rows:
        by_bench.setdefault(row["benchmark"], []).append(row)
    written = []
    for bench, draw in (
        ("latency", _latency_cdf),
        ("roundtrip", _throughput),
        ("scale", _scale),
    ):
        if bench in by_bench:
            path = os.path.join(directory, FIGURES[bench])
            draw(by_bench[bench], path)
            written.append(path)
    return written


def _pinnings(rows: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(row["pinning"] for row in rows))


def _latency_cdf(rows: Sequence[Row], path: str) -> None:
    import matplotlib.pyplot as plt

    pinnings = _pinnings(rows)
    fig, axes = plt.subplots(
        1, len(pinnings), figsize=(6 * len(pinnings), 4.5), squeeze=False
    )
    for ax, pin in zip(axes[0], pinnings, strict=True):
        for row in rows:
            if row["pinning"] != pin:
                continue
            values = sorted(row["signal_us"])
            n = len(values)
            ax.step(
                values,
                [(i + 1) / n for i in range(n)],
                where="post",
                label=row["design"],
            )
        ax.set_xscale("log")
        ax.set_xlabel("signal latency (µs, log scale)")
        ax.set_ylabel("fraction of signals")
        ax.set_title(f"signal latency under load, {pin}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small", loc="lower right")
    _save(fig, path)


def _throughput(rows: Sequence[Row], path: str) -> None:
    import matplotlib.pyplot as plt

    pinnings = _pinnings(rows)
    designs = list(dict.fromkeys(row["design"] for row in rows))
    value = {(r["pinning"], r["design"]): r["stops_per_s"] / 1e3 for r in rows}
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(designs) + 1.5))
    height = 0.8 / len(pinnings)
    for i, pin in enumerate(pinnings):
        ys = [d + i * height for d in range(len(designs))]
        xs = [value.get((pin, d), 0.0) for d in designs]
        ax.barh(ys, xs, height=height, label=pin)
    ax.set_yticks([d + 0.4 - height / 2 for d in range(len(designs))])
    ax.set_yticklabels(designs, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("thousand syscall-stops per second (one tracee)")
    ax.set_title("stop throughput per tracer")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize="small")
    _save(fig, path)


def _scale(rows: Sequence[Row], path: str) -> None:
    import matplotlib.pyplot as plt

    layouts = list(dict.fromkeys(row["layout"] for row in rows))
    fig, axes = plt.subplots(
        1, len(layouts), figsize=(6 * len(layouts), 4.5), squeeze=False
    )
    for ax, layout in zip(axes[0], layouts, strict=True):
        lines: dict[str, list[tuple[int, float]]] = {}
        for row in rows:
            if row["layout"] == layout:
                lines.setdefault(row["design"], []).append(
                    (row["tracees"], row["cost_us"])
                )
        for design, points in lines.items():
            points.sort()
            ax.plot(
                [p[0] for p in points], [p[1] for p in points], marker="o", label=design
            )
        counts = sorted({row["tracees"] for row in rows})
        ax.set_xscale("log")
        ax.set_xticks(counts, [str(c) for c in counts])
        ax.set_xlabel("traced threads")
        ax.set_ylabel("CPU µs per stop added by tracing")
        ax.set_title(f"cost per stop, {layout}")
        ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    _save(fig, path)


def _save(fig: Any, path: str) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
