"""Relay every signal to a tracee at once, while another thread reads its memory.

    python examples/signal_relay.py [--seconds S] [--rate HZ] [-- PROGRAM ARGS...]

A `TracerThread` owns the tracer. Its handler re-injects each signal the
moment the tracee stops for it. Meanwhile the main thread asks the tracer
thread, through ``call()``, to read 16 bytes of the tracee's stack *rate*
times a second, and a third thread sends the tracee SIGUSR1 every
millisecond. Neither kind of work waits for the other: that is the point.
At the end it prints how many signals were relayed and the latency of the
memory reads. The default program is a shell that counts the SIGUSR1s it
receives and prints the count when it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import ptpoll
from ptpoll.loops import TracerThread, resume

DEFAULT_PROGRAM = [
    "sh",
    "-c",
    "n=0; trap 'n=$((n+1))' USR1; trap 'echo received $n; exit 0' TERM;"
    " while :; do sleep 0.01; done",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument(
        "--rate", type=int, default=1000, help="memory reads per second"
    )
    parser.add_argument("--waiter", help="io_uring or portable (default: the best)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    command = command or DEFAULT_PROGRAM

    relayed: dict[str, int] = {}

    def handler(
        tracer: ptpoll.Tracer, tracee: ptpoll.Tracee, stop: ptpoll.Stop
    ) -> None:
        if isinstance(stop, ptpoll.SignalStop):
            name = ptpoll.signal_name(stop.signal)
            relayed[name] = relayed.get(name, 0) + 1
        resume(tracer, tracee, stop)

    with TracerThread(handler, waiter=args.waiter) as tt:

        def start(tracer: ptpoll.Tracer) -> tuple[ptpoll.Tracee, int]:
            tracee = tracer.spawn(command, stdout=subprocess.PIPE)
            stack = tracee.get_regs().stack_pointer
            tracee.cont()
            return tracee, stack

        tracee, stack = tt.run(start)
        stop_signals = threading.Event()

        def send_signals() -> None:
            while not stop_signals.wait(0.001):
                os.kill(tracee.pid, signal.SIGUSR1)

        sender = threading.Thread(target=send_signals)
        sender.start()
        latencies = []
        period = 1.0 / args.rate
        deadline = time.monotonic() + args.seconds
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            sent = time.perf_counter()
            tt.run(lambda tracer: tracee.read_memory(stack, 16))
            latencies.append(time.perf_counter() - sent)
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
        stop_signals.set()
        sender.join()
        tt.run(lambda tracer: os.kill(tracee.pid, signal.SIGTERM))
        assert tracee.process.stdout is not None
        report = tracee.process.stdout.read().decode().strip()
        tracee.process.stdout.close()

    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"relayed signals: {relayed}")
    print(f"program says: {report}")
    print(
        f"memory reads: {len(latencies)}, latency p50"
        f" {statistics.median(latencies) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us,"
        f" max {latencies[-1] * 1e6:.0f} us"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
