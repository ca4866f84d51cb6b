"""trio: tracees are waited on with ``trio.lowlevel.wait_readable``.

Any object with ``fileno()`` works with trio directly, so this module only
adds the loop around it. As with trio's own rule for one fd, one task at a
time may wait on a given tracee (or tracer); a second raises
``trio.BusyResourceError``. The Tracer is made in trio's thread.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import trio

from ..stops import Stop
from ..tracer import Tracee, Tracer
from ._steps import drive

__all__ = ["spawn", "wait", "wait_any"]


_hooked: weakref.WeakKeyDictionary[Tracer, None] = weakref.WeakKeyDictionary()


def _hook(tracer: Tracer) -> None:
    # trio must be told before a waited-on fd closes (notify_closing).
    if tracer not in _hooked:
        tracer.on_fd_closing(trio.lowlevel.notify_closing)
        _hooked[tracer] = None


async def wait(tracee: Tracee) -> Stop:
    """The next status of *tracee*; cancelling loses nothing. Raises
    ``trio.ClosedResourceError`` if the tracee is retired while waited for."""
    _hook(tracee._tracer)
    while True:
        stop = tracee.wait(block=False)
        if stop is not None:
            return stop
        await trio.lowlevel.wait_readable(tracee.fileno())


async def wait_any(tracer: Tracer) -> tuple[Tracee, Stop]:
    """The next status of any tracee of *tracer*."""
    while True:
        got = tracer.wait(block=False)
        if got is not None:
            return got
        await trio.lowlevel.wait_readable(tracer.fileno())


async def spawn(tracer: Tracer, argv: Sequence[Any], **kwargs: Any) -> Tracee:
    """`Tracer.spawn` that waits for the exec in trio."""
    return await drive(tracer.spawn_steps(argv, **kwargs), wait)
