"""pidfds: ``pidfd_open(2)`` (Linux 5.3) and ``PIDFD_THREAD`` (Linux 6.9).

A pidfd polls readable (``POLLIN``) once its process, or with
``PIDFD_THREAD`` its thread, has exited and can be reaped; ptrace-stops do
not wake it (checked on 6.18; see DESIGN.md, section 3).

With the patch in kernel/ of this repository (docs/kernel.md), a pidfd
also reports ``POLLPRI`` to its tracer's thread group while its thread is
in a ptrace-stop that has not been collected; `POLL_PTRACE_STOP` names
that event.
"""

from __future__ import annotations

import os

from ._libc import NR, os_error, syscall

__all__ = [
    "PIDFD_THREAD",
    "POLL_PTRACE_STOP",
    "open_thread",
    "open_tid",
    "pidfd_open",
]

PIDFD_NONBLOCK = os.O_NONBLOCK
PIDFD_THREAD = os.O_EXCL

# POLLPRI: a ptrace-stop of the pidfd's thread is pending for its tracer
# (patched kernels only, see above).
POLL_PTRACE_STOP = 0x002


def pidfd_open(pid: int, flags: int = 0) -> int:
    """A new pidfd (close-on-exec) for *pid*."""
    fd = syscall(NR["pidfd_open"], pid, flags)
    if fd < 0:
        raise os_error(-fd, "pidfd_open", pid)
    return fd


def open_thread(tid: int) -> int | None:
    """A pidfd for the thread *tid*, or None where the kernel cannot make one
    (before Linux 6.9 a pidfd names a process, so only a leader has one)."""
    try:
        return pidfd_open(tid, PIDFD_THREAD)
    except OSError as exc:
        if exc.errno == 3:  # ESRCH: gone; waitid will report it
            return None
        if exc.errno != 22:  # EINVAL: PIDFD_THREAD unknown
            raise
    try:
        return pidfd_open(tid, 0)
    except OSError as exc:
        if exc.errno in (22, 2, 3):  # not a leader, or already gone
            return None
        raise


def open_tid(tid: int, pid: int) -> int:
    """A pidfd for exactly the thread *tid* of process *pid*: a process
    pidfd for the leader, a ``PIDFD_THREAD`` one for any other thread.

    ``waitid(P_PIDFD)`` on either waits for that one thread. Raises
    ``ProcessLookupError`` when the thread is gone, and ``OSError``
    (``EINVAL``) for a non-leader before Linux 6.9.
    """
    return pidfd_open(tid, 0 if tid == pid else PIDFD_THREAD)
