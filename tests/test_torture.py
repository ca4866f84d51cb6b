"""Nothing lost, nothing left stopped: load and faults on every waiter.

Sizes: CI's default run is small; ``PTPOLL_TORTURE=full`` runs the
documented size (see docs/reliability.md). Every wait has a timeout that
fails the test instead of hanging it.
"""

from __future__ import annotations

import collections
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

import ptpoll
from ptpoll import Options

FULL = os.environ.get("PTPOLL_TORTURE") == "full"
FOLLOW = Options.TRACEFORK | Options.TRACEVFORK | Options.TRACECLONE
# threads per round, rounds, forks per round
STORM = (500, 20, 50) if FULL else (40, 3, 8)
KILL_SEEDS = range(40) if FULL else range(6)
TIMEOUT = 30


def traced_by_us() -> list[int]:
    """Every thread on the machine whose tracer is this process."""
    me = str(os.getpid()).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            tasks = os.listdir(f"/proc/{name}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{name}/task/{tid}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"TracerPid:"):
                            if line.split()[1] == me:
                                found.append(int(tid))
                            break
            except OSError:
                continue
    return found


def kill_leftovers() -> None:
    for tid in traced_by_us():
        try:
            os.kill(tid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Books:
    """What a tracer saw: creations and terminations per tid."""

    def __init__(self, first: int) -> None:
        self.created: collections.Counter[int] = collections.Counter({first: 1})
        self.ended: collections.Counter[int] = collections.Counter()
        self.clones = 0
        self.forks = 0
        self.stops = 0

    def record(self, tracee: ptpoll.Tracee, stop: ptpoll.Stop) -> None:
        self.stops += 1
        if isinstance(stop, ptpoll.CloneStop):
            self.clones += 1
            self.created[stop.new_tid] += 1
        elif isinstance(stop, (ptpoll.ForkStop, ptpoll.VforkStop)):
            self.forks += 1
            self.created[stop.new_pid] += 1
        if not stop.alive:
            self.ended[tracee.tid] += 1

    def check_balanced(self) -> int:
        # A tid can be reused once its thread is reaped, so count: every
        # creation ends exactly once. A parent killed in its event stop
        # leaves either an event whose new tid could not be read (-1), or
        # no event at all: ptpoll adopts such orphans, which then end once.
        unnamed = self.created.pop(-1, 0)
        named_ends = Counter({t: n for t, n in self.ended.items() if t in self.created})
        assert named_ends == self.created, (
            f"created but not ended: {self.created - named_ends}"
        )
        orphans = self.ended - named_ends
        assert all(n == 1 for n in orphans.values()), f"ended twice: {orphans}"
        assert len(orphans) >= unnamed, f"{unnamed} unnamed, {orphans} adopted"
        return len(orphans)


def drive(tracer: ptpoll.Tracer, books: Books, kill_at: int | None, pid: int) -> None:
    while tracer.tracees:
        got = tracer.wait(timeout=TIMEOUT)
        assert got is not None, f"hang: {tracer.tracees} never reported"
        tracee, stop = got
        books.record(tracee, stop)
        if kill_at is not None and books.stops == kill_at:
            os.kill(pid, signal.SIGKILL)
        if stop.alive:
            sig = stop.signal if isinstance(stop, ptpoll.SignalStop) else 0
            try:
                tracee.syscall(sig)
            except ProcessLookupError:
                pass  # killed meanwhile: its death is reported next


def test_storm_of_threads_and_forks_loses_no_event(waiter, tracee_bin):
    threads, rounds, forks = STORM
    try:
        with ptpoll.Tracer(waiter=waiter, syscall_info=False) as tracer:
            first = tracer.spawn(
                [tracee_bin, "storm", str(threads), str(rounds), str(forks)],
                options=FOLLOW, stdout=subprocess.PIPE,
            )  # fmt: skip
            books = Books(first.tid)
            first.syscall()
            drive(tracer, books, None, first.pid)
            assert first.process.stdout is not None
            report = first.process.stdout.read().decode()
            first.process.stdout.close()
        made = re.search(r"threads (\d+) forks (\d+)", report)
        assert made, report
        assert books.clones == int(made.group(1))
        assert books.forks == int(made.group(2))
        books.check_balanced()
        print(f"storm: {books.stops} stops, {books.clones} clones, {books.forks} forks")
        assert traced_by_us() == []
    finally:
        kill_leftovers()


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_sigkill_at_a_random_stop_loses_nothing(waiter, tracee_bin, seed):
    threads, rounds, forks = 20, 2, 6
    rng = random.Random(seed)
    kill_at = rng.randrange(1, 400)
    try:
        with ptpoll.Tracer(waiter=waiter, syscall_info=False) as tracer:
            first = tracer.spawn(
                [tracee_bin, "storm", str(threads), str(rounds), str(forks)],
                options=FOLLOW, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            books = Books(first.tid)
            first.syscall()
            drive(tracer, books, kill_at, first.pid)
            # The forked children outlive their killed parent: they are
            # tracees too, and ran to their end above.
        adopted = books.check_balanced()
        print(f"kill at stop {kill_at}: {books.stops} stops, {adopted} adopted")
        assert traced_by_us() == []
    finally:
        kill_leftovers()


def _tracer_process_script(waiter: str, tracee_bin: str) -> str:
    return (
        "import subprocess, sys, time, ptpoll\n"
        f"t = ptpoll.Tracer(waiter={waiter!r})\n"
        f"spawned = t.spawn([{tracee_bin!r}, 'sleep'], stdout=subprocess.DEVNULL)\n"
        "spawned.cont()\n"
        f"other = subprocess.Popen([{tracee_bin!r}, 'sleep'],"
        " stdout=subprocess.DEVNULL, start_new_session=True)\n"
        "seized = t.seize(other.pid)\n"
        "print(spawned.pid, other.pid, flush=True)\n"
        "time.sleep(60)\n"
    )


def test_tracer_killed_spawned_die_attached_run_on(waiter, tracee_bin):
    """PTRACE_O_EXITKILL (spawn's default) kills spawned tracees with their
    tracer; a seized process is detached by the kernel and runs on."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _tracer_process_script(waiter, tracee_bin)],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert proc.stdout is not None
    spawned, other = (int(x) for x in proc.stdout.readline().split())
    proc.kill()
    proc.wait(TIMEOUT)
    proc.stdout.close()
    try:
        # No event to wait on: the spawned process was the dead tracer's
        # child, not ours. Watch /proc; gone within seconds is right.
        deadline = time.monotonic() + TIMEOUT
        while os.path.exists(f"/proc/{spawned}") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not os.path.exists(f"/proc/{spawned}")
        with open(f"/proc/{other}/status") as f:
            status = f.read()
        assert re.search(r"TracerPid:\s+0\n", status)
        assert re.search(r"State:\s+[SR]", status)
    finally:
        os.kill(other, signal.SIGKILL)


def test_coexistence_with_subprocess_and_asyncio_children(waiter, tracee_bin):
    """While the tracer works, the program runs children of its own from
    several threads, from the tracer thread itself, and through asyncio;
    each gets its own exit status, and the tracees all theirs."""
    import asyncio
    import threading

    stop_workers = threading.Event()
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def worker(code: int) -> None:
        while not stop_workers.is_set():
            got = subprocess.run([tracee_bin, "exit", str(code)]).returncode
            with lock:
                results.append((code, got))

    async def async_children() -> list[int]:
        codes = []
        for code in (21, 22, 23):
            proc = await asyncio.create_subprocess_exec(tracee_bin, "exit", str(code))
            codes.append(await proc.wait())
        return codes

    async_codes: list[list[int]] = []
    workers = [threading.Thread(target=worker, args=(c,)) for c in (11, 12, 13)]
    workers.append(
        threading.Thread(
            target=lambda: async_codes.append(asyncio.run(async_children()))
        )
    )
    for w in workers:
        w.start()
    try:
        with ptpoll.Tracer(waiter=waiter, syscall_info=False) as tracer:
            first = tracer.spawn(
                [tracee_bin, "storm", "10", "3", "4"],
                options=FOLLOW, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            books = Books(first.tid)
            first.syscall()
            mine = []
            while tracer.tracees:
                got = tracer.wait(timeout=TIMEOUT)
                assert got is not None
                tracee, stop = got
                books.record(tracee, stop)
                if books.stops % 500 == 0:  # children of the tracer thread
                    mine.append(subprocess.run([tracee_bin, "exit", "7"]).returncode)
                if stop.alive:
                    tracee.syscall(
                        stop.signal if isinstance(stop, ptpoll.SignalStop) else 0
                    )
        books.check_balanced()
        assert mine and all(code == 7 for code in mine)
    finally:
        stop_workers.set()
        for w in workers:
            w.join()
        kill_leftovers()
    assert results and all(code == got for code, got in results)
    # asyncio's child watcher waits by pid, from its own thread.
    assert async_codes == [[21, 22, 23]]


def test_leaders_own_lost_clone_event_is_recovered(waiter, tracee_bin):
    """The leader is killed in its clone-event stop before the event is
    decoded: the new thread is attached but unnamed, and, as a zombie,
    keeps the leader from being reaped. No other thread's death prompts a
    search, so a long wait must find it by itself (within a second or so)."""
    import select

    try:
        with ptpoll.Tracer(waiter=waiter) as tracer:
            leader = tracer.spawn([tracee_bin, "threads", "1"], options=FOLLOW)
            leader.cont()
            poller = select.poll()
            poller.register(leader.fileno(), select.POLLIN)
            assert poller.poll(TIMEOUT * 1000)  # the clone event, not yet taken
            os.kill(leader.pid, signal.SIGKILL)
            seen: list[ptpoll.Stop] = []
            started = time.monotonic()
            while tracer.tracees:
                got = tracer.wait(timeout=TIMEOUT)
                assert got is not None, f"hang; seen {seen}"
                seen.append(got[1])
            if waiter == "native":
                # The native waiter leaves a stop in the kernel until it is
                # taken, and SIGKILL withdraws an untaken stop (the kernel
                # does so for any waitpid tracer; docs/kernel.md): the clone
                # event is gone, and the new thread must be found all the
                # same.
                assert not any(isinstance(s, ptpoll.CloneStop) for s in seen[1:])
            else:
                # The other waiters consumed the status before the kill.
                assert isinstance(seen[0], ptpoll.CloneStop)
            deaths = {s.tid: s for s in seen if not s.alive}
            assert deaths.pop(leader.tid) == ptpoll.Killed(leader.tid, signal.SIGKILL)
            # The thread: adopted, or named by the event if it could be read.
            assert [type(s) for s in deaths.values()] == [ptpoll.Killed]
            assert time.monotonic() - started < TIMEOUT
        assert traced_by_us() == []
    finally:
        kill_leftovers()
