"""Memory mapping calls: mmap, mprotect, munmap, brk, mremap, madvise...

The constants come from ``<asm-generic/mman-common.h>``,
``<asm/mman.h>`` and ``<linux/mman.h>``. Where strace names the bits of
a flag word in an order other than by value (``mmap`` flags), the tables
keep strace's order, since the text must match.
"""

from __future__ import annotations

import mmap as _mmap
from collections.abc import Callable, Mapping, Sequence

from .. import render
from .base import Call, Ctx, Signature, a_hex, a_int, a_ptr, out, r_hex, sig

# -- helpers shared with the other modules of this family ---------------------


def flag_set(
    ctx: Ctx,
    value: int,
    names: Sequence[tuple[int, str]],
    unknown: str,
    zero: str = "0",
) -> str:
    """*value* as ``A|B|0x40``; ``0x40 /* X_??? */`` when no bit has a
    name (*unknown* is the ``X_???``)."""
    value &= (1 << 64) - 1
    if ctx.xstyle != "abbrev":
        return ctx.flags(value, names, zero)
    text = render.flags(value, names, zero=zero)
    if value and text == f"{value:#x}":
        return f"{text} /* {unknown} */"
    return text


def named(ctx: Ctx, value: int, names: Mapping[int, str], unknown: str) -> str:
    """One constant by name, else ``0x63 /* X_??? */``."""
    return ctx.xlat(value, names, default="{:#x} /* " + unknown + " */")


def flag_arg(
    names: Sequence[tuple[int, str]], unknown: str, zero: str = "0", bits: int = 64
) -> Callable[[Ctx, Call, int], str]:
    mask = (1 << bits) - 1

    def decode(ctx: Ctx, call: Call, i: int) -> str:
        return flag_set(ctx, call.args[i] & mask, names, unknown, zero)

    return decode


def named_arg(
    names: Mapping[int, str], unknown: str, bits: int = 32
) -> Callable[[Ctx, Call, int], str]:
    mask = (1 << bits) - 1

    def decode(ctx: Ctx, call: Call, i: int) -> str:
        return named(ctx, call.args[i] & mask, names, unknown)

    return decode


# -- tables -----------------------------------------------------------------

PAGE_SIZE = _mmap.PAGESIZE

PROT_FLAGS = (
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (0x01000000, "PROT_GROWSDOWN"),
    (0x02000000, "PROT_GROWSUP"),
)

MAP_TYPES = {0x1: "MAP_SHARED", 0x2: "MAP_PRIVATE", 0x3: "MAP_SHARED_VALIDATE"}
MAP_TYPE_MASK = 0xF
MAP_FLAGS = (
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
)
MAP_HUGE_SHIFT = 26
MAP_HUGE_MASK = 0x3F

MREMAP_FLAGS = ((1, "MREMAP_MAYMOVE"), (2, "MREMAP_FIXED"), (4, "MREMAP_DONTUNMAP"))
MREMAP_FIXED = 2

MADVICE = {
    0: "MADV_NORMAL",
    1: "MADV_RANDOM",
    2: "MADV_SEQUENTIAL",
    3: "MADV_WILLNEED",
    4: "MADV_DONTNEED",
    8: "MADV_FREE",
    9: "MADV_REMOVE",
    10: "MADV_DONTFORK",
    11: "MADV_DOFORK",
    12: "MADV_MERGEABLE",
    13: "MADV_UNMERGEABLE",
    14: "MADV_HUGEPAGE",
    15: "MADV_NOHUGEPAGE",
    16: "MADV_DONTDUMP",
    17: "MADV_DODUMP",
    18: "MADV_WIPEONFORK",
    19: "MADV_KEEPONFORK",
    20: "MADV_COLD",
    21: "MADV_PAGEOUT",
    22: "MADV_POPULATE_READ",
    23: "MADV_POPULATE_WRITE",
    24: "MADV_DONTNEED_LOCKED",
    25: "MADV_COLLAPSE",
    100: "MADV_HWPOISON",
    101: "MADV_SOFT_OFFLINE",
}

MS_FLAGS = ((1, "MS_ASYNC"), (4, "MS_SYNC"), (2, "MS_INVALIDATE"))
MCL_FLAGS = ((1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT"))
MLOCK_FLAGS = ((1, "MLOCK_ONFAULT"),)


# -- decoders ---------------------------------------------------------------


def a_prot(ctx: Ctx, call: Call, i: int) -> str:
    return flag_set(ctx, call.args[i], PROT_FLAGS, "PROT_???", zero="PROT_NONE")


def map_flags_text(ctx: Ctx, value: int) -> str:
    if ctx.xstyle == "raw":
        return render.hexnum(value)
    parts = [named(ctx, value & MAP_TYPE_MASK, MAP_TYPES, "MAP_???")]
    rest = value & ~MAP_TYPE_MASK & ~(MAP_HUGE_MASK << MAP_HUGE_SHIFT)
    if rest:
        parts.append(render.flags(rest, MAP_FLAGS))
    huge = (value >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK
    if huge:
        parts.append(f"{huge}<<MAP_HUGE_SHIFT")
    text = "|".join(parts)
    if ctx.xstyle == "verbose":
        return f"{render.hexnum(value)} /* {text} */"
    return text


def a_map_flags(ctx: Ctx, call: Call, i: int) -> str:
    return map_flags_text(ctx, call.args[i] & 0xFFFFFFFF)


def a_size(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i])


def a_fd_int(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.fd(call, call.args[i])


def a_mremap_tail(ctx: Ctx, call: Call, i: int) -> str:
    """The flags, and the new address only when MREMAP_FIXED asks for one."""
    flags = call.args[i] & 0xFFFFFFFF
    text = flag_set(ctx, flags, MREMAP_FLAGS, "MREMAP_???")
    if flags & MREMAP_FIXED:
        text += ", " + render.pointer(call.args[i + 1])
    return text


def a_mincore_vec(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed:
        return render.pointer(addr)
    pages = (call.args[1] + PAGE_SIZE - 1) // PAGE_SIZE
    shown = min(pages, ctx.strsize)
    data = ctx.read(call, addr, shown) if shown else b""
    if data is None:
        return render.pointer(addr)
    return render.array([str(b & 1) for b in data], more=pages > shown)


SIGNATURES: dict[str, Signature] = {
    "mmap": sig(a_ptr, a_size, a_prot, a_map_flags, a_fd_int, a_hex, ret=r_hex),
    "mprotect": sig(a_ptr, a_size, a_prot),
    "pkey_mprotect": sig(a_ptr, a_size, a_prot, a_int),
    "munmap": sig(a_ptr, a_size),
    "brk": sig(a_ptr, ret=r_hex),
    "mremap": sig(a_ptr, a_size, a_size, a_mremap_tail, ret=r_hex),
    "madvise": sig(a_ptr, a_size, named_arg(MADVICE, "MADV_???")),
    "msync": sig(a_ptr, a_size, flag_arg(MS_FLAGS, "MS_???", bits=32)),
    "mlock": sig(a_ptr, a_size),
    "munlock": sig(a_ptr, a_size),
    "mlock2": sig(a_ptr, a_size, flag_arg(MLOCK_FLAGS, "MLOCK_???", bits=32)),
    "mlockall": sig(flag_arg(MCL_FLAGS, "MCL_???", bits=32)),
    "munlockall": sig(),
    "mincore": sig(a_ptr, a_size, out(a_mincore_vec)),
}
