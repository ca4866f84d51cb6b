"""The errors of the tracer layer.

Kernel errors pass through as ``OSError``; these are derived from them at
this one boundary where ptpoll knows more than the errno says (which thread
asked, that a tracee is gone), and stay ``OSError`` subclasses where the
kernel's errno still fits, so ``except ProcessLookupError`` keeps working.
"""

from __future__ import annotations

import errno

__all__ = ["TraceeGoneError", "TracerClosedError", "WrongThreadError"]


class WrongThreadError(RuntimeError):
    """A ptrace request, or a wait, from a thread other than the tracer's.

    The kernel accepts ptrace requests only from the thread that attached
    (it would answer ``ESRCH``); ptpoll says so before asking.
    """


class TraceeGoneError(ProcessLookupError):
    """The tracee has exited, was detached, or vanished in an exec of
    another thread: it takes no more requests and has nothing to report."""

    def __init__(self, tid: int, why: str) -> None:
        super().__init__(errno.ESRCH, f"tracee {tid} {why}")
        self.pid = tid


class TracerClosedError(RuntimeError):
    """The tracer was closed; it takes no more requests."""
