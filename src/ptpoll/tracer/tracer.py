"""`Tracer`: the thread that traces, its tracees, and one pollable fd."""

from __future__ import annotations

import collections
import logging
import os
import select
import signal as _signal
import threading
import time
import weakref
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING

from .. import waiters
from ..linux import ptrace
from ..linux._libc import tag_pid, tgkill
from ..stops import (
    CloneStop,
    ExecStop,
    Exited,
    ForkStop,
    Killed,
    SignalStop,
    Stop,
    VforkStop,
    decode,
    signal_name,
)
from .errors import TraceeGoneError, TracerClosedError, WrongThreadError
from .spawn import StdArg, StrOrBytesPath, child_error, start_child
from .tracee import OnClose, Process, Tracee

if TYPE_CHECKING:
    from ..waiters import Status, Watch

__all__ = ["Tracer"]

log = logging.getLogger(__name__)

Options = ptrace.Options
_KNOWN_OPTIONS = int(
    Options.TRACESYSGOOD | Options.TRACEFORK | Options.TRACEVFORK
    | Options.TRACECLONE | Options.TRACEEXEC | Options.TRACEVFORKDONE
    | Options.TRACEEXIT | Options.TRACESECCOMP | Options.EXITKILL
    | Options.SUSPEND_SECCOMP
)  # fmt: skip
_NEW_CHILD_OPTIONS = int(Options.TRACEFORK | Options.TRACEVFORK | Options.TRACECLONE)

# How long close() waits for a tracee to stop or die before it gives up on
# it (the kernel then detaches it when the tracer thread exits).
CLOSE_TIMEOUT = 5.0

# How often a long Tracer.wait() looks for unreported tracees while some
# process follows its children (one directory listing per process).
ORPHAN_RECHECK = 1.0


class Tracer:
    """Traces processes from the thread that creates it.

    Only that thread may spawn, attach, wait and issue requests (the kernel
    binds a tracee to the thread that attached); from any other thread they
    raise `WrongThreadError`. ``fileno()`` may be polled from anywhere.

    ``fileno()`` is readable iff some tracee has a pending status, and
    ``wait(block=False)`` then returns one. Every status of every tracee is
    delivered exactly once, in the kernel's order for that tracee; statuses
    of processes that are not our tracees are never consumed.

    *waiter* picks how statuses are made pollable (``"io_uring"``,
    ``"portable"``; default: ``$PTPOLL_WAITER``, else the best available).
    With *syscall_info* False, syscall-stops are reported without the
    ``PTRACE_GET_SYSCALL_INFO`` data (one request fewer per stop).

    ``close()`` (or leaving a ``with`` block) leaves no tracee stopped:
    each process is killed or detached as its ``on_close`` says.
    """

    def __init__(self, *, waiter: str | None = None, syscall_info: bool = True) -> None:
        self._owner = threading.get_ident()
        self._owner_thread = threading.current_thread()
        self._waiter = waiters.choose(waiter)
        self._syscall_info = bool(syscall_info)
        self._epoll = select.epoll()
        self._tracees: dict[int, Tracee] = {}
        self._processes: dict[int, Process] = {}
        self._by_fd: dict[int, Tracee] = {}
        self._ready: collections.deque[Tracee] = collections.deque()
        # Statuses whose watch had to be closed before they were taken. An
        # eventfd in the epoll set keeps fileno() readable while any wait.
        self._backlog: collections.deque[tuple[Tracee, Status]] = collections.deque()
        self._backlog_fd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self._epoll.register(self._backlog_fd, select.EPOLLIN)
        self._closed = False
        self._orphan_template: Tracee | None = None
        self._following = 0  # live tracees with clone/fork/vfork options
        self._fd_closing: list[Callable[[int], object]] = []
        _TRACERS.add(self)

    @property
    def waiter(self) -> str:
        """The name of the waiter in use."""
        return self._waiter.name

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def tracees(self) -> list[Tracee]:
        """The live tracees, one per traced thread."""
        return list(self._tracees.values())

    def __len__(self) -> int:
        """How many threads are traced (cheaper than ``len(tracees)``)."""
        return len(self._tracees)

    def tracee(self, tid: int) -> Tracee:
        """The live tracee for thread *tid*; KeyError if there is none."""
        try:
            return self._tracees[tid]
        except KeyError:
            raise KeyError(f"thread {tid!r} is not traced by this tracer") from None

    def fileno(self) -> int:
        """Readable iff ``wait(block=False)`` would return a status."""
        return self._epoll.fileno()

    def on_fd_closing(self, callback: Callable[[int], object]) -> None:
        """Call ``callback(fd)`` on the tracer thread just before a tracee's
        descriptor is closed (it exited, was detached, or vanished), so an
        event loop can drop its registration before the number is reused.
        The asyncio and trio helpers use it."""
        self._fd_closing.append(callback)

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._tracees)} tracees"
        return f"<ptpoll.Tracer waiter={self.waiter} {state}>"

    # -- checks ----------------------------------------------------------

    def _wrong_thread(self, what: str, tid: int | None = None) -> WrongThreadError:
        me = threading.current_thread()
        owner = self._owner_thread
        target = f" on tracee {tid}" if tid is not None else ""
        return WrongThreadError(
            f"{what}{target} from thread {me.name!r} (tid {threading.get_native_id()}),"
            f" but only the tracer's thread {owner.name!r} (tid {owner.native_id})"
            " may issue ptrace requests for its tracees"
        )

    def _check(self, what: str) -> None:
        if threading.get_ident() != self._owner:
            raise self._wrong_thread(what)
        if self._closed:
            raise TracerClosedError(f"the tracer is closed: cannot {what}")

    def _check_options(self, options: int) -> int:
        if not isinstance(options, int) or isinstance(options, bool):
            raise TypeError(f"options must be ptpoll.Options flags, not {options!r}")
        unknown = int(options) & ~_KNOWN_OPTIONS
        if options < 0 or unknown:
            raise ValueError(
                f"unknown ptrace option bits {unknown or options:#x} in {options!r}"
            )
        return int(options)

    @staticmethod
    def _check_on_close(on_close: str) -> OnClose:
        if on_close == "kill":
            return "kill"
        if on_close == "detach":
            return "detach"
        raise ValueError(f"on_close must be 'kill' or 'detach', not {on_close!r}")

    @staticmethod
    def _check_pid(pid: int) -> int:
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise TypeError(f"pid must be an int, not {pid!r}")
        if pid <= 0:
            raise ValueError(f"pid must be a positive process id, not {pid!r}")
        if pid == os.getpid():
            raise PermissionError(
                1, f"cannot trace pid {pid}: it is the tracer's own process"
            )
        return pid

    # -- bookkeeping --------------------------------------------------------

    def _add(self, tid: int, process: Process, *, seized: bool, options: int) -> Tracee:
        """Precondition: *tid* is traced by this thread and not yet known."""
        watch = self._waiter.watch(tid, process.pid)
        tracee = Tracee(self, tid, process, watch, seized=seized, options=options)
        self._tracees[tid] = tracee
        self._processes[process.pid] = process
        process.threads[tid] = tracee
        if options & _NEW_CHILD_OPTIONS:
            self._following += 1
        fd = watch.fileno()
        self._by_fd[fd] = tracee
        self._epoll.register(fd, select.EPOLLIN)
        return tracee

    def _unwatch(self, tracee: Tracee) -> list[Status]:
        """Stop watching *tracee*; the statuses its watch held, untaken."""
        watch = tracee._watch
        if watch is None:
            return []
        tracee._watch = None
        fd = watch.fileno()
        self._epoll.unregister(fd)
        del self._by_fd[fd]
        for callback in list(self._fd_closing):
            try:
                callback(fd)
            except Exception:
                log.exception("ptpoll: a descriptor-closing callback raised")
        return watch.close()

    def _apply_pending_options(self, tracee: Tracee) -> None:
        """The options asked for at PTRACE_ATTACH, at the first stop."""
        opts = tracee._pending_options
        assert opts is not None
        tracee._pending_options = None
        try:
            ptrace.set_options(tracee.tid, opts)
        except ProcessLookupError:
            return  # killed meanwhile: its death follows
        old, tracee.options = tracee.options, opts
        self._options_changed(old, opts)

    def _options_changed(self, old: int, new: int) -> None:
        self._following += bool(new & _NEW_CHILD_OPTIONS) - bool(
            old & _NEW_CHILD_OPTIONS
        )

    def _rewatch(self, tracee: Tracee) -> None:
        watch = self._waiter.watch(tracee.tid, tracee.pid)
        tracee._watch = watch
        fd = watch.fileno()
        self._by_fd[fd] = tracee
        self._epoll.register(fd, select.EPOLLIN)

    def _retire(self, tracee: Tracee, why: str) -> None:
        """Forget *tracee*; statuses its watch still held go to the backlog."""
        if tracee._gone is not None:
            return
        left = self._unwatch(tracee)
        tracee._gone = why
        if tracee.options & _NEW_CHILD_OPTIONS:
            self._following -= 1
        if self._tracees.get(tracee.tid) is tracee:
            del self._tracees[tracee.tid]
        process = tracee.process
        if process.threads.get(tracee.tid) is tracee:
            del process.threads[tracee.tid]
        if not process.threads:
            process.forget_memory()
            if self._processes.get(process.pid) is process:
                del self._processes[process.pid]
        self._to_backlog(tracee, left)

    def _to_backlog(self, tracee: Tracee, statuses: list[Status]) -> None:
        """Keep *statuses* for ``wait()``; the backlog eventfd keeps
        ``fileno()`` readable meanwhile."""
        if statuses:
            self._backlog.extend((tracee, status) for status in statuses)
            os.eventfd_write(self._backlog_fd, 1)

    def _record(self, tracee: Tracee, status: Status) -> Stop:
        """Decode a status just taken and keep the books (hot path)."""
        stop = decode(
            tracee.tid, status[0], status[1],
            seized=tracee.seized, syscall_info=self._syscall_info,
        )  # fmt: skip
        cls = type(stop)
        if stop.alive:
            tracee.last_stop = stop
            if tracee._pending_options is not None:
                self._apply_pending_options(tracee)
            if cls is CloneStop or cls is ForkStop or cls is VforkStop:
                self._adopt(tracee, stop)
            elif cls is ExecStop:
                assert isinstance(stop, ExecStop)
                self._on_exec(tracee, stop)
        else:
            tracee.last_stop = None
            if isinstance(stop, Exited):
                why = f"exited with status {stop.status}"
            else:
                assert isinstance(stop, Killed)
                why = f"was killed by {signal_name(stop.signal)}"
            self._retire(tracee, why)
            if tracee.options & _NEW_CHILD_OPTIONS:
                self._after_death(tracee, cls is Killed)
        return stop

    # -- orphans -------------------------------------------------------------
    #
    # The kernel attaches a new thread or child the moment it is created, then
    # reports the parent's clone/fork/vfork event. A parent killed before that
    # report is consumed takes the report with it: the new tracee is ours,
    # stopped or dead, and nobody names it. A lost thread also keeps its
    # leader from ever being reaped. So after a death in a process that
    # follows its children, ptpoll looks for such tracees: the threads of
    # that process at once (one directory), other processes lazily, once,
    # before the next wait would block.

    def _after_death(self, tracee: Tracee, killed: bool) -> None:
        process = tracee.process
        if process.threads:
            self._scan_threads(process.pid, tracee)
        if killed and tracee.options & (Options.TRACEFORK | Options.TRACEVFORK):
            self._orphan_template = tracee

    def _scan_threads(self, pid: int, template: Tracee) -> list[Tracee]:
        found = []
        for tid in _threads_of(pid):
            if tid not in self._tracees and self._is_our_orphan(tid):
                found.append(self._adopt_tid(tid, pid, template))
        return found

    def _is_our_orphan(self, tid: int) -> bool:
        if _tracer_pid(tid) != os.getpid() or _known_elsewhere(tid, self):
            return False
        # Traced by this process: by this thread? A stopped tracee answers
        # our requests only if it is ours; a zombie answers no one, and is
        # taken as ours (no other tracer of this process knows it).
        try:
            ptrace.get_event_message(tid)
        except ProcessLookupError:
            state = _read_status_field(tid, "State")
            return state in ("Z (zombie)", "X (dead)")
        except OSError:
            return False
        return True

    def _adopt_tid(self, tid: int, pid: int, template: Tracee) -> Tracee:
        process = self._processes.get(pid)
        if process is None:
            process = Process(pid, template.process.on_close, template.process.spawned)
        log.debug("ptpoll: adopting tracee %d, whose creation was not reported", tid)
        return self._add(tid, process, seized=template.seized, options=template.options)

    def adopt_orphans(self) -> list[Tracee]:
        """Find and adopt tracees whose creation was never reported.

        A process killed while its clone, fork or vfork event was pending
        leaves its new thread or child attached to us but unnamed; ptpoll
        looks for them after such deaths by itself. This does the full
        search now (every process on the machine: milliseconds) and returns
        the tracees it made; their statuses follow from ``wait``.
        """
        self._check("adopt_orphans")
        return self._adopt_orphans()

    def _adopt_orphans(self) -> list[Tracee]:
        template = self._orphan_template or next(iter(self._tracees.values()), None)
        self._orphan_template = None
        if template is None:
            return []
        found = []
        for pid in list(self._processes):
            found += self._scan_threads(pid, template)
        me = os.getpid()
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) != me:
                found += self._scan_threads(int(name), template)
        return found

    def _adopt(self, parent: Tracee, stop: Stop) -> None:
        """Make a Tracee for the child that a clone/fork/vfork event names."""
        if isinstance(stop, CloneStop):
            new = stop.new_tid
            same_process = os.path.exists(f"/proc/{parent.pid}/task/{new}")
        else:
            assert isinstance(stop, (ForkStop, VforkStop))
            new = stop.new_pid
            same_process = False
        if new <= 0 or new in self._tracees:
            return
        if same_process:
            process = parent.process
        else:
            process = Process(new, parent.process.on_close, parent.process.spawned)
        self._add(new, process, seized=parent.seized, options=parent.options)

    def _on_exec(self, tracee: Tracee, stop: ExecStop) -> None:
        tracee.process.forget_memory()
        former = stop.former_tid
        if former != tracee.tid:
            vanished = self._tracees.get(former)
            if vanished is not None:
                self._retire(
                    vanished, f"vanished: it execed and became tid {tracee.tid}"
                )

    # -- waiting --------------------------------------------------------------

    def _wait_one(
        self, tracee: Tracee, watch: Watch, block: bool, timeout: float | None
    ) -> Stop | None:
        if not block or timeout == 0:
            status = watch.take()
        elif timeout is None:
            status = watch.wait(None)
            while status is None:
                status = watch.wait(None)
        else:
            deadline = time.monotonic() + timeout
            status = watch.wait(timeout)
            while status is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                status = watch.wait(remaining)
        if status is None:
            return None
        return self._record(tracee, status)

    def wait(
        self, block: bool = True, timeout: float | None = None
    ) -> tuple[Tracee, Stop] | None:
        """The next status of any tracee, as ``(tracee, stop)``; None if
        there is none (``block=False``) or *timeout* seconds passed.

        Tracees that are ready together are served in turn, so a busy
        tracee cannot starve the others.
        """
        self._check("wait")
        if self._backlog:
            return self._from_backlog()
        deadline = None if timeout is None else time.monotonic() + timeout
        ready = self._ready
        while True:
            while ready:
                tracee = ready.popleft()
                watch = tracee._watch
                if watch is None:
                    continue
                status = watch.take()
                if status is not None:
                    return tracee, self._record(tracee, status)
            if self._orphan_template is not None and self._adopt_orphans():
                continue  # their statuses may be ready already
            if not block:
                wait_for = 0.0
            elif deadline is None:
                wait_for = -1.0
            else:
                wait_for = max(0.0, deadline - time.monotonic())
            # While processes follow their children, a long wait wakes now
            # and then to look for tracees whose creation was never reported
            # (see "orphans" above): when the lost event was the leader's
            # own, no death of another thread prompts the search.
            recheck = wait_for != 0.0 and self._following > 0
            if recheck and (wait_for < 0 or wait_for > ORPHAN_RECHECK):
                wait_for = ORPHAN_RECHECK
            events = self._epoll.poll(wait_for, 64)
            by_fd = self._by_fd
            for fd, _ in events:
                tracee_or_none = by_fd.get(fd)
                if tracee_or_none is not None:
                    ready.append(tracee_or_none)
            if self._backlog:
                return self._from_backlog()
            if not events:
                if recheck:
                    for process in list(self._processes.values()):
                        template = next(iter(process.threads.values()), None)
                        if template is not None:
                            self._scan_threads(process.pid, template)
                elif wait_for == 0.0:
                    return None

    def _from_backlog(self) -> tuple[Tracee, Stop]:
        tracee, (code, value) = self._backlog.popleft()
        if not self._backlog:
            try:
                os.eventfd_read(self._backlog_fd)
            except BlockingIOError:
                pass
        try:
            stop = decode(
                tracee.tid, code, value, seized=tracee.seized, syscall_info=False
            )
        except OSError:
            stop = Stop(tracee.tid)
        return tracee, stop

    # -- starting to trace ------------------------------------------------------

    def spawn(
        self,
        argv: Sequence[StrOrBytesPath],
        *,
        executable: StrOrBytesPath | None = None,
        env: Mapping[str, str] | None = None,
        cwd: StrOrBytesPath | None = None,
        stdin: StdArg = None,
        stdout: StdArg = None,
        stderr: StdArg = None,
        options: int = Options.NONE,
        on_close: OnClose = "kill",
        seccomp_filter: bytes | None = None,
    ) -> Tracee:
        """Run *argv* traced; return its Tracee stopped at the exec.

        The program is found on ``PATH`` (of *env* if given) as
        ``subprocess`` does, and has not run its first instruction when this
        returns: the tracee is in the `ExecStop` of the exec (``last_stop``).
        *stdin*, *stdout*, *stderr* take None, a descriptor, a file object,
        ``subprocess.PIPE`` or ``subprocess.DEVNULL``; with PIPE the other
        end is on ``tracee.process``.

        Raises FileNotFoundError, PermissionError (and other OSError) in
        the caller when the program cannot be executed, or *cwd* entered.
        With ``on_close="kill"`` (the default) the process is killed when
        the tracer closes, and by the kernel if the tracer thread dies
        (``PTRACE_O_EXITKILL``).

        *seccomp_filter*, a classic BPF program (``struct sock_filter``
        bytes, see `ptpoll.linux.seccomp.trace_filter`), is installed in the
        child after it is traced and before its exec; with
        ``Options.TRACESECCOMP``, calls it returns ``SECCOMP_RET_TRACE`` for
        stop in a `SeccompStop`, the way ``strace --seccomp-bpf`` works.
        """
        steps = self.spawn_steps(
            argv, executable=executable, env=env, cwd=cwd,
            stdin=stdin, stdout=stdout, stderr=stderr,
            options=options, on_close=on_close, seccomp_filter=seccomp_filter,
        )  # fmt: skip
        try:
            tracee = next(steps)
            while True:
                try:
                    stop = tracee.wait()
                except BaseException as exc:
                    tracee = steps.throw(exc)
                    continue
                assert stop is not None
                tracee = steps.send(stop)
        except StopIteration as done:
            result: Tracee = done.value
            return result

    def spawn_steps(
        self,
        argv: Sequence[StrOrBytesPath],
        *,
        executable: StrOrBytesPath | None = None,
        env: Mapping[str, str] | None = None,
        cwd: StrOrBytesPath | None = None,
        stdin: StdArg = None,
        stdout: StdArg = None,
        stderr: StdArg = None,
        options: int = Options.NONE,
        on_close: OnClose = "kill",
        seccomp_filter: bytes | None = None,
    ) -> Generator[Tracee, Stop, Tracee]:
        """`spawn` as steps, for event loops that must not block on the exec.

        The generator yields the new tracee each time it needs the tracee's
        next stop, and is sent that stop; it returns the tracee at its exec
        (``StopIteration.value``) or raises what `spawn` raises. Throw an
        exception in to abandon the start: the child is killed and reaped.
        """
        self._check("spawn")
        opts = self._check_options(options) | Options.TRACESYSGOOD
        on_close = self._check_on_close(on_close)
        if on_close == "kill":
            opts |= Options.EXITKILL
        child = start_child(
            argv, executable=executable, env=env, cwd=cwd,
            stdin=stdin, stdout=stdout, stderr=stderr,
            seccomp_filter=seccomp_filter,
        )  # fmt: skip
        program = executable if executable is not None else argv[0]
        try:
            ptrace.seize(child.pid, opts | Options.TRACEEXEC)
        except OSError as exc:
            # A child that failed before exec (chdir, say) may be a zombie
            # already, which PTRACE_SEIZE refuses: its own error tells more.
            child.abort()
            _reap_quietly(child.pid)
            failure = child.read_error()
            child.close()
            if failure is not None:
                raise child_error(failure[0], failure[1], program, cwd) from None
            raise _explain_attach_error(exc, child.pid) from None
        process = Process(child.pid, on_close, spawned=True)
        process.stdin = child.stdin
        process.stdout = child.stdout
        process.stderr = child.stderr
        try:
            tracee = self._add(child.pid, process, seized=True, options=int(opts))
        except BaseException:
            # No watch: the seized child, still waiting before its exec,
            # is killed and reaped here.
            child.abort()
            _reap_quietly(child.pid)
            child.close()
            raise
        try:
            child.release()
            while True:
                stop = yield tracee
                if isinstance(stop, ExecStop) or not stop.alive:
                    break
                # A signal before the exec (a ^C from the terminal, say) is
                # delivered as it would have been untraced.
                tracee.cont(_signal_of(stop))
        except BaseException:
            child.abort()
            self._kill_now(tracee)
            child.close()
            raise
        if isinstance(stop, ExecStop):
            child.close_error_pipe()  # exec succeeded: nothing was written
        else:
            failure = child.read_error()
            child.close()
            if failure is not None:
                raise child_error(failure[0], failure[1], program, cwd)
            raise ChildProcessError(f"{program!r} ended before it could exec: {stop}")
        if not opts & Options.TRACEEXEC:
            ptrace.set_options(tracee.tid, opts)
        return tracee

    def _kill_now(self, tracee: Tracee) -> None:
        """Kill and reap a tracee whose start went wrong."""
        if not tracee.alive:
            return
        try:
            os.kill(tracee.pid, _signal.SIGKILL)
        except ProcessLookupError:
            pass
        while tracee.alive:
            if tracee.wait(timeout=CLOSE_TIMEOUT) is None:
                break

    def seize(
        self,
        pid: int,
        options: int = Options.NONE,
        *,
        all_threads: bool = True,
        on_close: OnClose = "detach",
    ) -> Tracee:
        """Trace the running process *pid* with ``PTRACE_SEIZE``.

        It keeps running. With *all_threads*, every thread is seized (and
        threads created meanwhile too). Returns the Tracee of the thread
        *pid*; the others are in ``tracee.process.threads``. Raises
        ProcessLookupError for a pid that does not exist, PermissionError
        when tracing is not allowed or the process is already traced.
        """
        return self._start(pid, options, all_threads, on_close, seized=True)

    def attach(
        self,
        pid: int,
        options: int = Options.NONE,
        *,
        all_threads: bool = True,
        on_close: OnClose = "detach",
    ) -> Tracee:
        """Trace *pid* with the older ``PTRACE_ATTACH``: each thread gets a
        SIGSTOP, reported as a `SignalStop` to resume with signal 0. Prefer
        `seize` (no signal, and group-stops are told apart reliably)."""
        return self._start(pid, options, all_threads, on_close, seized=False)

    def _start(
        self, pid: int, options: int, all_threads: bool, on_close: str, *, seized: bool
    ) -> Tracee:
        what = "seize" if seized else "attach"
        self._check(what)
        pid = self._check_pid(pid)
        opts = self._check_options(options) | Options.TRACESYSGOOD
        on_close_checked = self._check_on_close(on_close)
        if pid in self._tracees:
            raise ValueError(f"pid {pid} is already traced by this tracer")
        tgid = _tgid_of(pid)
        process = self._processes.get(tgid) or Process(
            tgid, on_close_checked, spawned=False
        )
        first = self._attach_one(pid, process, opts, seized)
        if all_threads:
            seen = {pid}
            while True:
                added = False
                for tid in _threads_of(tgid):
                    if tid in seen or tid in self._tracees:
                        continue
                    seen.add(tid)
                    try:
                        self._attach_one(tid, process, opts, seized)
                    except ProcessLookupError:
                        continue  # exited meanwhile
                    added = True
                if not added:
                    break
        return first

    def _attach_one(
        self, tid: int, process: Process, opts: int, seized: bool
    ) -> Tracee:
        try:
            if seized:
                ptrace.seize(tid, opts)
            else:
                ptrace.attach(tid)
        except OSError as exc:
            raise _explain_attach_error(exc, tid) from None
        if seized:
            return self._add(tid, process, seized=True, options=opts)
        # PTRACE_ATTACH: options can be set only once the thread is in a
        # stop (its SIGSTOP); until then it has none, TRACESYSGOOD included.
        tracee = self._add(tid, process, seized=False, options=0)
        tracee._pending_options = opts
        return tracee

    def _detach(self, tracee: Tracee, sig: int) -> None:
        """Precondition: on the tracer thread, *tracee* alive."""
        watch = tracee._watch
        assert watch is not None
        if tracee.last_stop is None:
            # A stop the caller has not waited for yet may hold a signal:
            # look, so that it is delivered rather than lost by the detach.
            status = watch.take()
            if status is not None:
                stop = self._record(tracee, status)
                if not stop.alive:
                    # Still reported by wait(): nothing is swallowed.
                    self._to_backlog(tracee, [status])
                    raise TraceeGoneError(
                        tracee.tid, f"{tracee._gone}: cannot PTRACE_DETACH"
                    )
                if sig == 0 and isinstance(stop, SignalStop):
                    sig = stop.signal
        if tracee.last_stop is None:
            raise tracee._stop_required(
                ProcessLookupError(3, "PTRACE_DETACH"), "PTRACE_DETACH"
            )
        self._detach_stopped(tracee, sig)

    def _detach_stopped(self, tracee: Tracee, sig: int) -> None:
        """Precondition: *tracee* is in a ptrace-stop that was taken."""
        # Stop watching first. Once detached, a tracee that is also a real
        # child of this process is an ordinary child again, and a wait still
        # in flight for its tid would consume its exit from its parent.
        left = self._unwatch(tracee)
        if left:
            # Killed meanwhile (only a death can follow a taken stop): the
            # death is reported by wait(), and the detach cannot happen.
            self._retire(tracee, "died before it could be detached")
            self._to_backlog(tracee, left)
            raise TraceeGoneError(tracee.tid, "died before it could be detached")
        try:
            ptrace.detach(tracee.tid, sig)
        except OSError as exc:
            self._rewatch(tracee)  # its death is still to be reported
            raise tracee._stop_required(exc, "PTRACE_DETACH") from None
        self._retire(tracee, "was detached")

    # -- closing ------------------------------------------------------------------

    def close(self) -> None:
        """Release every tracee and the tracer's descriptors.

        Processes with ``on_close="kill"`` are killed and reaped; the others
        are detached, each thread with the signal of the signal-delivery-stop
        it was in, if any, so no signal is lost and no thread is left in a
        ptrace-stop. Idempotent; from another thread, `WrongThreadError`.
        """
        if self._closed:
            return
        if threading.get_ident() != self._owner:
            raise self._wrong_thread("close")
        try:
            self._release_all()
        finally:
            self._closed = True
            for tracee in list(self._tracees.values()):
                self._retire(tracee, "was left when the tracer closed")
            self._backlog.clear()
            self._epoll.close()
            os.close(self._backlog_fd)
            self._waiter.close()

    def _release_all(self) -> None:
        if any(t.options & _NEW_CHILD_OPTIONS for t in self._tracees.values()):
            self._adopt_orphans()
        killed: set[int] = set()
        rounds = 0
        while self._tracees:
            rounds += 1
            if rounds > 1000:  # pragma: no cover - a fork bomb outrunning us
                log.warning(
                    "ptpoll: giving up releasing %d tracees", len(self._tracees)
                )
                return
            for process in list(self._processes.values()):
                if process.on_close == "kill" and process.pid not in killed:
                    killed.add(process.pid)
                    try:
                        os.kill(process.pid, _signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            to_detach = []
            for tracee in list(self._tracees.values()):
                if not tracee.alive:
                    continue
                if tracee.process.on_close != "kill":
                    to_detach.append(tracee)
                    continue
                try:
                    self._reap_killed(tracee)
                except OSError as exc:
                    log.warning("ptpoll: releasing tracee %d: %s", tracee.tid, exc)
                    if tracee.alive and not _exists(tracee.tid):
                        self._retire(tracee, "vanished")
            if to_detach:
                self._detach_all(to_detach)

    def _reap_killed(self, tracee: Tracee) -> None:
        deadline = time.monotonic() + CLOSE_TIMEOUT
        while tracee.alive:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("ptpoll: tracee %d did not die after SIGKILL", tracee.tid)
                self._retire(tracee, "did not die after SIGKILL")
                return
            assert tracee._watch is not None
            stop = self._wait_one(tracee, tracee._watch, True, remaining)
            if stop is not None and stop.alive:
                # A stop reported before the kill landed: let it go on to die.
                self._let_go(tracee, 0)

    def _detach_all(self, tracees: list[Tracee]) -> None:
        """Detach *tracees*, all together.

        Each is brought to a ptrace-stop (a seized one by PTRACE_INTERRUPT,
        an attached one by a SIGSTOP that is suppressed when it arrives)
        and detached with the signal of the signal-delivery-stop it was in,
        if any. All at once, not one by one: a vfork parent cannot stop
        while its child is held in a ptrace-stop, so the child must be
        detached while the parent's stop is still awaited.
        """
        waiting: dict[Tracee, bool] = {}  # tracee -> a SIGSTOP of ours is due
        for tracee in tracees:
            watch = tracee._watch
            if watch is None:
                continue
            while tracee.alive and (status := watch.take()) is not None:
                self._record(tracee, status)
            if not tracee.alive:
                continue
            if tracee.last_stop is not None:
                self._detach_now(tracee, False)
            elif tracee.seized:
                try:
                    ptrace.interrupt(tracee.tid)
                except ProcessLookupError:
                    pass
                waiting[tracee] = False
            else:
                tgkill(tracee.pid, tracee.tid, _signal.SIGSTOP)
                waiting[tracee] = True
        deadline = time.monotonic() + CLOSE_TIMEOUT
        while waiting:
            remaining = deadline - time.monotonic()
            got = self.wait(timeout=remaining) if remaining > 0 else None
            if got is None:
                break
            tracee, stop = got
            if tracee not in waiting:
                if stop.alive:  # a newcomer, or one being killed: let it go on
                    self._let_go(tracee, _signal_of(stop))
                continue
            if not stop.alive:
                del waiting[tracee]
            elif not waiting[tracee]:  # seized: any stop will do
                del waiting[tracee]
                self._detach_now(tracee, False)
            elif isinstance(stop, SignalStop) and stop.signal == _signal.SIGSTOP:
                del waiting[tracee]
                self._detach_now(tracee, True)
            else:
                self._let_go(tracee, _signal_of(stop))  # not our SIGSTOP yet
        for tracee in waiting:
            if tracee.alive:
                log.warning("ptpoll: tracee %d did not stop to be detached", tracee.tid)
                self._retire(tracee, "did not stop to be detached")

    def _let_go(self, tracee: Tracee, sig: int) -> None:
        """Resume a stopped tracee with *sig*; one that died meanwhile is
        left for its death to be reported."""
        try:
            ptrace.cont(tracee.tid, sig)
        except ProcessLookupError:
            return
        tracee.last_stop = None
        if tracee._watch is not None:
            tracee._watch.resumed()

    def _detach_now(self, tracee: Tracee, our_sigstop: bool) -> None:
        last = tracee.last_stop
        sig = last.signal if isinstance(last, SignalStop) and not our_sigstop else 0
        try:
            self._detach_stopped(tracee, sig)
        except TraceeGoneError:
            pass  # died meanwhile: nothing left to release
        except OSError as exc:
            log.warning("ptpoll: detaching tracee %d: %s", tracee.tid, exc)


# Every live Tracer of this process, so that an orphan search in one thread
# leaves alone the tracees that another thread's Tracer knows.
_TRACERS: weakref.WeakSet[Tracer] = weakref.WeakSet()


def _signal_of(stop: Stop) -> int:
    """The signal to resume *stop* with: its own if it is a
    signal-delivery-stop (so that it is delivered), else 0."""
    return stop.signal if isinstance(stop, SignalStop) else 0


def _known_elsewhere(tid: int, me: Tracer) -> bool:
    return any(t is not me and tid in t._tracees for t in list(_TRACERS))


def _explain_attach_error(exc: OSError, tid: int) -> OSError:
    if exc.errno == 3:
        err: OSError = ProcessLookupError(3, f"no process or thread with id {tid}")
    elif exc.errno == 1:
        tracer = _tracer_pid(tid)
        if tracer:
            text = f"pid {tid} is already traced by pid {tracer}"
        else:
            text = (
                f"not permitted to trace pid {tid} (another user's process, a"
                " kernel thread, or a ptrace policy such as Yama's ptrace_scope)"
            )
        err = PermissionError(1, text)
    else:
        return exc
    return tag_pid(err, tid)


def _read_status_field(pid: int, field: str) -> str | None:
    key = field.encode() + b":"
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(key):
                    return line[len(key) :].strip().decode()
    except OSError:
        return None
    return None


def _tracer_pid(pid: int) -> int:
    value = _read_status_field(pid, "TracerPid")
    return int(value) if value else 0


def _tgid_of(tid: int) -> int:
    value = _read_status_field(tid, "Tgid")
    if value is None:
        raise ProcessLookupError(3, f"no process or thread with id {tid}")
    return int(value)


def _threads_of(pid: int) -> list[int]:
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except FileNotFoundError:
        return []


def _exists(tid: int) -> bool:
    return os.path.exists(f"/proc/{tid}")


def _reap_quietly(pid: int) -> None:
    """Kill and reap a child of ours that never became a tracee."""
    try:
        os.kill(pid, _signal.SIGKILL)
    except ProcessLookupError:
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
