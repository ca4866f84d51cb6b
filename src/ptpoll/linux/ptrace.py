"""Thin typed wrappers of ``ptrace(2)`` requests.

The raw system call is used, not glibc's ``ptrace()``: for the PEEK
requests the raw call stores the word at ``data`` and returns 0, so a word
of all ones is not confused with an error.

Every failure raises ``OSError`` naming the request and the tid
(``ESRCH`` arrives as ``ProcessLookupError``). The kernel only accepts
requests from the thread that attached, on a tracee that is stopped
(except SEIZE, INTERRUPT, KILL, ATTACH, TRACEME); checking that is the job
of the tracer layer, which knows which thread attached.
"""

from __future__ import annotations

import ctypes
import enum
import struct
import threading

from ._libc import MACHINE, NR, os_error, syscall

TRACEME = 0
PEEKTEXT = 1
PEEKDATA = 2
PEEKUSER = 3
POKETEXT = 4
POKEDATA = 5
POKEUSER = 6
CONT = 7
KILL = 8
SINGLESTEP = 9
ATTACH = 16
DETACH = 17
SYSCALL = 24
SETOPTIONS = 0x4200
GETEVENTMSG = 0x4201
GETSIGINFO = 0x4202
SETSIGINFO = 0x4203
GETREGSET = 0x4204
SETREGSET = 0x4205
SEIZE = 0x4206
INTERRUPT = 0x4207
LISTEN = 0x4208
PEEKSIGINFO = 0x4209
GETSIGMASK = 0x420A
SETSIGMASK = 0x420B
GET_SYSCALL_INFO = 0x420E

REQUEST_NAMES = {
    value: "PTRACE_" + name
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, int) and not name.startswith("_")
}

NT_PRSTATUS = 1


class Options(enum.IntFlag):
    """``PTRACE_O_*`` options, for ``seize``, ``spawn`` and ``set_options``."""

    TRACESYSGOOD = 0x01
    TRACEFORK = 0x02
    TRACEVFORK = 0x04
    TRACECLONE = 0x08
    TRACEEXEC = 0x10
    TRACEVFORKDONE = 0x20
    TRACEEXIT = 0x40
    TRACESECCOMP = 0x80
    EXITKILL = 0x100000
    SUSPEND_SECCOMP = 0x200000
    NONE = 0


class Event(enum.IntEnum):
    """``PTRACE_EVENT_*``: the high byte of a ptrace-event stop's status."""

    FORK = 1
    VFORK = 2
    CLONE = 3
    EXEC = 4
    VFORK_DONE = 5
    EXIT = 6
    SECCOMP = 7
    STOP = 128


_PTRACE = NR["ptrace"]
_word = ctypes.c_ulong


def _call(request: int, tid: int, addr: int = 0, data: int = 0) -> int:
    ret = syscall(_PTRACE, request, tid, addr, data)
    if ret < 0:
        raise os_error(-ret, REQUEST_NAMES.get(request, f"ptrace({request})"), tid)
    return ret


def traceme() -> None:
    _call(TRACEME, 0)


def seize(tid: int, options: int = 0) -> None:
    _call(SEIZE, tid, 0, options)


def attach(tid: int) -> None:
    _call(ATTACH, tid)


def detach(tid: int, signal: int = 0) -> None:
    _call(DETACH, tid, 0, signal)


def cont(tid: int, signal: int = 0) -> None:
    _call(CONT, tid, 0, signal)


def syscall_(tid: int, signal: int = 0) -> None:
    """``PTRACE_SYSCALL`` (named with a trailing underscore: ``syscall``
    is the raw system call helper)."""
    _call(SYSCALL, tid, 0, signal)


def singlestep(tid: int, signal: int = 0) -> None:
    _call(SINGLESTEP, tid, 0, signal)


def interrupt(tid: int) -> None:
    _call(INTERRUPT, tid)


def listen(tid: int) -> None:
    _call(LISTEN, tid)


def kill(tid: int) -> None:
    _call(KILL, tid)


def set_options(tid: int, options: int) -> None:
    _call(SETOPTIONS, tid, 0, options)


def get_event_message(tid: int) -> int:
    value = _word()
    _call(GETEVENTMSG, tid, 0, ctypes.addressof(value))
    return value.value


def peek(tid: int, addr: int, request: int = PEEKDATA) -> int:
    """One machine word of the tracee at *addr* (PEEKTEXT/DATA/USER)."""
    value = _word()
    _call(request, tid, addr, ctypes.addressof(value))
    return value.value


def poke(tid: int, addr: int, word: int, request: int = POKEDATA) -> None:
    word &= 0xFFFFFFFFFFFFFFFF
    _call(request, tid, addr, word - (1 << 64) if word >> 63 else word)


def get_siginfo(tid: int) -> bytes:
    """The raw 128-byte ``siginfo_t`` of the signal that stopped *tid*."""
    buf = ctypes.create_string_buffer(128)
    _call(GETSIGINFO, tid, 0, ctypes.addressof(buf))
    return buf.raw


def set_siginfo(tid: int, raw: bytes) -> None:
    if len(raw) != 128:
        raise ValueError(f"siginfo must be 128 bytes, not {len(raw)}")
    buf = ctypes.create_string_buffer(raw, 128)
    _call(SETSIGINFO, tid, 0, ctypes.addressof(buf))


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


# user_regs_struct: arch/x86/include/asm/user_64.h and
# arch/arm64/include/uapi/asm/ptrace.h (struct user_pt_regs).
REGISTER_NAMES: tuple[str, ...]
if MACHINE == "x86_64":
    REGISTER_NAMES = (
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
        "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
        "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    )  # fmt: skip
else:
    REGISTER_NAMES = tuple(f"x{i}" for i in range(31)) + ("sp", "pc", "pstate")

_REGS_FORMAT = struct.Struct(f"<{len(REGISTER_NAMES)}Q")
REGS_SIZE = _REGS_FORMAT.size


def get_regs(tid: int) -> tuple[int, ...]:
    """The general registers (``NT_PRSTATUS``), in ``REGISTER_NAMES`` order."""
    buf = ctypes.create_string_buffer(REGS_SIZE)
    iov = _IoVec(ctypes.addressof(buf), REGS_SIZE)
    _call(GETREGSET, tid, NT_PRSTATUS, ctypes.addressof(iov))
    return _REGS_FORMAT.unpack(buf.raw)


def set_regs(tid: int, values: tuple[int, ...] | list[int]) -> None:
    buf = ctypes.create_string_buffer(_REGS_FORMAT.pack(*values), REGS_SIZE)
    iov = _IoVec(ctypes.addressof(buf), REGS_SIZE)
    _call(SETREGSET, tid, NT_PRSTATUS, ctypes.addressof(iov))


# struct ptrace_syscall_info (include/uapi/linux/ptrace.h, Linux 5.3).
SYSCALL_INFO_NONE = 0
SYSCALL_INFO_ENTRY = 1
SYSCALL_INFO_EXIT = 2
SYSCALL_INFO_SECCOMP = 3

_INFO_HEAD = struct.Struct("<B3xIQQ")  # op, arch, instruction and stack ptr
_INFO_ENTRY = struct.Struct("<Q6Q")  # nr, args
_INFO_EXIT = struct.Struct("<qB")  # rval, is_error
_INFO_SECCOMP = struct.Struct("<Q6QI")  # nr, args, ret_data
SYSCALL_INFO_SIZE = 88

RawSyscallInfo = tuple[int, int, int, int, tuple[int, ...]]
_scratch = threading.local()


def get_syscall_info(tid: int) -> RawSyscallInfo:
    """``(op, arch, ip, sp, payload)`` from ``PTRACE_GET_SYSCALL_INFO``.

    *payload* is ``(nr, a0..a5)`` for entry, ``(rval, is_error)`` for exit,
    ``(nr, a0..a5, ret_data)`` for seccomp, and ``()`` otherwise.
    """
    # One buffer per thread, made once: this runs at every syscall-stop.
    try:
        raw, addr = _scratch.info
    except AttributeError:
        raw = ctypes.create_string_buffer(SYSCALL_INFO_SIZE)
        addr = ctypes.addressof(raw)
        _scratch.info = raw, addr
    _call(GET_SYSCALL_INFO, tid, SYSCALL_INFO_SIZE, addr)
    op, arch, ip, sp = _INFO_HEAD.unpack_from(raw, 0)
    payload: tuple[int, ...]
    if op == SYSCALL_INFO_ENTRY:
        payload = _INFO_ENTRY.unpack_from(raw, 24)
    elif op == SYSCALL_INFO_EXIT:
        payload = _INFO_EXIT.unpack_from(raw, 24)
    elif op == SYSCALL_INFO_SECCOMP:
        payload = _INFO_SECCOMP.unpack_from(raw, 24)
    else:
        payload = ()
    return op, arch, ip, sp, payload
