"""The native waiter: refused clearly where the kernel lacks pidfd
ptrace-stop notification, chosen first where it has it (kernel/, run by
kernel/run-tests), and harmless to a program's own pidfd pollers.

The contract itself runs over the native waiter in test_contract.py, where
it is skipped, with the probe's reason, on a stock kernel.
"""

from __future__ import annotations

import os
import select
import signal

import pytest

import ptpoll
from ptpoll import waiters
from ptpoll.linux import pidfd
from ptpoll.waiters import native

TIMEOUT_MS = 10_000

NATIVE_WHY = waiters._probe("native")
needs_native = pytest.mark.skipif(
    NATIVE_WHY is not None, reason=f"{NATIVE_WHY} (run kernel/run-tests)"
)
stock_kernel_only = pytest.mark.skipif(
    NATIVE_WHY is None, reason="this kernel has pidfd ptrace-stop notification"
)


@stock_kernel_only
def test_forcing_native_on_a_stock_kernel_fails_clearly(monkeypatch):
    message = r"native waiter cannot work here: the kernel lacks pidfd ptrace-stop"
    with pytest.raises(ptpoll.WaiterUnavailable, match=message):
        ptpoll.Tracer(waiter="native")
    monkeypatch.setenv(waiters.ENV_VAR, "native")
    with pytest.raises(ptpoll.WaiterUnavailable, match=message):
        ptpoll.Tracer()


@stock_kernel_only
def test_automatic_choice_on_a_stock_kernel_is_unchanged(monkeypatch):
    monkeypatch.delenv(waiters.ENV_VAR, raising=False)
    expected = "io_uring" if waiters._probe("io_uring") is None else "portable"
    assert "native" not in waiters.available()
    with ptpoll.Tracer() as tracer:
        assert tracer.waiter == expected


@needs_native
def test_native_is_chosen_first_where_the_kernel_has_it(monkeypatch):
    monkeypatch.delenv(waiters.ENV_VAR, raising=False)
    assert waiters.available()[0] == "native"
    with ptpoll.Tracer() as tracer:
        assert tracer.waiter == "native"


def test_probe_leaves_no_descriptor_and_no_child():
    # The autouse no_leaks fixture checks both; the probe runs uncached,
    # also in the form for processes that changed uid (a child that has
    # exec'ed first), which must give the same answer.
    for _ in range(3):
        assert native._pidfd_reports_ptrace_stops() is (NATIVE_WHY is None)
    assert native._probe_child(exec_first=True) is (NATIVE_WHY is None)


def _poll(fd: int, events: int, timeout_ms: int) -> int:
    poller = select.poll()
    poller.register(fd, events)
    return sum(ev for _, ev in poller.poll(timeout_ms))


@needs_native
def test_a_programs_own_pollin_pidfd_sees_no_stop(tracee_bin):
    """The compatibility promise: a pidfd polled for POLLIN (as asyncio's
    PidfdChildWatcher does) reports the exit only, while the native
    waiter sees every stop on its own pidfd."""
    with ptpoll.Tracer(waiter="native") as tracer:
        tracee = tracer.spawn([tracee_bin, "signal", str(int(signal.SIGUSR1))])
        own = pidfd.pidfd_open(tracee.pid)
        try:
            tracee.cont()
            stop = tracee.wait(timeout=10)
            assert isinstance(stop, ptpoll.SignalStop)
            # Stopped, and the stop taken: the program's pidfd says nothing;
            # asking for POLLPRI says nothing either once it is taken.
            assert _poll(own, select.POLLIN, 0) == 0
            assert _poll(own, select.POLLPRI, 0) == 0
            tracee.cont(stop.signal)
            assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
            assert _poll(own, select.POLLIN, TIMEOUT_MS) & select.POLLIN
        finally:
            os.close(own)


@needs_native
def test_pending_stop_shows_as_pollpri_on_a_pidfd_of_ours(tracee_bin):
    with ptpoll.Tracer(waiter="native") as tracer:
        tracee = tracer.spawn([tracee_bin, "signal", str(int(signal.SIGUSR1))])
        own = pidfd.pidfd_open(tracee.pid)
        try:
            tracee.cont()
            assert _poll(own, pidfd.POLL_PTRACE_STOP, TIMEOUT_MS) == (
                pidfd.POLL_PTRACE_STOP
            )
            assert _poll(own, select.POLLIN, 0) == 0
            assert _poll(tracee.fileno(), select.POLLIN, 0) == select.POLLIN
            stop = tracee.wait(block=False)
            assert isinstance(stop, ptpoll.SignalStop)
            assert _poll(own, pidfd.POLL_PTRACE_STOP, 0) == 0
            tracee.cont(stop.signal)
            assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
        finally:
            os.close(own)
