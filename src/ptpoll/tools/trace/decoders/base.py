"""The decoder protocol: how one system call's arguments become strace text.

A `Signature` lists one decoder per argument and one for the return
value. Arguments up to the first *output* argument are printed when the
call enters; the rest, and the return value, when it exits (as strace
does: ``read(3, `` at entry, ``"data"..., 832) = 832`` at exit). A
decoder is ``fn(ctx, call, i) -> str`` for argument *i*
(``call.args[i]``); it reads the tracee's memory through *ctx*, never
directly, and never raises for an unreadable address: it prints the
address instead, as strace does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import render

# The most a decoder reads at once. Real calls stay far below (strings are
# cut at -s, directory listings and arrays at strace's limits).
READ_LIMIT = 1 << 20


class Memory(Protocol):
    """What a decoder may ask of the tracee (a `ptpoll.Tracee` fits)."""

    @property
    def tid(self) -> int: ...
    @property
    def pid(self) -> int: ...

    def read_memory(self, addr: int, size: int) -> bytes: ...
    def read_string(self, addr: int, limit: int = 4096) -> bytes: ...


class Call:
    """One system call of one thread, from entry to exit.

    ``args`` are the six raw register values (unsigned); ``rval`` is the
    signed return value once it exited (None before); ``error`` is the
    errno when it failed, else 0. ``stash`` keeps what a decoder saw at
    entry for its exit half.
    """

    __slots__ = (
        "args",
        "error",
        "name",
        "nr",
        "rval",
        "shown",
        "sp",
        "start",
        "stash",
        "tracee",
    )

    def __init__(
        self, tracee: Memory, nr: int, name: str, args: tuple[int, ...]
    ) -> None:
        self.tracee = tracee
        self.nr = nr
        self.name = name
        self.args = args
        self.rval: int | None = None
        self.error = 0
        self.stash: dict[str, Any] = {}
        self.start = 0.0  # when it entered (time.time())
        self.shown = False  # its entry half was printed
        self.sp = 0  # the stack pointer at entry, when known

    @property
    def failed(self) -> bool:
        return self.error != 0


@dataclass
class Ctx:
    """The options that shape decoding (``-s``, ``-v``, ``-X``, ``-y``)
    and the memory access decoders go through."""

    strsize: int = 32
    verbose: bool = False
    xstyle: str = "abbrev"  # -X abbrev|raw|verbose
    decode_fds: bool = False  # -y
    _fd_cache: dict[tuple[int, int], str] = field(default_factory=dict)

    def read(self, call: Call, addr: int, size: int) -> bytes | None:
        """*size* bytes at *addr*, or None if any of them is unreadable or
        *size* is past `READ_LIMIT` (a count from a garbage argument must
        not make the tracer allocate gigabytes)."""
        if addr == 0 or size > READ_LIMIT:
            return None
        try:
            return call.tracee.read_memory(addr, size)
        except (OSError, ValueError):
            return None

    def read_cstring(
        self, call: Call, addr: int, limit: int
    ) -> tuple[bytes, bool] | None:
        """The NUL-terminated string at *addr*, at most *limit* bytes:
        (bytes, whether the NUL was found within *limit*), or None if the
        address is unreadable."""
        if addr == 0:
            return None
        try:
            data = call.tracee.read_string(addr, limit + 1)
        except (OSError, ValueError):
            return None
        if len(data) > limit:
            return data[:limit], False
        return data, True

    def string(self, call: Call, addr: int) -> str:
        """A NUL-terminated string argument, cut at ``-s`` (``"..."...``)."""
        if addr == 0:
            return "NULL"
        got = self.read_cstring(call, addr, self.strsize)
        if got is None:
            return render.pointer(addr)
        data, whole = got
        return render.quote(data, ellipsis=not whole)

    def path(self, call: Call, addr: int) -> str:
        """A path argument: never cut at ``-s`` (strace prints paths whole)."""
        if addr == 0:
            return "NULL"
        got = self.read_cstring(call, addr, 4096)
        if got is None:
            return render.pointer(addr)
        data, whole = got
        return render.quote(data, ellipsis=not whole)

    def buffer(self, call: Call, addr: int, size: int) -> str:
        """*size* bytes at *addr* as a string, cut at ``-s``."""
        shown = min(size, self.strsize)
        data = self.read(call, addr, shown) if shown else b""
        if data is None:
            return render.pointer(addr)
        return render.quote(data, ellipsis=size > shown)

    def fd(self, call: Call, value: int) -> str:
        """A file descriptor: ``3``, or ``3</etc/passwd>`` with ``-y``."""
        fd = render.signed(value, 32)
        if not self.decode_fds or fd < 0:
            return str(fd)
        try:
            target = os.readlink(f"/proc/{call.tracee.pid}/fd/{fd}")
        except OSError:
            return str(fd)
        if target.endswith(" (deleted)"):
            return f"{fd}<{target[:-10]}>(deleted)"
        return f"{fd}<{target}>"

    def dirfd(self, call: Call, value: int) -> str:
        """A directory descriptor of the ``*at`` calls: ``AT_FDCWD`` for
        -100 (``AT_FDCWD</cwd>`` with ``-y``), else as `fd`."""
        fd = render.signed(value, 32)
        if fd != -100:
            return self.fd(call, value)
        if self.xstyle == "raw":
            return "-100"
        if self.xstyle == "verbose":
            return "-100 /* AT_FDCWD */"
        if self.decode_fds:
            try:
                return f"AT_FDCWD<{os.readlink(f'/proc/{call.tracee.pid}/cwd')}>"
            except OSError:
                pass
        return "AT_FDCWD"

    def flags(
        self, value: int, names: Any, zero: str = "0", unknown: str | None = None
    ) -> str:
        return render.flags(value, names, zero=zero, style=self.xstyle, unknown=unknown)

    def xlat(self, value: int, names: Any, default: str | None = None) -> str:
        return render.xlat(value, names, default=default, style=self.xstyle)


# An argument decoder may return None: the argument is left out of the
# line for this call (``fcntl(3, F_GETFD)`` has no third argument).
ArgFn = Callable[[Ctx, Call, int], "str | None"]
RetFn = Callable[[Ctx, Call], str]


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: its decoder, and whether it is printed at exit."""

    fn: ArgFn
    out: bool = False


def out(fn: ArgFn) -> Arg:
    """Mark an argument as an output: decoded once the call returned."""
    return Arg(fn, out=True)


# --- common argument decoders -------------------------------------------


def a_int(ctx: Ctx, call: Call, i: int) -> str:
    return render.int_arg(call.args[i])


def a_long(ctx: Ctx, call: Call, i: int) -> str:
    return str(render.signed(call.args[i]))


def a_ulong(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i])


def a_uint(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i] & 0xFFFFFFFF)


def a_hex(ctx: Ctx, call: Call, i: int) -> str:
    return render.hexnum(call.args[i])


def a_ptr(ctx: Ctx, call: Call, i: int) -> str:
    return render.pointer(call.args[i])


def a_oct(ctx: Ctx, call: Call, i: int) -> str:
    """A mode, as C's ``%#03o`` of its 16 bits: ``000``, ``0644``, ``0100644``."""
    return f"0{call.args[i] & 0xFFFF:02o}"


def a_fd(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.fd(call, call.args[i])


def a_dirfd(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.dirfd(call, call.args[i])


def a_path(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.path(call, call.args[i])


def a_str(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.string(call, call.args[i])


# --- return values -------------------------------------------------------


def r_dec(ctx: Ctx, call: Call) -> str:
    return str(call.rval)


def r_hex(ctx: Ctx, call: Call) -> str:
    return f"{(call.rval or 0) & (1 << 64) - 1:#x}"


def r_oct(ctx: Ctx, call: Call) -> str:
    return f"0{(call.rval or 0) & 0xFFFF:02o}"


def r_fd(ctx: Ctx, call: Call) -> str:
    return ctx.fd(call, call.rval or 0)


def r_none(ctx: Ctx, call: Call) -> str:
    """Calls that do not return (``exit_group``): strace prints ``?``."""
    return "?"


@dataclass(frozen=True, slots=True)
class Signature:
    """How to print one system call."""

    args: tuple[Arg, ...]
    ret: RetFn = r_dec


def sig(*args: ArgFn | Arg, ret: RetFn = r_dec) -> Signature:
    """A `Signature` from decoders; plain functions are input arguments."""
    return Signature(tuple(a if isinstance(a, Arg) else Arg(a) for a in args), ret)
