"""Layer 5: loops that serve tracees and everything else.

- `TracerThread` (``ptpoll.loops.thread``): a dedicated tracer thread with
  a request channel, user descriptors and timers.
- ``ptpoll.loops.aio``: asyncio helpers (``await aio.wait(tracee)``).
- ``ptpoll.loops.trio``: trio helpers (imported on demand: trio is not a
  dependency of ptpoll).
"""

from .thread import TimerHandle, TracerThread, resume

__all__ = ["TimerHandle", "TracerThread", "resume"]
