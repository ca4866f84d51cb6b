"""The memory, process and signal decoders of ``ptpoll trace`` against
strace 6.1, on tests/programs/trace_process.c, and `siginfo_text` alone."""

from __future__ import annotations

import re
import signal
import struct

import pytest

from ptpoll.stops import SigInfo
from ptpoll.tools.trace.decoders import memory, process, signals
from ptpoll.tools.trace.decoders.base import Call, Ctx
from tests.trace_compare import Runs, build, decoded, needs_strace, normalize, run_both

NAMES = set(memory.SIGNATURES) | set(process.SIGNATURES)
# Made by a child that is killed while it blocks: whether the call was
# entered before the signal came is timing, so neither tracer can promise it.
RACY = {"pause"}


def _masked(line: str) -> str:
    """Hide what differs between any two runs of the program: clock
    readings, random bytes, and the tracer's own pid seen by getppid."""
    line = re.sub(r"tv_(n?sec|usec)=\d+", r"tv_\1=N", line)
    line = re.sub(r'getrandom\("[^"]*"', 'getrandom("R"', line)
    # A new thread that already exited has its tid cleared by the kernel
    # (CLONE_CHILD_CLEARTID, the same word as parent_tid) before its
    # parent's clone3 returns to the tracer: 0 or the tid, by timing.
    line = re.sub(r"=> \{parent_tid=\[\d+\]\}", "=> {parent_tid=[T]}", line)
    return re.sub(r"getppid\(\) = \d+", "getppid() = PID", line)


def _join_wait(line: str) -> bool:
    """pthread_join waits on the thread's tid only if the thread still runs."""
    return bool(
        re.search(
            r"futex\(0xADDR, FUTEX_WAIT_BITSET\|FUTEX_CLOCK_REALTIME, \d{2,}", line
        )
    )


def _compare(runs: Runs, names: set[str]) -> None:
    mine, theirs = decoded(runs, names - RACY)
    mine = [_masked(x) for x in mine if not _join_wait(x)]
    theirs = [_masked(x) for x in theirs if not _join_wait(x)]
    assert mine == theirs


@pytest.fixture(scope="module")
def runs() -> Runs:
    return run_both([build("trace_process")], ["-f"])


@needs_strace
def test_memory_calls_match_strace(runs: Runs) -> None:
    _compare(runs, set(memory.SIGNATURES))


@needs_strace
def test_process_and_signal_calls_match_strace(runs: Runs) -> None:
    _compare(runs, set(process.SIGNATURES))


@needs_strace
def test_threads_and_children_are_all_decoded(runs: Runs) -> None:
    seen = {line.syscall for line in runs.ours}
    assert {"clone3", "clone", "vfork", "wait4", "waitid", "execve"} <= seen
    assert len(runs.by_pid("ours")) == len(runs.by_pid("strace"))


def _signal_lines(runs: Runs, which: str) -> list[str]:
    pids = runs.pids if which == "ours" else None
    out = []
    for line in getattr(runs, which):
        if line.text.startswith("--- "):
            pid = line.pid if pids is None else pids.get(line.pid, -line.pid)
            # CPU ticks of a child depend on the load of the machine.
            text = re.sub(
                r"si_([us])time=\d+(?: /\* [\d.]+ s \*/)?", r"si_\1time=N", line.text
            )
            out.append(f"{pid} {normalize(text, pids)}")
    # In order per process; across processes the order is the scheduler's.
    return sorted(out, key=lambda x: int(x.split()[0]))


@needs_strace
def test_signal_lines_match_strace(runs: Runs) -> None:
    # crafted siginfo of every family, SIGCHLD of each child, and the real
    # faults: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGALRM, SIGIO
    ours, theirs = _signal_lines(runs, "ours"), _signal_lines(runs, "strace")
    assert any("SEGV_MAPERR, si_addr=NULL" in x for x in theirs)
    assert any("si_code=CLD_EXITED" in x for x in theirs)
    assert ours == theirs


@needs_strace
def test_verbose_and_short_strings_match_strace() -> None:
    runs = run_both([build("trace_process")], ["-f", "-v", "-s", "8"])
    # -v decodes seccomp filters as BPF programs, which we do not
    _compare(runs, NAMES - {"prctl"})


# -- without a tracer ---------------------------------------------------------


def _info(signo: int, code: int, *words: int, errno: int = 0) -> SigInfo:
    raw = bytearray(128)
    struct.pack_into("<iii", raw, 0, signo, errno, code)
    struct.pack_into(f"<{len(words)}q", raw, 16, *words)
    return SigInfo.from_bytes(bytes(raw))


def _pair(lo: int, hi: int) -> int:
    return struct.unpack("<q", struct.pack("<iI", lo, hi))[0]


@pytest.mark.parametrize(
    ("info", "text"),
    [
        (
            SigInfo.build(signal.SIGUSR1, 0, pid=12, uid=0),
            "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=12, si_uid=0}",
        ),
        (
            _info(signal.SIGCHLD, 1, _pair(1234, 1000), 3, 4, 5),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=1000, "
            "si_status=3, si_utime=4 /* 0.04 s */, si_stime=5 /* 0.05 s */}",
        ),
        (
            _info(signal.SIGCHLD, 2, _pair(7, 0), 9),
            "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=7, si_uid=0, "
            "si_status=SIGKILL, si_utime=0, si_stime=0}",
        ),
        (
            _info(signal.SIGSEGV, 1, 0),
            "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}",
        ),
        (
            _info(signal.SIGBUS, 4, 0x1000, 12),
            "{si_signo=SIGBUS, si_code=BUS_MCEERR_AR, si_addr=0x1000, si_addr_lsb=12}",
        ),
        (
            _info(signal.SIGSYS, 1, 0x401000, _pair(39, 0xC000003E), errno=7),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_errno=E2BIG, "
            "si_call_addr=0x401000, si_syscall=__NR_getpid, si_arch=AUDIT_ARCH_X86_64}",
        ),
        (
            _info(34, -1, _pair(1, 2), 42),
            "{si_signo=SIGRT_2, si_code=SI_QUEUE, si_pid=1, si_uid=2, "
            "si_int=42, si_ptr=0x2a}",
        ),
        (
            _info(signal.SIGALRM, -2, _pair(3, 2), 0),
            "{si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0x3, si_overrun=2, "
            "si_int=0, si_ptr=NULL}",
        ),
        (
            _info(signal.SIGIO, 1, 65, 3),
            "{si_signo=SIGIO, si_code=POLL_IN, si_band=65, si_fd=3}",
        ),
        (
            _info(signal.SIGTRAP, 0x80, 0),
            "{si_signo=SIGTRAP, si_code=SI_KERNEL, si_addr=NULL}",
        ),
        (_info(0, 0), "{}"),
    ],
)
def test_siginfo_text(info: SigInfo, text: str) -> None:
    assert signals.siginfo_text(info) == text


def test_signal_names_follow_the_kernel_numbering() -> None:
    assert signals.signal_name(32) == "SIGRTMIN"
    assert signals.signal_name(33) == "SIGRT_1"
    assert signals.signal_name(64) == "SIGRT_32"
    assert signals.signal_name(65) == "65"
    assert signals.signal_name(6) == "SIGABRT"
    assert signals.signal_name(29) == "SIGIO"


def test_sigset_is_complemented_from_two_thirds_full() -> None:
    assert signals.sigset_text(((1 << 41) - 1).to_bytes(8, "little")).startswith("[")
    assert signals.sigset_text(((1 << 42) - 1).to_bytes(8, "little")).startswith("~[")
    assert signals.sigset_text(b"\xff" * 8) == "~[]"
    assert signals.sigset_text(bytes(8)) == "[]"


class _Memory:
    """A tracee whose memory is one page at 0x10000; the rest is unmapped."""

    tid = pid = 1

    def __init__(self, data: bytes) -> None:
        self.data = data.ljust(4096, b"\0")

    def read_memory(self, addr: int, size: int) -> bytes:
        off = addr - 0x10000
        if off < 0 or off + size > len(self.data):
            raise OSError(14, "Bad address")
        return self.data[off : off + size]

    def read_string(self, addr: int, limit: int = 4096) -> bytes:
        chunk = self.read_memory(addr, 1)
        off = addr - 0x10000
        end = self.data.find(b"\0", off, off + limit)
        return chunk[:0] + self.data[off : end if end >= 0 else off + limit]


def test_unreadable_arguments_print_as_addresses() -> None:
    ctx = Ctx()
    call = Call(_Memory(b""), 14, "rt_sigprocmask", (0, 0x999000, 0x998000, 8, 0, 0))
    sig = process.SIGNATURES["rt_sigprocmask"]
    assert sig.args[1].fn(ctx, call, 1) == "0x999000"
    call.rval = 0
    assert sig.args[2].fn(ctx, call, 2) == "0x998000"


def test_argv_beyond_the_string_limit_ends_with_dots() -> None:
    strings = b"".join(b"%d\0" % n for n in range(40))
    offsets = [
        0x10000 + 400 + i for i in range(len(strings)) if i == 0 or strings[i - 1] == 0
    ]
    table = b"".join(struct.pack("<Q", o) for o in offsets) + bytes(8)
    mem = _Memory(table.ljust(400, b"\0") + strings)
    call = Call(mem, 59, "execve", (0, 0x10000, 0, 0, 0, 0))
    text = process.a_argv(Ctx(strsize=4), call, 1)
    assert text == '["0", "1", "2", "3", ...]'
