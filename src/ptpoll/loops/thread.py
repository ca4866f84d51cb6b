"""`TracerThread`: a thread that owns a Tracer and runs one poll loop.

The loop waits on one epoll set holding the tracer's descriptor, a request
channel (an eventfd), the descriptors the user registers, and the nearest
timer. Each turn does, in this order and each with a bound:

1. stops: up to ``max_stops`` statuses are taken and handled, so signals
   are re-injected before any queued request is served;
2. requests from other threads: up to ``max_requests``;
3. ready user descriptors, then due timers.

Work left over by a bound makes the next ``epoll_wait`` non-blocking, so a
storm of stops cannot starve requests and a storm of requests cannot starve
stops.
"""

from __future__ import annotations

import collections
import concurrent.futures
import heapq
import itertools
import logging
import os
import select
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

from ..stops import GroupStop, SignalStop, Stop
from ..tracer import Tracee, Tracer

__all__ = ["Handler", "TimerHandle", "TracerThread", "resume"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[Tracer, Tracee, Stop], None]
OnError = Literal["resume", "detach", "kill"]


def resume(tracer: Tracer, tracee: Tracee, stop: Stop) -> None:
    """The default handler: let the tracee go on as if untraced.

    Signals are re-injected; a group-stop is left with ``listen()`` (under
    SEIZE) so that job control still stops the process.
    """
    if not stop.alive:
        return
    if isinstance(stop, GroupStop) and tracee.seized:
        tracee.listen()
    elif isinstance(stop, SignalStop):
        tracee.cont(stop.signal)
    else:
        tracee.cont()


class TimerHandle:
    """A timer from `TracerThread.call_later`; ``cancel()`` it from any thread."""

    __slots__ = ("_cancelled", "args", "callback", "when")

    def __init__(
        self, when: float, callback: Callable[..., object], args: tuple[Any, ...]
    ):
        self.when = when
        self.callback = callback
        self.args = args
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled


class TracerThread:
    """A dedicated tracer thread, served by other threads.

    *handler* runs on the tracer thread for every status of every tracee
    (``handler(tracer, tracee, stop)``), unless a tracee has its own (see
    `set_handler`). The default, `resume`, lets tracees run as if untraced.
    A handler that raises does not stop the loop: the error is logged,
    passed to *on_error* if given and kept in ``errors``, and the tracee is
    then resumed (signal re-injected), detached, or killed, as
    *on_handler_error* says; it is never left stopped by the failure.

    Other threads reach the tracer with `call` (a Future), `run` (blocking)
    and `call_many`. `stop` (or leaving a ``with`` block) ends the loop and
    closes the tracer: no tracee is left stopped.
    """

    def __init__(
        self,
        handler: Handler = resume,
        *,
        waiter: str | None = None,
        syscall_info: bool = True,
        on_handler_error: OnError = "resume",
        on_error: Callable[[BaseException, Tracee | None, Stop | None], None]
        | None = None,
        max_stops: int = 64,
        max_requests: int = 64,
        name: str = "ptpoll-tracer",
    ) -> None:
        if on_handler_error not in ("resume", "detach", "kill"):
            raise ValueError(
                "on_handler_error must be 'resume', 'detach' or 'kill',"
                f" not {on_handler_error!r}"
            )
        for what, value in (("max_stops", max_stops), ("max_requests", max_requests)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{what} must be a positive int, not {value!r}")
        self._handler = handler
        self._handlers: dict[int, Handler] = {}
        self._on_handler_error = on_handler_error
        self._on_error = on_error
        self._max_stops = max_stops
        self._max_requests = max_requests
        self.errors: collections.deque[BaseException] = collections.deque(maxlen=100)

        self._requests: collections.deque[
            tuple[
                concurrent.futures.Future[Any],
                Callable[..., Any],
                tuple[Any, ...],
                dict[str, Any],
            ]
        ] = collections.deque()
        self._wakeup = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self._readers: dict[int, Callable[[int], object]] = {}
        self._timers: list[tuple[float, int, TimerHandle]] = []
        self._timer_seq = itertools.count()
        self._stopping = False
        self._accepting = True
        self._lock = threading.Lock()  # guards _accepting against stop()

        started: concurrent.futures.Future[Tracer] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._main,
            args=(started, waiter, syscall_info),
            name=name,
            daemon=True,
        )
        self._thread.start()
        self.tracer = started.result()

    # -- from any thread --------------------------------------------------

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def call(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        """Run ``fn(tracer, *args, **kwargs)`` on the tracer thread.

        Returns a Future with its result or exception. Raises RuntimeError
        once the thread is stopping. From the tracer thread itself the call
        runs at once (a handler may use it), and the Future is done.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if threading.get_ident() == self._thread.ident:
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn(self.tracer, *args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)
            return future
        with self._lock:
            if not self._accepting:
                raise RuntimeError(
                    "the tracer thread is stopped: it takes no more calls"
                )
            self._requests.append((future, fn, args, kwargs))
            os.eventfd_write(self._wakeup, 1)
        return future

    def run(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> T:
        """`call`, then wait for the result (or its exception)."""
        return self.call(fn, *args, **kwargs).result(timeout)

    def call_many(
        self, calls: Iterable[tuple[Callable[..., Any], tuple[Any, ...]]]
    ) -> list[concurrent.futures.Future[Any]]:
        """Submit ``(fn, args)`` pairs with one wake-up of the tracer thread."""
        futures: list[concurrent.futures.Future[Any]] = []
        with self._lock:
            if not self._accepting:
                raise RuntimeError(
                    "the tracer thread is stopped: it takes no more calls"
                )
            for fn, args in calls:
                future: concurrent.futures.Future[Any] = concurrent.futures.Future()
                self._requests.append((future, fn, tuple(args), {}))
                futures.append(future)
            os.eventfd_write(self._wakeup, 1)
        return futures

    def stop(self, timeout: float | None = None) -> None:
        """End the loop and close the tracer (from any thread); wait for it.

        Calls still queued fail with RuntimeError. From the tracer thread
        (a handler, say) the loop ends after the current turn.
        """
        with self._lock:
            self._accepting = False
            self._stopping = True
            # Under the lock: once the loop has closed the eventfd, its
            # number may be another file's.
            if self._wakeup >= 0:
                os.eventfd_write(self._wakeup, 1)
        if threading.get_ident() != self._thread.ident:
            self._thread.join(timeout)

    def __enter__(self) -> TracerThread:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- on the tracer thread ---------------------------------------------

    def _check_owner(self, what: str) -> None:
        if threading.get_ident() != self._thread.ident:
            raise RuntimeError(f"{what} runs on the tracer thread: use call()")

    def set_handler(self, tracee: Tracee, handler: Handler | None) -> None:
        """Give *tracee* its own handler (None: back to the default).
        Runs on the tracer thread (from a handler, or through `call`)."""
        self._check_owner("set_handler")
        if handler is None:
            self._handlers.pop(tracee.tid, None)
        else:
            self._handlers[tracee.tid] = handler

    def add_reader(self, fd: int, callback: Callable[[int], object]) -> None:
        """Call ``callback(fd)`` on the tracer thread whenever *fd* is
        readable. Runs on the tracer thread (or through `call`)."""
        self._check_owner("add_reader")
        if fd in self._readers:
            self._readers[fd] = callback
            return
        self._epoll.register(fd, select.EPOLLIN)
        self._readers[fd] = callback

    def remove_reader(self, fd: int) -> bool:
        self._check_owner("remove_reader")
        if self._readers.pop(fd, None) is None:
            return False
        self._epoll.unregister(fd)
        return True

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any
    ) -> TimerHandle:
        """Run ``callback(*args)`` on the tracer thread after *delay* seconds.
        Runs on the tracer thread (or through `call`)."""
        self._check_owner("call_later")
        handle = TimerHandle(time.monotonic() + max(0.0, delay), callback, args)
        heapq.heappush(self._timers, (handle.when, next(self._timer_seq), handle))
        return handle

    def _main(
        self,
        started: concurrent.futures.Future[Tracer],
        waiter: str | None,
        syscall_info: bool,
    ) -> None:
        try:
            tracer = Tracer(waiter=waiter, syscall_info=syscall_info)
        except BaseException as exc:
            with self._lock:
                self._accepting = False
                os.close(self._wakeup)
                self._wakeup = -1
            started.set_exception(exc)
            return
        self.tracer = tracer
        self._epoll = select.epoll()
        started.set_result(tracer)
        try:
            self._epoll.register(tracer.fileno(), select.EPOLLIN)
            self._epoll.register(self._wakeup, select.EPOLLIN)
            self._loop()
        except BaseException as exc:  # pragma: no cover - a bug in the loop
            log.exception("ptpoll tracer thread failed")
            self.errors.append(exc)
        finally:
            with self._lock:
                self._accepting = False
            try:
                tracer.close()
            finally:
                self._fail_pending()
                self._epoll.close()
                with self._lock:
                    os.close(self._wakeup)
                    self._wakeup = -1

    def _fail_pending(self) -> None:
        while self._requests:
            future, _, _, _ = self._requests.popleft()
            if future.set_running_or_notify_cancel():
                future.set_exception(
                    RuntimeError("the tracer thread stopped before this call ran")
                )

    def _loop(self) -> None:
        tracer = self.tracer
        tracer_fd = tracer.fileno()
        wakeup = self._wakeup
        busy = False
        while not self._stopping:
            if busy:
                timeout = 0.0
            elif self._timers:
                timeout = max(0.0, self._timers[0][0] - time.monotonic())
            else:
                timeout = -1.0
            events = self._epoll.poll(timeout)
            ready_user = []
            for fd, _ in events:
                if fd == wakeup:
                    try:
                        os.eventfd_read(wakeup)
                    except BlockingIOError:
                        pass
                elif fd != tracer_fd:
                    ready_user.append(fd)
            busy = self._serve_stops(tracer)
            busy = self._serve_requests(tracer) or busy
            for fd in ready_user:
                callback = self._readers.get(fd)
                if callback is not None:
                    self._guard(callback, fd)
            self._run_timers()

    def _serve_stops(self, tracer: Tracer) -> bool:
        """Handle up to ``max_stops`` statuses; True if more may wait."""
        for _ in range(self._max_stops):
            got = tracer.wait(block=False)
            if got is None:
                return False
            tracee, stop = got
            handler = self._handlers.get(tracee.tid, self._handler)
            try:
                handler(tracer, tracee, stop)
            except Exception as exc:
                self._report(exc, tracee, stop)
                self._after_handler_error(tracer, tracee, stop)
            if not stop.alive:
                self._handlers.pop(tracee.tid, None)
        return True

    def _after_handler_error(self, tracer: Tracer, tracee: Tracee, stop: Stop) -> None:
        if not tracee.alive or not tracee.stopped:
            return
        try:
            if self._on_handler_error == "kill":
                tracee.kill()
                tracee.cont()
            elif self._on_handler_error == "detach":
                sig = stop.signal if isinstance(stop, SignalStop) else 0
                tracee.detach(sig)
            else:
                resume(tracer, tracee, stop)
        except OSError as exc:
            self._report(exc, tracee, stop)

    def _serve_requests(self, tracer: Tracer) -> bool:
        requests = self._requests
        for _ in range(self._max_requests):
            if not requests:
                return False
            future, fn, args, kwargs = requests.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(tracer, *args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)
        return bool(requests)

    def _run_timers(self) -> None:
        timers = self._timers
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, handle = heapq.heappop(timers)
            if not handle.cancelled:
                self._guard(handle.callback, *handle.args)

    def _guard(self, callback: Callable[..., object], *args: Any) -> None:
        try:
            callback(*args)
        except Exception as exc:
            self._report(exc, None, None)

    def _report(
        self, exc: BaseException, tracee: Tracee | None, stop: Stop | None
    ) -> None:
        where = f" for {stop!r} of tracee {tracee.tid}" if tracee and stop else ""
        log.error(
            "ptpoll: a callback of the tracer thread raised%s", where, exc_info=exc
        )
        self.errors.append(exc)
        if self._on_error is not None:
            try:
                self._on_error(exc, tracee, stop)
            except Exception:
                log.exception("ptpoll: on_error raised")
