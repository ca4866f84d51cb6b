"""Layer 3: the ways of making a traced thread's wait status pollable.

``choose()`` picks one: the name given, else ``$PTPOLL_WAITER``, else the
best that this kernel supports (probed once per process). A name that is
unknown, or that names a waiter that cannot work here, is an error, never a
silent fallback.
"""

from __future__ import annotations

import functools
import os

from .base import Status, Waiter, WaiterUnavailable, Watch
from .io_uring import IoUringWaiter
from .native import NativeWaiter
from .portable import PortableWaiter

__all__ = [
    "ENV_VAR",
    "WAITERS",
    "Status",
    "Waiter",
    "WaiterUnavailable",
    "Watch",
    "available",
    "choose",
]

ENV_VAR = "PTPOLL_WAITER"

# Best first. "native" needs the kernel patch in kernel/ (docs/kernel.md);
# elsewhere its probe says so and the choice goes on to io_uring.
WAITERS: dict[str, type[Waiter]] = {
    "native": NativeWaiter,
    "io_uring": IoUringWaiter,
    "portable": PortableWaiter,
}


@functools.cache
def _probe(name: str) -> str | None:
    """None if the waiter *name* works here, else why not."""
    try:
        WAITERS[name]()
    except WaiterUnavailable as exc:
        return str(exc)
    return None


def available() -> list[str]:
    """The names of the waiters that work on this machine, best first."""
    return [name for name in WAITERS if _probe(name) is None]


def choose(name: str | None = None) -> Waiter:
    """A waiter: *name*, else ``$PTPOLL_WAITER``, else the best available.

    Raises ValueError for an unknown name and `WaiterUnavailable` for one
    that cannot work here.
    """
    source = "waiter"
    if name is None:
        name = os.environ.get(ENV_VAR) or None
        source = f"${ENV_VAR}"
    if name is None:
        for candidate in WAITERS:
            if _probe(candidate) is None:
                return WAITERS[candidate]()
        raise WaiterUnavailable("no ptpoll waiter works on this machine")
    if name not in WAITERS:
        known = ", ".join(repr(n) for n in WAITERS)
        raise ValueError(f"unknown {source} {name!r}: choose one of {known}")
    why = _probe(name)
    if why is not None:
        raise WaiterUnavailable(why)
    return WAITERS[name]()
