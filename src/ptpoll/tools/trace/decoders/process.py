"""Process, thread and signal calls: execve, clone, wait4, kill, futex...

Some calls print a different number of arguments depending on one of
them (``clone`` shows ``parent_tid`` only with ``CLONE_PARENT_SETTID``;
``prctl`` and ``futex`` depend on the operation). The framework splits a
line at a fixed argument, so these print everything from one decoder at
exit: the joined line is strace's, only the ``<unfinished ...>`` half
differs (it stops after the name).

Constants come from ``<linux/sched.h>``, ``<linux/futex.h>``,
``<linux/prctl.h>``, ``<asm/prctl.h>``, ``<linux/resource.h>``,
``<linux/time.h>`` and ``<linux/wait.h>``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from .. import render
from . import signals
from .base import (
    Call,
    Ctx,
    Signature,
    a_dirfd,
    a_fd,
    a_hex,
    a_int,
    a_path,
    a_ptr,
    a_uint,
    out,
    r_fd,
    r_none,
    sig,
)
from .memory import flag_arg, flag_set, named, named_arg

ArgFn = Callable[[Ctx, Call, int], str]

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_Q2 = struct.Struct("<qq")

# Errors with which a sleep was cut short and its remaining time written.
_INTERRUPTED = frozenset({4, 512, 513, 514, 516})  # EINTR, ERESTART*


def _i32(value: int) -> int:
    return render.signed(value, 32)


def a_sig(ctx: Ctx, call: Call, i: int) -> str:
    return signals.signal_arg(call.args[i], ctx.xstyle)


def a_pid(ctx: Ctx, call: Call, i: int) -> str:
    return str(_i32(call.args[i]))


def a_size(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i])


def _read_u64(ctx: Ctx, call: Call, addr: int) -> int | None:
    data = ctx.read(call, addr, 8)
    return None if data is None else _U64.unpack(data)[0]


def _read_i32(ctx: Ctx, call: Call, addr: int) -> int | None:
    data = ctx.read(call, addr, 4)
    return None if data is None else _I32.unpack(data)[0]


def _boxed_int(ctx: Ctx, call: Call, addr: int) -> str:
    """``[42]``: an int the kernel wrote back; the address if it cannot."""
    if addr == 0:
        return "NULL"
    value = None if call.failed else _read_i32(ctx, call, addr)
    return render.pointer(addr) if value is None else f"[{value}]"


# -- time -------------------------------------------------------------------


def timespec_text(ctx: Ctx, call: Call, addr: int) -> str:
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 16)
    if data is None:
        return render.pointer(addr)
    sec, nsec = _Q2.unpack(data)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def timeval_text(data: bytes, off: int) -> str:
    sec, usec = _Q2.unpack_from(data, off)
    return f"{{tv_sec={sec}, tv_usec={usec}}}"


def a_timespec(ctx: Ctx, call: Call, i: int) -> str:
    return timespec_text(ctx, call, call.args[i])


def a_timespec_out(ctx: Ctx, call: Call, i: int) -> str:
    """A time the kernel writes: shown only if the call succeeded."""
    if call.failed and call.args[i]:
        return render.pointer(call.args[i])
    return timespec_text(ctx, call, call.args[i])


def a_remaining(ctx: Ctx, call: Call, i: int) -> str:
    """The remaining time of a sleep, written only when cut short."""
    if call.error in _INTERRUPTED:
        return timespec_text(ctx, call, call.args[i])
    return render.pointer(call.args[i])


CLOCKS = {
    0: "CLOCK_REALTIME",
    1: "CLOCK_MONOTONIC",
    2: "CLOCK_PROCESS_CPUTIME_ID",
    3: "CLOCK_THREAD_CPUTIME_ID",
    4: "CLOCK_MONOTONIC_RAW",
    5: "CLOCK_REALTIME_COARSE",
    6: "CLOCK_MONOTONIC_COARSE",
    7: "CLOCK_BOOTTIME",
    8: "CLOCK_REALTIME_ALARM",
    9: "CLOCK_BOOTTIME_ALARM",
    11: "CLOCK_TAI",
}
a_clock = named_arg(CLOCKS, "CLOCK_???")
a_timer_flags = flag_arg(((1, "TIMER_ABSTIME"),), "TIMER_???", bits=32)

_RUSAGE_LONGS = [
    "ru_maxrss",
    "ru_ixrss",
    "ru_idrss",
    "ru_isrss",
    "ru_minflt",
    "ru_majflt",
    "ru_nswap",
    "ru_inblock",
    "ru_oublock",
    "ru_msgsnd",
    "ru_msgrcv",
    "ru_nsignals",
    "ru_nvcsw",
    "ru_nivcsw",
]


def a_rusage(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    data = None if call.failed else ctx.read(call, addr, 32 + 8 * len(_RUSAGE_LONGS))
    if data is None:
        return render.pointer(addr)
    fields = [("ru_utime", timeval_text(data, 0)), ("ru_stime", timeval_text(data, 16))]
    if not ctx.verbose:
        return render.struct(fields)[:-1] + ", ...}"
    longs = struct.unpack_from(f"<{len(_RUSAGE_LONGS)}q", data, 32)
    fields += [(name, str(v)) for name, v in zip(_RUSAGE_LONGS, longs, strict=True)]
    return render.struct(fields)


# -- exec -------------------------------------------------------------------


def _pointers(
    ctx: Ctx, call: Call, addr: int, limit: int
) -> tuple[list[int], bool] | None:
    """The pointers of a NULL-ended array, at most *limit* of them, and
    whether more follow; None if the array cannot be read. Reads up to a
    page at a time: a page is readable or not as a whole."""
    found: list[int] = []
    while len(found) < limit + 1:
        room = 4096 - addr % 4096
        count = min(room // 8 or 1, limit + 1 - len(found))
        data = ctx.read(call, addr, count * 8)
        if data is None:
            return None if not found else (found, True)
        for (ptr,) in struct.iter_unpack("<Q", data):
            if ptr == 0:
                return found, False
            found.append(ptr)
        addr += count * 8
    return found[:limit], True


def string_array(ctx: Ctx, call: Call, addr: int) -> str:
    if addr == 0:
        return "NULL"
    # -v shows every element; otherwise -s caps their number too.
    got = _pointers(ctx, call, addr, 1 << 20 if ctx.verbose else ctx.strsize)
    if got is None:
        return render.pointer(addr)
    ptrs, more = got
    return render.array([ctx.string(call, p) for p in ptrs], more=more)


def environment(ctx: Ctx, call: Call, addr: int) -> str:
    if ctx.verbose or addr == 0:
        return string_array(ctx, call, addr)
    got = _pointers(ctx, call, addr, 1 << 20)
    if got is None:
        return render.pointer(addr)
    n = len(got[0])
    return f"{render.pointer(addr)} /* {n} var{'' if n == 1 else 's'} */"


def a_argv(ctx: Ctx, call: Call, i: int) -> str:
    return string_array(ctx, call, call.args[i])


def a_envp(ctx: Ctx, call: Call, i: int) -> str:
    return environment(ctx, call, call.args[i])


AT_FLAGS = (
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
)


# -- clone ------------------------------------------------------------------

CLONE_FLAGS = tuple(
    (1 << bit, f"CLONE_{name}")
    for bit, name in enumerate(
        [
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            "NEWTIME",
            "VM",
            "FS",
            "FILES",
            "SIGHAND",
            "PIDFD",
            "PTRACE",
            "VFORK",
            "PARENT",
            "THREAD",
            "NEWNS",
            "SYSVSEM",
            "SETTLS",
            "PARENT_SETTID",
            "CHILD_CLEARTID",
            "-",
            "UNTRACED",
            "CHILD_SETTID",
            "NEWCGROUP",
            "NEWUTS",
            "NEWIPC",
            "NEWUSER",
            "NEWPID",
            "NEWNET",
            "IO",
            "CLEAR_SIGHAND",
            "INTO_CGROUP",
        ]
    )
    if name != "-"
)
CLONE_PIDFD = 0x1000
CLONE_SETTLS = 0x80000
CLONE_PARENT_SETTID = 0x100000
CLONE_CHILD_CLEARTID = 0x200000
CLONE_CHILD_SETTID = 0x1000000
CSIGNAL = 0xFF


def _clone_flags(ctx: Ctx, flags: int, with_signal: bool) -> str:
    if ctx.xstyle == "raw":
        return render.hexnum(flags)
    signo = flags & CSIGNAL if with_signal else 0
    rest = flags & ~CSIGNAL if with_signal else flags
    parts = [render.flags(rest, CLONE_FLAGS)] if rest else []
    if signo:
        parts.append(signals.signal_name(signo))
    return "|".join(parts) or "0"


def a_clone(ctx: Ctx, call: Call, i: int) -> str:
    """All of ``clone``'s named arguments (x86-64 order: flags, stack,
    parent_tid, child_tid, tls)."""
    flags, stack, ptid, ctid, tls = call.args[:5]
    parts = [
        f"child_stack={render.pointer(stack)}",
        f"flags={_clone_flags(ctx, flags, True)}",
    ]
    if flags & CLONE_PARENT_SETTID:
        parts.append(f"parent_tid={_boxed_int(ctx, call, ptid)}")
    if flags & CLONE_SETTLS:
        parts.append(f"tls={render.pointer(tls)}")
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        parts.append(f"child_tidptr={render.pointer(ctid)}")
    return ", ".join(parts)


_CLONE_ARGS = struct.Struct("<11Q")


def a_clone3(ctx: Ctx, call: Call, i: int) -> str:
    """``struct clone_args``, then `` => {parent_tid=[N]}`` once it ran."""
    addr, size = call.args[0], call.args[1]
    raw = ctx.read(call, addr, min(size, _CLONE_ARGS.size)) if size >= 64 else None
    if raw is None:
        return f"{render.pointer(addr)}, {size}"
    raw = raw.ljust(_CLONE_ARGS.size, b"\0")
    (flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
     set_tid, set_tid_size, cgroup) = _CLONE_ARGS.unpack(raw)  # fmt: skip
    fields = [("flags", _clone_flags(ctx, flags, False))]
    if flags & CLONE_PIDFD:
        fields.append(("pidfd", render.pointer(pidfd)))
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        fields.append(("child_tid", render.pointer(child_tid)))
    if flags & CLONE_PARENT_SETTID:
        fields.append(("parent_tid", render.pointer(parent_tid)))
    fields.append(("exit_signal", signals.signal_name(exit_signal)))
    fields.append(("stack", render.pointer(stack)))
    fields.append(("stack_size", render.hexnum(stack_size)))
    if flags & CLONE_SETTLS:
        fields.append(("tls", render.pointer(tls)))
    if set_tid_size:
        fields.append(("set_tid", render.pointer(set_tid)))
        fields.append(("set_tid_size", str(set_tid_size)))
    if flags & 0x200000000:
        fields.append(("cgroup", str(cgroup)))
    text = render.struct(fields)

    returned = []
    if not call.failed:
        if flags & CLONE_PIDFD:
            returned.append(("pidfd", _boxed_int(ctx, call, pidfd)))
        if flags & CLONE_PARENT_SETTID:
            returned.append(("parent_tid", _boxed_int(ctx, call, parent_tid)))
    if returned:
        text += " => " + render.struct(returned)
    return f"{text}, {size}"


# -- wait -------------------------------------------------------------------

PTRACE_EVENTS = {
    1: "PTRACE_EVENT_FORK",
    2: "PTRACE_EVENT_VFORK",
    3: "PTRACE_EVENT_CLONE",
    4: "PTRACE_EVENT_EXEC",
    5: "PTRACE_EVENT_VFORK_DONE",
    6: "PTRACE_EVENT_EXIT",
    7: "PTRACE_EVENT_SECCOMP",
    0x80: "PTRACE_EVENT_STOP",
}


def wait_status_text(status: int) -> str:
    """``[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`` and the like."""
    status &= 0xFFFFFFFF
    low = status & 0x7F
    if status & 0xFF == 0x7F:
        stopsig = signals.signal_name((status >> 8) & 0xFF)
        text = f"WIFSTOPPED(s) && WSTOPSIG(s) == {stopsig}"
        event = status >> 16
        if event:
            name = PTRACE_EVENTS.get(event, f"{event:#x}")
            return f"[{{{text}}} | {name} << 16]"
        return f"[{{{text}}}]"
    if status == 0xFFFF:
        return "[{WIFCONTINUED(s)}]"
    if low == 0:
        text = f"WIFEXITED(s) && WEXITSTATUS(s) == {(status >> 8) & 0xFF}"
    else:
        text = f"WIFSIGNALED(s) && WTERMSIG(s) == {signals.signal_name(low)}"
        if status & 0x80:
            text += " && WCOREDUMP(s)"
    high = status & ~0xFFFF
    return f"[{{{text}}} | {high:#x}]" if high else f"[{{{text}}}]"


def a_wait_status(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    value = None if call.failed or not call.rval else _read_i32(ctx, call, addr)
    return render.pointer(addr) if value is None else wait_status_text(value)


_W_COMMON = (
    (0x1000000, "WNOWAIT"),
    (0x20000000, "__WNOTHREAD"),
    (0x40000000, "__WALL"),
    (0x80000000, "__WCLONE"),
)
WAIT4_OPTIONS = ((1, "WNOHANG"), (2, "WUNTRACED"), (4, "WEXITED"), (8, "WCONTINUED"))
WAITID_OPTIONS = ((1, "WNOHANG"), (2, "WSTOPPED"), (4, "WEXITED"), (8, "WCONTINUED"))
a_wait4_options = flag_arg(WAIT4_OPTIONS + _W_COMMON, "W???", bits=32)
a_waitid_options = flag_arg(WAITID_OPTIONS + _W_COMMON, "W???", bits=32)
ID_TYPES = {0: "P_ALL", 1: "P_PID", 2: "P_PGID", 3: "P_PIDFD"}


def siginfo_at(ctx: Ctx, call: Call, addr: int) -> str:
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 128)
    return render.pointer(addr) if data is None else signals.siginfo_bytes_text(data)


def a_siginfo(ctx: Ctx, call: Call, i: int) -> str:
    return siginfo_at(ctx, call, call.args[i])


def a_siginfo_out(ctx: Ctx, call: Call, i: int) -> str:
    if call.failed and call.args[i]:
        return render.pointer(call.args[i])
    return siginfo_at(ctx, call, call.args[i])


# -- signal sets and actions ------------------------------------------------


def sigset_at(ctx: Ctx, call: Call, addr: int, size: int) -> str:
    if addr == 0:
        return "NULL"
    if size > signals.NSIG_BYTES or size % 8:
        return render.pointer(addr)
    data = ctx.read(call, addr, size) if size else b""
    return render.pointer(addr) if data is None else signals.sigset_text(data)


def sigset_arg(size_index: int, written: bool = False) -> ArgFn:
    def decode(ctx: Ctx, call: Call, i: int) -> str:
        if written and call.failed and call.args[i]:
            return render.pointer(call.args[i])
        return sigset_at(ctx, call, call.args[i], call.args[size_index])

    return decode


def sigaction_arg(written: bool) -> ArgFn:
    def decode(ctx: Ctx, call: Call, i: int) -> str:
        addr, size = call.args[i], call.args[3]
        if addr == 0:
            return "NULL"
        if (written and call.failed) or size > signals.NSIG_BYTES or size % 8:
            return render.pointer(addr)
        data = ctx.read(call, addr, 24 + size)
        if data is None:
            return render.pointer(addr)
        return signals.sigaction_text(data, ctx.xstyle)

    return decode


SIGPROCMASK_HOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}


def a_sigreturn(ctx: Ctx, call: Call, i: int) -> str:
    """The mask ``rt_sigreturn`` restores, read from the signal frame."""
    sp: int | None = call.sp or None
    get_regs = getattr(call.tracee, "get_regs", None)
    if sp is None and get_regs is not None:
        try:
            sp = get_regs().stack_pointer
        except OSError:
            sp = None
    if sp is None:
        return "{mask=?}"
    addr = sp + signals.SIGFRAME_MASK_OFFSET
    data = ctx.read(call, addr, signals.NSIG_BYTES)
    mask = render.pointer(addr) if data is None else signals.sigset_text(data)
    return f"{{mask={mask}}}"


def r_signal(ctx: Ctx, call: Call) -> str:
    """A signal number returned: ``12 (SIGUSR2)``."""
    rval = call.rval or 0
    return f"{rval} ({signals.signal_name(rval)})"


SS_FLAGS = ((1, "SS_ONSTACK"), (2, "SS_DISABLE"), (0x80000000, "SS_AUTODISARM"))


def stack_t_arg(written: bool) -> ArgFn:
    def decode(ctx: Ctx, call: Call, i: int) -> str:
        addr = call.args[i]
        if addr == 0:
            return "NULL"
        data = None if written and call.failed else ctx.read(call, addr, 24)
        if data is None:
            return render.pointer(addr)
        sp, flags, size = struct.unpack("<QI4xQ", data)
        flag_text = flag_set(ctx, flags, SS_FLAGS, "SS_???")
        return f"{{ss_sp={render.pointer(sp)}, ss_flags={flag_text}, ss_size={size}}}"

    return decode


# -- futex --------------------------------------------------------------------

FUTEX_CMDS = dict(
    enumerate(
        [
            "WAIT",
            "WAKE",
            "FD",
            "REQUEUE",
            "CMP_REQUEUE",
            "WAKE_OP",
            "LOCK_PI",
            "UNLOCK_PI",
            "TRYLOCK_PI",
            "WAIT_BITSET",
            "WAKE_BITSET",
            "WAIT_REQUEUE_PI",
            "CMP_REQUEUE_PI",
            "LOCK_PI2",
        ]
    )
)
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF
FUTEX_OPS = {
    0: "FUTEX_OP_SET",
    1: "FUTEX_OP_ADD",
    2: "FUTEX_OP_OR",
    3: "FUTEX_OP_ANDN",
    4: "FUTEX_OP_XOR",
}
FUTEX_CMPS = {
    0: "FUTEX_OP_CMP_EQ",
    1: "FUTEX_OP_CMP_NE",
    2: "FUTEX_OP_CMP_LT",
    3: "FUTEX_OP_CMP_LE",
    4: "FUTEX_OP_CMP_GT",
    5: "FUTEX_OP_CMP_GE",
}


def _futex_op(ctx: Ctx, op: int) -> str:
    cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
    if ctx.xstyle == "raw" or cmd not in FUTEX_CMDS:
        return render.hexnum(op) if ctx.xstyle == "raw" else f"{op:#x} /* FUTEX_??? */"
    text = "FUTEX_" + FUTEX_CMDS[cmd]
    if op & FUTEX_PRIVATE_FLAG:
        text += "_PRIVATE"
    if op & FUTEX_CLOCK_REALTIME:
        text += "|FUTEX_CLOCK_REALTIME"
    return text if ctx.xstyle == "abbrev" else f"{op:#x} /* {text} */"


def _wake_op(value: int) -> str:
    op, cmp = (value >> 28) & 0xF, (value >> 24) & 0xF
    oparg, cmparg = (value >> 12) & 0xFFF, value & 0xFFF
    prefix = "FUTEX_OP_OPARG_SHIFT|" if op & 8 else ""
    op_name = FUTEX_OPS.get(op & 7, f"{op & 7:#x} /* FUTEX_OP_??? */")
    cmp_name = FUTEX_CMPS.get(cmp, f"{cmp:#x} /* FUTEX_OP_CMP_??? */")
    return (
        f"{prefix}{op_name}<<28|{render.hexnum(oparg)}<<12|"
        f"{cmp_name}<<24|{render.hexnum(cmparg)}"
    )


def a_futex(ctx: Ctx, call: Call, i: int) -> str:
    """All of ``futex``'s arguments: which ones are shown depends on the
    operation."""
    uaddr, op, val, timeout, uaddr2, val3 = call.args[:6]
    op &= 0xFFFFFFFF
    cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
    name = FUTEX_CMDS.get(cmd)
    val &= 0xFFFFFFFF
    val3 &= 0xFFFFFFFF
    parts = [render.pointer(uaddr), _futex_op(ctx, op)]
    val2 = str(timeout & 0xFFFFFFFF)
    if name in ("WAIT",):
        parts += [str(val), timespec_text(ctx, call, timeout)]
    elif name in ("WAKE", "FD"):
        parts.append(str(val))
    elif name == "REQUEUE":
        parts += [str(val), val2, render.pointer(uaddr2)]
    elif name in ("CMP_REQUEUE", "CMP_REQUEUE_PI"):
        parts += [str(val), val2, render.pointer(uaddr2), str(val3)]
    elif name == "WAKE_OP":
        parts += [str(val), val2, render.pointer(uaddr2), _wake_op(val3)]
    elif name in ("LOCK_PI", "LOCK_PI2"):
        parts.append(timespec_text(ctx, call, timeout))
    elif name in ("UNLOCK_PI", "TRYLOCK_PI"):
        pass
    elif name in ("WAIT_BITSET", "WAKE_BITSET"):
        bitset = (
            "FUTEX_BITSET_MATCH_ANY"
            if val3 == FUTEX_BITSET_MATCH_ANY and ctx.xstyle == "abbrev"
            else render.hexnum(val3)
        )
        parts.append(str(val))
        if name == "WAIT_BITSET":
            parts.append(timespec_text(ctx, call, timeout))
        parts.append(bitset)
    elif name == "WAIT_REQUEUE_PI":
        parts += [str(val), timespec_text(ctx, call, timeout), render.pointer(uaddr2)]
    else:
        parts += [
            str(val),
            render.pointer(timeout),
            render.pointer(uaddr2),
            render.hexnum(val3),
        ]
    return ", ".join(parts)


# -- limits -------------------------------------------------------------------

RLIMITS = dict(
    enumerate(
        [
            "CPU",
            "FSIZE",
            "DATA",
            "STACK",
            "CORE",
            "RSS",
            "NPROC",
            "NOFILE",
            "MEMLOCK",
            "AS",
            "LOCKS",
            "SIGPENDING",
            "MSGQUEUE",
            "NICE",
            "RTPRIO",
            "RTTIME",
        ]
    )
)
RLIMITS = {k: f"RLIMIT_{v}" for k, v in RLIMITS.items()}
RLIM_INFINITY = (1 << 64) - 1
a_resource = named_arg(RLIMITS, "RLIMIT_???")


def _rlim(value: int) -> str:
    if value == RLIM_INFINITY:
        return "RLIM64_INFINITY"
    if value and value % 1024 == 0:
        return f"{value // 1024}*1024"
    return str(value)


def rlimit_arg(written: bool) -> ArgFn:
    def decode(ctx: Ctx, call: Call, i: int) -> str:
        addr = call.args[i]
        if addr == 0:
            return "NULL"
        data = None if written and call.failed else ctx.read(call, addr, 16)
        if data is None:
            return render.pointer(addr)
        cur, limit = struct.unpack("<QQ", data)
        return f"{{rlim_cur={_rlim(cur)}, rlim_max={_rlim(limit)}}}"

    return decode


# -- arch_prctl, prctl --------------------------------------------------------

ARCH_CODES = {
    0x1001: "ARCH_SET_GS",
    0x1002: "ARCH_SET_FS",
    0x1003: "ARCH_GET_FS",
    0x1004: "ARCH_GET_GS",
    0x1011: "ARCH_GET_CPUID",
    0x1012: "ARCH_SET_CPUID",
    0x1021: "ARCH_GET_XCOMP_SUPP",
    0x1022: "ARCH_GET_XCOMP_PERM",
    0x1023: "ARCH_REQ_XCOMP_PERM",
    0x1024: "ARCH_GET_XCOMP_GUEST_PERM",
    0x1025: "ARCH_REQ_XCOMP_GUEST_PERM",
    0x2001: "ARCH_MAP_VDSO_X32",
    0x2002: "ARCH_MAP_VDSO_32",
    0x2003: "ARCH_MAP_VDSO_64",
}
_ARCH_GETS = frozenset({0x1003, 0x1004, 0x1021, 0x1022, 0x1024})


def a_arch_prctl_addr(ctx: Ctx, call: Call, i: int) -> str:
    """The second argument: an address the kernel writes for the GET
    codes, a plain value otherwise."""
    addr = call.args[i]
    if call.args[0] & 0xFFFFFFFF not in _ARCH_GETS:
        return render.hexnum(addr)
    value = None if call.failed else _read_u64(ctx, call, addr)
    return render.pointer(addr) if value is None else f"[{render.hexnum(value)}]"


PR_OPTIONS = {
    1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE",
    4: "PR_SET_DUMPABLE", 5: "PR_GET_UNALIGN", 6: "PR_SET_UNALIGN",
    7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS", 9: "PR_GET_FPEMU",
    10: "PR_SET_FPEMU", 11: "PR_GET_FPEXC", 12: "PR_SET_FPEXC",
    13: "PR_GET_TIMING", 14: "PR_SET_TIMING", 15: "PR_SET_NAME",
    16: "PR_GET_NAME", 19: "PR_GET_ENDIAN", 20: "PR_SET_ENDIAN",
    21: "PR_GET_SECCOMP", 22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ",
    24: "PR_CAPBSET_DROP", 25: "PR_GET_TSC", 26: "PR_SET_TSC",
    27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 29: "PR_SET_TIMERSLACK",
    30: "PR_GET_TIMERSLACK", 31: "PR_TASK_PERF_EVENTS_DISABLE",
    32: "PR_TASK_PERF_EVENTS_ENABLE", 33: "PR_MCE_KILL", 34: "PR_MCE_KILL_GET",
    35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER", 37: "PR_GET_CHILD_SUBREAPER",
    38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 40: "PR_GET_TID_ADDRESS",
    41: "PR_SET_THP_DISABLE", 42: "PR_GET_THP_DISABLE", 45: "PR_SET_FP_MODE",
    46: "PR_GET_FP_MODE", 47: "PR_CAP_AMBIENT", 52: "PR_GET_SPECULATION_CTRL",
    53: "PR_SET_SPECULATION_CTRL", 55: "PR_SET_TAGGED_ADDR_CTRL",
    56: "PR_GET_TAGGED_ADDR_CTRL", 57: "PR_SET_IO_FLUSHER", 58: "PR_GET_IO_FLUSHER",
    59: "PR_SET_SYSCALL_USER_DISPATCH", 62: "PR_SCHED_CORE",
    0x53564D41: "PR_SET_VMA", 0x59616D61: "PR_SET_PTRACER",
}  # fmt: skip
_PR_NO_ARGS = frozenset({3, 7, 13, 19, 21, 27, 30, 31, 32, 34, 42, 46, 58})
_PR_DECIMAL_ARG = frozenset({8, 29, 36, 41})
_PR_FOUR_DECIMAL = frozenset({38, 39})
_PR_GET_INT = frozenset({37})
DUMPABLE = {0: "SUID_DUMP_DISABLE", 1: "SUID_DUMP_USER", 2: "SUID_DUMP_ROOT"}
SECCOMP_MODES = {
    0: "SECCOMP_MODE_DISABLED",
    1: "SECCOMP_MODE_STRICT",
    2: "SECCOMP_MODE_FILTER",
}
TASK_COMM_LEN = 16


def _comm(ctx: Ctx, call: Call, addr: int) -> str:
    """A task name: at most 15 bytes and a NUL, and cut at ``-s`` too."""
    data = ctx.read(call, addr, TASK_COMM_LEN)
    if data is None:
        return render.pointer(addr)
    end = data.find(b"\0")
    more = end < 0
    text = data[: TASK_COMM_LEN - 1] if more else data[:end]
    if len(text) > ctx.strsize:
        text, more = text[: ctx.strsize], True
    return render.quote(text, ellipsis=more)


def a_prctl(ctx: Ctx, call: Call, i: int) -> str:
    """All of ``prctl``'s arguments: how many, and which are written
    back, depends on the option."""
    option = call.args[0] & 0xFFFFFFFF
    args = call.args[1:5]
    head = named(ctx, option, PR_OPTIONS, "PR_???")
    if option in _PR_NO_ARGS:
        rest: list[str] = []
    elif option == 1:
        rest = [signals.signal_arg(args[0], ctx.xstyle)]
    elif option == 2:
        value = None if call.failed else _read_i32(ctx, call, args[0])
        rest = [
            render.pointer(args[0])
            if value is None
            else f"[{signals.signal_name(value)}]"
        ]
    elif option == 4:
        rest = [named(ctx, args[0], DUMPABLE, "SUID_DUMP_???")]
    elif option == 15:
        rest = [_comm(ctx, call, args[0])]
    elif option == 16:
        rest = [render.pointer(args[0]) if call.failed else _comm(ctx, call, args[0])]
    elif option == 22:
        mode = args[0] & 0xFFFFFFFF
        rest = [named(ctx, mode, SECCOMP_MODES, "SECCOMP_MODE_???")]
        if mode == 2:
            rest.append(_sock_fprog(ctx, call, args[1]))
    elif option in _PR_DECIMAL_ARG:
        rest = [str(args[0])]
    elif option in _PR_FOUR_DECIMAL:
        rest = [str(a) for a in args]
    elif option in _PR_GET_INT:
        rest = [_boxed_int(ctx, call, args[0])]
    else:
        rest = [render.hexnum(a) for a in args]
    return ", ".join([head, *rest])


def _sock_fprog(ctx: Ctx, call: Call, addr: int) -> str:
    data = ctx.read(call, addr, 16)
    if data is None:
        return render.pointer(addr)
    length, filt = struct.unpack("<H6xQ", data)
    return f"{{len={length}, filter={render.pointer(filt)}}}"


def r_prctl(ctx: Ctx, call: Call) -> str:
    if call.args[0] & 0xFFFFFFFF == 3 and call.rval in DUMPABLE:
        return f"{call.rval} ({DUMPABLE[call.rval]})"
    return str(call.rval)


# -- the rest -----------------------------------------------------------------

_UTS_FIELDS = ("sysname", "nodename", "release", "version", "machine", "domainname")
_UTS_LEN = 65


def a_utsname(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    data = None if call.failed else ctx.read(call, addr, _UTS_LEN * len(_UTS_FIELDS))
    if data is None:
        return render.pointer(addr)
    shown = _UTS_FIELDS if ctx.verbose else _UTS_FIELDS[:2]
    parts = []
    for n, name in enumerate(shown):
        field = data[n * _UTS_LEN : (n + 1) * _UTS_LEN]
        value = field.split(b"\0", 1)[0]
        parts.append(f"{name}={render.quote(value)}")
    return "{" + ", ".join(parts) + ("}" if ctx.verbose else ", ...}")


def a_random(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed:
        return render.pointer(addr)
    size = call.rval or 0
    shown = min(size, ctx.strsize)
    data = ctx.read(call, addr, shown) if shown else b""
    if data is None:
        return render.pointer(addr)
    return render.quote(data, ellipsis=size > shown, hex_all=True)


GRND_FLAGS = ((1, "GRND_NONBLOCK"), (2, "GRND_RANDOM"), (4, "GRND_INSECURE"))


def cpu_list(data: bytes) -> str:
    mask = int.from_bytes(data, "little")
    cpus = []
    cpu = 0
    while mask:
        if mask & 1:
            cpus.append(str(cpu))
        mask >>= 1
        cpu += 1
    return "[" + " ".join(cpus) + "]"


def a_cpus_out(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed or not addr:
        return render.pointer(addr)
    data = ctx.read(call, addr, call.rval or 0)
    return render.pointer(addr) if data is None else cpu_list(data)


def a_cpus_in(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    data = ctx.read(call, addr, min(call.args[1], 1 << 16))
    return render.pointer(addr) if data is None else cpu_list(data)


RSEQ_FLAGS = ((1, "RSEQ_FLAG_UNREGISTER"),)
PIDFD_FLAGS = ((0x800, "PIDFD_NONBLOCK"),)


def a_robust_out(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    value = None if call.failed else _read_u64(ctx, call, addr)
    return render.pointer(addr) if value is None else f"[{render.pointer(value)}]"


def a_robust_len(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    value = None if call.failed else _read_u64(ctx, call, addr)
    return render.pointer(addr) if value is None else f"[{value}]"


_NO_ARGS = [
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getpgrp",
    "setsid",
    "fork",
    "vfork",
    "sched_yield",
    "pause",
    "munlockall",
]

SIGNATURES: dict[str, Signature] = {name: sig() for name in _NO_ARGS}
SIGNATURES.update(
    {
        "getsid": sig(a_pid),
        "getpgid": sig(a_pid),
        "setpgid": sig(a_pid, a_pid),
        "setuid": sig(a_uint),
        "setgid": sig(a_uint),
        "execve": sig(a_path, a_argv, a_envp),
        "execveat": sig(
            a_dirfd, a_path, a_argv, a_envp, flag_arg(AT_FLAGS, "AT_???", bits=32)
        ),
        "clone": sig(out(a_clone)),
        "clone3": sig(out(a_clone3)),
        "exit": sig(a_int, ret=r_none),
        "exit_group": sig(a_int, ret=r_none),
        "wait4": sig(a_pid, out(a_wait_status), a_wait4_options, a_rusage),
        "waitid": sig(
            named_arg(ID_TYPES, "P_???"),
            a_pid,
            out(a_siginfo_out),
            a_waitid_options,
            a_rusage,
        ),
        "kill": sig(a_pid, a_sig),
        "tkill": sig(a_pid, a_sig),
        "tgkill": sig(a_pid, a_pid, a_sig),
        "rt_sigaction": sig(
            a_sig, sigaction_arg(False), out(sigaction_arg(True)), a_size
        ),
        "rt_sigprocmask": sig(
            named_arg(SIGPROCMASK_HOW, "SIG_???"),
            sigset_arg(3),
            out(sigset_arg(3, written=True)),
            a_size,
        ),
        "rt_sigreturn": sig(a_sigreturn),
        "rt_sigsuspend": sig(sigset_arg(1), a_size),
        "rt_sigpending": sig(out(sigset_arg(1, written=True)), a_size),
        "rt_sigtimedwait": sig(
            sigset_arg(3), out(a_siginfo_out), a_timespec, a_size, ret=r_signal
        ),
        "rt_sigqueueinfo": sig(a_pid, a_sig, a_siginfo),
        "rt_tgsigqueueinfo": sig(a_pid, a_pid, a_sig, a_siginfo),
        "sigaltstack": sig(stack_t_arg(False), out(stack_t_arg(True))),
        "futex": sig(a_futex),
        "set_tid_address": sig(a_ptr),
        "set_robust_list": sig(a_ptr, a_size),
        "get_robust_list": sig(a_pid, out(a_robust_out), out(a_robust_len)),
        "rseq": sig(
            a_ptr, a_hex, flag_arg(RSEQ_FLAGS, "RSEQ_FLAG_???", bits=32), a_hex
        ),
        "prlimit64": sig(a_pid, a_resource, rlimit_arg(False), out(rlimit_arg(True))),
        "getrlimit": sig(a_resource, out(rlimit_arg(True))),
        "setrlimit": sig(a_resource, rlimit_arg(False)),
        "arch_prctl": sig(named_arg(ARCH_CODES, "ARCH_???"), out(a_arch_prctl_addr)),
        "prctl": sig(out(a_prctl), ret=r_prctl),
        "uname": sig(out(a_utsname)),
        "getrandom": sig(
            out(a_random), a_size, flag_arg(GRND_FLAGS, "GRND_???", bits=32)
        ),
        "clock_gettime": sig(a_clock, out(a_timespec_out)),
        "clock_getres": sig(a_clock, out(a_timespec_out)),
        "clock_settime": sig(a_clock, a_timespec),
        "clock_nanosleep": sig(a_clock, a_timer_flags, a_timespec, out(a_remaining)),
        "nanosleep": sig(a_timespec, out(a_remaining)),
        "sched_getaffinity": sig(a_pid, a_size, out(a_cpus_out)),
        "sched_setaffinity": sig(a_pid, a_size, a_cpus_in),
        "pidfd_open": sig(a_pid, flag_arg(PIDFD_FLAGS, "PIDFD_???", bits=32), ret=r_fd),
        "pidfd_send_signal": sig(a_fd, a_sig, a_siginfo, a_hex),
    }
)
