"""Scale: the cost of one stop as the number of tracees grows.

N traced threads (1, 10, 100, 1000), laid out as one process with N
threads or as N single-threaded processes, each stopping at the same rate,
so that all of them together stop ``TOTAL_RATE`` times a second whatever
N is. A stop is a seccomp stop: the tracee's ``getppid`` is
``SECCOMP_RET_TRACE``, and the tracer, which seized it with
``PTRACE_O_TRACESECCOMP``, lets the call run with ``PTRACE_CONT``. The
tracees are started untraced, then seized (timed: *attach*), traced for a
fixed window, and detached (timed: *detach*).

The cost of a stop is CPU time per stop over the window: the tracer's
(every thread of this process, helper threads included) plus the
tracees', minus what the same tracees use untraced (a control run: the
timer wake-ups of 1000 threads cost more than those of one, traced or
not). The tracees' share matters: the wake-up at a ptrace-stop runs in
the stopping thread, and it walks every waiter queued on the tracer's
wait queue (``__wake_up_parent``), so a waiter that queues one entry per
tracee makes every stop pay for all of them there, not in the tracer.

Designs: ``waitpid(-1) loop``, a plain blocking ``waitpid(-1, __WALL)``
loop (which scans the tracer's list of tracees in every call), and a
``ptpoll.Tracer`` per waiter, served with ``tracer.wait(timeout)``. The
target is a cost at 1000 tracees within 1.3x of the cost at 1. Unpinned
only: 1000 busy tracees on one CPU measure the scheduler, not the tracer.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import ptpoll
from ptpoll.linux import ptrace
from ptpoll.loops import resume

from .common import WALL, Config, Row, Step, pinned, spread
from .table import fmt, format_table

__all__ = ["TARGET", "Scale"]

TOTAL_RATE = 2000  # stops per second, all tracees together
COUNTS = (1, 10, 100, 1000)
QUICK_COUNTS = (1, 10)
LAYOUTS = ("threads", "processes")
BASELINE = "waitpid(-1) loop"
TARGET = 1.3


@dataclass(frozen=True, slots=True)
class Sample:
    """One traced window."""

    events: int
    window_s: float
    tracer_cpu_s: float
    tracee_cpu_s: float
    attach_s: float
    detach_s: float

    @property
    def cost_us(self) -> float:
        return (self.tracer_cpu_s + self.tracee_cpu_s) / self.events * 1e6

    @property
    def tracer_us(self) -> float:
        return self.tracer_cpu_s / self.events * 1e6


class Tracees:
    """N paced tracees, started untraced; killed on `close`."""

    def __init__(self, prog: str, layout: str, count: int) -> None:
        period_us = count * 1_000_000 // TOTAL_RATE
        cmd = "paced" if layout == "threads" else "paced-procs"
        self.proc = subprocess.Popen(
            [prog, cmd, str(count), str(period_us)],
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline() != b"ready\n":
            self.close()
            raise RuntimeError(f"the paced tracee ({layout}, {count}) did not start")
        pid = self.proc.pid
        if layout == "threads":
            self.processes = [pid]
            self.threads = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
        else:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                self.processes = [int(p) for p in f.read().split()]
            self.threads = list(self.processes)
        # A process's CPU clock (clock_getcpuclockid): all its threads, to
        # the nanosecond, dead ones included.
        self._clocks = [((~p) << 3) | 2 for p in self.processes]

    def cpu(self) -> float:
        return sum(time.clock_gettime(c) for c in self._clocks)

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def settle_time(count: int) -> float:
    """How long to serve stops before measuring: tracees that were late
    while the tracer attached catch up within one of their periods."""
    return count / TOTAL_RATE + 0.1


def traced_window(
    tracees: Tracees, window: float, serve: Callable[[float], int]
) -> tuple[int, float, float, float]:
    """Run ``serve(deadline)`` (which returns the stops it served) and
    measure: (stops, wall seconds, tracer CPU, tracee CPU)."""
    serve(time.monotonic() + settle_time(len(tracees.threads)))
    cpu0, tracee0, wall0 = time.process_time(), tracees.cpu(), time.monotonic()
    events = serve(wall0 + window)
    wall1, tracee1, cpu1 = time.monotonic(), tracees.cpu(), time.process_time()
    return events, wall1 - wall0, cpu1 - cpu0, tracee1 - tracee0


def run_ptpoll(waiter: str) -> Callable[[Tracees, float], Sample]:
    def run(tracees: Tracees, window: float) -> Sample:
        with ptpoll.Tracer(waiter=waiter, syscall_info=False) as tracer:
            start = time.perf_counter()
            for pid in tracees.processes:
                tracer.seize(pid, ptpoll.Options.TRACESECCOMP)
            attach = time.perf_counter() - start

            def serve(deadline: float) -> int:
                events = 0
                while (left := deadline - time.monotonic()) > 0:
                    got = tracer.wait(timeout=left)
                    if got is None:
                        break
                    resume(tracer, *got)
                    events += 1
                return events

            measured = traced_window(tracees, window, serve)
            start = time.perf_counter()
            tracer.close()  # detaches every thread: they were seized
            detach = time.perf_counter() - start
        return Sample(*measured, attach, detach)

    return run


def _resume_raw(pid: int, status: int) -> None:
    if os.WIFSTOPPED(status):
        sig = os.WSTOPSIG(status)
        ptrace.cont(pid, 0 if sig == signal.SIGTRAP or status >> 16 else sig)


def run_waitpid(tracees: Tracees, window: float) -> Sample:
    options = ptrace.Options.TRACESECCOMP | ptrace.Options.TRACESYSGOOD
    start = time.perf_counter()
    for tid in tracees.threads:
        ptrace.seize(tid, options)
    attach = time.perf_counter() - start

    def serve(deadline: float) -> int:
        events = 0
        while time.monotonic() < deadline:
            pid, status = os.waitpid(-1, WALL)
            _resume_raw(pid, status)
            events += 1
        return events

    measured = traced_window(tracees, window, serve)

    # Any stop will do for the detach: a trap taken after the interrupt was
    # queued clears it (ptrace_stop: "any trap clears pending STOP trap"),
    # so a seccomp stop may stand for the PTRACE_EVENT_STOP, and the detach
    # drops an interrupt that is still pending.
    start = time.perf_counter()
    for tid in tracees.threads:
        ptrace.interrupt(tid)
    left = set(tracees.threads)
    while left:
        pid, status = os.waitpid(-1, WALL)
        if os.WIFSTOPPED(status):
            ptrace.detach(pid, 0)
        left.discard(pid)
    detach = time.perf_counter() - start
    return Sample(*measured, attach, detach)


def run_untraced(tracees: Tracees, window: float) -> Sample:
    """The control: the same tracees, untraced. Their CPU per call is the
    part of a stop's cost that is the workload's own (timer wake-ups of
    many threads cost more than of one), not the tracer's."""

    def serve(deadline: float) -> int:
        left = deadline - time.monotonic()
        time.sleep(max(0.0, left))
        return round(left * TOTAL_RATE)  # the calls made meanwhile

    return Sample(*traced_window(tracees, window, serve), 0.0, 0.0)


def designs(waiters: list[str]) -> dict[str, Callable[[Tracees, float], Sample]]:
    out: dict[str, Callable[[Tracees, float], Sample]] = {BASELINE: run_waitpid}
    for w in waiters:
        out[f"ptpoll {w}"] = run_ptpoll(w)
    return out


class Scale:
    name = "scale"
    title = "cost per stop against the number of tracees"

    def __init__(
        self,
        config: Config,
        counts: tuple[int, ...] | None = None,
        window: float | None = None,
        waiters: list[str] | None = None,
    ) -> None:
        self.config = config
        self.counts = counts or (QUICK_COUNTS if config.quick else COUNTS)
        self.window = window or (0.3 if config.quick else 2.0)
        self.repeat = config.repeats(3)
        self.designs = designs(waiters or ptpoll.available_waiters())
        self.samples: dict[tuple[str, int, str], list[Sample]] = {}
        self.control: dict[tuple[str, int], list[Sample]] = {}

    def steps(self) -> list[Step]:
        out = []
        for i in range(self.repeat):
            for layout in LAYOUTS:
                for count in self.counts:
                    label = f"{self.name} {count} {layout}, run {i + 1}/{self.repeat}"
                    out.append(Step(label, self._runner(layout, count)))
        return out

    def _runner(self, layout: str, count: int) -> Callable[[], None]:
        def run() -> None:
            prog = self.config.programs["tracee"]
            with pinned(set(self.config.all_cpus)):
                tracees = Tracees(prog, layout, count)
                try:
                    got = run_untraced(tracees, self.window)
                finally:
                    tracees.close()
                self.control.setdefault((layout, count), []).append(got)
                for name, design in self.designs.items():
                    tracees = Tracees(prog, layout, count)
                    try:
                        got = design(tracees, self.window)
                    finally:
                        tracees.close()
                    if got.events == 0:
                        raise RuntimeError(f"{name} saw no stop ({layout}, {count})")
                    self.samples.setdefault((layout, count, name), []).append(got)

        return run

    def rows(self) -> list[Row]:
        rows = []
        for layout in LAYOUTS:
            for name in self.designs:
                first: float | None = None
                for count in self.counts:
                    samples = self.samples[(layout, count, name)]
                    control = statistics.median(
                        s.cost_us for s in self.control[(layout, count)]
                    )
                    costs = [s.cost_us for s in samples]
                    cost = statistics.median(costs) - control
                    base = (
                        statistics.median(
                            s.cost_us for s in self.samples[(layout, count, BASELINE)]
                        )
                        - control
                    )
                    first = cost if first is None else first
                    rows.append(
                        {
                            "benchmark": self.name,
                            "layout": layout,
                            "tracees": count,
                            "design": name,
                            "runs": len(samples),
                            "cost_us": cost,
                            "untraced_us": control,
                            "spread": spread(costs),
                            "ratio_to_1": cost / first,
                            "ratio_to_baseline": cost / base,
                            "tracer_us": statistics.median(
                                s.tracer_us for s in samples
                            ),
                            "stops_per_s": statistics.median(
                                s.events / s.window_s for s in samples
                            ),
                            "attach_ms": statistics.median(
                                s.attach_s * 1e3 for s in samples
                            ),
                            "detach_ms": statistics.median(
                                s.detach_s * 1e3 for s in samples
                            ),
                        }
                    )
        return rows

    def verdicts(self) -> list[str]:
        """Whether each design meets the target, per layout."""
        top = max(self.counts)
        return [
            f"{row['design']}, {row['layout']}: {top} tracees cost"
            f" {row['ratio_to_1']:.2f}x the cost at {min(self.counts)}"
            f" ({'met' if row['ratio_to_1'] <= TARGET else 'NOT met'})"
            for row in self.rows()
            if row["tracees"] == top
        ]

    def table(self) -> str:
        lines = [
            [
                row["layout"],
                row["design"],
                str(row["tracees"]),
                fmt(row["cost_us"], 1),
                fmt(row["untraced_us"], 1),
                f"{row['spread']:.0%}",
                fmt(row["ratio_to_1"]),
                fmt(row["ratio_to_baseline"]),
                fmt(row["tracer_us"], 1),
                fmt(row["stops_per_s"], 0),
                fmt(row["attach_ms"], 1),
                fmt(row["detach_ms"], 1),
            ]
            for row in self.rows()
        ]
        title = (
            f"{self.title}: {TOTAL_RATE} stops/s in all, {self.window:g} s"
            f" windows, median of {self.repeat} runs, unpinned; cost: CPU us"
            " per stop, tracer + tracees, minus the tracees' own (untraced"
            " us: the same tracees, untraced, per call); target: cost at"
            f" {max(self.counts)} within {TARGET}x of the cost at {min(self.counts)}"
        )
        headers = [
            "layout",
            "design",
            "tracees",
            "cost us",
            "untraced us",
            "spread",
            "vs 1",
            "vs waitpid",
            "tracer us",
            "stops/s",
            "attach ms",
            "detach ms",
        ]
        table = format_table(title, headers, lines, left=2)
        return table + "\n" + "\n".join("  " + v for v in self.verdicts())
