"""The portable waiter: one helper thread per traced thread, and an eventfd.

Kernel facts this relies on (``wait(2)``, kernel/exit.c):

- Any thread of the tracer's process may wait for a tracee: ``do_wait``
  walks the ptraced lists of every thread of the group unless
  ``__WNOTHREAD`` is given. So a helper thread can block in
  ``waitid(P_PID, tid, WEXITED | WSTOPPED | __WALL)`` for a tracee of the
  tracer thread, and consume its status.
- Sleepers in ``do_wait`` are woken only by their own pid
  (``pid_child_should_wake``), and nothing wakes them when the tracee is
  detached. A helper blocked in ``waitid`` for a thread that we then
  detach would sleep forever (or steal the status of a later tracee with
  the same tid). So a helper does not sit in ``waitid`` while its thread
  is in a ptrace-stop: after handing over a stop it parks, and goes back to
  ``waitid`` only when the tracer resumes the thread (`Watch.resumed`).
  Detaching requires a ptrace-stop, so a detached thread's helper is
  always parked and can be told to leave.
- A parked thread can still die (SIGKILL). A pidfd becomes readable when
  its thread can be reaped (``pidfd_poll``; for a thread other than the
  leader that needs ``PIDFD_THREAD``, Linux 6.9). The parked helper polls
  that pidfd and its control eventfd. TODO(kernel < 6.9): without
  ``PIDFD_THREAD`` the death of a parked non-leader thread is seen only
  when the tracer resumes it (the request fails with ESRCH, and the helper
  waits again); remove once older kernels are out of scope.
- When a non-leader thread execs, ``de_thread()`` wakes the tracer's wait
  queue for the vanished tid, so its helper returns with ``ECHILD``.

The helper consumes statuses (no ``WNOWAIT``) and queues them, so the
eventfd is readable exactly while the queue holds one; nothing can vanish
between the wake-up and ``take()``. Helpers block every signal: they own
their masks, and a process-directed signal should not land in them.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import os
import select
import signal
import threading

from ..linux import pidfd
from ..linux.wait import (
    CLD_STOPPED,
    CLD_TRAPPED,
    P_PID,
    WNOHANG,
    WNOWAIT,
    SigInfoBuffer,
    waitid,
)
from .base import WAIT_OPTIONS, Status, Waiter, Watch

__all__ = ["PortableWaiter"]

log = logging.getLogger(__name__)

_JOIN_TIMEOUT = 5.0


class PortableWatch(Watch):
    def __init__(self, waiter: PortableWaiter, tid: int, pid: int) -> None:
        self.tid = tid
        self.pid = pid
        self._waiter = waiter
        self._lock = threading.Lock()
        self._queue: collections.deque[Status] = collections.deque()
        self._parked = False
        self._closing = False
        opened: list[int] = []
        try:
            self._ready = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
            opened.append(self._ready)
            self._control = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
            opened.append(self._control)
            self._pidfd = pidfd.open_thread(tid)
            if self._pidfd is not None:
                opened.append(self._pidfd)
            self._thread = threading.Thread(
                target=self._run, name=f"ptpoll-watch-{tid}", daemon=True
            )
            self._thread.start()
        except BaseException:
            for fd in opened:
                os.close(fd)
            raise

    # -- the helper thread ----------------------------------------------

    def _run(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        buf = SigInfoBuffer()
        try:
            while True:
                with self._lock:
                    if self._closing:
                        return
                    parked = self._parked
                if parked:
                    status = self._wait_parked(buf)
                else:
                    status = self._wait_running(buf)
                if status is not None and not self._deliver(status):
                    return
        except ChildProcessError:
            # Not ours any more. A thread that vanished while running did so
            # by exec: it took over the leader's tid, and the leader's helper
            # may be parked, deaf to the exec stop that is now pending.
            with self._lock:
                vanished = not (self._parked or self._closing)
            if vanished and self.tid != self.pid:
                self._waiter.wake(self.pid)
            return
        except Exception:  # pragma: no cover - reported, never silent
            log.exception("ptpoll helper of thread %d failed", self.tid)

    def _wait_running(self, buf: ctypes.Array[ctypes.c_char]) -> Status | None:
        info = waitid(P_PID, self.tid, WAIT_OPTIONS, buf)
        return None if info is None else (info[0], info[2])

    def _wait_parked(self, buf: ctypes.Array[ctypes.c_char]) -> Status | None:
        poller = select.poll()
        poller.register(self._control, select.POLLIN)
        if self._pidfd is not None:
            poller.register(self._pidfd, select.POLLIN)
        ready = [fd for fd, _ in poller.poll()]
        if self._control in ready:
            try:
                os.eventfd_read(self._control)
            except BlockingIOError:
                pass
            return None
        # The pidfd says the thread can be reaped. Should the status not be
        # there yet, block rather than spin on a level-triggered pidfd.
        info = waitid(P_PID, self.tid, WAIT_OPTIONS | WNOHANG, buf)
        if info is None:
            info = waitid(P_PID, self.tid, WAIT_OPTIONS, buf)
        return None if info is None else (info[0], info[2])

    def _deliver(self, status: Status) -> bool:
        """Queue *status*; False once the thread has terminated."""
        stopped = status[0] in (CLD_TRAPPED, CLD_STOPPED)
        with self._lock:
            self._queue.append(status)
            if len(self._queue) == 1:
                os.eventfd_write(self._ready, 1)
            self._parked = stopped
        return stopped

    # -- the tracer thread -------------------------------------------------

    def fileno(self) -> int:
        return self._ready

    def take(self) -> Status | None:
        with self._lock:
            if not self._queue:
                return None
            status = self._queue.popleft()
            if not self._queue:
                try:
                    os.eventfd_read(self._ready)
                except BlockingIOError:
                    pass
            return status

    def wait(self, timeout: float | None) -> Status | None:
        status = self.take()
        if status is not None or timeout == 0:
            return status
        ms = -1 if timeout is None else max(0, int(timeout * 1000 + 0.999))
        poller = select.poll()
        poller.register(self._ready, select.POLLIN)
        if poller.poll(ms):
            return self.take()
        return None

    def unpark_when_pending(self) -> None:
        """From a helper whose thread vanished in an exec: if this (the
        leader's) helper is parked, wait without consuming for the exec
        stop to be pending on the leader's tid, then unpark.

        ``de_thread()`` wakes the vanished thread's helper before the exec
        stop exists, so a peek at that moment could find nothing.
        """
        with self._lock:
            if not self._parked or self._closing:
                return
        try:
            waitid(P_PID, self.tid, WAIT_OPTIONS | WNOWAIT)
        except ChildProcessError:
            return
        self.unpark_if_pending()

    def unpark_if_pending(self) -> None:
        """From a helper: unpark if the kernel holds a status for the thread.

        A parked helper does not consume, so the peek (``WNOWAIT``) under
        the lock cannot race with this watch's own helper; a helper that
        already took the status stays parked, as it must.
        """
        with self._lock:
            if not self._parked or self._closing:
                return
            try:
                pending = waitid(P_PID, self.tid, WAIT_OPTIONS | WNOHANG | WNOWAIT)
            except ChildProcessError:
                return
            if pending is None:
                return
            self._parked = False
            os.eventfd_write(self._control, 1)

    def resumed(self) -> None:
        with self._lock:
            if not self._parked or self._closing:
                return
            self._parked = False
            os.eventfd_write(self._control, 1)

    def close(self) -> list[Status]:
        with self._lock:
            if self._closing:
                return []
            self._closing = True
            os.eventfd_write(self._control, 1)
        self._waiter.forget(self)
        self._thread.join(_JOIN_TIMEOUT)
        if self._thread.is_alive():
            # The helper is in waitid for a thread that is neither stopped
            # nor gone: a broken precondition. Keep its descriptors open (it
            # may still write to them) rather than risk a reused number.
            log.warning(
                "ptpoll helper of thread %d did not stop; its descriptors are"
                " left open",
                self.tid,
            )
        else:
            for fd in (self._ready, self._control, self._pidfd):
                if fd is not None:
                    os.close(fd)
        left = list(self._queue)
        self._queue.clear()
        return left


class PortableWaiter(Waiter):
    """Statuses through helper threads blocking in ``waitid``; needs nothing
    beyond ``waitid``, eventfd and threads."""

    name = "portable"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: dict[int, PortableWatch] = {}

    def watch(self, tid: int, pid: int) -> Watch:
        watch = PortableWatch(self, tid, pid)
        with self._lock:
            self._watches[tid] = watch
        return watch

    def forget(self, watch: PortableWatch) -> None:
        with self._lock:
            if self._watches.get(watch.tid) is watch:
                del self._watches[watch.tid]

    def wake(self, tid: int) -> None:
        """Make the parked helper of *tid* wait again if a status of *tid*
        is pending (the exec stop that a vanished thread left on it)."""
        with self._lock:
            watch = self._watches.get(tid)
        if watch is not None:
            watch.unpark_when_pending()
