"""``ptpoll bench``: every benchmark yields complete rows and figures.

No timing is asserted: ``--quick`` sizes say nothing about speed, and CI
machines are shared. What must hold is that each benchmark runs to the
end, gives a value for every column of every row, and that every figure is
a PNG file; and that bad arguments give one line and exit status 1.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ptpoll.tools.bench import plots
from ptpoll.tools.bench.cli import BENCHMARKS
from ptpoll.tools.bench.common import percentiles, spread

PNG = b"\x89PNG\r\n\x1a\n"

# The measured columns of each benchmark: all must be finite numbers.
COLUMNS = {
    "roundtrip": ["us_per_stop", "stops_per_s", "spread", "ratio"],
    "latency": [
        "signal_p50_us",
        "signal_p99_us",
        "signal_max_us",
        "ratio",
        "signal_p99_spread",
        "request_p50_us",
        "request_p99_us",
        "request_max_us",
    ],
    "scale": [
        "cost_us",
        "spread",
        "ratio_to_1",
        "ratio_to_baseline",
        "tracer_us",
        "stops_per_s",
        "attach_ms",
        "detach_ms",
    ],
    "trace": ["ratio", "spread"],
}


def bench(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "ptpoll", "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.timeout(900)
def test_quick_run_gives_every_row_and_every_figure(tmp_path: Path) -> None:
    out, figures = tmp_path / "bench.json", tmp_path / "figures"
    proc = bench("--quick", "--json", str(out), "--plot", str(figures), timeout=840)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr

    doc = json.loads(out.read_text())
    assert doc["benchmarks"] == list(BENCHMARKS)
    rows = doc["rows"]
    for name, columns in COLUMNS.items():
        mine = [row for row in rows if row["benchmark"] == name]
        assert mine, f"no row for {name}"
        for row in mine:
            for column in columns:
                value = row[column]
                assert isinstance(value, (int, float)), (name, column, row)
                assert math.isfinite(value), (name, column, row)
        # Every design appears under every pinning (or layout and size).
        group = "layout" if name == "scale" else "pinning"
        groups = {row[group] for row in mine}
        designs = {row["design"] for row in mine}
        sizes = {row.get("tracees") for row in mine}
        assert len(mine) == len(groups) * len(designs) * len(sizes), name
        assert len(groups) == 2, (name, groups)
    trace_rows = [row for row in rows if row["benchmark"] == "trace"]
    for row in trace_rows:
        for tool in ("untraced", "strace", "ptpoll"):
            assert row["median_seconds"][tool] > 0, row

    for name in plots.FIGURES.values():
        data = (figures / name).read_bytes()
        assert data.startswith(PNG), name
    for table in ("round trip", "signal latency", "cost per stop", "ptpoll trace"):
        assert table in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch"],
        ["roundtrip", "nosuch"],
        ["--pin", "x"],
        ["--pin", "100000"],
        ["--pin", "-1"],
        ["--repeat", "0"],
        ["--repeat", "x"],
        ["--unknown-option"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_arguments_give_one_line_and_status_1(args: list[str]) -> None:
    proc = bench(*args)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ptpoll bench: ")


def test_plot_without_matplotlib_is_one_line(tmp_path: Path) -> None:
    # A module set to None in sys.modules cannot be imported.
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from ptpoll.tools.cli import main\n"
        f"sys.exit(main(['bench', 'roundtrip', '--plot', {str(tmp_path)!r}]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "ptpoll bench: --plot needs matplotlib, which is not installed"
        " (pip install 'ptpoll[plot]')"
    ]


def test_missing_compiler_is_one_line(tmp_path: Path) -> None:
    # An empty cache, so the tracee must be built, and no cc on PATH.
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), PATH=str(tmp_path))
    proc = bench("roundtrip", "--quick", env=env)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "ptpoll bench: a C compiler (cc or gcc) is needed to build tracee.c;"
        " none is on PATH"
    ]


def test_percentiles_and_spread() -> None:
    values = list(range(1, 201))
    assert percentiles(values) == (101, 198, 200)
    assert percentiles([5.0]) == (5.0, 5.0, 5.0)
    assert spread([1.0, 2.0, 3.0]) == 1.0
    assert spread([4.0]) == 0.0
