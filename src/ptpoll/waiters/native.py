"""The native waiter: a pidfd per traced thread, polled for ``POLLPRI``.

Kernel facts this relies on (the patch series in kernel/ of this
repository, against Linux 6.12; docs/kernel.md):

- When a thread enters a ptrace-stop, ``do_notify_parent_cldstop()`` wakes
  the pidfd wait queue of that thread with the poll key ``EPOLLPRI`` alone,
  and ``pidfd_poll()`` reports ``EPOLLPRI`` while the stop is pending for
  the caller's thread group: exactly while ``waitid(P_PIDFD, fd, WSTOPPED
  | __WALL | WNOHANG)`` from the tracer would return it. ``EPOLLIN`` keeps
  its meaning (the thread can be reaped), and after the reap the pidfd
  reports ``EPOLLIN | EPOLLHUP`` for good.
- ``waitid(P_PIDFD)`` waits for the one thread that the pidfd names
  (``PIDTYPE_PID``, kernel/exit.c): the leader for a process pidfd, any
  other thread through ``PIDFD_THREAD`` (Linux 6.9). The pidfd holds its
  ``struct pid``, so a tid that is reused after the reap is never waited
  for.
- When a thread other than the leader execs, its tid vanishes without an
  exit report: ``de_thread()`` releases the task that holds it, the pidfd
  reports ``EPOLLHUP`` and ``waitid`` answers ``ECHILD``.
- A ``SIGKILL`` wakes a tracee out of its ptrace-stop at once
  (``signal_wake_up_state()`` clears ``JOBCTL_TRACED``): an uncollected
  stop is withdrawn, for ``waitid`` and ``EPOLLPRI`` alike, and the death
  follows as ``EPOLLIN``.
- An unpatched kernel never reports ``EPOLLPRI`` on a pidfd. Nothing says
  which kernel has the patch, so the probe stops a child of its own under
  ptrace and asks its pidfd.

What follows for the code: a watch is its thread's pidfd in an epoll set
of its own, registered for ``EPOLLPRI | EPOLLIN``. ``fileno()`` is that
epoll set, which polls readable (``POLLIN``) while the pidfd has either
event: the form every `Watch` promises, since tracers, selectors and event
loops ask for ``POLLIN``. The pending status stays in the kernel until
``take()`` collects it with ``waitid(WNOHANG)``, so readiness and
``take()`` answer from the same kernel state and ``close()`` has nothing to
hand back. The one gap: a ``SIGKILL`` that lands between a poll that saw
a stop and the ``take()`` withdraws the stop, and ``take()`` returns None
until the death is reapable. A plain ``waitpid`` tracer loses such a stop
the same way; the other waiters lose it only if the kill comes before
their own ``waitid`` has consumed it, a shorter window. Per stop that is one
``waitid`` besides the caller's own poll: no helper thread, no ring. Once a
termination has been taken, or the tid has vanished, the pidfd leaves the
set, which would otherwise stay readable for good.
"""

from __future__ import annotations

import functools
import os
import platform
import select
import signal

from ..linux import _spawn, pidfd, ptrace
from ..linux.wait import (
    CLD_STOPPED,
    CLD_TRAPPED,
    P_PIDFD,
    WALL,
    WEXITED,
    WNOHANG,
    WNOTHREAD,
    WNOWAIT,
    WSTOPPED,
    SigInfoBuffer,
    waitid,
)
from .base import WAIT_OPTIONS, Status, Waiter, WaiterUnavailable, Watch

__all__ = ["NativeWaiter"]

_EVENTS = select.EPOLLPRI | select.EPOLLIN
_STOP_CODES = (CLD_TRAPPED, CLD_STOPPED)
# Runs on the tracer thread: its own tracees only (see io_uring.py).
_TAKE_OPTIONS = WAIT_OPTIONS | WNOHANG | WNOTHREAD


class NativeWatch(Watch):
    def __init__(self, tid: int, pid: int) -> None:
        self.tid = tid
        self._buf = SigInfoBuffer()
        self._epoll = select.epoll()
        try:
            self._pidfd: int | None = pidfd.open_tid(tid, pid)
        except ProcessLookupError:
            # Vanished already (an exec by another thread): nothing will
            # ever be pending, and the empty set is never readable.
            self._pidfd = None
        except BaseException:
            self._epoll.close()
            raise
        if self._pidfd is not None:
            try:
                self._epoll.register(self._pidfd, _EVENTS)
            except BaseException:
                os.close(self._pidfd)
                self._epoll.close()
                raise
        self._ended = self._pidfd is None

    def fileno(self) -> int:
        return self._epoll.fileno()

    def _end(self) -> None:
        """Stop watching: the thread has terminated or vanished."""
        self._ended = True
        if self._pidfd is not None:
            self._epoll.unregister(self._pidfd)

    def take(self) -> Status | None:
        if self._ended:
            return None
        assert self._pidfd is not None
        try:
            info = waitid(P_PIDFD, self._pidfd, _TAKE_OPTIONS, self._buf)
        except ChildProcessError:
            self._end()
            return None
        if info is None:
            return None
        code = info[0]
        if code not in _STOP_CODES:
            self._end()
        return (code, info[2])

    def wait(self, timeout: float | None) -> Status | None:
        status = self.take()
        if status is not None or timeout == 0:
            return status
        # A wake-up that is not a status (EINTR is retried by Python; the
        # tid vanishing is not) ends the wait with None: callers with a
        # deadline loop.
        self._epoll.poll(-1 if timeout is None else timeout, 1)
        return self.take()

    def close(self) -> list[Status]:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self._ended = True
        self._epoll.close()
        return []


def _pidfd_reports_ptrace_stops() -> bool:
    """Whether a pidfd polls ``POLLPRI`` while a ptrace-stop is pending.

    Stops a child of our own under ptrace and asks its pidfd. A child that
    has not exec'ed shares our "dumpable" flag, which a change of uid
    clears, and ``ptrace_may_access()`` then refuses it: such a process
    probes with a child that has exec'ed ``/bin/sh`` first.
    """
    try:
        return _probe_child(exec_first=False)
    except PermissionError:
        return _probe_child(exec_first=True)


def _probe_child(exec_first: bool) -> bool:
    """Make a child (ptpoll.linux._spawn) that blocks before its exec, or
    with *exec_first* in ``sh -c read`` after it; seize and interrupt it;
    poll its pidfd once the stop is pending (``WNOWAIT`` leaves it there).
    The child is killed and reaped before returning, whatever happens: no
    descriptor and no child is left."""
    opened: list[int] = []
    try:
        go_r, go_w = os.pipe2(os.O_CLOEXEC)
        opened += [go_r, go_w]
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        opened += [err_r, err_w]
        stdin_r, stdin_w = os.pipe2(os.O_CLOEXEC)
        opened += [stdin_r, stdin_w]
        child = _spawn.fork_exec(
            [b"/bin/sh"], [b"sh", b"-c", b"read x"], [], None,
            stdin_r, -1, -1, go_r, err_w, None,
        )  # fmt: skip
        for fd in (go_r, err_w, stdin_r):
            opened.remove(fd)
            os.close(fd)
        try:
            fd = pidfd.pidfd_open(child)
        except BaseException:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, WALL)
            raise
        try:
            if exec_first:
                os.write(go_w, b"\0")
                # The error pipe closes on exec; bytes mean it failed.
                if os.read(err_r, 8):
                    raise OSError(f"the probe could not exec /bin/sh (pid {child})")
            ptrace.seize(child)
            ptrace.interrupt(child)
            waitid(P_PIDFD, fd, WSTOPPED | WALL | WNOWAIT)
            poller = select.poll()
            poller.register(fd, select.POLLPRI)
            return any(ev & select.POLLPRI for _, ev in poller.poll(0))
        finally:
            # SIGKILL ends the stop; the exit that follows is ours to reap,
            # as parent and as tracer, in one wait.
            os.kill(child, signal.SIGKILL)
            waitid(P_PIDFD, fd, WEXITED | WALL)
            os.close(fd)
    finally:
        for fd in opened:
            os.close(fd)


@functools.cache
def _why_unavailable() -> str | None:
    try:
        supported = _pidfd_reports_ptrace_stops()
    except OSError as exc:
        return f"the probe for pidfd ptrace-stop notification failed: {exc}"
    if supported:
        return None
    return (
        "the kernel lacks pidfd ptrace-stop notification (POLLPRI on a"
        f" tracee's pidfd; see docs/kernel.md): Linux {platform.release()}"
    )


class NativeWaiter(Waiter):
    """Statuses through pidfds that report ptrace-stops (``POLLPRI``); needs
    the kernel patch in kernel/ (docs/kernel.md)."""

    name = "native"

    def __init__(self) -> None:
        why = _why_unavailable()
        if why is not None:
            raise WaiterUnavailable(f"the native waiter cannot work here: {why}")

    def watch(self, tid: int, pid: int) -> Watch:
        return NativeWatch(tid, pid)
