"""Every kind of stop, produced by a real program, decoded on every waiter."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

import ptpoll
from ptpoll import Options

SYS_GETPPID = 110
FOLLOW = Options.TRACEFORK | Options.TRACEVFORK | Options.TRACECLONE


def drive(tracer, first, *, resume="cont", timeout=10.0, limit=100_000):
    """Resume every stop (re-injecting signals) until every tracee is gone.

    Returns the list of ``(tracee, stop)`` in the order they were taken.
    """
    log: list[tuple[ptpoll.Tracee, ptpoll.Stop]] = []
    getattr(first, resume)()
    while tracer.tracees:
        got = tracer.wait(timeout=timeout)
        assert got is not None, f"no status within {timeout}s; seen {log[-5:]}"
        tracee, stop = got
        log.append((tracee, stop))
        assert len(log) < limit
        if stop.alive:
            sig = stop.signal if isinstance(stop, ptpoll.SignalStop) else 0
            getattr(tracee, resume)(sig)
    return log


def kinds(log):
    return [type(stop).__name__ for _, stop in log]


def test_exit_status_and_exec_stop(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "42"])
    assert tracee.last_stop == ptpoll.ExecStop(tracee.tid, tracee.tid)
    assert tracee.stopped
    log = drive(tracer, tracee)
    assert [s for _, s in log] == [ptpoll.Exited(tracee.tid, 42)]


def test_killed_by_a_fault(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "segv"])
    log = drive(tracer, tracee)
    fault, death = log[0][1], log[1][1]
    assert isinstance(fault, ptpoll.SignalStop)
    assert fault.signal == signal.SIGSEGV
    assert fault.siginfo is not None
    assert fault.siginfo.addr == 0
    assert fault.siginfo.code > 0  # SEGV_MAPERR: from the kernel, not a user
    assert isinstance(death, ptpoll.Killed)
    assert death.signal == signal.SIGSEGV


def test_signal_delivery_stop_has_the_senders_siginfo(tracer, tracee_bin):
    tracee = tracer.spawn(
        [tracee_bin, "signal", str(int(signal.SIGUSR1))], stdout=subprocess.PIPE
    )
    tracee.cont()
    stop = tracee.wait(timeout=10)
    assert isinstance(stop, ptpoll.SignalStop)
    assert stop.signal == signal.SIGUSR1
    assert stop.siginfo is not None
    assert stop.siginfo.signo == signal.SIGUSR1
    assert stop.siginfo.pid == tracee.pid  # raise() is tgkill from itself
    assert stop.siginfo.from_user
    assert tracee.get_siginfo() == stop.siginfo
    tracee.cont(stop.signal)
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
    assert tracee.process.stdout is not None
    assert tracee.process.stdout.read() == f"handled {int(signal.SIGUSR1)}\n".encode()
    tracee.process.stdout.close()


def test_suppressed_signal_is_not_delivered(tracer, tracee_bin):
    tracee = tracer.spawn(
        [tracee_bin, "signal", str(int(signal.SIGUSR1))], stdout=subprocess.PIPE
    )
    tracee.cont()
    assert isinstance(tracee.wait(timeout=10), ptpoll.SignalStop)
    tracee.cont(0)
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
    assert tracee.process.stdout is not None
    assert tracee.process.stdout.read() == b""
    tracee.process.stdout.close()


def test_group_stop_listen_and_sigcont(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "sigstop"], stdout=subprocess.PIPE)
    tracee.cont()
    stop = tracee.wait(timeout=10)
    assert stop == ptpoll.SignalStop(tracee.tid, signal.SIGSTOP, stop.siginfo)
    tracee.cont(signal.SIGSTOP)
    assert tracee.wait(timeout=10) == ptpoll.GroupStop(tracee.tid, signal.SIGSTOP)
    # LISTEN: stays stopped as job control wants; SIGCONT then wakes it.
    tracee.listen()
    assert tracee.wait(timeout=0.1) is None
    os.kill(tracee.pid, signal.SIGCONT)
    stop = tracee.wait(timeout=10)
    # After SIGCONT, a listening tracee reports PTRACE_EVENT_STOP again
    # (ptrace(2), "PTRACE_LISTEN"), then the SIGCONT signal-delivery-stop.
    seen = [stop]
    while not isinstance(stop, ptpoll.SignalStop):
        tracee.cont()
        stop = tracee.wait(timeout=10)
        seen.append(stop)
    assert stop.signal == signal.SIGCONT, seen
    tracee.cont(stop.signal)
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
    assert tracee.process.stdout is not None
    assert tracee.process.stdout.read() == b"continued\n"
    tracee.process.stdout.close()


def test_interrupt_stops_a_running_tracee(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "sleep"], stdout=subprocess.DEVNULL)
    tracee.cont()
    assert tracee.wait(timeout=0.05) is None
    tracee.interrupt()
    assert tracee.wait(timeout=10) == ptpoll.InterruptStop(tracee.tid)
    regs = tracee.get_regs()
    assert regs.values() == tracee.get_regs().values()
    tracee.kill()
    assert tracee.wait(timeout=10) == ptpoll.Killed(tracee.tid, signal.SIGKILL)


def test_fork_event_and_the_new_tracee(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "fork"], options=FOLLOW)
    log = drive(tracer, tracee)
    forks = [s for _, s in log if isinstance(s, ptpoll.ForkStop)]
    assert len(forks) == 1
    child = forks[0].new_pid
    child_log = [s for t, s in log if t.tid == child]
    assert child_log[0] == ptpoll.InterruptStop(child)
    assert child_log[-1] == ptpoll.Exited(child, 7)
    assert log[-1][1] == ptpoll.Exited(tracee.tid, 0)


def test_vfork_and_vfork_done(tracer, tracee_bin):
    tracee = tracer.spawn(
        [tracee_bin, "vfork"], options=FOLLOW | Options.TRACEVFORKDONE
    )
    log = drive(tracer, tracee)
    vforks = [s for _, s in log if isinstance(s, ptpoll.VforkStop)]
    assert len(vforks) == 1
    child = vforks[0].new_pid
    dones = [s for _, s in log if isinstance(s, ptpoll.VforkDoneStop)]
    assert dones == [ptpoll.VforkDoneStop(tracee.tid, child)]
    assert ptpoll.Exited(child, 3) in [s for _, s in log]
    assert log[-1][1] == ptpoll.Exited(tracee.tid, 0)


def test_clone_of_a_process_is_a_new_process(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "clone-process"], options=FOLLOW)
    log = drive(tracer, tracee)
    clones = [s for _, s in log if isinstance(s, ptpoll.CloneStop)]
    assert len(clones) == 1
    new = clones[0].new_tid
    new_tracee = next(t for t, s in log if t.tid == new)
    assert new_tracee.pid == new  # its own process, not a thread
    assert ptpoll.Exited(new, 4) in [s for _, s in log]


def test_threads_are_followed_and_belong_to_the_process(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "threads", "8"], options=FOLLOW)
    tracee.cont()
    threads = set()
    log = []
    while tracer.tracees:
        got = tracer.wait(timeout=10)
        assert got is not None
        t, stop = got
        log.append(stop)
        if isinstance(stop, ptpoll.CloneStop):
            new = tracer.tracee(stop.new_tid)
            assert new.pid == tracee.pid
            assert new.process is tracee.process
            threads.add(stop.new_tid)
        if stop.alive:
            t.cont()
    assert len(threads) == 8
    exits = [s for s in log if isinstance(s, ptpoll.Exited)]
    assert {s.tid for s in exits} == threads | {tracee.tid}


def test_exec_from_a_non_leader_thread(tracer, tracee_bin):
    tracee = tracer.spawn(
        [tracee_bin, "exec-thread", tracee_bin], options=FOLLOW | Options.TRACEEXEC
    )
    log = drive(tracer, tracee)
    clones = [s for _, s in log if isinstance(s, ptpoll.CloneStop)]
    assert len(clones) == 1
    thread_tid = clones[0].new_tid
    execs = [s for _, s in log if isinstance(s, ptpoll.ExecStop)]
    assert execs == [ptpoll.ExecStop(tracee.tid, thread_tid)]
    # The old thread's Tracee says where it went instead of a bare ESRCH.
    old = next(t for t, s in log if t.tid == thread_tid)
    assert not old.alive
    with pytest.raises(ptpoll.TraceeGoneError, match=f"became tid {tracee.tid}"):
        old.cont()
    # The new program is the test tracee with no command: it exits 64.
    assert log[-1][1] == ptpoll.Exited(tracee.tid, 64)


def test_zombie_leader_is_reported_after_its_threads(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "zombie-leader"], options=FOLLOW)
    log = drive(tracer, tracee)
    exits = {t.tid: s for t, s in log if not s.alive}
    # The leader can be reaped only after its thread; the two statuses sit
    # in two watches, and the order between tracees is not part of the
    # contract (only the order within one tracee is).
    thread = next(s.new_tid for _, s in log if isinstance(s, ptpoll.CloneStop))
    assert exits == {
        tracee.tid: ptpoll.Exited(tracee.tid, 5),
        thread: ptpoll.Exited(thread, 5),
    }


def test_exit_event_stop(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "9"], options=Options.TRACEEXIT)
    log = drive(tracer, tracee)
    assert log[0][1] == ptpoll.ExitEventStop(tracee.tid, 9 << 8)
    assert log[0][1].exit_code == 9
    assert log[-1][1] == ptpoll.Exited(tracee.tid, 9)


def test_seccomp_stop_carries_the_filter_data(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "seccomp"], options=Options.TRACESECCOMP)
    log = drive(tracer, tracee)
    seccomp = [s for _, s in log if isinstance(s, ptpoll.SeccompStop)]
    assert len(seccomp) == 1
    assert seccomp[0].data == 42
    assert seccomp[0].info is not None
    assert seccomp[0].info.op == ptpoll.SyscallOp.SECCOMP
    assert seccomp[0].info.nr == SYS_GETPPID
    assert log[-1][1] == ptpoll.Exited(tracee.tid, 0)


def test_syscall_stops_with_and_without_syscall_info(waiter, tracee_bin):
    with ptpoll.Tracer(waiter=waiter, syscall_info=False) as tracer:
        tracee = tracer.spawn([tracee_bin, "syscalls", "3"])
        log = drive(tracer, tracee, resume="syscall")
        stops = [s for _, s in log if isinstance(s, ptpoll.SyscallStop)]
        assert stops
        assert all(s.info is None and s.entry is None for s in stops)


def test_a_tracee_that_waits_for_its_own_children(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "wait-children", "5"], options=FOLLOW)
    log = drive(tracer, tracee)
    # The parent reaps each child after the tracer took the child's exit,
    # but statuses of different tracees may be reported in either order
    # (the contract orders them per tracee): look each end up by tid.
    ends = {stop.tid: stop for _, stop in log if not stop.alive}
    assert ends.pop(tracee.tid) == ptpoll.Exited(tracee.tid, 0)
    assert sorted(stop.status for stop in ends.values()) == [0, 1, 2, 3, 4]
    assert len([s for _, s in log if isinstance(s, ptpoll.ForkStop)]) == 5


def test_exec_by_a_thread_while_the_leader_is_held_stopped(tracer, tracee_bin):
    """The leader sits in a ptrace-stop that was taken and not resumed
    when another thread execs: the exec stop must still be reported on the
    leader's tid (the portable waiter's leader helper is parked then)."""
    leader = tracer.spawn(
        [tracee_bin, "exec-thread", tracee_bin], options=FOLLOW | Options.TRACEEXEC
    )
    leader.cont()
    got = tracer.wait(timeout=10)
    assert got is not None and got[0] is leader
    clone = got[1]
    assert isinstance(clone, ptpoll.CloneStop)
    # Hold the leader in its clone stop; let only the new thread run.
    while True:
        got = tracer.wait(timeout=10)
        assert got is not None, "the exec stop was never reported"
        tracee, stop = got
        if isinstance(stop, ptpoll.ExecStop):
            break
        assert tracee.tid == clone.new_tid, stop
        if stop.alive:
            tracee.cont(stop.signal if isinstance(stop, ptpoll.SignalStop) else 0)
    assert tracee is leader
    assert stop == ptpoll.ExecStop(leader.tid, clone.new_tid)
    leader.cont()
    assert leader.wait(timeout=10) == ptpoll.Exited(leader.tid, 64)
