"""One run of ``ptpoll trace``: start or attach, then turn stops into lines.

Built on ptpoll's public API only (`ptpoll.Tracer`, the stop records,
`Tracee.syscall`/`cont`/`listen`), so it also shows how that API is used
for a real tool. The loop runs on the thread that made the tracer:

- syscall-entry stop: remember the call, print its input arguments;
- syscall-exit stop: print its output arguments and return value;
- seccomp stop (``--seccomp-bpf``): an entry; resume with ``PTRACE_SYSCALL``
  to catch its exit, and with ``PTRACE_CONT`` after that;
- signal-delivery stop: print ``--- SIGNAME {...} ---`` and deliver it;
- group-stop: ``--- stopped by SIG ---``, then ``PTRACE_LISTEN``;
- the end of a thread: ``+++ exited with N +++`` / ``+++ killed by SIG +++``.
"""

from __future__ import annotations

import os
import shutil
import signal as _signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

import ptpoll
from ptpoll import (
    ExecStop,
    Exited,
    GroupStop,
    Killed,
    Options,
    SeccompStop,
    SignalStop,
    SyscallOp,
    SyscallStop,
    Tracee,
    Tracer,
)
from ptpoll.linux.seccomp import trace_filter

from . import decoders, render, syscalls
from .decoders import Call, Ctx, process
from .decoders.signals import siginfo_text, signal_name
from .options import TraceOptions, UsageError
from .output import JsonOutput, TextOutput
from .summary import Summary

_ENTRY = SyscallOp.ENTRY
_EXIT = SyscallOp.EXIT
_X86_64 = syscalls.AUDIT_ARCH_X86_64
_FOLLOW = Options.TRACECLONE | Options.TRACEFORK | Options.TRACEVFORK


class TraceError(Exception):
    """A trace that could not start (no such program, no such process):
    one line for the user, no traceback."""


class _Stopping(Exception):
    """SIGTERM or SIGHUP reached the tracer: end the trace cleanly."""

    def __init__(self, signo: int) -> None:
        super().__init__(signo)
        self.signo = signo


class Session:
    def __init__(self, opts: TraceOptions, stream: TextIO, messages: TextIO) -> None:
        self.opts = opts
        self.messages = messages
        self.ctx = Ctx(
            strsize=opts.strsize,
            verbose=opts.verbose,
            xstyle=opts.xstyle,
            decode_fds=opts.decode_fds,
        )
        self.selected = opts.trace  # None: every call
        self.signals = opts.signals
        self.summary = Summary() if opts.counting else None
        self.text: TextOutput | None = None
        self.json: JsonOutput | None = None
        if opts.json:
            self.json = JsonOutput(stream)
        elif opts.printing:
            self.text = TextOutput(stream, opts, to_file=opts.output is not None)
        self.stream = stream
        self.calls: dict[int, Call] = {}
        self.fresh: set[int] = set()  # new threads: no call of theirs seen yet
        self.main_pid = 0
        self.exit_code = 0
        self.seccomp = opts.seccomp_bpf
        self.in_call: set[int] = set()  # --seccomp-bpf: between entry and exit
        # Whether anything shows a time: otherwise no clock is read per call.
        self.clock = bool(
            opts.timestamps or opts.relative or opts.syscall_times
            or opts.counting or opts.json
        )  # fmt: skip

    # -- starting ------------------------------------------------------------

    def _options(self) -> int:
        opts = Options.TRACEEXEC
        if self.opts.follow:
            opts |= _FOLLOW
        if self.seccomp:
            opts |= Options.TRACESECCOMP
        return int(opts)

    def _spawn(self, tracer: Tracer) -> None:
        argv = self.opts.command
        program = argv[0]
        path = program if "/" in program else shutil.which(program)
        if path is None or not os.path.exists(path):
            raise TraceError(f"cannot run {program!r}: no such file or directory")
        seccomp_filter = None
        if self.seccomp:
            wanted = self.selected
            if wanted is None:
                wanted = frozenset(syscalls.all_names().values())
            seccomp_filter = trace_filter(wanted, _X86_64)
        try:
            tracee = tracer.spawn(
                argv,
                executable=path,
                options=self._options(),
                seccomp_filter=seccomp_filter,
            )
        except OSError as exc:
            raise TraceError(f"cannot run {program!r}: {exc.strerror}") from None
        self.main_pid = tracee.pid
        self._exec_line(tracee, path)
        self._resume(tracee, 0)

    def _exec_line(self, tracee: Tracee, path: str) -> None:
        """The spawned program's execve: entered before ptpoll saw the
        child, so its entry is printed now, in its exec stop, from the new
        stack (``argc``, then ``argv[]``, NULL, ``envp[]``) and the path
        ptpoll passed."""
        nr = syscalls.number("execve")
        assert nr is not None
        sp = tracee.get_regs().stack_pointer
        argc = int.from_bytes(tracee.read_memory(sp, 8), "little")
        argv, envp = sp + 8, sp + 8 * (argc + 2)
        call = Call(tracee, nr, "execve", (0, argv, envp, 0, 0, 0))
        call.start = time.time()
        self.calls[tracee.tid] = call
        if self.seccomp:
            self.in_call.add(tracee.tid)
        if self.selected is not None and nr not in self.selected:
            return
        ctx = self.ctx
        args = [
            render.quote(os.fsencode(path)),
            process.string_array(ctx, call, argv),
            process.environment(ctx, call, envp),
        ]
        call.stash["args"] = args
        call.shown = True
        if self.text is not None:
            self.text.syscall_entry(tracee.tid, "execve(" + ", ".join(args), call.start)

    def _attach(self, tracer: Tracer) -> None:
        for pid in self.opts.pids:
            try:
                tracee = tracer.seize(pid, self._options(), on_close="detach")
            except ProcessLookupError:
                raise TraceError(f"attach: process {pid} does not exist") from None
            except PermissionError as exc:
                why = exc.strerror or "Operation not permitted"
                if str(pid) not in why:
                    why = f"process {pid}: {why}"
                raise TraceError(f"attach: {why}") from None
            except OSError as exc:
                raise TraceError(f"attach: process {pid}: {exc}") from None
            threads = list(tracee.process.threads.values())
            for thread in threads:
                thread.interrupt()
            if self.opts.quiet == 0:
                if len(threads) > 1:
                    self._message(f"Process {pid} attached with {len(threads)} threads")
                else:
                    self._message(f"Process {pid} attached")

    def _message(self, text: str) -> None:
        self.messages.write(f"ptpoll trace: {text}\n")
        self.messages.flush()

    # -- the loop ------------------------------------------------------------

    def run(self) -> int:
        """Trace until every tracee is gone; the exit status to use."""
        opts = self.opts
        with Tracer(waiter=opts.waiter) as tracer:
            if opts.command:
                self._spawn(tracer)
                # The program gets ^C and ^\ from the terminal itself and
                # decides; the trace goes on until it ends (strace -I3).
                wanted: dict[_signal.Signals, _Handler] = {
                    _signal.SIGINT: _signal.SIG_IGN,
                    _signal.SIGQUIT: _signal.SIG_IGN,
                }
            else:
                self._attach(tracer)
                # ^C detaches, even where the shell started us with SIGINT
                # ignored (a background job).
                wanted = {_signal.SIGINT: _raise_stopping}
            wanted[_signal.SIGTERM] = wanted[_signal.SIGHUP] = _raise_stopping
            before = {signo: _signal.signal(signo, h) for signo, h in wanted.items()}
            try:
                self._loop(tracer)
            except (KeyboardInterrupt, _Stopping) as exc:
                self._let_go(tracer)
                if isinstance(exc, _Stopping) and opts.command:
                    self.exit_code = 128 + exc.signo
            finally:
                for signo, handler in before.items():
                    _signal.signal(signo, handler)
        self._finish()
        return self.exit_code

    def _let_go(self, tracer: Tracer) -> None:
        """^C (or SIGTERM) while tracing: attached processes are detached
        and keep running; spawned ones are killed (``Tracer.close``)."""
        if self.text is not None:
            for tid in list(self.calls):
                self.text.detached(tid)
        pids = {t.pid for t in tracer.tracees}
        tracer.close()
        if self.opts.pids and self.opts.quiet == 0:
            for pid in sorted(pids):
                self._message(f"Process {pid} detached")

    def _finish(self) -> None:
        out = self.text or self.json
        if out is not None:
            out.finish()
        if self.summary is not None:
            self.summary.write(self.stream, self.opts.sort_by)
            self.stream.flush()

    def _loop(self, tracer: Tracer) -> None:
        wait = tracer.wait
        on_syscall = self._on_syscall
        text = self.text
        # On a terminal each line shows as it happens; into a file or a
        # pipe, lines are written in blocks (flushed before a blocking wait
        # only when the stream is interactive).
        interactive = self.stream.isatty()
        flush = self.stream.flush
        while nthreads := len(tracer):
            got = wait(block=False) if interactive else None
            if got is None:
                if interactive:
                    flush()
                got = wait()
                if got is None:
                    continue
            tracee, stop = got
            if text is not None:
                text.nthreads = nthreads
            kind = type(stop)
            if kind is SyscallStop or kind is SeccompStop:
                assert isinstance(stop, (SyscallStop, SeccompStop))
                info = stop.info
                if info is None:
                    # Killed (SIGKILL) before its stop could be read: its
                    # end is the next status.
                    continue
                if kind is SyscallStop:
                    on_syscall(tracee, info)
                else:
                    self._on_entry(tracee, info)
                    self.in_call.add(tracee.tid)
                    tracee.syscall()
            else:
                self._on_other(tracer, tracee, stop)

    def _resume(self, tracee: Tracee, sig: int) -> None:
        if not self.seccomp or tracee.tid in self.in_call:
            tracee.syscall(sig)
        else:
            tracee.cont(sig)

    def _on_syscall(self, tracee: Tracee, info: ptpoll.SyscallInfo) -> None:
        if info.op == _ENTRY:
            self._on_entry(tracee, info)
        elif info.op == _EXIT:
            self._on_exit(tracee, info)
            self.in_call.discard(tracee.tid)
        self._resume(tracee, 0)

    def _on_entry(self, tracee: Tracee, info: ptpoll.SyscallInfo) -> None:
        tid = tracee.tid
        self.fresh.discard(tid)
        nr = info.nr
        arch = info.arch
        name = syscalls.name(nr, arch)
        call = Call(tracee, nr, name, info.args)
        call.sp = info.stack_pointer
        call.start = now = time.time() if self.clock else 0.0
        self.calls[tid] = call
        selected = self.selected
        if selected is not None and nr not in selected:
            return
        if self.text is not None:
            call.shown = True
            self.text.syscall_entry(tid, decoders.entry_text(self.ctx, call, arch), now)
        elif self.json is not None:
            call.shown = True
            call.stash["args"] = decoders.entry_args(self.ctx, call, arch)

    def _on_exit(self, tracee: Tracee, info: ptpoll.SyscallInfo) -> None:
        tid = tracee.tid
        call = self.calls.pop(tid, None)
        now = time.time() if self.clock else 0.0
        if call is None:
            if tid in self.fresh:
                self.fresh.discard(tid)
                return  # a new thread returning from clone: strace shows nothing
            call = self._call_in_progress(tracee)
            if call is None:
                return
        rval = info.rval
        call.rval = rval
        if info.is_error:
            call.error = -rval
        selected = self.selected
        if selected is not None and call.nr not in selected:
            return
        if self.summary is not None:
            self.summary.add(call.name, call.nr, now - call.start, info.is_error)
        if not call.shown:
            return
        if self.text is not None:
            ctx = self.ctx
            self.text.syscall_exit(
                tid,
                call.name,
                decoders.exit_text(ctx, call),
                decoders.return_text(ctx, call),
                now - call.start,
                now,
            )
        elif self.json is not None:
            self._json_call(call, now)

    def _call_in_progress(self, tracee: Tracee) -> Call | None:
        """An exit whose entry came before we attached: strace shows it as
        ``<... name resumed>``."""
        try:
            regs = tracee.get_regs()
            nr = regs["orig_rax"]
            # The argument registers still hold the arguments at the exit.
            args = tuple(regs[r] for r in ("rdi", "rsi", "rdx", "r10", "r8", "r9"))
        except (OSError, KeyError):
            return None
        call = Call(tracee, nr, syscalls.name(nr), args)
        call.start = time.time()
        call.shown = True
        call.stash["args"] = []
        return call

    def _json_call(self, call: Call, now: float | None) -> None:
        assert self.json is not None
        args = list(call.stash.get("args", []))
        returned = now is not None
        if returned and call.args:
            args += decoders.exit_args(self.ctx, call)
        self.json.event(
            {
                "event": "syscall",
                "pid": call.tracee.pid,
                "tid": call.tracee.tid,
                "time": round(call.start, 6),
                "name": call.name,
                "nr": call.nr,
                "args": args,
                "raw_args": list(call.args),
                "return": call.rval if returned else None,
                "errno": decoders.errno_name(call.error) if call.error else None,
                "error": decoders.errno_text(call.error) if call.error else None,
                "duration": round(now - call.start, 6) if now is not None else None,
            }
        )

    # -- everything but syscall stops ---------------------------------------

    def _on_other(self, tracer: Tracer, tracee: Tracee, stop: ptpoll.Stop) -> None:
        tid = tracee.tid
        now = time.time()
        if isinstance(stop, SignalStop):
            self._signal_line(tracee, stop, now)
            self._resume(tracee, stop.signal)
        elif isinstance(stop, GroupStop):
            if self._show_signal(stop.signal):
                name = signal_name(stop.signal)
                record = {"event": "stopped", "signal": name}
                self._line(tracee, f"--- stopped by {name} ---", now, record)
            tracee.listen()
        elif isinstance(stop, (Exited, Killed)):
            self._on_end(tracee, stop, now)
        else:
            if isinstance(stop, ptpoll.CloneStop):
                self._new_thread(stop.new_tid)
            elif isinstance(stop, (ptpoll.ForkStop, ptpoll.VforkStop)):
                self._new_thread(stop.new_pid)
            elif isinstance(stop, ExecStop) and stop.former_tid != tid:
                # A non-leader exec'd: its execve call now belongs to the
                # leader's tid, and the leader's own call is gone.
                moved = self.calls.pop(stop.former_tid, None)
                if moved is not None:
                    self.calls[tid] = moved
            elif isinstance(stop, ptpoll.InterruptStop) and tid not in self.calls:
                self.fresh.discard(tid)
            self._resume(tracee, 0)

    def _new_thread(self, tid: int) -> None:
        self.fresh.add(tid)
        if self.seccomp:
            # A child of a call that the filter stopped starts inside that
            # call's return path, not in a call of its own.
            self.in_call.discard(tid)
        if self.opts.quiet == 0 and self.text is not None:
            self._message(f"Process {tid} attached")

    def _show_signal(self, sig: int) -> bool:
        return self.signals is None or sig in self.signals

    def _signal_line(self, tracee: Tracee, stop: SignalStop, now: float) -> None:
        if not self._show_signal(stop.signal):
            return
        name = signal_name(stop.signal)
        info = siginfo_text(stop.siginfo) if stop.siginfo is not None else "{}"
        self._line(tracee, f"--- {name} {info} ---", now, {
            "event": "signal", "signal": name, "signo": stop.signal,
            "code": stop.siginfo.code if stop.siginfo is not None else None,
            "siginfo": info,
        })  # fmt: skip

    def _line(
        self, tracee: Tracee, text: str, now: float, record: dict[str, Any]
    ) -> None:
        if self.text is not None:
            self.text.line(tracee.tid, text, now)
        elif self.json is not None:
            record.update(pid=tracee.pid, tid=tracee.tid, time=round(now, 6))
            self.json.event(record)

    def _on_end(self, tracee: Tracee, stop: Exited | Killed, now: float) -> None:
        tid = tracee.tid
        self.fresh.discard(tid)
        self.in_call.discard(tid)
        call = self.calls.pop(tid, None)
        if call is not None and call.shown:
            # exit_group and calls cut short by SIGKILL never return.
            if self.text is not None:
                rest = "<unfinished ...>)" if decoders.has_exit_args(call) else ")"
                self.text.syscall_exit(tid, call.name, rest, "?", None, now)
            elif self.json is not None:
                self._json_call(call, None)
        if isinstance(stop, Exited):
            if tracee.pid == self.main_pid and tid == tracee.pid:
                self.exit_code = stop.status
            if self.opts.quiet < 2:
                self._line(tracee, f"+++ exited with {stop.status} +++", now, {
                    "event": "exit", "status": stop.status,
                })  # fmt: skip
        else:
            if tracee.pid == self.main_pid and tid == tracee.pid:
                self.exit_code = 128 + stop.signal
            core = " (core dumped)" if stop.core else ""
            if self.opts.quiet < 2:
                name = signal_name(stop.signal)
                record = {"event": "killed", "signal": name, "core_dumped": stop.core}
                self._line(tracee, f"+++ killed by {name}{core} +++", now, record)


_Handler = Callable[[int, FrameType | None], Any] | int | _signal.Handlers


def _raise_stopping(signo: int, frame: FrameType | None) -> None:
    raise _Stopping(signo)


def run(opts: TraceOptions, stderr: TextIO = sys.stderr) -> int:
    """Run one trace; return the exit status for the process."""
    stream: TextIO
    if opts.output is not None:
        try:
            stream = open(opts.output, "w", buffering=1 << 16)  # noqa: SIM115
        except OSError as exc:
            raise TraceError(f"cannot write {opts.output!r}: {exc.strerror}") from None
    else:
        stream = stderr
    try:
        return Session(opts, stream, stderr).run()
    finally:
        if stream is not stderr:
            stream.close()


__all__ = ["Session", "TraceError", "UsageError", "run"]
