"""The C library through ctypes, raw system calls and their errors.

Every wrapper in this package raises ``OSError`` (so the usual subclasses
such as ``ProcessLookupError`` work) and, where a process is concerned,
sets ``err.pid`` and names the pid in the message.
"""

from __future__ import annotations

import ctypes
import os
import platform
from threading import get_native_id as gettid

__all__ = ["NR", "gettid", "libc", "os_error", "syscall", "tag_pid", "tgkill"]

libc = ctypes.CDLL(None, use_errno=True)

# glibc's syscall() moves its arguments to registers however many there
# are, so one prototype with seven longs serves every call, and ctypes
# converts plain ints without a Python object per argument.
_syscall = ctypes.CFUNCTYPE(ctypes.c_long, *(ctypes.c_long,) * 7, use_errno=True)(
    ("syscall", libc)
)

MACHINE = platform.machine()

# Numbers of the system calls that glibc may not wrap, per architecture.
# x86_64: arch/x86/entry/syscalls/syscall_64.tbl; aarch64 uses the generic
# table include/uapi/asm-generic/unistd.h.
_NUMBERS = {
    "x86_64": {
        "ptrace": 101,
        "gettid": 186,
        "tgkill": 234,
        "waitid": 247,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "pidfd_send_signal": 424,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "pidfd_open": 434,
    },
    "aarch64": {
        "ptrace": 117,
        "gettid": 178,
        "tgkill": 131,
        "waitid": 95,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "pidfd_send_signal": 424,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "pidfd_open": 434,
    },
}

try:
    NR = _NUMBERS[MACHINE]
except KeyError:  # pragma: no cover - depends on the machine
    raise ImportError(f"ptpoll supports x86_64 and aarch64, not {MACHINE!r}") from None


def os_error(err: int, what: str, pid: int | None = None) -> OSError:
    """Build the ``OSError`` subclass for *err*, naming *what* and *pid*."""
    text = os.strerror(err)
    if pid is not None:
        text = f"{text}: {what} (pid {pid})"
    else:
        text = f"{text}: {what}"
    return tag_pid(OSError(err, text), pid)


def tag_pid(exc: OSError, pid: int | None) -> OSError:
    """Set ``exc.pid`` (an attribute ptpoll adds to the OSErrors it raises
    about a process) and return *exc*."""
    setattr(exc, "pid", pid)  # noqa: B010 - OSError declares no such field
    return exc


def syscall(
    nr: int, a: int = 0, b: int = 0, c: int = 0, d: int = 0, e: int = 0, f: int = 0
) -> int:
    """Run system call *nr*; on failure return ``-errno`` (no exception).

    Arguments are signed longs (pass addresses as ints). Callers turn a
    negative result into an ``OSError`` with the context they know (the
    request and the pid).
    """
    ret: int = _syscall(nr, a, b, c, d, e, f)
    if ret == -1:
        return -ctypes.get_errno()
    return ret


def tgkill(tgid: int, tid: int, sig: int) -> None:
    """Send *sig* to thread *tid* of process *tgid*."""
    ret = syscall(NR["tgkill"], tgid, tid, sig)
    if ret < 0:
        raise os_error(-ret, f"tgkill(signal {sig})", tid)
