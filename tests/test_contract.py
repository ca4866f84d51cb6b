"""The contract of DESIGN.md section 2, run over every waiter.

Readiness is checked with ``poll`` on the real descriptors, with a timeout
that fails the test instead of hanging it. "Not readable" is checked with a
zero timeout at a moment when no status can be pending (the tracee is in a
stop that was already taken), so it is deterministic, not a race.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading

import pytest

import ptpoll
from ptpoll import SignalStop, SyscallOp, SyscallStop

TIMEOUT_MS = 10_000
SYS_GETPPID = 110


def readable(fd: int, timeout_ms: int = 0) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(timeout_ms))


def test_fd_is_readable_iff_a_status_is_pending(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "signal", str(int(signal.SIGUSR1))])
    # At the exec stop, taken by spawn: nothing pending.
    assert not readable(tracee.fileno())
    assert not readable(tracer.fileno())
    assert tracee.wait(block=False) is None
    assert tracer.wait(block=False) is None

    tracee.cont()
    assert readable(tracee.fileno(), TIMEOUT_MS)
    assert readable(tracer.fileno(), TIMEOUT_MS)
    # Level-triggered: still readable until the status is taken.
    assert readable(tracee.fileno())
    assert readable(tracer.fileno())

    stop = tracee.wait(block=False)
    assert isinstance(stop, SignalStop)
    assert stop.signal == signal.SIGUSR1
    assert not readable(tracee.fileno())
    assert not readable(tracer.fileno())
    assert tracee.wait(block=False) is None

    tracee.cont(stop.signal)
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)


def test_every_syscall_stop_is_delivered_once_and_in_order(tracer, tracee_bin):
    n = 500
    tracee = tracer.spawn([tracee_bin, "syscalls", str(n)])
    tracee.syscall()
    ops = []
    while True:
        stop = tracee.wait(timeout=10)
        assert stop is not None, "a stop was lost: wait timed out"
        if not stop.alive:
            assert stop == ptpoll.Exited(tracee.tid, 0)
            break
        assert isinstance(stop, SyscallStop)
        assert stop.info is not None
        if stop.info.op == SyscallOp.ENTRY and stop.info.nr == SYS_GETPPID:
            ops.append("entry")
        elif stop.info.op == SyscallOp.EXIT and ops and ops[-1] == "entry":
            ops.append("exit")
        tracee.syscall()
    assert ops == ["entry", "exit"] * n


def test_tracer_wait_serves_many_tracees_stopping_together(tracer, tracee_bin):
    n, calls = 12, 40
    tracees = [tracer.spawn([tracee_bin, "syscalls", str(calls)]) for _ in range(n)]
    counts = dict.fromkeys((t.tid for t in tracees), 0)
    for t in tracees:
        t.syscall()
    exited: set[int] = set()
    while len(exited) < n:
        got = tracer.wait(timeout=10)
        assert got is not None, "a stop was lost: tracer.wait timed out"
        tracee, stop = got
        if not stop.alive:
            assert stop == ptpoll.Exited(tracee.tid, 0)
            assert tracee.tid not in exited
            exited.add(tracee.tid)
            continue
        if isinstance(stop, SyscallStop) and stop.info and stop.info.nr == SYS_GETPPID:
            counts[tracee.tid] += 1
        tracee.syscall()
    assert counts == dict.fromkeys(counts, calls)
    assert tracer.tracees == []
    assert not readable(tracer.fileno())


def test_tracer_fd_readable_while_any_tracee_has_a_status(tracer, tracee_bin):
    a = tracer.spawn([tracee_bin, "exit", "1"])
    b = tracer.spawn([tracee_bin, "exit", "2"])
    a.cont()
    b.cont()
    statuses = {}
    for _ in range(2):
        assert readable(tracer.fileno(), TIMEOUT_MS)
        got = tracer.wait(block=False)
        assert got is not None
        statuses[got[0].tid] = got[1]
    assert statuses == {a.tid: ptpoll.Exited(a.tid, 1), b.tid: ptpoll.Exited(b.tid, 2)}
    assert not readable(tracer.fileno())
    assert tracer.wait(block=False) is None


@pytest.mark.parametrize(
    "where", ["running", "syscall-stop", "signal-stop", "group-stop"]
)
def test_status_of_a_killed_tracee_is_reported_once(tracer, tracee_bin, where):
    tracee = tracer.spawn([tracee_bin, "sigstop"] if where == "group-stop" else [
        tracee_bin, "signal", str(int(signal.SIGUSR2))] if where == "signal-stop" else [
        tracee_bin, "tick"], stdout=subprocess.DEVNULL)  # fmt: skip
    if where == "syscall-stop":
        tracee.syscall()
        assert isinstance(tracee.wait(timeout=10), SyscallStop)
    elif where == "signal-stop":
        tracee.cont()
        assert isinstance(tracee.wait(timeout=10), SignalStop)
    elif where == "group-stop":
        tracee.cont()
        stop = tracee.wait(timeout=10)
        assert isinstance(stop, SignalStop) and stop.signal == signal.SIGSTOP
        tracee.cont(signal.SIGSTOP)
        assert tracee.wait(timeout=10) == ptpoll.GroupStop(tracee.tid, signal.SIGSTOP)
    else:
        tracee.cont()
    tracee.kill()
    assert readable(tracee.fileno(), TIMEOUT_MS) if tracee.alive else True
    assert tracee.wait(timeout=10) == ptpoll.Killed(tracee.tid, signal.SIGKILL)
    assert not tracee.alive
    with pytest.raises(ptpoll.TraceeGoneError, match="was killed by SIGKILL"):
        tracee.wait(block=False)
    assert tracer.wait(block=False) is None


def test_wait_timeout_returns_none_and_loses_nothing(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "sleep"], stdout=subprocess.DEVNULL)
    tracee.cont()
    assert tracee.wait(timeout=0.05) is None
    assert tracer.wait(timeout=0.05) is None
    tracee.kill()
    assert tracer.wait(timeout=10) == (
        tracee,
        ptpoll.Killed(tracee.tid, signal.SIGKILL),
    )


def test_fileno_can_be_polled_from_another_thread(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "3"])
    seen = threading.Event()
    fd = tracee.fileno()

    def watcher() -> None:
        if readable(fd, TIMEOUT_MS):
            seen.set()

    thread = threading.Thread(target=watcher)
    thread.start()
    tracee.cont()
    thread.join()
    assert seen.is_set()
    assert tracee.wait(block=False) == ptpoll.Exited(tracee.tid, 3)


def test_a_reused_tid_is_never_waited_for(tracer, tracee_bin):
    """Once a tracee has terminated, its tid may be given to an unrelated
    child of the program: ptpoll must never wait for that one."""
    tracee = tracer.spawn([tracee_bin, "exit", "0"])
    tid = tracee.tid
    tracee.cont()
    # The termination is consumed (the fd is readable) but not yet taken.
    assert readable(tracee.fileno(), TIMEOUT_MS)
    # Hand the tid out again at once (as root: set the last pid given), to
    # a child that exits before ptpoll takes the tracee's status.
    reused = None
    for _ in range(20):
        try:
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(tid - 1))
        except OSError as exc:
            pytest.skip(f"cannot choose the next pid: {exc}")
        child = subprocess.Popen([tracee_bin, "exit", "7"])
        if child.pid == tid:
            reused = child
            break
        child.wait()
    if reused is None:
        pytest.skip(f"pid {tid} was not handed out again")
    os.waitid(os.P_PID, tid, os.WEXITED | os.WNOWAIT)  # a zombie now
    assert tracer.wait(timeout=10) == (tracee, ptpoll.Exited(tid, 0))
    assert tracer.wait(block=False) is None
    assert reused.wait(timeout=10) == 7  # its status was not stolen
