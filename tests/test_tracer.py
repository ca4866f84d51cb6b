"""The Tracer and Tracee API: attaching, requests, close, threads, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import ptpoll
from ptpoll import Options
from tests.helpers import proc_state


def start_sleeper(tracee_bin: str, cmd: str = "sleep") -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([tracee_bin, cmd], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    return proc


def finish(proc: subprocess.Popen[bytes]) -> int:
    proc.kill()
    code = proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()
    return code


# -- seize, attach, detach -------------------------------------------------


def test_seize_and_detach_leave_the_process_running(tracer, tracee_bin):
    proc = start_sleeper(tracee_bin, "tick")
    try:
        tracee = tracer.seize(proc.pid)
        assert proc_state(proc.pid)[1] == os.getpid()
        tracee.interrupt()
        stop = tracee.wait(timeout=10)
        assert stop is not None and stop.alive
        tracee.detach()
        assert not tracee.alive
        assert proc_state(proc.pid)[1] == 0
        assert proc.poll() is None
        with pytest.raises(ptpoll.TraceeGoneError, match="was detached"):
            tracee.cont()
    finally:
        finish(proc)


def test_seize_all_threads(tracer, tracee_bin, tmp_path):
    code = (
        "import threading, sys, time\n"
        "ev = threading.Event()\n"
        "ts = [threading.Thread(target=ev.wait) for _ in range(3)]\n"
        "[t.start() for t in ts]\n"
        "print('ready', flush=True)\n"
        "ev.wait()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        leader = tracer.seize(proc.pid)
        tids = set(int(t) for t in os.listdir(f"/proc/{proc.pid}/task"))
        assert set(leader.process.threads) == tids
        assert len(tids) == 4
        assert leader is tracer.tracee(proc.pid)
    finally:
        tracer.close()
        finish(proc)
    # close() detached every thread and left the process running.
    assert all(proc_state(t)[1] == 0 for t in tids if os.path.exists(f"/proc/{t}"))


def test_attach_reports_sigstop_then_runs(tracer, tracee_bin):
    proc = start_sleeper(tracee_bin, "tick")
    try:
        tracee = tracer.attach(proc.pid, all_threads=False)
        stop = tracee.wait(timeout=10)
        assert isinstance(stop, ptpoll.SignalStop)
        assert stop.signal == signal.SIGSTOP
        tracee.set_options(Options.TRACEEXIT)
        tracee.syscall(0)
        stop = tracee.wait(timeout=10)
        assert isinstance(stop, ptpoll.SyscallStop)
    finally:
        tracer.close()
        assert proc_state(proc.pid) in (("S", 0), ("R", 0))
        finish(proc)


def test_detach_reinjects_a_pending_signal_on_close(waiter, tracee_bin):
    proc = subprocess.Popen(
        [tracee_bin, "sleep"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    try:
        with ptpoll.Tracer(waiter=waiter) as tracer:
            tracee = tracer.seize(proc.pid)
            os.kill(proc.pid, signal.SIGTERM)
            stop = tracee.wait(timeout=10)
            assert isinstance(stop, ptpoll.SignalStop)
            assert stop.signal == signal.SIGTERM
            # Leave it in the signal-delivery-stop: close() must deliver it.
        assert proc.wait(timeout=10) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            finish(proc)
        proc.stdout.close()


def test_close_kills_spawned_and_detaches_seized(waiter, tracee_bin):
    proc = start_sleeper(tracee_bin, "tick")
    try:
        with ptpoll.Tracer(waiter=waiter) as tracer:
            spawned = tracer.spawn([tracee_bin, "tick"], stdout=subprocess.DEVNULL)
            spawned.syscall()
            assert spawned.wait(timeout=10) is not None  # left in a syscall-stop
            seized = tracer.seize(proc.pid)
            seized.interrupt()
            assert isinstance(seized.wait(timeout=10), ptpoll.InterruptStop)
            # Resumed to its next syscall-stop, which close() must handle
            # whether or not it has happened yet.
            seized.syscall()
            spawned_pid = spawned.pid
        assert not os.path.exists(f"/proc/{spawned_pid}")  # killed and reaped
        assert not seized.alive
        state, tracer_pid = proc_state(proc.pid)
        assert tracer_pid == 0 and state in "SR"
        assert proc.poll() is None
    finally:
        finish(proc)


def test_close_leaves_group_stopped_process_stopped_but_untraced(waiter, tracee_bin):
    proc = start_sleeper(tracee_bin, "sleep")
    try:
        with ptpoll.Tracer(waiter=waiter) as tracer:
            tracee = tracer.seize(proc.pid)
            os.kill(proc.pid, signal.SIGSTOP)
            stop = tracee.wait(timeout=10)
            assert isinstance(stop, ptpoll.SignalStop)
            tracee.cont(stop.signal)
            assert tracee.wait(timeout=10) == ptpoll.GroupStop(proc.pid, signal.SIGSTOP)
        # The detached thread is woken and re-enters the group-stop by
        # itself, a moment later. No event marks that moment (the parent was
        # told of the group-stop already), so watch /proc for it: "T" within
        # seconds is right, staying "R" or "S" is a bug.
        deadline = time.monotonic() + 10
        while proc_state(proc.pid)[0] != "T" and time.monotonic() < deadline:
            time.sleep(0.001)
        assert proc_state(proc.pid) == ("T", 0)
        os.kill(proc.pid, signal.SIGCONT)
    finally:
        finish(proc)


def test_spawn_on_close_detach_keeps_the_program(waiter, tracee_bin):
    with ptpoll.Tracer(waiter=waiter) as tracer:
        tracee = tracer.spawn(
            [tracee_bin, "sleep"], stdout=subprocess.PIPE, on_close="detach"
        )
        tracee.cont()
        assert tracee.process.stdout is not None
        assert tracee.process.stdout.readline() == b"ready\n"
        tracee.process.stdout.close()
        pid = tracee.pid
    assert proc_state(pid)[1] == 0
    os.kill(pid, signal.SIGKILL)
    assert os.waitpid(pid, 0)[1] == signal.SIGKILL


def test_close_is_idempotent_and_closed_tracer_refuses(waiter, tracee_bin):
    tracer = ptpoll.Tracer(waiter=waiter)
    tracer.close()
    tracer.close()
    assert tracer.closed
    with pytest.raises(ptpoll.TracerClosedError, match="cannot spawn"):
        tracer.spawn([tracee_bin, "exit", "0"])
    with pytest.raises(ptpoll.TracerClosedError, match="cannot wait"):
        tracer.wait(block=False)


# -- requests --------------------------------------------------------------


def test_registers_and_memory(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "syscalls", "1"])
    tracee.syscall()
    stop = tracee.wait(timeout=10)
    assert isinstance(stop, ptpoll.SyscallStop) and stop.info is not None
    regs = tracee.get_regs()
    assert regs.rip == stop.info.instruction_pointer
    assert regs["rsp"] == stop.info.stack_pointer
    # The stack is mapped: write, read back, restore.
    addr = regs.rsp - 256
    old = tracee.read_memory(addr, 16)
    tracee.write_memory(addr, b"ptpoll-test-data")
    assert tracee.read_memory(addr, 16) == b"ptpoll-test-data"
    tracee.write_memory(addr, old)
    # Text is read-only for the process, writable for its tracer.
    text = tracee.read_memory(regs.rip, 2)
    tracee.write_memory(regs.rip, text)
    assert tracee.read_memory(regs.rip, 2) == text
    # Registers can be changed and read back.
    regs.r12 = 0x1234
    tracee.set_regs(regs)
    assert tracee.get_regs().r12 == 0x1234
    with pytest.raises(OSError) as info:
        tracee.read_memory(0, 8)
    assert info.value.errno in (5, 14)
    tracee.kill()
    assert tracee.wait(timeout=10) == ptpoll.Killed(tracee.tid, signal.SIGKILL)


def test_read_string_stops_at_nul(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "0"])
    # argv[1] of the exec'd program, through the initial stack at exec.
    regs = tracee.get_regs()
    argc = int.from_bytes(tracee.read_memory(regs.rsp, 8), "little")
    assert argc == 3
    argv1 = int.from_bytes(tracee.read_memory(regs.rsp + 16, 8), "little")
    assert tracee.read_string(argv1) == b"exit"
    assert tracee.read_string(argv1, limit=2) == b"ex"


def test_requests_on_a_running_tracee_say_so(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "sleep"], stdout=subprocess.DEVNULL)
    tracee.cont()
    with pytest.raises(ProcessLookupError, match="is running"):
        tracee.get_regs()
    with pytest.raises(ProcessLookupError, match="is running"):
        tracee.cont()


def test_siginfo_can_be_changed(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "signal", str(int(signal.SIGUSR1))],
                          stdout=subprocess.DEVNULL)  # fmt: skip
    tracee.cont()
    stop = tracee.wait(timeout=10)
    assert isinstance(stop, ptpoll.SignalStop)
    info = ptpoll.SigInfo.build(signal.SIGUSR1, code=-6, pid=4242, uid=7)
    tracee.set_siginfo(info)
    got = tracee.get_siginfo()
    assert (got.signo, got.code, got.pid, got.uid) == (signal.SIGUSR1, -6, 4242, 7)
    tracee.kill()
    tracee.wait(timeout=10)


# -- threads -----------------------------------------------------------------


def test_requests_from_another_thread_name_both_threads(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "0"])
    errors: list[BaseException] = []

    def intruder() -> None:
        for call in (tracee.cont, tracee.get_regs, tracee.wait, tracer.wait,
                     lambda: tracer.spawn(["true"]), tracer.close):  # fmt: skip
            try:
                call()
            except ptpoll.WrongThreadError as exc:
                errors.append(exc)

    thread = threading.Thread(target=intruder, name="intruder")
    thread.start()
    thread.join()
    assert len(errors) == 6
    text = str(errors[0])
    assert "'intruder'" in text and repr(threading.current_thread().name) in text
    assert str(threading.get_native_id()) in text
    assert "PTRACE_CONT" in text and str(tracee.tid) in text
    tracee.cont()
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)


def test_tracer_in_a_second_thread_sees_only_its_tracees(waiter, tracee_bin):
    results: dict[str, object] = {}

    def other_tracer() -> None:
        with ptpoll.Tracer(waiter=waiter) as t2:
            tracee = t2.spawn([tracee_bin, "exit", "5"])
            tracee.cont()
            results["other"] = tracee.wait(timeout=10)

    with ptpoll.Tracer(waiter=waiter) as tracer:
        mine = tracer.spawn([tracee_bin, "exit", "6"])
        thread = threading.Thread(target=other_tracer)
        thread.start()
        thread.join()
        mine.cont()
        assert mine.wait(timeout=10) == ptpoll.Exited(mine.tid, 6)
    other = results["other"]
    assert isinstance(other, ptpoll.Exited) and other.status == 5


# -- coexistence -------------------------------------------------------------


def test_subprocess_children_keep_their_statuses(tracer, tracee_bin):
    """Children of the program itself, made in the tracer thread and in
    others, are never reaped by ptpoll while it waits for its tracees."""
    tracee = tracer.spawn([tracee_bin, "syscalls", "2000"])
    results: list[int] = []

    def worker(code: int) -> None:
        for _ in range(5):
            results.append(subprocess.run([tracee_bin, "exit", str(code)]).returncode)

    workers = [threading.Thread(target=worker, args=(c,)) for c in (3, 4)]
    for w in workers:
        w.start()
    mine = subprocess.Popen([tracee_bin, "exit", "11"])
    tracee.syscall()
    while tracee.alive:
        stop = tracee.wait(timeout=10)
        assert stop is not None
        if stop.alive:
            tracee.syscall()
    for w in workers:
        w.join()
    assert mine.wait(timeout=10) == 11
    assert sorted(results) == [3] * 5 + [4] * 5
    assert stop == ptpoll.Exited(tracee.tid, 0)


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pid", "error", "match"),
    [
        (0, ValueError, "positive process id"),
        (-5, ValueError, "positive process id"),
        ("12", TypeError, "pid must be an int"),
        (True, TypeError, "pid must be an int"),
        (2**22 + 1234, ProcessLookupError, "no process or thread"),
    ],
)
def test_seize_rejects_bad_pids(tracer, pid, error, match):
    with pytest.raises(error, match=match):
        tracer.seize(pid)


def test_seize_ourselves_is_refused(tracer):
    with pytest.raises(PermissionError, match="tracer's own process"):
        tracer.seize(os.getpid())


def test_seize_a_process_already_traced(tracer, waiter, tracee_bin):
    proc = start_sleeper(tracee_bin)
    try:
        tracer.seize(proc.pid)
        errors: list[BaseException] = []

        def second() -> None:
            with ptpoll.Tracer(waiter=waiter) as t2:
                try:
                    t2.seize(proc.pid)
                except PermissionError as exc:
                    errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
        assert len(errors) == 1
        assert f"already traced by pid {os.getpid()}" in str(errors[0])
        with pytest.raises(ValueError, match="already traced by this tracer"):
            tracer.seize(proc.pid)
    finally:
        tracer.close()
        finish(proc)


def test_seize_without_permission(tracee_bin, waiter):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the tracer as another user")
    proc = start_sleeper(tracee_bin)
    code = (
        "import os, ptpoll\n"
        "os.setgid(65534); os.setuid(65534)\n"
        f"t = ptpoll.Tracer(waiter={waiter!r})\n"
        f"try:\n    t.seize({proc.pid})\n"
        "except PermissionError as e:\n    print(e)\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        assert "not permitted to trace pid" in out.stdout, out.stderr
    finally:
        finish(proc)


def test_spawn_errors_are_raised_in_the_caller(tracer, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        tracer.spawn(["ptpoll-no-such-program"])
    assert info.value.filename == "ptpoll-no-such-program"
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(PermissionError):
        tracer.spawn([str(script)])
    with pytest.raises(FileNotFoundError) as info:
        tracer.spawn(["/bin/true"], cwd=tmp_path / "missing")
    assert info.value.filename == tmp_path / "missing"
    with pytest.raises(ValueError, match="empty"):
        tracer.spawn([])
    with pytest.raises(TypeError, match="sequence of arguments"):
        tracer.spawn("/bin/true")
    with pytest.raises(ValueError, match="unknown ptrace option bits"):
        tracer.spawn(["/bin/true"], options=1 << 30)
    with pytest.raises(ValueError, match="on_close must be"):
        tracer.spawn(["/bin/true"], on_close="explode")
    assert tracer.tracees == []


def test_bad_arguments_to_requests(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "0"])
    with pytest.raises(ValueError, match="signal number below"):
        tracee.cont(-1)
    with pytest.raises(ValueError, match="signal number below"):
        tracee.cont(1000)
    with pytest.raises(TypeError, match="signal must be an int"):
        tracee.cont("SIGTERM")
    with pytest.raises(ValueError, match="address must be"):
        tracee.read_memory(-1, 4)
    with pytest.raises(ValueError, match="size must be"):
        tracee.read_memory(0x1000, -4)
    with pytest.raises(TypeError, match="set_regs takes Registers"):
        tracee.set_regs((1, 2, 3))
    with pytest.raises(AttributeError, match="no register named 'xyz'"):
        tracee.get_regs().xyz  # noqa: B018
    with pytest.raises(ValueError, match="PTRACE_LISTEN"):
        tracee.seized = False
        tracee.listen()
    tracee.seized = True
    # The tracee is still fine after all that.
    tracee.cont()
    assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)


def test_unknown_waiter_names_are_errors(monkeypatch):
    with pytest.raises(ValueError, match="unknown waiter 'fast'"):
        ptpoll.Tracer(waiter="fast")
    monkeypatch.setenv("PTPOLL_WAITER", "nope")
    with pytest.raises(ValueError, match=r"unknown \$PTPOLL_WAITER 'nope'"):
        ptpoll.Tracer()
    monkeypatch.setenv("PTPOLL_WAITER", "portable")
    with ptpoll.Tracer() as tracer:
        assert tracer.waiter == "portable"


def test_unavailable_io_uring_is_refused_clearly(tmp_path):
    """With io_uring_setup denied (as a seccomp profile or the sysctl would),
    forcing the io_uring waiter fails with the reason; the default falls
    back to the portable waiter, which still works."""
    code = (
        "import ctypes, ptpoll\n"
        "from ptpoll import waiters\n"
        "from ptpoll.linux import io_uring\n"
        "io_uring.NR = dict(io_uring.NR, io_uring_setup=-1)\n"  # ENOSYS
        "try:\n    ptpoll.Tracer(waiter='io_uring')\n"
        "except ptpoll.WaiterUnavailable as e:\n    print('refused:', e)\n"
        "with ptpoll.Tracer() as t:\n"
        "    print('default:', t.waiter)\n"
        "    tr = t.spawn(['/bin/true']); tr.cont(); print(tr.wait(timeout=10))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (
        "refused: the io_uring waiter cannot work here: io_uring_setup failed"
        in out.stdout
    )
    assert "default: portable" in out.stdout
    assert "Exited(" in out.stdout and "status=0" in out.stdout


def test_spawn_with_a_standard_descriptor_closed(waiter, tracee_bin, tmp_path):
    """With fd 0 closed, the spawn's own pipes get low numbers; the child
    must still wait for its tracer, and stdin must be what was given."""
    source = tmp_path / "input"
    source.write_bytes(b"hello")
    code = (
        "import os, ptpoll, subprocess\n"
        "os.close(0)\n"
        f"with ptpoll.Tracer(waiter={waiter!r}) as t,"
        f" open({str(source)!r}, 'rb') as f:\n"
        "    tr = t.spawn(['cat'], stdin=f, stdout=subprocess.PIPE)\n"
        "    print(type(tr.last_stop).__name__)\n"
        "    tr.cont()\n"
        "    print(tr.process.stdout.read().decode())\n"
        "    print(tr.wait(timeout=10))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == ["ExecStop", "hello"]


def test_spawn_failing_in_fork_exec_leaks_nothing(tracer):
    with pytest.raises(ValueError, match="embedded null byte"):
        tracer.spawn(["/bin/true", "a\0b"])
    assert tracer.tracees == []


def test_spawn_does_not_wait_for_other_childrens_pipe_ends(tracer, tracee_bin):
    """A child forked by another thread while a spawn is under way inherits
    the spawn's error pipe; the spawn must not wait for it to exit."""
    stop = threading.Event()

    def forker() -> None:
        while not stop.is_set():
            pid = os.fork()
            if pid == 0:
                time.sleep(2)
                os._exit(0)
            os.waitpid(pid, 0)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in threads
        thread = threading.Thread(target=forker)
        thread.start()
        try:
            started = time.monotonic()
            for _ in range(3):
                tracee = tracer.spawn([tracee_bin, "exit", "0"])
                tracee.cont()
                assert tracee.wait(timeout=10) == ptpoll.Exited(tracee.tid, 0)
            assert time.monotonic() - started < 2
        finally:
            stop.set()
            thread.join()


def test_detach_of_a_killed_tracee_reports_its_death(tracer, tracee_bin):
    tracee = tracer.spawn([tracee_bin, "exit", "0"])
    tracee.kill()
    # Its death may or may not have been consumed yet; either way detach
    # fails (TraceeGoneError if ptpoll already holds the death, the kernel's
    # ESRCH if not) and the death is still reported.
    with pytest.raises(ProcessLookupError):
        tracee.detach()
    got = tracer.wait(timeout=10)
    assert got == (tracee, ptpoll.Killed(tracee.tid, signal.SIGKILL))
    assert tracer.wait(block=False) is None


def test_attach_options_apply_at_the_first_stop(tracer, tracee_bin):
    proc = start_sleeper(tracee_bin, "tick")
    try:
        tracee = tracer.attach(proc.pid, Options.TRACEEXIT, all_threads=False)
        stop = tracee.wait(timeout=10)
        assert isinstance(stop, ptpoll.SignalStop) and stop.signal == signal.SIGSTOP
        assert tracee.options == Options.TRACEEXIT | Options.TRACESYSGOOD
        tracee.syscall(0)
        # TRACESYSGOOD is in force: a syscall-stop, not a SIGTRAP.
        assert isinstance(tracee.wait(timeout=10), ptpoll.SyscallStop)
    finally:
        tracer.close()
    # close() stopped it with its own SIGSTOP and suppressed it: running.
    assert proc_state(proc.pid)[0] in "SR"
    assert proc_state(proc.pid)[1] == 0
    finish(proc)


def test_close_releases_a_vfork_parent_and_child(waiter, tracee_bin):
    """The parent blocked in vfork cannot stop while the child is held in
    a ptrace-stop: close() must release the child first."""
    started = time.monotonic()
    with ptpoll.Tracer(waiter=waiter) as tracer:
        parent = tracer.spawn(
            [tracee_bin, "vfork"], options=Options.TRACEVFORK, on_close="detach"
        )
        parent.cont()
        got = tracer.wait(timeout=10)
        assert got is not None and isinstance(got[1], ptpoll.VforkStop)
        parent.cont()  # the parent waits in vfork; the child is held
        pid = parent.pid
    assert time.monotonic() - started < 4
    # Both went on untraced: the parent reaped its child and exited 0.
    assert os.waitpid(pid, 0)[1] == 0
