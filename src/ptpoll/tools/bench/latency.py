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
- ``signalfd(SIGCHLD)``: an epoll loop over a signalfd and an eventfd for
  requests; at each SIGCHLD, ``waitpid(WNOHANG)`` until nothing is left
  (SIGCHLD does not queue). It needs SIGCHLD blocked in every thread of
  the process: process-wide state that a library cannot take over.
- ``waitpid + pthread_kill``: the tracer blocks in ``waitpid``; a client
  queues its request and interrupts the wait with SIGUSR1 sent to the
  tracer thread (a handler without ``SA_RESTART`` makes the call fail with
  ``EINTR``). Racy: a request queued after the tracer looked at the queue
  but before it entered ``waitpid`` waits for the next stop; tracers that
  use it add a timer for that.

Reported for each: p50/p99/max of signal latency and of request latency,
pinned to one CPU and unpinned, with the ratio of p99 signal latency to the
blocking tracer's and the spread of the per-run p99 over the repeats.
"""

from __future__ import annotations

import collections
import concurrent.futures
import ctypes
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import ptpoll
from ptpoll.linux import memory, ptrace
from ptpoll.loops import TracerThread, resume

from .common import WALL, Config, Row, Step, percentiles, pinned, spread
from .table import fmt, format_table

__all__ = ["SignalLatency"]

REQUEST_RATE = 1000  # per second, over all client threads
CLIENTS = 2
BASELINE = "blocking waitpid"

Latencies = tuple[list[float], list[float]]  # signal, request (microseconds)
Submit = Callable[[Callable[[], Any]], concurrent.futures.Future[Any]]

_libc = ctypes.CDLL(None, use_errno=True)
_libc.wait4.argtypes = [
    ctypes.c_int,
    ctypes.POINTER(ctypes.c_int),
    ctypes.c_int,
    ctypes.c_void_p,
]
_libc.signalfd.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
SFD_NONBLOCK = os.O_NONBLOCK
SFD_CLOEXEC = 0o2000000
SIGINFO_SIZE = 128


def clients(submit: Submit, pid: int, addr: int, stop: threading.Event) -> list[float]:
    """Send REQUEST_RATE requests a second until *stop*; their latencies
    in seconds."""
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
    if proc.stdout.readline() != b"ready\n":
        proc.kill()
        proc.wait()
        raise RuntimeError("the signal-latency tracee did not start")
    return proc


def finish(
    proc: subprocess.Popen[bytes], prog: str, signals: int, stop: threading.Event
) -> list[float]:
    """Send the signals, wait for the tracee's report (its latencies in
    nanoseconds), stop the clients; the latencies in microseconds."""
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


def run_ptpoll(prog: str, signals: int) -> Latencies:
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


class Requests:
    """The request channel of the baseline tracers: a deque of
    ``(fn, future)`` and a hook that wakes the tracer."""

    def __init__(self, wake: Callable[[], None] = lambda: None) -> None:
        self.items: collections.deque[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]]
        ] = collections.deque()
        self.wake = wake

    def submit(self, fn: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.items.append((fn, future))
        self.wake()
        return future

    def serve(self) -> None:
        while self.items:
            fn, future = self.items.popleft()
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)


def resume_raw(pid: int, status: int) -> bool:
    """Resume *pid* after a raw wait *status*; False once it has ended."""
    if os.WIFEXITED(status) or os.WIFSIGNALED(status):
        return False
    sig = os.WSTOPSIG(status)
    ptrace.cont(pid, 0 if sig == 5 or status >> 16 else sig)
    return True


# A baseline tracer: runs on its own thread from the seize to the tracee's
# end, serving *requests* as its design allows.
Loop = Callable[[int, Requests], None]


def blocking_loop(pid: int, requests: Requests) -> None:
    while True:
        _, status = os.waitpid(pid, WALL)
        alive = resume_raw(pid, status)
        requests.serve()
        if not alive:
            return


def sleeping_loop(pid: int, requests: Requests) -> None:
    while True:
        got, status = os.waitpid(pid, WALL | os.WNOHANG)
        if got and not resume_raw(pid, status):
            requests.serve()
            return
        requests.serve()
        if not got:
            time.sleep(0.001)


def signalfd_loop(pid: int, requests: Requests, sfd: int, efd: int) -> None:
    """Precondition: SIGCHLD is blocked in every thread of the process."""
    ep = select.epoll()
    try:
        ep.register(sfd, select.EPOLLIN)
        ep.register(efd, select.EPOLLIN)
        while True:
            for fd, _ in ep.poll():
                try:
                    os.read(fd, SIGINFO_SIZE * 16 if fd == sfd else 8)
                except BlockingIOError:
                    pass
            # One SIGCHLD can stand for several statuses: take them all.
            while True:
                got, status = os.waitpid(pid, WALL | os.WNOHANG)
                if not got:
                    break
                if not resume_raw(pid, status):
                    requests.serve()
                    return
            requests.serve()
    finally:
        ep.close()


def interrupted_loop(pid: int, requests: Requests) -> None:
    """Precondition: SIGUSR1 has a handler without SA_RESTART."""
    status = ctypes.c_int()
    while True:
        requests.serve()
        # The race of this design: a request queued here waits for the
        # next stop, since its SIGUSR1 came before the wait began.
        got = _libc.wait4(pid, ctypes.byref(status), WALL, None)
        if got < 0:
            err = ctypes.get_errno()
            if err == 4:  # EINTR: a request
                continue
            raise OSError(err, os.strerror(err))
        if not resume_raw(pid, status.value):
            requests.serve()
            return


def run_baseline(prog: str, signals: int, design: str) -> Latencies:
    saved_mask: set[int | signal.Signals] | None = None
    saved_handler: Any = None
    cleanup: list[int] = []
    requests = Requests()
    loop: Loop
    if design == "signalfd":
        # Blocked before any thread of the run starts, so all inherit it.
        saved_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        mask = (ctypes.c_uint64 * 16)(1 << (signal.SIGCHLD - 1))
        sfd = _libc.signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)
        if sfd < 0:
            raise OSError(ctypes.get_errno(), "signalfd")
        efd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        cleanup += [sfd, efd]
        requests.wake = lambda: os.eventfd_write(efd, 1)

        def loop(pid: int, requests: Requests) -> None:
            signalfd_loop(pid, requests, sfd, efd)

    elif design == "pthread_kill":
        saved_handler = signal.signal(signal.SIGUSR1, lambda *_: None)
        loop = interrupted_loop
    elif design == "sleep":
        loop = sleeping_loop
    else:
        loop = blocking_loop

    try:
        return _run_baseline(prog, signals, requests, loop, design == "pthread_kill")
    finally:
        for fd in cleanup:
            os.close(fd)
        if saved_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, saved_mask)
        if saved_handler is not None:
            signal.signal(signal.SIGUSR1, saved_handler)


def _run_baseline(
    prog: str, signals: int, requests: Requests, loop: Loop, interrupt: bool
) -> Latencies:
    proc = start_tracee(prog, signals)
    addr = stack_of(proc.pid)
    stop = threading.Event()
    seized = threading.Event()

    def tracer_thread() -> None:
        ptrace.seize(proc.pid, ptrace.Options.TRACESYSGOOD)
        seized.set()
        loop(proc.pid, requests)
        while not stop.is_set():  # the clients may still be finishing
            requests.serve()
            time.sleep(0.0005)
        requests.serve()

    tracer = threading.Thread(target=tracer_thread)
    tracer.start()
    seized.wait()
    if interrupt:
        ident = tracer.ident
        assert ident is not None
        requests.wake = lambda: signal.pthread_kill(ident, signal.SIGUSR1)
    results: list[float] = []
    client_thread = threading.Thread(
        target=lambda: results.extend(clients(requests.submit, proc.pid, addr, stop))
    )
    client_thread.start()
    sig_lat = finish(proc, prog, signals, stop)
    client_thread.join()
    requests.wake = lambda: None
    tracer.join()
    proc.wait()
    return sig_lat, [r * 1e6 for r in results]


DESIGNS: dict[str, Callable[[str, int], Latencies]] = {
    "ptpoll TracerThread": run_ptpoll,
    BASELINE: lambda prog, n: run_baseline(prog, n, "blocking"),
    "WNOHANG + 1 ms sleep": lambda prog, n: run_baseline(prog, n, "sleep"),
    "signalfd(SIGCHLD)": lambda prog, n: run_baseline(prog, n, "signalfd"),
    "waitpid + pthread_kill": lambda prog, n: run_baseline(prog, n, "pthread_kill"),
}


class SignalLatency:
    name = "latency"
    title = "signal latency under load"

    def __init__(self, config: Config, signals: int | None = None) -> None:
        self.config = config
        self.signals = signals or (100 if config.quick else 2000)
        self.repeat = config.repeats(3)
        # (pinning, design) -> one (signal, request) pair per run
        self.runs: dict[tuple[str, str], list[Latencies]] = {}

    def steps(self) -> list[Step]:
        out = []
        for i in range(self.repeat):  # interleaved, samples pooled
            for pin_name, cpus in self.config.pinnings().items():
                for name in DESIGNS:
                    label = f"{self.name} {pin_name}, {name}, run {i + 1}"
                    out.append(Step(label, self._runner(pin_name, cpus, name)))
        return out

    def _runner(self, pin_name: str, cpus: set[int], name: str) -> Callable[[], None]:
        def run() -> None:
            with pinned(cpus):
                got = DESIGNS[name](self.config.programs["tracee"], self.signals)
            self.runs.setdefault((pin_name, name), []).append(got)

        return run

    def pooled(self, pin_name: str, name: str) -> Latencies:
        runs = self.runs[(pin_name, name)]
        return [x for s, _ in runs for x in s], [x for _, r in runs for x in r]

    def rows(self) -> list[Row]:
        rows = []
        for pin_name in self.config.pinnings():
            base_p99 = percentiles(self.pooled(pin_name, BASELINE)[0])[1]
            for name in DESIGNS:
                sig, req = self.pooled(pin_name, name)
                s50, s99, smax = percentiles(sig)
                r50, r99, rmax = percentiles(req) if req else (0.0, 0.0, 0.0)
                per_run_p99 = [percentiles(s)[1] for s, _ in self.runs[pin_name, name]]
                rows.append(
                    {
                        "benchmark": self.name,
                        "pinning": pin_name,
                        "design": name,
                        "signals": len(sig),
                        "requests": len(req),
                        "signal_p50_us": s50,
                        "signal_p99_us": s99,
                        "signal_max_us": smax,
                        "ratio": s99 / base_p99,
                        "signal_p99_spread": spread(per_run_p99),
                        "request_p50_us": r50,
                        "request_p99_us": r99,
                        "request_max_us": rmax,
                        "signal_us": [round(x, 1) for x in sig],
                    }
                )
        return rows

    def table(self) -> str:
        lines = [
            [
                row["pinning"],
                row["design"],
                fmt(row["signal_p50_us"], 0),
                fmt(row["signal_p99_us"], 0),
                fmt(row["signal_max_us"], 0),
                fmt(row["ratio"]),
                f"{row['signal_p99_spread']:.0%}",
                fmt(row["request_p50_us"], 0),
                fmt(row["request_p99_us"], 0),
                fmt(row["request_max_us"], 0),
            ]
            for row in self.rows()
        ]
        title = (
            f"{self.title} (microseconds): {self.signals} signals a run, one a ms;"
            f" {REQUEST_RATE} requests/s from {CLIENTS} threads; {self.repeat}"
            f" runs pooled; ratio: p99 signal latency / {BASELINE}'s; waiter"
            f" {ptpoll.available_waiters()[0]}"
        )
        headers = [
            "pinning",
            "design",
            "signal p50",
            "p99",
            "max",
            "ratio",
            "p99 spread",
            "request p50",
            "p99",
            "max",
        ]
        return format_table(title, headers, lines, left=2)
