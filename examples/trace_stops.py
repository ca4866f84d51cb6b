"""Trace a program and print every stop, from one ``selectors`` loop.

    python examples/trace_stops.py [--follow] [--waiter NAME] -- PROGRAM [ARGS...]

The loop waits on the tracer's descriptor and on a one-second timer-like
pipe at once, to show that tracees are ordinary file descriptors now:
nothing blocks in ``waitpid``, yet every stop is handled as it comes.
The exit status is the traced program's (128 + signal if killed).
"""

from __future__ import annotations

import argparse
import os
import selectors
import sys
import time

import ptpoll


def describe(stop: ptpoll.Stop) -> str:
    if isinstance(stop, ptpoll.SyscallStop) and stop.info is not None:
        info = stop.info
        if info.op == ptpoll.SyscallOp.ENTRY:
            args = ", ".join(f"{a:#x}" for a in info.args)
            return f"syscall {info.nr} entry ({args})"
        if info.op == ptpoll.SyscallOp.EXIT:
            return f"syscall exit = {info.rval}" + (" (error)" if info.is_error else "")
    if isinstance(stop, (ptpoll.SignalStop, ptpoll.GroupStop)):
        return f"{type(stop).__name__} {ptpoll.signal_name(stop.signal)}"
    if isinstance(stop, ptpoll.Killed):
        return f"killed by {ptpoll.signal_name(stop.signal)}"
    return repr(stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="print every stop of a program")
    parser.add_argument("--follow", "-f", action="store_true", help="follow children")
    parser.add_argument("--waiter", help="io_uring or portable (default: the best)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a program to trace, after --")

    options = ptpoll.Options.NONE
    if args.follow:
        options = ptpoll.Options.TRACEFORK | ptpoll.Options.TRACEVFORK
        options |= ptpoll.Options.TRACECLONE
    out = sys.stderr
    status = 0
    with ptpoll.Tracer(waiter=args.waiter) as tracer:
        try:
            tracee = tracer.spawn(command, options=options)
        except OSError as exc:
            print(f"trace_stops: {exc}", file=out)
            return 127
        print(
            f"[{tracee.tid}] {describe(tracee.last_stop or ptpoll.Stop(0))}", file=out
        )
        tracee.syscall()

        ticks_r, ticks_w = os.pipe()
        selector = selectors.DefaultSelector()
        selector.register(tracer.fileno(), selectors.EVENT_READ, "tracees")
        selector.register(ticks_r, selectors.EVENT_READ, "ticks")
        started = time.monotonic()
        next_tick = started + 1.0
        try:
            while tracer.tracees:
                timeout = max(0.0, next_tick - time.monotonic())
                for key, _ in selector.select(timeout):
                    if key.data == "ticks":
                        os.read(ticks_r, 1)
                        print(f"-- {time.monotonic() - started:.1f}s --", file=out)
                        continue
                    # Drain what is pending, then go back to the selector.
                    while (got := tracer.wait(block=False)) is not None:
                        t, stop = got
                        print(f"[{t.tid}] {describe(stop)}", file=out)
                        if stop.alive:
                            sig = (
                                stop.signal
                                if isinstance(stop, ptpoll.SignalStop)
                                else 0
                            )
                            t.syscall(sig)
                        elif t.tid == tracee.tid:
                            if isinstance(stop, ptpoll.Exited):
                                status = stop.status
                            elif isinstance(stop, ptpoll.Killed):
                                status = 128 + stop.signal
                if time.monotonic() >= next_tick:
                    os.write(ticks_w, b".")
                    next_tick += 1.0
        finally:
            selector.close()
            os.close(ticks_r)
            os.close(ticks_w)
    return status


if __name__ == "__main__":
    sys.exit(main())
