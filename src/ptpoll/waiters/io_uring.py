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

- With ``__WNOTHREAD`` the request considers only the tracer thread's own
  tracees and children, not those of the program's other threads.

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
from ..linux._libc import MACHINE, os_error
from ..linux.wait import (
    CLD_STOPPED,
    CLD_TRAPPED,
    OFF_CODE,
    OFF_STATUS,
    P_PID,
    WNOTHREAD,
    SigInfoBuffer,
)
from .base import WAIT_OPTIONS, Status, Waiter, WaiterUnavailable, Watch

__all__ = ["IoUringWaiter"]

DEPTH = 2
_CANCEL_TAG = 1 << 32
_STOP_CODES = (CLD_TRAPPED, CLD_STOPPED)


class IoUringWatch(Watch):
    def __init__(self, tid: int, depth: int = DEPTH) -> None:
        self.tid = tid
        self._ring = io_uring.Ring(depth * 2)
        self._depth = depth
        self._buffers = [SigInfoBuffer() for _ in range(depth)]
        self._addresses = [ctypes.addressof(b) for b in self._buffers]
        i32 = ctypes.c_int32
        self._codes = [i32.from_buffer(b, OFF_CODE) for b in self._buffers]
        self._statuses = [i32.from_buffer(b, OFF_STATUS) for b in self._buffers]
        # The request for each buffer never changes: pack it once.
        options = WAIT_OPTIONS | WNOTHREAD
        self._sqes = [
            io_uring.waitid_sqe(P_PID, tid, options, address, index)
            for index, address in enumerate(self._addresses)
        ]
        self._in_flight = 0  # submitted to the kernel, not yet completed
        self._closed = False
        self._ended = False  # a termination was consumed: never submit again
        try:
            for index in range(depth):
                self._prepare(index)
            self._in_flight += self._ring.enter()
        except BaseException:
            self._ring.close()
            raise

    def _prepare(self, index: int) -> None:
        """Queue a request (submitted by the next ``enter``)."""
        self._ring.push(self._sqes[index])

    def fileno(self) -> int:
        return self._ring.fd

    def _next(self) -> Status | None:
        """Pop completions until one carries a status; None if none does.

        One status at a time: what is not taken stays in the CQ, so the
        ring's fd stays readable exactly while a status waits.
        """
        pop = self._ring.pop
        while (cqe := pop()) is not None:
            user_data, res = cqe
            if user_data >= _CANCEL_TAG:
                continue
            self._in_flight -= 1
            if res == 0:
                code = self._codes[user_data].value
                status = (code, self._statuses[user_data].value)
                # After a termination the tid is free for reuse, and a new
                # request would look it up afresh: it could take the status
                # of an unrelated child that got the same number.
                if code not in _STOP_CODES:
                    self._ended = True
                elif not self._closed:
                    self._prepare(user_data)
                return status
            if res != -10 and res != -125:  # ECHILD (gone), ECANCELED
                raise os_error(-res, "IORING_OP_WAITID", self.tid)
        return None

    def take(self) -> Status | None:
        status = self._next()
        if (
            status is not None
            and self._in_flight == 0
            and self._ring.unsubmitted
            and not self._ended
        ):
            # No request would cover the next status: submit now.
            self._in_flight += self._ring.enter()
        return status

    def wait(self, timeout: float | None) -> Status | None:
        status = self.take()
        if status is not None or timeout == 0:
            return status
        # Submit what is queued and wait in one system call. A return
        # without a completion (timeout, or EINTR) ends the wait with None:
        # callers with a deadline loop.
        if self._ended:
            self._ring.discard_unsubmitted()
        self._in_flight += self._ring.enter(1, timeout)
        return self.take()

    def close(self) -> list[Status]:
        if self._closed:
            return []
        self._closed = True
        left: list[Status] = []
        try:
            # Queued replacements are taken back, not submitted: the tid may
            # no longer be our tracee's (see _next).
            self._ring.discard_unsubmitted()
            if self._in_flight:
                self._ring.prep_cancel_all(_CANCEL_TAG)
                self._ring.enter()
                # A cancel can lose the race to a completion: wait for every
                # request so that a status consumed meanwhile is returned.
                while self._in_flight > 0:
                    self._ring.enter(1, 1.0)
                    before = self._in_flight
                    while (status := self._next()) is not None:
                        left.append(status)
                    if self._in_flight == before:
                        break
            while (status := self._next()) is not None:
                left.append(status)
        finally:
            self._ring.close()
        return left


@functools.cache
def _why_unavailable() -> str | None:
    if MACHINE != "x86_64":
        # See ptpoll/linux/io_uring.py: the CQ needs a load-acquire there.
        return (
            "the io_uring waiter reads its queue without barriers:"
            f" x86-64 only, not {MACHINE}"
        )
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
