"""Driving `Tracer.spawn_steps` from an event loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator

from ..stops import Stop
from ..tracer import Tracee


async def drive(
    steps: Generator[Tracee, Stop, Tracee], wait: Callable[[Tracee], Awaitable[Stop]]
) -> Tracee:
    """Run *steps* to its end, awaiting each stop it asks for with *wait*.

    An exception in the wait (a cancellation) is thrown into the steps,
    which kill and reap the half-started child, then re-raise it.
    """
    try:
        tracee = next(steps)
        while True:
            try:
                stop = await wait(tracee)
            except BaseException as exc:
                tracee = steps.throw(exc)
                continue
            tracee = steps.send(stop)
    except StopIteration as done:
        result: Tracee = done.value
        return result
