"""Wait statuses and ``siginfo_t`` decoded into typed, immutable records.

A record is returned by ``wait()``, never raised. Every record has ``tid``
(the thread that reported it) and ``alive``: False for the two
terminations (`Exited`, `Killed`), True for the ptrace-stops, in which the
tracee waits for its tracer to resume it.

Decoding a ptrace-stop may need ptrace requests (the event message, the
siginfo of a signal, the syscall info), so `decode` runs on the tracer
thread while the tracee is still in the stop it decodes.
"""

from __future__ import annotations

import enum
import signal as _signal
import struct
from dataclasses import dataclass
from typing import NamedTuple

from .linux import ptrace
from .linux.wait import (
    CLD_CONTINUED,
    CLD_DUMPED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    CLD_TRAPPED,
)

__all__ = [
    "CloneStop",
    "ExecStop",
    "ExitEventStop",
    "Exited",
    "ForkStop",
    "GroupStop",
    "InterruptStop",
    "Killed",
    "SeccompStop",
    "SigInfo",
    "SignalStop",
    "Stop",
    "SyscallInfo",
    "SyscallOp",
    "SyscallStop",
    "VforkDoneStop",
    "VforkStop",
    "decode",
    "signal_name",
]

_STOP_SIGNALS = frozenset(
    {_signal.SIGSTOP, _signal.SIGTSTP, _signal.SIGTTIN, _signal.SIGTTOU}
)
_SIGTRAP = int(_signal.SIGTRAP)
_SYSGOOD_TRAP = _SIGTRAP | 0x80


def signal_name(signo: int) -> str:
    """``SIGSEGV`` for 11, ``SIGRT3`` for ``SIGRTMIN + 3``, ``signal 99``
    for a number that names no signal."""
    rtmin = int(_signal.SIGRTMIN)
    if signo > rtmin and signo < int(_signal.SIGRTMAX):
        return f"SIGRT{signo - rtmin}"
    try:
        return _signal.Signals(signo).name
    except ValueError:
        return f"signal {signo}"


# -- siginfo ------------------------------------------------------------

_SIGINFO_HEAD = struct.Struct("<iii")
_SI_USER_CODES = frozenset({0, -1, -2, -3, -4, -5, -6, -60})  # SI_USER .. SI_TKILL


@dataclass(frozen=True, slots=True)
class SigInfo:
    """A ``siginfo_t``: the three common fields and the raw 128 bytes.

    The union members are properties; which one is meaningful depends on
    ``signo`` and ``code`` (see ``sigaction(2)``). A property read outside
    its case returns whatever the bytes hold, as C would.
    """

    signo: int
    errno: int
    code: int
    raw: bytes

    @classmethod
    def from_bytes(cls, raw: bytes) -> SigInfo:
        if len(raw) != 128:
            raise ValueError(f"a siginfo_t is 128 bytes, not {len(raw)}")
        signo, err, code = _SIGINFO_HEAD.unpack_from(raw, 0)
        return cls(signo, err, code, bytes(raw))

    @classmethod
    def build(
        cls,
        signo: int,
        code: int = 0,
        *,
        errno: int = 0,
        pid: int = 0,
        uid: int = 0,
    ) -> SigInfo:
        """A siginfo for ``set_siginfo`` (or ``kill``-style ``SI_USER``)."""
        raw = bytearray(128)
        _SIGINFO_HEAD.pack_into(raw, 0, signo, errno, code)
        struct.pack_into("<iI", raw, 16, pid, uid)
        return cls(signo, errno, code, bytes(raw))

    def _i32(self, off: int) -> int:
        value: int = struct.unpack_from("<i", self.raw, off)[0]
        return value

    def _u32(self, off: int) -> int:
        value: int = struct.unpack_from("<I", self.raw, off)[0]
        return value

    def _u64(self, off: int) -> int:
        value: int = struct.unpack_from("<Q", self.raw, off)[0]
        return value

    @property
    def pid(self) -> int:
        """Sender (kill, rt, SIGCHLD)."""
        return self._i32(16)

    @property
    def uid(self) -> int:
        return self._u32(20)

    @property
    def status(self) -> int:
        """SIGCHLD: exit code or signal."""
        return self._i32(24)

    @property
    def value(self) -> int:
        """rt signals and timers: ``si_value`` as an integer."""
        return self._u64(24)

    @property
    def addr(self) -> int:
        """SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: the faulting address."""
        return self._u64(16)

    @property
    def syscall(self) -> int:
        """SIGSYS: the system call number."""
        return self._i32(24)

    @property
    def arch(self) -> int:
        """SIGSYS: the ``AUDIT_ARCH_*`` of the system call."""
        return self._u32(28)

    @property
    def call_addr(self) -> int:
        """SIGSYS: the address of the system call instruction."""
        return self._u64(16)

    @property
    def from_user(self) -> bool:
        """True if sent by ``kill``, ``tgkill``, ``sigqueue`` and the like."""
        return self.code <= 0


# -- syscall info -------------------------------------------------------


class SyscallOp(enum.IntEnum):
    """``PTRACE_SYSCALL_INFO_*``: where in a system call the tracee is."""

    NONE = ptrace.SYSCALL_INFO_NONE
    ENTRY = ptrace.SYSCALL_INFO_ENTRY
    EXIT = ptrace.SYSCALL_INFO_EXIT
    SECCOMP = ptrace.SYSCALL_INFO_SECCOMP


class SyscallInfo(NamedTuple):
    """What ``PTRACE_GET_SYSCALL_INFO`` tells (Linux 5.3).

    For ``ENTRY`` and ``SECCOMP``: ``nr`` and ``args``; for ``EXIT``:
    ``rval`` (``-errno`` when ``is_error``); for ``SECCOMP`` also
    ``ret_data``. Fields of the other cases are 0 or empty. A named tuple
    rather than a dataclass: one is made at every syscall-stop.
    """

    op: SyscallOp
    arch: int
    instruction_pointer: int
    stack_pointer: int
    nr: int = -1
    args: tuple[int, ...] = ()
    rval: int = 0
    is_error: bool = False
    ret_data: int = 0

    @classmethod
    def fetch(cls, tid: int) -> SyscallInfo:
        """Ask the kernel. Precondition: *tid* is in a ptrace-stop of ours."""
        op, arch, ip, sp, payload = ptrace.get_syscall_info(tid)
        if op == _ENTRY:
            return cls(_ENTRY, arch, ip, sp, payload[0], payload[1:7])
        if op == _EXIT:
            return cls(_EXIT, arch, ip, sp, -1, (), payload[0], bool(payload[1]))
        if op == _SECCOMP:
            return cls(
                _SECCOMP, arch, ip, sp, payload[0], payload[1:7], 0, False, payload[7]
            )
        return cls(SyscallOp.NONE, arch, ip, sp)


_ENTRY = SyscallOp.ENTRY
_EXIT = SyscallOp.EXIT
_SECCOMP = SyscallOp.SECCOMP


# -- the records ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stop:
    """Base of every record: the thread id that reported it."""

    tid: int

    alive = True  # class attribute: overridden by the terminations


@dataclass(frozen=True, slots=True)
class Exited(Stop):
    """The thread exited normally with ``status`` (0-255); it is reaped."""

    status: int
    alive = False


@dataclass(frozen=True, slots=True)
class Killed(Stop):
    """The thread was killed by ``signal``; ``core`` if it dumped core."""

    signal: int
    core: bool = False
    alive = False


@dataclass(frozen=True, slots=True)
class SignalStop(Stop):
    """Signal-delivery-stop: ``signal`` is about to be delivered.

    Resume with ``signal`` to deliver it, or with 0 to suppress it.
    """

    signal: int
    siginfo: SigInfo | None = None


@dataclass(frozen=True, slots=True)
class GroupStop(Stop):
    """Group-stop (job control) caused by ``signal`` (SIGSTOP, SIGTSTP...).

    Under ``PTRACE_SEIZE`` leave it with ``listen()`` to keep the tracee
    stopped as job control wants, or ``cont()`` to override.
    """

    signal: int


@dataclass(frozen=True, slots=True)
class SyscallStop(Stop):
    """Syscall-enter-stop or syscall-exit-stop (``PTRACE_SYSCALL``).

    ``info`` is None when the tracer was made with ``syscall_info=False``;
    then entry and exit are not told apart here.
    """

    info: SyscallInfo | None = None

    @property
    def entry(self) -> bool | None:
        return None if self.info is None else self.info.op == SyscallOp.ENTRY

    @property
    def exit(self) -> bool | None:
        return None if self.info is None else self.info.op == SyscallOp.EXIT


@dataclass(frozen=True, slots=True)
class ForkStop(Stop):
    """``PTRACE_EVENT_FORK``: ``new_pid`` was forked and is traced too."""

    new_pid: int


@dataclass(frozen=True, slots=True)
class VforkStop(Stop):
    """``PTRACE_EVENT_VFORK``: ``new_pid`` was vforked and is traced too."""

    new_pid: int


@dataclass(frozen=True, slots=True)
class CloneStop(Stop):
    """``PTRACE_EVENT_CLONE``: ``new_tid`` (a thread, or a process made
    with ``clone`` and a non-SIGCHLD exit signal) is traced too."""

    new_tid: int


@dataclass(frozen=True, slots=True)
class VforkDoneStop(Stop):
    """``PTRACE_EVENT_VFORK_DONE``: the vfork child ``child_pid`` released
    its parent (it execed or exited)."""

    child_pid: int


@dataclass(frozen=True, slots=True)
class ExecStop(Stop):
    """``PTRACE_EVENT_EXEC``: the program was replaced.

    ``former_tid`` differs from ``tid`` when a non-leader thread execed: it
    took over the leader's tid, and ``former_tid`` no longer exists.
    """

    former_tid: int


@dataclass(frozen=True, slots=True)
class ExitEventStop(Stop):
    """``PTRACE_EVENT_EXIT``: the thread is about to exit; registers and
    memory can still be read. ``status`` is the wait status it will have."""

    status: int

    @property
    def exit_code(self) -> int | None:
        return (self.status >> 8) & 0xFF if self.status & 0x7F == 0 else None

    @property
    def signal(self) -> int | None:
        return self.status & 0x7F or None


@dataclass(frozen=True, slots=True)
class SeccompStop(Stop):
    """``PTRACE_EVENT_SECCOMP``: a ``SECCOMP_RET_TRACE`` filter matched;
    ``data`` is the filter's ``SECCOMP_RET_DATA``."""

    data: int
    info: SyscallInfo | None = None


@dataclass(frozen=True, slots=True)
class InterruptStop(Stop):
    """``PTRACE_EVENT_STOP`` with SIGTRAP: after ``interrupt()``, and the
    first stop of a tracee attached automatically (clone, fork, vfork)."""


# -- decoding -------------------------------------------------------------


# A tracee can be killed (SIGKILL) between its stop and our look at it;
# the requests then fail with ESRCH. The stop still happened and is
# reported, with the detail that could not be read as -1 or None; the
# death follows as the next status.


def _event_message(tid: int) -> int:
    try:
        return ptrace.get_event_message(tid)
    except ProcessLookupError:
        return -1


def _syscall_info(tid: int) -> SyscallInfo | None:
    try:
        return SyscallInfo.fetch(tid)
    except ProcessLookupError:
        return None


def decode(
    tid: int,
    code: int,
    status: int,
    *,
    seized: bool = True,
    syscall_info: bool = True,
) -> Stop:
    """Turn ``waitid``'s ``(si_code, si_status)`` for *tid* into a record.

    Precondition: runs on the tracer thread, and for a ptrace-stop the
    tracee is still in that stop (the event message and siginfo are read
    from it). *seized* says whether the tracee was attached with SEIZE;
    for one attached with ATTACH, a group-stop is told from a
    signal-delivery-stop by ``PTRACE_GETSIGINFO`` failing with EINVAL.
    Raises ValueError for a ``si_code`` that no tracee reports.
    """
    if code == CLD_TRAPPED:
        if status == _SYSGOOD_TRAP:
            return SyscallStop(tid, _syscall_info(tid) if syscall_info else None)
        event = status >> 8
        if event:
            return _decode_event(tid, event, status & 0xFF, syscall_info)
        return _decode_signal(tid, status & 0xFF, seized)
    if code == CLD_EXITED:
        return Exited(tid, status)
    if code in (CLD_KILLED, CLD_DUMPED):
        return Killed(tid, status, code == CLD_DUMPED)
    if code == CLD_STOPPED:
        # A real child that is not (or no longer) ptraced, stopped by job
        # control: report it as the group-stop it is.
        return GroupStop(tid, status)
    if code == CLD_CONTINUED:
        raise ValueError(
            f"tracee {tid} reported CLD_CONTINUED, which ptpoll never asks for"
        )
    raise ValueError(f"tracee {tid} reported an unknown si_code {code!r}")


def _decode_event(tid: int, event: int, sig: int, syscall_info: bool) -> Stop:
    if event == ptrace.Event.STOP:
        if sig in _STOP_SIGNALS:
            return GroupStop(tid, sig)
        return InterruptStop(tid)
    if event == ptrace.Event.CLONE:
        return CloneStop(tid, _event_message(tid))
    if event == ptrace.Event.FORK:
        return ForkStop(tid, _event_message(tid))
    if event == ptrace.Event.VFORK:
        return VforkStop(tid, _event_message(tid))
    if event == ptrace.Event.EXEC:
        return ExecStop(tid, _event_message(tid))
    if event == ptrace.Event.VFORK_DONE:
        return VforkDoneStop(tid, _event_message(tid))
    if event == ptrace.Event.EXIT:
        return ExitEventStop(tid, _event_message(tid))
    if event == ptrace.Event.SECCOMP:
        info = _syscall_info(tid) if syscall_info else None
        return SeccompStop(tid, _event_message(tid), info)
    raise ValueError(f"tracee {tid} reported an unknown ptrace event {event!r}")


def _decode_signal(tid: int, sig: int, seized: bool) -> Stop:
    try:
        raw = ptrace.get_siginfo(tid)
    except ProcessLookupError:
        return SignalStop(tid, sig, None)
    except OSError as exc:
        # EINVAL: no siginfo, so this is a group-stop of an ATTACHed tracee
        # (ptrace(2), "Group-stop"). Under SEIZE group-stops arrive as
        # PTRACE_EVENT_STOP, so EINVAL there is a kernel surprise.
        if exc.errno == 22 and not seized:
            return GroupStop(tid, sig)
        raise
    return SignalStop(tid, sig, SigInfo.from_bytes(raw))
