"""Round trip of one syscall-stop, as a ratio to a plain waitpid loop.

The tracee makes N ``getppid`` calls, so 2N syscall-stops. Each design
waits for a stop and resumes it with ``PTRACE_SYSCALL``:

- ``waitpid loop``: the baseline, ``os.waitpid(pid, __WALL)`` and the
  same ptrace call as ptpoll uses, nothing else; ``+ syscall info`` also
  asks ``PTRACE_GET_SYSCALL_INFO``, as ptpoll does by default.
- ``W: poll fileno + wait``: ptpoll's contract in use: ``poll()`` on
  ``Tracee.fileno()``, ``tracee.wait(block=False)``, ``tracee.syscall()``.
- ``W: tracee.wait()`` and ``W: tracer.wait()``: ptpoll's blocking waits.
- ``(no syscall info)``: with ``Tracer(syscall_info=False)``, which skips
  ``PTRACE_GET_SYSCALL_INFO`` (the baseline does not decode either).

Every design runs pinned (tracer and tracee on one CPU) and unpinned,
several times, interleaved; the table gives the median time per stop, its
spread over the runs and its ratio to the baseline of the same pinning.
"""

from __future__ import annotations

import os
import select
import statistics
import time
from collections.abc import Callable

import ptpoll
from ptpoll.linux import ptrace

from .common import WALL, Config, Row, Step, pinned, spread
from .table import fmt, format_table

__all__ = ["RoundTrip"]

BASELINE = "waitpid loop"
Run = Callable[[str, int], tuple[int, float]]


def waitpid_loop(prog: str, calls: int, info: bool = False) -> tuple[int, float]:
    """A plain blocking waitpid loop (fork + PTRACE_TRACEME); with *info*,
    it also asks PTRACE_GET_SYSCALL_INFO at every stop."""
    # The benchmark steps run on the main thread while no other thread of
    # ours is alive, so the child may run Python until its exec.
    pid = os.fork()
    if pid == 0:
        try:
            ptrace.traceme()
            os.execv(prog, [prog, "syscalls", str(calls)])
        finally:
            os._exit(127)
    os.waitpid(pid, WALL)  # the SIGTRAP of the exec
    ptrace.set_options(pid, ptrace.Options.TRACESYSGOOD | ptrace.Options.EXITKILL)
    stops = 0
    start = time.perf_counter()
    ptrace.syscall_(pid, 0)
    while True:
        _, status = os.waitpid(pid, WALL)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        stops += 1
        if info:
            ptrace.get_syscall_info(pid)
        ptrace.syscall_(pid, 0)
    return stops, time.perf_counter() - start


def poll_fileno(waiter: str, info: bool) -> Run:
    def run(prog: str, calls: int) -> tuple[int, float]:
        with ptpoll.Tracer(waiter=waiter, syscall_info=info) as tracer:
            tracee = tracer.spawn([prog, "syscalls", str(calls)])
            poller = select.poll()
            poller.register(tracee.fileno(), select.POLLIN)
            stops = 0
            start = time.perf_counter()
            tracee.syscall()
            while True:
                poller.poll()
                stop = tracee.wait(block=False)
                if stop is None:
                    raise AssertionError("readable fd but no status: contract broken")
                if not stop.alive:
                    break
                stops += 1
                tracee.syscall()
            return stops, time.perf_counter() - start

    return run


def tracee_wait(waiter: str, info: bool) -> Run:
    def run(prog: str, calls: int) -> tuple[int, float]:
        with ptpoll.Tracer(waiter=waiter, syscall_info=info) as tracer:
            tracee = tracer.spawn([prog, "syscalls", str(calls)])
            stops = 0
            start = time.perf_counter()
            tracee.syscall()
            while True:
                stop = tracee.wait()
                assert stop is not None
                if not stop.alive:
                    break
                stops += 1
                tracee.syscall()
            return stops, time.perf_counter() - start

    return run


def tracer_wait(waiter: str, info: bool) -> Run:
    def run(prog: str, calls: int) -> tuple[int, float]:
        with ptpoll.Tracer(waiter=waiter, syscall_info=info) as tracer:
            tracee = tracer.spawn([prog, "syscalls", str(calls)])
            stops = 0
            start = time.perf_counter()
            tracee.syscall()
            while True:
                got = tracer.wait()
                assert got is not None
                t, stop = got
                if not stop.alive:
                    break
                stops += 1
                t.syscall()
            return stops, time.perf_counter() - start

    return run


def designs(waiters: list[str]) -> dict[str, Run]:
    out: dict[str, Run] = {
        BASELINE: waitpid_loop,
        f"{BASELINE} + syscall info": lambda p, n: waitpid_loop(p, n, True),
    }
    for w in waiters:
        out[f"{w}: poll fileno + wait"] = poll_fileno(w, True)
        out[f"{w}: poll fileno + wait (no syscall info)"] = poll_fileno(w, False)
        out[f"{w}: tracee.wait()"] = tracee_wait(w, True)
        out[f"{w}: tracee.wait() (no syscall info)"] = tracee_wait(w, False)
        out[f"{w}: tracer.wait() (no syscall info)"] = tracer_wait(w, False)
    return out


class RoundTrip:
    name = "roundtrip"
    title = "round trip of one syscall-stop"

    def __init__(
        self, config: Config, calls: int | None = None, waiters: list[str] | None = None
    ) -> None:
        self.config = config
        self.calls = calls or (200 if config.quick else 10_000)
        self.repeat = config.repeats(5)
        self.designs = designs(waiters or ptpoll.available_waiters())
        self.samples: dict[tuple[str, str], list[float]] = {}

    def steps(self) -> list[Step]:
        out = []
        for i in range(self.repeat):  # interleaved: drift hits every design
            for pin_name, cpus in self.config.pinnings().items():
                label = f"{self.name} {pin_name}, run {i + 1}/{self.repeat}"
                out.append(Step(label, self._runner(pin_name, cpus)))
        return out

    def _runner(self, pin_name: str, cpus: set[int]) -> Callable[[], None]:
        def run() -> None:
            prog = self.config.programs["tracee"]
            with pinned(cpus):
                for name, design in self.designs.items():
                    stops, seconds = design(prog, self.calls)
                    key = (pin_name, name)
                    self.samples.setdefault(key, []).append(seconds / stops)

        return run

    def rows(self) -> list[Row]:
        rows = []
        for pin_name in self.config.pinnings():
            base = statistics.median(self.samples[(pin_name, BASELINE)])
            for name in self.designs:
                samples = self.samples[(pin_name, name)]
                med = statistics.median(samples)
                rows.append(
                    {
                        "benchmark": self.name,
                        "pinning": pin_name,
                        "design": name,
                        "stops": 2 * self.calls,
                        "runs": len(samples),
                        "us_per_stop": med * 1e6,
                        "stops_per_s": 1 / med,
                        "spread": spread(samples),
                        "ratio": med / base,
                        "samples_us": [s * 1e6 for s in samples],
                    }
                )
        return rows

    def table(self) -> str:
        lines = []
        for row in self.rows():
            lines.append(
                [
                    row["pinning"],
                    row["design"],
                    fmt(row["us_per_stop"]),
                    f"{row['spread']:.0%}",
                    fmt(row["ratio"]),
                ]
            )
        title = (
            f"{self.title}: {2 * self.calls} stops a run, median of"
            f" {self.repeat} runs; ratio to the {BASELINE} of the same pinning"
        )
        headers = ["pinning", "design", "us/stop", "spread", "ratio"]
        return format_table(title, headers, lines, left=2)
