"""Cost of one ptrace syscall-stop round trip, as a ratio to a plain loop.

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

Every design runs pinned to CPU 0 (tracer and tracee on one CPU) and
unpinned, several times, interleaved, in one invocation; the table gives
the median time per stop and its ratio to the baseline of the same pinning.

    python benchmarks/bench_roundtrip.py [--calls N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ptpoll
from ptpoll.linux import ptrace
from ptpoll.waiters import available

HERE = Path(__file__).resolve().parent
TRACEE_C = HERE.parent / "tests" / "programs" / "tracee.c"
WALL = 0x40000000


def build_tracee(directory: str) -> str:
    out = os.path.join(directory, "tracee")
    cc = shutil.which("cc") or shutil.which("gcc") or "cc"
    subprocess.run([cc, "-O1", "-pthread", "-o", out, str(TRACEE_C)], check=True)
    return out


def baseline(prog: str, calls: int, info: bool = False) -> tuple[int, float]:
    """A plain blocking waitpid loop (fork + PTRACE_TRACEME); with *info*,
    it also asks PTRACE_GET_SYSCALL_INFO at every stop, as ptpoll does by
    default."""
    pid = os.fork()
    if pid == 0:  # single-threaded benchmark process: fork is safe here
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


def ptpoll_poll(waiter: str, info: bool) -> Callable[[str, int], tuple[int, float]]:
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


def ptpoll_tracee_wait(
    waiter: str, info: bool
) -> Callable[[str, int], tuple[int, float]]:
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


def ptpoll_tracer_wait(
    waiter: str, info: bool
) -> Callable[[str, int], tuple[int, float]]:
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


def designs(waiters: list[str]) -> dict[str, Callable[[str, int], tuple[int, float]]]:
    out: dict[str, Callable[[str, int], tuple[int, float]]] = {
        "waitpid loop": baseline,
        "waitpid loop + syscall info": lambda prog, calls: baseline(prog, calls, True),
    }
    for w in waiters:
        out[f"{w}: poll fileno + wait"] = ptpoll_poll(w, True)
        out[f"{w}: poll fileno + wait (no syscall info)"] = ptpoll_poll(w, False)
        out[f"{w}: tracee.wait()"] = ptpoll_tracee_wait(w, True)
        out[f"{w}: tracee.wait() (no syscall info)"] = ptpoll_tracee_wait(w, False)
        out[f"{w}: tracer.wait() (no syscall info)"] = ptpoll_tracer_wait(w, False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=10_000, help="getppid calls per run"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each design")
    parser.add_argument("--waiter", action="append", help="only these waiters")
    args = parser.parse_args(argv)

    all_cpus = os.sched_getaffinity(0)
    pinnings = {"pinned (CPU 0)": {min(all_cpus)}, "unpinned": all_cpus}
    table = designs(args.waiter or available())
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        prog = build_tracee(tmp)
        for _ in range(args.repeat):
            for pin_name, cpus in pinnings.items():
                os.sched_setaffinity(0, cpus)
                for name, run in table.items():
                    stops, seconds = run(prog, args.calls)
                    results.setdefault((pin_name, name), []).append(seconds / stops)
        os.sched_setaffinity(0, all_cpus)

    print(f"syscall-stop round trip; {2 * args.calls} stops per run, "
          f"median of {args.repeat} runs; python {sys.version.split()[0]}, "
          f"{os.uname().sysname} {os.uname().release}")  # fmt: skip
    for pin_name in pinnings:
        base = statistics.median(results[(pin_name, "waitpid loop")])
        print(f"\n{pin_name}")
        print(f"  {'design':48} {'us/stop':>8} {'spread':>8} {'ratio':>6}")
        for name in table:
            samples = results[(pin_name, name)]
            med = statistics.median(samples)
            spread = (max(samples) - min(samples)) / med if med else 0.0
            print(f"  {name:48} {med * 1e6:8.2f} {spread:7.0%} {med / base:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
