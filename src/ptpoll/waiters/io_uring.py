"""The io_uring waiter: ``IORING_OP_WAITID`` requests, one ring per thread.

Kernel facts this relies on (io_uring/waitid.c, Linux 6.7, commit
f31ecf671ddc "io_uring: add IORING_OP_WAITID support"):

- A WAITID request parks a wait-queue entry on the submitting process's
  ``signal->wait_chldexit``: the queue that ``do_notify_parent_cldstop()``
  wakes for ptrace-stops, not only the queue of exits that pidfds use. So a
  ptrace-stop completes the request.
- The wake-up is filtered by pid (``pid_child_should_wake``), and the wait
  itself (``__do_wait``) runs as task work in the submitting thread. A
  request submitted by the tracer thread therefore sees its tracees, and a
  ``P_PID`` request is woken only by its own thread.
- Without ``WNOWAIT`` the completion has consumed the status and written a
  short siginfo (signo, code, pid, status) to the buffer we passed; the CQE
  result is 0. Nothing can take that status from us afterwards, so the
  ring's readiness (its CQ is not empty) is never spurious.
- Task work reaches a tracer thread asleep in ``poll``/``epoll_wait`` as
  ``TIF_NOTIFY_SIGNAL``: ``epoll_wait`` can then return ``EINTR`` once
  before reporting the ring, which every Python event loop retries.
- Requests of a thread are cancelled when it exits; an explicit
  ``ASYNC_CANCEL`` that loses the race to a completion leaves the CQE of
  that completion, which `close` drains.

What follows for the code: every traced thread gets its own small ring (so
its own pollable fd) with ``DEPTH`` requests in flight. When one completes,
the next status is still covered by the others, so the replacement can wait
in the submission queue and go to the kernel with the next
``io_uring_enter`` that the caller makes anyway (a blocking ``wait`` submits
and waits in one call). Only when no request would be left in flight is a
submission forced.
"""

from __future__ import annotations

import ctypes
import functools

from ..linux import io_uring
from ..linux._libc import os_error
from ..linux.wait import P_PID, SigInfoBuffer, read_child_info
from .base import WAIT_OPTIONS, Status, Waiter, WaiterUnavailable, Watch

__all__ = ["IoUringWaiter"]

DEPTH = 2
_CANCEL_TAG = 1 << 32


class IoUringWatch(Watch):
    def __init__(self, tid: int, depth: int = DEPTH) -> None:
        self.tid = tid
        self._ring = io_uring.Ring(depth * 2)
        self._depth = depth
        self._buffers = [SigInfoBuffer() for _ in range(depth)]
        self._addresses = [ctypes.addressof(b) for b in self._buffers]
        self._in_flight = 0  # submitted to the kernel, not yet completed
        self._queued: list[int] = []  # buffer indexes prepared, not submitted
        self._done: list[Status] = []  # completions read but not taken
        self._closed = False
        for index in range(depth):
            self._prepare(index)
        self._submit()

    def _prepare(self, index: int) -> None:
        self._ring.prep_waitid(
            P_PID, self.tid, WAIT_OPTIONS, self._addresses[index], index
        )
        self._queued.append(index)

    def _submit(self) -> None:
        submitted = self._ring.enter()
        del self._queued[:submitted]
        self._in_flight += submitted

    def fileno(self) -> int:
        return self._ring.fd

    def _reap(self) -> None:
        """Move completions from the CQ to ``_done``."""
        ring = self._ring
        while True:
            cqe = ring.pop()
            if cqe is None:
                return
            user_data, res = cqe
            if user_data >= _CANCEL_TAG:
                continue
            self._in_flight -= 1
            if res == 0:
                code, _, status = read_child_info(self._buffers[user_data])
                self._done.append((code, status))
                if not self._closed:
                    self._prepare(user_data)
            elif res in (-10, -125):  # ECHILD: thread gone; ECANCELED
                continue
            else:
                raise os_error(-res, "IORING_OP_WAITID", self.tid)

    def take(self) -> Status | None:
        if not self._done:
            if not self._ring.ready():
                return None
            self._reap()
            if not self._done:
                return None
        status = self._done.pop(0)
        if self._in_flight == 0 and self._queued:
            # No request would cover the next status: submit now.
            self._submit()
        return status

    def wait(self, timeout: float | None) -> Status | None:
        status = self.take()
        if status is not None or timeout == 0:
            return status
        # Submit what is queued and wait in one system call. A return
        # without a completion (timeout, or EINTR) ends the wait with None:
        # callers with a deadline loop.
        submitted = self._ring.enter(1, timeout)
        del self._queued[:submitted]
        self._in_flight += submitted
        return self.take()

    def close(self) -> list[Status]:
        if self._closed:
            return []
        self._closed = True
        self._queued.clear()
        try:
            if self._in_flight:
                self._ring.prep_cancel_all(_CANCEL_TAG)
                self._ring.enter()
                # A cancel can lose the race to a completion: wait for every
                # request so that a status consumed meanwhile is returned.
                while self._in_flight:
                    self._ring.enter(1, 1.0)
                    before = self._in_flight
                    self._reap()
                    if self._in_flight == before and not self._ring.ready():
                        break
            self._reap()
        finally:
            self._ring.close()
        left, self._done = self._done, []
        return left


@functools.cache
def _why_unavailable() -> str | None:
    return io_uring.probe_waitid()


class IoUringWaiter(Waiter):
    """Statuses through io_uring WAITID requests (Linux 6.7 and later)."""

    name = "io_uring"

    def __init__(self) -> None:
        why = _why_unavailable()
        if why is not None:
            raise WaiterUnavailable(f"the io_uring waiter cannot work here: {why}")

    def watch(self, tid: int, pid: int) -> Watch:
        return IoUringWatch(tid)
