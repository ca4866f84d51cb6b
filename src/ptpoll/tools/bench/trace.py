"""Wall time of ``ptpoll trace`` as a ratio to strace on one workload.

The workload (``programs/trace_workload.c``, compiled at run time) makes
six system calls per iteration: getppid, openat + read + close of a small
file, a write to /dev/null and a newfstatat. Each mode runs it untraced,
under strace, under ``ptpoll trace`` and, when python-ptrace is installed
in the same environment, under its ``strace.py``:

- ``-o /dev/null``: ``-f -o /dev/null``, every call decoded and printed;
- ``-c``: ``-f -c -o /dev/null``, counted only;
- ``--seccomp-bpf``: ``--seccomp-bpf -f -e trace=openat,close -o
  /dev/null``; four calls in six are not traced, so they stop the tracee
  only if the filter is missing.

python-ptrace has no ``-c`` and no seccomp filter: its column is empty for
``-c``, and for ``--seccomp-bpf`` it runs ``-f -e openat,close -o
/dev/null``, which stops at every call and prints only those two.

Every mode runs pinned (``taskset -c CPU``: tracer and tracee on one CPU)
and unpinned, interleaved, ``--repeat`` times, in one invocation. A ratio
is taken between runs of the same repeat, then summarised as its median
and its spread (min-max). Wall time includes each tracer's startup, which
the notes measure on ``/bin/true``.

Before timing, the workload runs once under each tracer with ``-c``, and
the call counts of strace and ptpoll must agree, so a tracer that misses
stops cannot look fast.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import BenchError, Config, Row, Step, build_program
from .table import format_table

__all__ = ["TraceBench"]

CALLS_PER_ITERATION = 6
TRACED = "openat,close"
# strace and ptpoll may count the loader's startup a little differently
# (the execve, a failed access); more than this means missed stops.
COUNT_TOLERANCE = 5

# From the issue: ptpoll/strace at most, pinned and unpinned, and
# python-ptrace/ptpoll at least, pinned.
TARGET_PINNED = 1.25
TARGET_UNPINNED = 1.05
TARGET_PYPTRACE = 1.5
TOOLS = ("untraced", "strace", "ptpoll", "pyptrace")


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    strace: tuple[str, ...]
    ptpoll: tuple[str, ...]
    pyptrace: tuple[str, ...] | None


MODES = (
    Mode(
        "-o /dev/null",
        ("-f", "-o", "/dev/null"),
        ("-f", "-o", "/dev/null"),
        ("-f", "-o", "/dev/null"),
    ),
    Mode(
        "-c",
        ("-f", "-c", "-o", "/dev/null"),
        ("-f", "-c", "-o", "/dev/null"),
        None,
    ),
    Mode(
        "--seccomp-bpf",
        ("--seccomp-bpf", "-f", "-e", f"trace={TRACED}", "-o", "/dev/null"),
        ("--seccomp-bpf", "-f", "-e", f"trace={TRACED}", "-o", "/dev/null"),
        ("-f", "-e", TRACED, "-o", "/dev/null"),
    ),
)


@dataclass(frozen=True, slots=True)
class Tools:
    workload: list[str]
    strace: str
    ptpoll: list[str]
    pyptrace: list[str] | None


def scratch_dir() -> str:
    """A directory on tmpfs when there is one, so that the file the
    workload reads and any trace file cost no disk I/O."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        return shm
    return tempfile.gettempdir()


def find_pyptrace() -> list[str] | None:
    """python-ptrace installs strace.py as a script next to the
    interpreter; it is run with this interpreter, not as a module."""
    if importlib.util.find_spec("ptrace") is None:
        return None
    script = shutil.which("strace.py", path=os.path.dirname(sys.executable))
    script = script or shutil.which("strace.py")
    return [sys.executable, script] if script else None


def command(tools: Tools, tool: str, mode_args: tuple[str, ...]) -> list[str]:
    if tool == "untraced":
        return list(tools.workload)
    if tool == "strace":
        return [tools.strace, *mode_args, *tools.workload]
    if tool == "ptpoll":
        return [*tools.ptpoll, *mode_args, "--", *tools.workload]
    assert tools.pyptrace is not None
    return [*tools.pyptrace, *mode_args, "--", *tools.workload]


def timed(cmd: list[str], pin: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [*pin, *cmd],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"{cmd!r} exited {proc.returncode}: {tail!r}")
    return seconds


def summary_counts(path: str) -> dict[str, int]:
    """syscall -> calls from a ``-c`` table (strace's layout, which ptpoll
    copies); the errors column may be blank."""
    counts: dict[str, int] = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) < 5 or not fields[0].replace(".", "").isdigit():
            continue
        counts[fields[-1]] = int(fields[3])
    return counts


def check_tracers(tools: Tools, iterations: int, directory: str) -> list[str]:
    """Run the workload under each tracer once with ``-c`` and compare the
    counts; raise BenchError when a tracer misses calls. Returns notes."""
    notes = []
    expected = {"getppid": iterations, "read": iterations, "write": iterations}
    checks = {
        "full": (("-f", "-c"), expected),
        "seccomp": (
            ("--seccomp-bpf", "-f", "-c", "-e", f"trace={TRACED}"),
            {"openat": iterations, "close": iterations},
        ),
    }
    for check, (args, must) in checks.items():
        found: dict[str, dict[str, int]] = {}
        for tool in ("strace", "ptpoll"):
            out = os.path.join(directory, f"check-{tool}-{check}.txt")
            timed(command(tools, tool, (*args, "-o", out)), [])
            found[tool] = summary_counts(out)
        totals = {tool: found[tool].get("total", 0) for tool in found}
        problems = [
            f"{tool} counted {found[tool].get(name, 0)} {name}, expected at least {n}"
            for tool in found
            for name, n in must.items()
            if found[tool].get(name, 0) < n
        ]
        if abs(totals["strace"] - totals["ptpoll"]) > COUNT_TOLERANCE:
            problems.append(f"totals differ: {totals!r}")
        if check == "seccomp" and totals["ptpoll"] > 2 * iterations + 50:
            problems.append(f"seccomp filter let untraced calls stop: {totals!r}")
        if problems:
            raise BenchError(f"tracer check ({check}) failed: {problems!r}")
        notes.append(
            f"check ({check}, -c): strace counted {totals['strace']} calls, "
            f"ptpoll {totals['ptpoll']}"
        )

    if tools.pyptrace is not None:
        small = 200
        out = os.path.join(directory, "check-pyptrace.txt")
        workload = [tools.workload[0], str(small), tools.workload[2]]
        timed([*tools.pyptrace, "-f", "-o", out, "--", *workload], [])
        lines = Path(out).read_text().count("getppid(")
        if lines < small:
            raise BenchError(
                f"python-ptrace check failed: {lines} getppid lines for {small} calls"
            )
        notes.append(
            f"check (python-ptrace, {small} iterations): {lines} getppid lines"
        )
    return notes


def pyptrace_output(tools: Tools, directory: str) -> tuple[str, list[str]]:
    """Where python-ptrace's trace goes: /dev/null when it accepts it (it
    opens the -o path for writing), else a file on tmpfs."""
    assert tools.pyptrace is not None
    probe = [tools.workload[0], "1", tools.workload[2]]
    try:
        timed([*tools.pyptrace, "-f", "-o", "/dev/null", "--", *probe], [])
    except RuntimeError:
        out = os.path.join(directory, "pyptrace-trace.txt")
        return out, [f"python-ptrace cannot write to /dev/null: its -o is {out}"]
    return "/dev/null", []


def ratio_stats(num: list[float], den: list[float]) -> dict[str, float]:
    ratios = [n / d for n, d in zip(num, den, strict=True)]
    return {
        "median": statistics.median(ratios),
        "min": min(ratios),
        "max": max(ratios),
    }


def fmt_ratio(stats: dict[str, float] | None) -> str:
    if stats is None:
        return "-"
    return f"{stats['median']:.2f} [{stats['min']:.2f}-{stats['max']:.2f}]"


class TraceBench:
    name = "trace"
    title = "ptpoll trace vs strace"

    def __init__(self, config: Config, iterations: int | None = None) -> None:
        self.config = config
        self.iterations = iterations or (500 if config.quick else 35_000)
        self.repeat = config.repeats(3)
        self.pinnings = {
            "pinned": ["taskset", "-c", str(config.pin)],
            "unpinned": [],
        }
        self.notes: list[str] = []
        self.samples: dict[tuple[str, str, str], list[float]] = {}
        self.strace_version = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._tools: Tools | None = None
        self._pyptrace_out = "/dev/null"

    def check(self) -> None:
        """Raise BenchError unless strace and taskset are installed."""
        for tool in ("strace", "taskset"):
            if shutil.which(tool) is None:
                raise BenchError(
                    f"{tool} is not installed: the trace benchmark needs it"
                    " (install it, or leave 'trace' out)"
                )

    def steps(self) -> list[Step]:
        out = [Step(f"{self.name}: build, check counts against strace", self._setup)]
        for i in range(self.repeat):
            for pin_name, pin in self.pinnings.items():
                label = f"{self.name} {pin_name}, run {i + 1}/{self.repeat}"
                out.append(Step(label, self._runner(pin_name, pin)))
        out.append(Step(f"{self.name}: clean up", self._cleanup))
        return out

    def _setup(self) -> None:
        self.check()
        strace = shutil.which("strace")
        assert strace is not None
        self.strace_version = subprocess.run(
            [strace, "-V"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]
        self._tmp = tempfile.TemporaryDirectory(dir=scratch_dir())
        tmp = self._tmp.name
        data = os.path.join(tmp, "small.txt")
        Path(data).write_text("a small file for the trace benchmark\n")
        prog = build_program("trace_workload.c", ("-O2",))
        pyptrace = find_pyptrace()
        if pyptrace is None:
            self.notes.append(
                "python-ptrace is not installed here: its columns are skipped "
                "(pip install python-ptrace into this environment to add them)"
            )
        tools = Tools(
            workload=[prog, str(self.iterations), data],
            strace=strace,
            ptpoll=[sys.executable, "-m", "ptpoll", "trace"],
            pyptrace=pyptrace,
        )
        self.notes += check_tracers(tools, self.iterations, tmp)
        if pyptrace is not None:
            self._pyptrace_out, more = pyptrace_output(tools, tmp)
            self.notes += more
        for tool in ("strace", "ptpoll"):
            true_cmd = command(tools, tool, ("-f", "-o", "/dev/null"))
            true_cmd[-3:] = [shutil.which("true") or "/bin/true"]
            seconds = timed(true_cmd, [])
            self.notes.append(f"startup: {tool} tracing /bin/true {seconds:.3f}s")
        self.notes.append(
            "python-ptrace has no -c and no seccomp filter: no column for -c; for "
            f"--seccomp-bpf it runs -f -e {TRACED}, stopping at every call"
        )
        self._tools = tools

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def _runner(self, pin_name: str, pin: list[str]) -> Callable[[], None]:
        def run() -> None:
            tools = self._tools
            assert tools is not None
            for mode in MODES:
                runs: dict[str, tuple[str, ...] | None] = {
                    "untraced": (),
                    "strace": mode.strace,
                    "ptpoll": mode.ptpoll,
                    "pyptrace": None,
                }
                if tools.pyptrace is not None and mode.pyptrace is not None:
                    runs["pyptrace"] = tuple(
                        self._pyptrace_out if a == "/dev/null" else a
                        for a in mode.pyptrace
                    )
                for tool, mode_args in runs.items():
                    if mode_args is None:
                        continue
                    seconds = timed(command(tools, tool, mode_args), pin)
                    key = (mode.name, pin_name, tool)
                    self.samples.setdefault(key, []).append(seconds)

        return run

    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for mode in MODES:
            for pin_name in self.pinnings:
                got = {
                    tool: self.samples.get((mode.name, pin_name, tool))
                    for tool in TOOLS
                }
                strace_s, ptpoll_s = got["strace"], got["ptpoll"]
                pyptrace_s = got["pyptrace"]
                assert strace_s is not None and ptpoll_s is not None
                ratio = ratio_stats(ptpoll_s, strace_s)
                rows.append(
                    {
                        "benchmark": self.name,
                        "mode": mode.name,
                        "pinning": pin_name,
                        "design": f"ptpoll trace {mode.name}",
                        "iterations": self.iterations,
                        "syscalls": self.iterations * CALLS_PER_ITERATION,
                        "args": {
                            "strace": list(mode.strace),
                            "ptpoll": list(mode.ptpoll),
                            "pyptrace": (
                                list(mode.pyptrace)
                                if mode.pyptrace and pyptrace_s
                                else None
                            ),
                        },
                        "seconds": got,
                        "median_seconds": {
                            tool: statistics.median(s) if s else None
                            for tool, s in got.items()
                        },
                        "ratio": ratio["median"],
                        "spread": (ratio["max"] - ratio["min"]) / ratio["median"],
                        "ptpoll_over_strace": ratio,
                        "pyptrace_over_ptpoll": (
                            ratio_stats(pyptrace_s, ptpoll_s) if pyptrace_s else None
                        ),
                    }
                )
        return rows

    def targets(self, rows: list[Row]) -> list[dict[str, Any]]:
        targets: list[dict[str, Any]] = []
        for row in rows:
            ratio = row["ptpoll_over_strace"]["median"]
            limit = TARGET_PINNED if row["pinning"] == "pinned" else TARGET_UNPINNED
            targets.append(
                {
                    "target": f"ptpoll within {limit}x of strace, {row['pinning']}, "
                    f"{row['mode']}",
                    "value": ratio,
                    "met": ratio <= limit,
                }
            )
        for row in rows:
            py = row["pyptrace_over_ptpoll"]
            if row["pinning"] != "pinned" or py is None:
                continue
            targets.append(
                {
                    "target": f"ptpoll at least {TARGET_PYPTRACE}x faster than "
                    f"python-ptrace, pinned, {row['mode']}",
                    "value": py["median"],
                    "met": py["median"] >= TARGET_PYPTRACE,
                }
            )
        return targets

    def table(self) -> str:
        rows = self.rows()
        lines = []
        for row in rows:
            med = row["median_seconds"]
            py_s = f"{med['pyptrace']:.3f}" if med["pyptrace"] else "-"
            lines.append(
                [
                    row["mode"],
                    row["pinning"],
                    f"{med['untraced']:.3f}",
                    f"{med['strace']:.3f}",
                    f"{med['ptpoll']:.3f}",
                    fmt_ratio(row["ptpoll_over_strace"]),
                    py_s,
                    fmt_ratio(row["pyptrace_over_ptpoll"]),
                ]
            )
        title = (
            f"{self.title} ({self.strace_version}): {self.iterations} iterations x"
            f" {CALLS_PER_ITERATION} calls = {self.iterations * CALLS_PER_ITERATION}"
            f" system calls; median of {self.repeat} runs, ratios as median"
            " [min-max]"
        )
        headers = [
            "mode",
            "pinning",
            "untraced s",
            "strace s",
            "ptpoll s",
            "ptpoll/strace",
            "py-ptrace s",
            "py-ptrace/ptpoll",
        ]
        out = [format_table(title, headers, lines, left=2), "targets (medians):"]
        for t in self.targets(rows):
            verdict = "met" if t["met"] else "NOT met"
            out.append(f"  {t['target']}: {verdict} ({t['value']:.2f}x)")
        out.append("notes:")
        out.extend(f"  {note}" for note in self.notes)
        return "\n".join(out)
