"""seccomp filters that make chosen system calls stop for the tracer.

A filter returning ``SECCOMP_RET_TRACE`` makes the call stop in a
``PTRACE_EVENT_SECCOMP`` stop when the tracer set ``PTRACE_O_TRACESECCOMP``
(``seccomp(2)``); the tracer then resumes with ``PTRACE_CONT`` and sees no
stop at all for the other calls, which is what makes ``--seccomp-bpf``
tracing cheap. Without a tracer the same return fails the call with
``ENOSYS``, so the filter must go in after the tracer attached.

Filters are classic BPF (``struct sock_filter``, 8 bytes each) over
``struct seccomp_data`` (``nr`` at offset 0, ``arch`` at 4).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_TRACE = 0x7FF00000
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000
BPF_MAXINSNS = 4096

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGT_K = 0x25
_JGE_K = 0x35
_RET_K = 0x06
_INSN = struct.Struct("<HBBI")


def _ranges(numbers: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for nr in sorted(set(numbers)):
        if out and out[-1][1] == nr - 1:
            out[-1] = (out[-1][0], nr)
        else:
            out.append((nr, nr))
    return out


def trace_filter(numbers: Iterable[int], arch: int, *, table_size: int = 1024) -> bytes:
    """A filter that stops the calls *numbers* of *arch* for the tracer
    and lets the others run. Calls of any other architecture (a 32-bit
    program on x86-64) and x32 calls all stop, since their numbers differ.

    *table_size* bounds the numbers considered when the filter is built
    the short way round (the complement, when it has fewer ranges).
    """
    wanted = {int(n) for n in numbers}
    if any(n < 0 or n >= X32_SYSCALL_BIT for n in wanted):
        raise ValueError("system call numbers must be in 0..0x3fffffff")
    chosen = _ranges(wanted)
    others = _ranges(set(range(table_size)) - wanted)
    # Past table_size nothing is wanted (numbers are below it in practice).
    if max(wanted, default=0) < table_size and len(others) + 1 < len(chosen):
        ranges, match, default = (
            others + [(table_size, X32_SYSCALL_BIT - 1)],
            (SECCOMP_RET_ALLOW),
            SECCOMP_RET_TRACE,
        )
    else:
        ranges, match, default = chosen, SECCOMP_RET_TRACE, SECCOMP_RET_ALLOW

    prog = [
        (_LD_W_ABS, 0, 0, 4),
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, SECCOMP_RET_TRACE),
        (_LD_W_ABS, 0, 0, 0),
    ]
    if arch == AUDIT_ARCH_X86_64:
        prog += [(_JGE_K, 0, 1, X32_SYSCALL_BIT), (_RET_K, 0, 0, SECCOMP_RET_TRACE)]
    for lo, hi in ranges:
        if lo == hi:
            prog += [(_JEQ_K, 0, 1, lo), (_RET_K, 0, 0, match)]
        else:
            prog += [(_JGE_K, 0, 2, lo), (_JGT_K, 1, 0, hi), (_RET_K, 0, 0, match)]
    prog.append((_RET_K, 0, 0, default))
    if len(prog) > BPF_MAXINSNS:
        raise ValueError(
            f"the filter needs {len(prog)} instructions, over {BPF_MAXINSNS}"
        )
    return b"".join(_INSN.pack(*insn) for insn in prog)
