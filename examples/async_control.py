"""An asyncio tracer with a line-based control socket.

    python examples/async_control.py SOCKET_PATH [--follow] -- PROGRAM ARGS...

Traces PROGRAM (letting every stop go on, signals re-injected) and serves a
Unix socket on the same event loop. One command per line, one reply line:

    stops          how many stops were handled, per tracee: "stops 123:5 124:2"
    list           the live tracees: "tracees 123 124"
    detach TID     stop tracing a thread (it keeps running): "ok" or "error: ..."
    kill TID       SIGKILL its process: "ok" or "error: ..."
    quit           close the tracer (spawned programs are killed) and exit

The program exits when PROGRAM and all its traced children are gone, or
on ``quit``. Everything runs on one thread: the loop's.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import sys

import ptpoll
from ptpoll.loops import aio, resume


class Controller:
    def __init__(self, tracer: ptpoll.Tracer) -> None:
        self.tracer = tracer
        self.stops: collections.Counter[int] = collections.Counter()
        self.done = asyncio.Event()
        self.exit_status = 0

    async def trace(self, first: ptpoll.Tracee) -> None:
        first.cont()
        async for tracee, stop in aio.stops(self.tracer):
            self.stops[tracee.tid] += 1
            if tracee is first and isinstance(stop, ptpoll.Exited):
                self.exit_status = stop.status
            elif tracee is first and isinstance(stop, ptpoll.Killed):
                self.exit_status = 128 + stop.signal
            resume(self.tracer, tracee, stop)
        self.done.set()

    def command(self, line: str) -> str:
        words = line.split()
        if not words:
            return "error: empty command"
        name, args = words[0], words[1:]
        if name == "stops" and not args:
            return "stops " + " ".join(
                f"{t}:{n}" for t, n in sorted(self.stops.items())
            )
        if name == "list" and not args:
            return "tracees " + " ".join(str(t.tid) for t in self.tracer.tracees)
        if name in ("detach", "kill") and len(args) == 1:
            try:
                tracee = self.tracer.tracee(int(args[0]))
                if name == "kill":
                    tracee.kill()
                else:
                    self.detach(tracee)
            except (KeyError, ValueError, OSError) as exc:
                return f"error: {exc}"
            return "ok"
        if name == "quit" and not args:
            self.done.set()
            return "bye"
        return f"error: unknown command {line.strip()!r}"

    def detach(self, tracee: ptpoll.Tracee) -> None:
        # PTRACE_DETACH needs a stop: interrupt a running tracee first; the
        # stop it reports then is the one we detach from.
        if not tracee.stopped:
            tracee.interrupt()
            stop = tracee.wait(timeout=5)
            if stop is None or not stop.alive:
                raise ProcessLookupError(f"tracee {tracee.tid} did not stop")
        last = tracee.last_stop
        tracee.detach(last.signal if isinstance(last, ptpoll.SignalStop) else 0)
        if not self.tracer.tracees:
            # No status will come to end the trace loop: end it here.
            self.done.set()

    async def serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.closing(writer):
            while line := await reader.readline():
                writer.write(
                    (self.command(line.decode(errors="replace")) + "\n").encode()
                )
                await writer.drain()


async def main(path: str, command: list[str], follow: bool) -> int:
    options = ptpoll.Options.NONE
    if follow:
        options = ptpoll.Options.TRACEFORK | ptpoll.Options.TRACEVFORK
        options |= ptpoll.Options.TRACECLONE
    with ptpoll.Tracer() as tracer:
        try:
            first = await aio.spawn(tracer, command, options=options)
        except OSError as exc:
            print(f"async_control: {exc}", file=sys.stderr)
            return 127
        controller = Controller(tracer)
        server = await asyncio.start_unix_server(controller.serve, path)
        print(f"tracing {first.pid}; control socket {path}", flush=True)
        tracing = asyncio.create_task(controller.trace(first))
        try:
            await controller.done.wait()
        finally:
            tracing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tracing
            server.close()
            await server.wait_closed()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        return controller.exit_status


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("socket")
    parser.add_argument("--follow", "-f", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    ns = parser.parse_args()
    cmd = ns.command[1:] if ns.command[:1] == ["--"] else ns.command
    if not cmd:
        parser.error("give a program to trace, after --")
    sys.exit(asyncio.run(main(ns.socket, cmd, ns.follow)))
