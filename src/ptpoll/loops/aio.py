"""asyncio: await tracees on the event loop's thread.

Create the `Tracer` in the loop's thread (in a coroutine, or before
``asyncio.run`` in the same thread): the loop's thread is then the tracer
thread. Waiting registers the tracee's (or tracer's) descriptor with
``loop.add_reader``, so nothing polls or blocks. Other threads reach the
tracer with ``asyncio.run_coroutine_threadsafe``.

Cancellation loses nothing: a status is taken only after the await has
returned, so a cancelled ``wait`` leaves it for the next waiter.

    async def main():
        with ptpoll.Tracer() as tracer:
            tracee = await aio.spawn(tracer, ["ls"])
            tracee.cont()
            print(await aio.wait(tracee))
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..stops import Stop
from ..tracer import Tracee, Tracer
from ._steps import drive

__all__ = ["readable", "spawn", "stops", "wait", "wait_any"]

_Waiters = dict[int, list["asyncio.Future[None]"]]
_registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waiters] = (
    weakref.WeakKeyDictionary()
)


def _wake(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    waiters = _registry[loop].pop(fd, [])
    loop.remove_reader(fd)
    for future in waiters:
        if not future.done():
            future.set_result(None)


async def readable(fd: int) -> None:
    """Return once *fd* is readable; any number of tasks may wait on one fd
    (``add_reader`` alone allows one callback per fd)."""
    loop = asyncio.get_running_loop()
    table = _registry.setdefault(loop, {})
    future: asyncio.Future[None] = loop.create_future()
    waiters = table.get(fd)
    if waiters is None:
        waiters = table[fd] = []
        loop.add_reader(fd, _wake, loop, fd)
    waiters.append(future)
    try:
        await future
    finally:
        waiters = table.get(fd)
        if waiters is not None and future in waiters:
            waiters.remove(future)
            if not waiters:
                del table[fd]
                loop.remove_reader(fd)


_hooked: weakref.WeakKeyDictionary[Tracer, None] = weakref.WeakKeyDictionary()


def _forget_fd(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """A tracee's fd is about to close: drop its reader and wake its
    waiters, who then find the tracee gone (TraceeGoneError)."""
    if fd in _registry.get(loop, {}):
        _wake(loop, fd)


def _hook(tracer: Tracer) -> None:
    if tracer not in _hooked:
        loop = asyncio.get_running_loop()
        tracer.on_fd_closing(lambda fd: _forget_fd(loop, fd))
        _hooked[tracer] = None


async def wait(tracee: Tracee) -> Stop:
    """The next status of *tracee*, without blocking the loop.

    Raises `TraceeGoneError` if the tracee is retired while waited for.
    """
    _hook(tracee._tracer)
    while True:
        stop = tracee.wait(block=False)
        if stop is not None:
            return stop
        await readable(tracee.fileno())


async def wait_any(tracer: Tracer) -> tuple[Tracee, Stop]:
    """The next status of any tracee of *tracer*."""
    while True:
        got = tracer.wait(block=False)
        if got is not None:
            return got
        await readable(tracer.fileno())


async def stops(tracer: Tracer) -> AsyncIterator[tuple[Tracee, Stop]]:
    """``(tracee, stop)`` for every status, until *tracer* has no tracees."""
    while tracer.tracees:
        yield await wait_any(tracer)


async def spawn(tracer: Tracer, argv: Sequence[Any], **kwargs: Any) -> Tracee:
    """`Tracer.spawn` that awaits the exec instead of blocking the loop.

    Takes the keyword arguments of `Tracer.spawn`.
    """
    return await drive(tracer.spawn_steps(argv, **kwargs), wait)
