"""What the benchmarks share: settings, the compiled programs, statistics.

Every benchmark runs its baselines in the same invocation and reports
ratios to them: absolute times move by tens of percent between runs on a
shared machine, ratios much less.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

__all__ = [
    "WALL",
    "BenchError",
    "Benchmark",
    "Config",
    "Row",
    "Step",
    "build_program",
    "percentiles",
    "pinned",
    "spread",
]

WALL = 0x40000000  # __WALL: stops of threads and of children alike

Row = dict[str, Any]


class BenchError(Exception):
    """A benchmark cannot run here; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of one ``ptpoll bench`` invocation.

    *pin* is the CPU of the pinned runs; *repeat* None means each
    benchmark's own default; *quick* asks for tiny sizes.
    """

    pin: int
    all_cpus: frozenset[int]
    quick: bool = False
    repeat: int | None = None
    programs: dict[str, str] = field(default_factory=dict)

    def repeats(self, default: int) -> int:
        if self.repeat is not None:
            return self.repeat
        return 2 if self.quick else default

    def pinnings(self) -> dict[str, set[int]]:
        """Pinned first (tracer and tracee share one CPU), then unpinned."""
        return {f"pinned (CPU {self.pin})": {self.pin}, "unpinned": set(self.all_cpus)}


@dataclass(frozen=True, slots=True)
class Step:
    """One measured run; *label* is what the progress line shows."""

    label: str
    run: Callable[[], None]


class Benchmark(Protocol):
    name: str
    title: str

    def steps(self) -> list[Step]: ...

    def rows(self) -> list[Row]: ...

    def table(self) -> str: ...


@contextmanager
def pinned(cpus: set[int]) -> Iterator[None]:
    """Run the calling thread (and the threads and children it starts
    meanwhile) on *cpus*: ``sched_setaffinity(0)`` is per thread."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    path = os.path.join(base, "ptpoll", "bench")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        path = os.path.join(tempfile.gettempdir(), f"ptpoll-bench-{os.getuid()}")
        os.makedirs(path, exist_ok=True)
    return path


def build_program(source: str, flags: Sequence[str] = ("-O1", "-pthread")) -> str:
    """Compile ``programs/<source>`` (package data) with cc; the path of
    the executable. Built once per source text and flags, in a cache
    directory. Raises BenchError without a compiler or when cc fails."""
    text = (resources.files(__package__) / "programs" / source).read_bytes()
    key = hashlib.sha256(text + " ".join(flags).encode()).hexdigest()[:16]
    directory = _cache_dir()
    stem = source.rsplit(".", 1)[0]
    out = os.path.join(directory, f"{stem}-{key}")
    if os.access(out, os.X_OK):
        return out
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise BenchError(
            f"a C compiler (cc or gcc) is needed to build {source}; none is on PATH"
        )
    src = os.path.join(directory, f"{stem}-{key}.c")
    with open(src, "wb") as f:
        f.write(text)
    # Built under a temporary name, then renamed: two benchmark runs at
    # once must never execute a half-written file.
    tmp = f"{out}.{os.getpid()}.tmp"
    proc = subprocess.run(
        [cc, *flags, "-o", tmp, src], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise BenchError(f"{cc} could not build {source}: {first}")
    os.replace(tmp, out)
    return out


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p99, max) by the nearest-rank method; values must not be empty."""
    ordered = sorted(values)
    p99 = ordered[max(0, -(-len(ordered) * 99 // 100) - 1)]
    return ordered[len(ordered) // 2], p99, ordered[-1]


def spread(samples: Sequence[float]) -> float:
    """(max - min) / median over repeated runs; 0 for a single run."""
    med = statistics.median(samples)
    return (max(samples) - min(samples)) / med if med else 0.0


def machine() -> dict[str, Any]:
    """What the numbers depend on, for the report and the JSON file."""
    uname = os.uname()
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return {
        "kernel": f"{uname.sysname} {uname.release}",
        "arch": uname.machine,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "loadavg": [round(x, 2) for x in load],
    }
