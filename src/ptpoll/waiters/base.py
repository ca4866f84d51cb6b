"""What every waiter provides: a `Watch` per traced thread.

A `Watch` owns one traced thread's wait statuses. Its ``fileno()`` is
readable exactly while it holds a status that ``take()`` would return.
Statuses are consumed from the kernel as they come (``waitid`` without
``WNOWAIT``) and kept, in order, until taken, so readiness can never be
spurious: a status that is readable is already ours, and a stop cannot
vanish between the wake-up and the ``take()``. A status is a pair
``(si_code, si_status)``.

Threading: ``fileno()`` may be polled from any thread. ``take``,
``wait``, ``resumed`` and ``close`` run on the tracer thread.
"""

from __future__ import annotations

import abc

Status = tuple[int, int]

# waitid options for every watch: exits and stops of a child of any kind.
WAIT_OPTIONS = 0x4 | 0x2 | 0x40000000  # WEXITED | WSTOPPED | __WALL


class Watch(abc.ABC):
    """The pending statuses of one traced thread."""

    tid: int

    @abc.abstractmethod
    def fileno(self) -> int:
        """A descriptor that is readable iff ``take()`` returns a status."""

    @abc.abstractmethod
    def take(self) -> Status | None:
        """The oldest status, removed; None if there is none. Never blocks."""

    @abc.abstractmethod
    def wait(self, timeout: float | None) -> Status | None:
        """As ``take()``, but block up to *timeout* seconds (None: forever)."""

    def resumed(self) -> None:  # noqa: B027 - optional hook, empty on purpose
        """Tell the watch that the tracer resumed the thread (CONT, SYSCALL,
        SINGLESTEP, LISTEN). Waiters that stop watching for stops while the
        thread is stopped start again here."""

    @abc.abstractmethod
    def close(self) -> list[Status]:
        """Stop watching. Returns the statuses that were consumed from the
        kernel but not taken, so that none is lost. Precondition: the
        thread has exited, was detached, or is stopped (with nothing of
        ours left in flight that could consume a later status)."""


class Waiter(abc.ABC):
    """A way of making wait statuses pollable: makes one `Watch` per thread."""

    name: str

    @abc.abstractmethod
    def watch(self, tid: int, pid: int) -> Watch:
        """Start watching *tid* (of process *pid*), a thread traced by the
        calling thread."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the waiter shares between its watches."""


class WaiterUnavailable(RuntimeError):
    """The waiter that was asked for cannot work on this kernel or in this
    sandbox; the message says why."""
