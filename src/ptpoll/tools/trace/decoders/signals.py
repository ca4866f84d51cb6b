"""Signals as strace prints them: names, sets, ``siginfo_t``, ``sigaction``.

Facts this module relies on (x86-64; ``signal(7)``, ``sigaction(2)``,
``rt_sigreturn(2)``):

- The kernel numbers real-time signals from 32 to 64. glibc keeps the
  first two for itself and calls 34 ``SIGRTMIN``; strace uses the kernel
  numbering: 32 is ``SIGRTMIN``, 33 is ``SIGRT_1``, 64 is ``SIGRT_32``.
  Numbers past 64 are printed bare.
- A ``siginfo_t`` is 128 bytes: signo, errno and code, then a union whose
  member follows from the code (``<= 0``: sent by a process) and, for the
  kernel's own codes, from the signal. strace picks the member the same
  way, so a decoder here must too, or it prints fields the kernel never
  wrote.
- The kernel's ``struct sigaction`` is not glibc's: handler, flags
  (an unsigned long, so a sign-extended ``SA_RESETHAND`` shows its high
  half), restorer, then the mask of ``sigsetsize`` bytes.
- ``rt_sigreturn`` takes no arguments: the mask it restores sits in the
  signal frame, at the stack pointer plus the offset of ``uc_sigmask`` in
  the ``ucontext`` (``ret`` from the handler popped the return address,
  so the stack pointer addresses the ``ucontext``).
"""

from __future__ import annotations

import errno as _errno
import os
import signal as _signal
import struct
from collections.abc import Sequence

from ptpoll.stops import SigInfo

from .. import render, syscalls

# -- names ----------------------------------------------------------------

_RTMIN = 32  # the kernel's SIGRTMIN, not glibc's
_RTMAX = 64
NSIG_BYTES = 8

_NAMES: dict[int, str] = {
    int(s): s.name
    for s in _signal.Signals
    if 0 < int(s) < _RTMIN and not s.name.startswith("SIGRT")
}


def signal_name(signo: int) -> str:
    """``SIGSEGV``; ``SIGRTMIN`` for 32, ``SIGRT_3`` for 35; the bare
    number for one that names no signal (0, 65...)."""
    if signo in _NAMES:
        return _NAMES[signo]
    if signo == _RTMIN:
        return "SIGRTMIN"
    if _RTMIN < signo <= _RTMAX:
        return f"SIGRT_{signo - _RTMIN}"
    return str(signo)


def signal_arg(value: int, style: str = "abbrev") -> str:
    """A signal number argument (an ``int`` register)."""
    signo = render.signed(value, 32)
    name = signal_name(signo)
    if name == str(signo) or style == "abbrev":
        return name
    if style == "raw":
        return str(signo)
    return f"{signo} /* {name} */"


def sigset_text(data: bytes) -> str:
    """A signal set as ``[INT CHLD]``, or ``~[RTMIN RT_1]`` (the signals
    left out) once two thirds of the bits are set."""
    mask = int.from_bytes(data, "little")
    nbits = len(data) * 8
    text = "["
    if mask.bit_count() >= nbits * 2 // 3:
        mask = ~mask & ((1 << nbits) - 1)
        text = "~["
    names = []
    signo = 1
    while mask:
        if mask & 1:
            names.append(signal_name(signo).removeprefix("SIG"))
        mask >>= 1
        signo += 1
    return text + " ".join(names) + "]"


# -- siginfo --------------------------------------------------------------

SI_USER = 0
SI_KERNEL = 0x80
SI_QUEUE = -1
SI_TIMER = -2
SI_MESGQ = -3
SI_ASYNCIO = -4
SI_SIGIO = -5
SI_TKILL = -6

_SI_CODES = {
    SI_USER: "SI_USER",
    SI_KERNEL: "SI_KERNEL",
    SI_QUEUE: "SI_QUEUE",
    SI_TIMER: "SI_TIMER",
    SI_MESGQ: "SI_MESGQ",
    SI_ASYNCIO: "SI_ASYNCIO",
    SI_SIGIO: "SI_SIGIO",
    SI_TKILL: "SI_TKILL",
    -7: "SI_DETHREAD",
    -60: "SI_ASYNCNL",
}

_SIGCHLD = int(_signal.SIGCHLD)
_SIGSEGV = int(_signal.SIGSEGV)
_SIGBUS = int(_signal.SIGBUS)
_SIGPOLL = int(_signal.SIGIO)
_SIGSYS = int(_signal.SIGSYS)
_FAULTS = frozenset(
    int(s) for s in (_signal.SIGILL, _signal.SIGFPE, _signal.SIGSEGV)
) | {_SIGBUS, int(_signal.SIGTRAP)}

CLD_EXITED = 1
SEGV_BNDERR = 3
SEGV_PKUERR = 4
BUS_MCEERR_AR = 4
BUS_MCEERR_AO = 5


def _codes(prefix: str, names: str, first: int = 1) -> dict[int, str]:
    return {first + i: f"{prefix}_{n}" for i, n in enumerate(names.split())}


# <asm-generic/siginfo.h>, by signal: the codes the kernel gives.
_KERNEL_CODES: dict[int, dict[int, str]] = {
    int(_signal.SIGILL): _codes(
        "ILL", "ILLOPC ILLOPN ILLADR ILLTRP PRVOPC PRVREG COPROC BADSTK BADIADDR"
    ),
    int(_signal.SIGFPE): _codes(
        "FPE", "INTDIV INTOVF FLTDIV FLTOVF FLTUND FLTRES FLTINV FLTSUB"
    )
    | {14: "FPE_FLTUNK", 15: "FPE_CONDTRAP"},
    _SIGSEGV: _codes(
        "SEGV", "MAPERR ACCERR BNDERR PKUERR ACCADI ADIDERR ADIPERR MTEAERR MTESERR"
    ),
    _SIGBUS: _codes("BUS", "ADRALN ADRERR OBJERR MCEERR_AR MCEERR_AO"),
    int(_signal.SIGTRAP): _codes("TRAP", "BRKPT TRACE BRANCH HWBKPT UNK PERF"),
    _SIGCHLD: _codes("CLD", "EXITED KILLED DUMPED TRAPPED STOPPED CONTINUED"),
    _SIGPOLL: _codes("POLL", "IN OUT MSG ERR PRI HUP"),
    _SIGSYS: {1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH"},
}


def _elf_arch(machine: int, bits64: bool, little: bool) -> int:
    # <linux/audit.h>: __AUDIT_ARCH_64BIT and __AUDIT_ARCH_LE over EM_*.
    return machine | (0x80000000 if bits64 else 0) | (0x40000000 if little else 0)


# (EM_* from <linux/elf-em.h>, 64-bit, little-endian)
AUDIT_ARCHES: dict[int, str] = {
    _elf_arch(m, b, le): f"AUDIT_ARCH_{name}"
    for name, m, b, le in (
        ("X86_64", 62, True, True),
        ("I386", 3, False, True),
        ("AARCH64", 183, True, True),
        ("ARM", 40, False, True),
        ("ARMEB", 40, False, False),
        ("PPC", 20, False, False),
        ("PPC64", 21, True, False),
        ("PPC64LE", 21, True, True),
        ("S390", 22, False, False),
        ("S390X", 22, True, False),
        ("MIPS", 8, False, False),
        ("MIPSEL", 8, False, True),
        ("MIPS64", 8, True, False),
        ("MIPSEL64", 8, True, True),
        ("RISCV32", 243, False, True),
        ("RISCV64", 243, True, True),
        ("LOONGARCH64", 258, True, True),
        ("SPARC", 2, False, False),
        ("SPARC64", 43, True, False),
    )
}

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _clock_t(ticks: int) -> str:
    if ticks == 0:
        return "0"
    secs, rest = divmod(ticks, _CLK_TCK)
    return f"{ticks} /* {secs}.{rest * 100 // _CLK_TCK:02d} s */"


def errno_value(code: int) -> str:
    """An errno field: its name, or the number (unsigned) if none."""
    if code > 0 and code in _errno.errorcode:
        return _errno.errorcode[code]
    return str(code & 0xFFFFFFFF)


def _uid(value: int) -> str:
    return "-1" if value == 0xFFFFFFFF else str(value)


def si_code_text(signo: int, code: int) -> str:
    name = _SI_CODES.get(code)
    if name is None:
        name = _KERNEL_CODES.get(signo, {}).get(code)
    return name if name is not None else f"{code & 0xFFFFFFFF:#x}"


def syscall_text(nr: int, arch: int) -> str:
    """``si_syscall``: ``__NR_getpid`` for the native architecture,
    ``20 /* getpid */`` for another one, the number if it names none."""
    if arch not in AUDIT_ARCHES:
        return str(nr)
    name = syscalls.name(nr, arch) if 0 <= nr < 1 << 31 else "syscall_"
    if name.startswith("syscall_"):
        return str(nr)
    if arch == syscalls.AUDIT_ARCH_X86_64:
        return f"__NR_{name}"
    return f"{nr} /* {name} */"


_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_U16 = struct.Struct("<H")


def siginfo_text(info: SigInfo) -> str:
    """The ``{si_signo=..., si_code=..., ...}`` of a ``siginfo_t``, as
    strace prints it after ``--- SIGxxx`` and for siginfo arguments."""
    raw = info.raw
    signo, code = info.signo, info.code
    if signo == 0:
        return "{}"
    fields = [
        f"si_signo={signal_name(signo)}",
        f"si_code={si_code_text(signo, code)}",
    ]
    if info.errno:
        fields.append(f"si_errno={errno_value(info.errno)}")

    pid = _I32.unpack_from(raw, 16)[0]
    uid = _U32.unpack_from(raw, 20)[0]
    value = _U64.unpack_from(raw, 24)[0]
    source = [f"si_pid={pid}", f"si_uid={_uid(uid)}"]
    sigval = [
        f"si_int={_I32.unpack_from(raw, 24)[0]}",
        f"si_ptr={render.pointer(value)}",
    ]

    if code <= 0:
        if code in (SI_USER, SI_TKILL):
            fields += source
        elif code == SI_TIMER:
            fields.append(f"si_timerid={render.hexnum(_U32.unpack_from(raw, 16)[0])}")
            fields.append(f"si_overrun={_I32.unpack_from(raw, 20)[0]}")
            fields += sigval
        elif code == SI_SIGIO:
            fields += _poll_fields(raw)
        else:
            fields += source
            if value:
                fields += sigval
    elif signo == _SIGCHLD:
        status = _I32.unpack_from(raw, 24)[0]
        fields += source
        fields.append(
            f"si_status={status if code == CLD_EXITED else signal_name(status)}"
        )
        fields.append(f"si_utime={_clock_t(_I64.unpack_from(raw, 32)[0])}")
        fields.append(f"si_stime={_clock_t(_I64.unpack_from(raw, 40)[0])}")
    elif signo in _FAULTS:
        fields.append(f"si_addr={render.pointer(_U64.unpack_from(raw, 16)[0])}")
        if signo == _SIGSEGV and code == SEGV_BNDERR:
            fields.append(f"si_lower={render.pointer(_U64.unpack_from(raw, 32)[0])}")
            fields.append(f"si_upper={render.pointer(_U64.unpack_from(raw, 40)[0])}")
        elif signo == _SIGSEGV and code == SEGV_PKUERR:
            fields.append(f"si_pkey={_U32.unpack_from(raw, 32)[0]}")
        elif signo == _SIGBUS and code in (BUS_MCEERR_AR, BUS_MCEERR_AO):
            fields.append(f"si_addr_lsb={_U16.unpack_from(raw, 24)[0]}")
    elif signo == _SIGPOLL:
        if code in _KERNEL_CODES[_SIGPOLL]:
            fields += _poll_fields(raw)
    elif signo == _SIGSYS:
        nr = _I32.unpack_from(raw, 24)[0]
        arch = _U32.unpack_from(raw, 28)[0]
        fields.append(f"si_call_addr={render.pointer(_U64.unpack_from(raw, 16)[0])}")
        fields.append(f"si_syscall={syscall_text(nr, arch)}")
        arch_name = AUDIT_ARCHES.get(arch, f"{arch:#x} /* AUDIT_ARCH_??? */")
        fields.append(f"si_arch={arch_name}")
    else:
        if pid or uid:
            fields += source
        if value:
            fields += sigval
    return "{" + ", ".join(fields) + "}"


def _poll_fields(raw: bytes) -> list[str]:
    return [
        f"si_band={_I64.unpack_from(raw, 16)[0]}",
        f"si_fd={_I32.unpack_from(raw, 24)[0]}",
    ]


def siginfo_bytes_text(raw: bytes) -> str:
    """`siginfo_text` of the 128 bytes of a ``siginfo_t``."""
    return siginfo_text(SigInfo.from_bytes(raw))


# -- sigaction --------------------------------------------------------------

# <asm/signal.h>, in the order strace names them.
SA_RESTORER = 0x04000000
SA_FLAGS: Sequence[tuple[int, str]] = (
    (SA_RESTORER, "SA_RESTORER"),
    (0x08000000, "SA_ONSTACK"),
    (0x10000000, "SA_RESTART"),
    (0x40000000, "SA_NODEFER"),
    (0x80000000, "SA_RESETHAND"),
    (0x00000004, "SA_SIGINFO"),
    (0x00000001, "SA_NOCLDSTOP"),
    (0x00000002, "SA_NOCLDWAIT"),
)

_HANDLERS = {0: "SIG_DFL", 1: "SIG_IGN", 0xFFFFFFFFFFFFFFFF: "SIG_ERR"}


def sigaction_text(data: bytes, style: str = "abbrev") -> str:
    """A kernel ``struct sigaction`` (handler, flags, restorer, mask)."""
    handler, flags, restorer = struct.unpack_from("<QQQ", data, 0)
    fields = [
        ("sa_handler", _HANDLERS.get(handler) or render.pointer(handler)),
        ("sa_mask", sigset_text(data[24:])),
        ("sa_flags", render.flags(flags, SA_FLAGS, style=style)),
    ]
    if flags & SA_RESTORER:
        fields.append(("sa_restorer", render.pointer(restorer)))
    return render.struct(fields)


# Offset of uc_sigmask in the x86-64 ucontext: uc_flags, uc_link, a
# stack_t (24 bytes), then the 256 bytes of struct sigcontext.
SIGFRAME_MASK_OFFSET = 8 + 8 + 24 + 256
