"""Signal latency under load: the scenario ptpoll exists for.

A tracee receives a real-time signal every millisecond from another
process (``sigqueue`` carries the send time; the tracee's handler records
receive minus send). Under ptrace each signal stops the tracee until its
tracer re-injects it. Meanwhile two client threads send the tracer 1000
requests a second in all (each reads 16 bytes of the tracee's memory, which
must run on the tracer thread). Designs:

- ``ptpoll TracerThread``: one epoll loop over stops and requests.
- ``blocking waitpid``: the tracer sits in ``waitpid``; requests are served
  only between stops (so they wait for the tracee's next signal).
- ``WNOHANG + 1 ms sleep``: a poller; it serves requests each turn.

Reported for each: p50/p99/max of signal latency and of request latency,
in one invocation, unpinned and pinned to one CPU (``--pin``), with the
ratio of p99 signal latency to the blocking tracer's.

    python benchmarks/bench_signal_latency.py [--signals N] [--pin CPU]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ptpoll
from ptpoll.linux import memory, ptrace
from ptpoll.loops import TracerThread, resume

HERE = Path(__file__).resolve().parent
TRACEE_C = HERE.parent / "tests" / "programs" / "tracee.c"
WALL = 0x40000000
REQUEST_RATE = 1000  # per second, over all client threads
CLIENTS = 2


def build(directory: str) -> str:
    out = os.path.join(directory, "tracee")
    cc = shutil.which("cc") or shutil.which("gcc") or "cc"
    subprocess.run([cc, "-O1", "-pthread", "-o", out, str(TRACEE_C)], check=True)
    return out


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return ordered[len(ordered) // 2], p99, ordered[-1]


Submit = Callable[[Callable[[], Any]], concurrent.futures.Future[Any]]


def clients(submit: Submit, pid: int, addr: int, stop: threading.Event) -> list[float]:
    """Send REQUEST_RATE requests a second until *stop*; their latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        period = CLIENTS / REQUEST_RATE
        next_at = time.monotonic()
        while not stop.is_set():
            sent = time.perf_counter()
            try:
                submit(lambda: memory.vm_read(pid, addr, 16)).result(30)
            except ProcessLookupError:
                break  # the tracee has finished; stop is about to be set
            took = time.perf_counter() - sent
            with lock:
                latencies.append(took)
            next_at += period
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def start_tracee(prog: str, signals: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([prog, "siglat", str(signals)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    return proc


def finish(
    proc: subprocess.Popen[bytes], prog: str, signals: int, stop: threading.Event
) -> list[float]:
    """Send the signals, wait for the tracee's report (its latencies in
    microseconds), stop the clients."""
    subprocess.run([prog, "sigsend", str(proc.pid), str(signals), "1000"], check=True)
    assert proc.stdout is not None
    report = proc.stdout.read().split()
    stop.set()
    proc.stdout.close()
    return [int(ns) / 1e3 for ns in report]


def stack_of(pid: int) -> int:
    """An address in the tracee's stack (a mapped page to read)."""
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            if line.rstrip().endswith("[stack]"):
                return int(line.split("-")[0], 16)
    raise RuntimeError("no stack mapping")


def run_ptpoll(prog: str, signals: int) -> tuple[list[float], list[float]]:
    proc = start_tracee(prog, signals)
    addr = stack_of(proc.pid)
    stop = threading.Event()
    with TracerThread(resume) as tt:
        tt.run(lambda tracer: tracer.seize(proc.pid))
        results: list[float] = []
        client_thread = threading.Thread(
            target=lambda: results.extend(
                clients(lambda fn: tt.call(lambda tracer: fn()), proc.pid, addr, stop)
            )
        )
        client_thread.start()
        sig_lat = finish(proc, prog, signals, stop)
        client_thread.join()
    proc.wait()
    return sig_lat, [r * 1e6 for r in results]


class _Queue:
    """Requests for the baseline tracers: a deque of (fn, future)."""

    def __init__(self) -> None:
        self.items: collections.deque[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]]
        ] = collections.deque()

    def submit(self, fn: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.items.append((fn, future))
        return future

    def serve(self) -> None:
        while self.items:
            fn, future = self.items.popleft()
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)


def run_baseline(
    prog: str, signals: int, poll_sleep: float | None
) -> tuple[list[float], list[float]]:
    proc = start_tracee(prog, signals)
    addr = stack_of(proc.pid)
    queue = _Queue()
    stop = threading.Event()
    seized = threading.Event()

    def tracer_thread() -> None:
        ptrace.seize(proc.pid, ptrace.Options.TRACESYSGOOD)
        seized.set()
        while True:
            if poll_sleep is None:
                pid, status = os.waitpid(proc.pid, WALL)
            else:
                pid, status = os.waitpid(proc.pid, WALL | os.WNOHANG)
            if pid:
                if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                    queue.serve()
                    break
                sig = os.WSTOPSIG(status)
                ptrace.cont(proc.pid, 0 if sig == 5 or status >> 16 else sig)
            queue.serve()
            if poll_sleep is not None and not pid:
                time.sleep(poll_sleep)
        while not stop.is_set():  # the clients may still be finishing
            queue.serve()
            time.sleep(0.0005)
        queue.serve()

    tracer = threading.Thread(target=tracer_thread)
    tracer.start()
    seized.wait()
    results: list[float] = []
    client_thread = threading.Thread(
        target=lambda: results.extend(clients(queue.submit, proc.pid, addr, stop))
    )
    client_thread.start()
    sig_lat = finish(proc, prog, signals, stop)
    client_thread.join()
    tracer.join()
    proc.wait()
    return sig_lat, [r * 1e6 for r in results]


DESIGNS: dict[str, Callable[[str, int], tuple[list[float], list[float]]]] = {
    "ptpoll TracerThread": run_ptpoll,
    "blocking waitpid": lambda prog, n: run_baseline(prog, n, None),
    "WNOHANG + 1 ms sleep": lambda prog, n: run_baseline(prog, n, 0.001),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=2000, help="signals per run")
    parser.add_argument("--pin", type=int, default=0, help="CPU for the pinned runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per design, pooled")
    args = parser.parse_args(argv)

    all_cpus = os.sched_getaffinity(0)
    pinnings = {"unpinned": all_cpus, f"pinned (CPU {args.pin})": {args.pin}}
    print(
        f"signal latency under load: {args.signals} signals, one per ms;"
        f" {REQUEST_RATE} requests/s from {CLIENTS} threads; waiter"
        f" {ptpoll.available_waiters()[0]}; {os.uname().release}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        prog = build(tmp)
        for pin_name, cpus in pinnings.items():
            os.sched_setaffinity(0, cpus)
            rows: dict[str, tuple[list[float], list[float]]] = {}
            for _ in range(args.repeat):  # interleaved, samples pooled
                for name, run in DESIGNS.items():
                    sig, req = run(prog, args.signals)
                    pooled = rows.setdefault(name, ([], []))
                    pooled[0].extend(sig)
                    pooled[1].extend(req)
            os.sched_setaffinity(0, all_cpus)
            base_p99 = percentiles(rows["blocking waitpid"][0])[1]
            print(f"\n{pin_name}  (microseconds)")
            print(
                f"  {'design':22} {'signal p50':>10} {'p99':>8} {'max':>8}"
                f" {'p99 ratio':>9} {'request p50':>11} {'p99':>8} {'max':>8}"
            )
            for name, (sig, req) in rows.items():
                s50, s99, smax = percentiles(sig)
                r50, r99, rmax = percentiles(req)
                print(
                    f"  {name:22} {s50:10.0f} {s99:8.0f} {smax:8.0f}"
                    f" {s99 / base_p99:9.2f} {r50:11.0f} {r99:8.0f} {rmax:8.0f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
