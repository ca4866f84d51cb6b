"""Argument decoders by system call, and the strace line halves they make.

Each module of this package covers one family and exports ``SIGNATURES``
(name -> `Signature`); a call without one prints its arguments in hex, as
many as the kernel's table says it takes.
"""

from __future__ import annotations

import errno as _errno
import os

from .. import render, syscalls
from . import files, memory, net, process
from .base import Arg, ArgFn, Call, Ctx, Signature, r_dec

SIGNATURES: dict[str, Signature] = {}
for _module in (files, memory, process, net):
    SIGNATURES.update(_module.SIGNATURES)

# Errors that only the kernel sees: a call interrupted by a signal, which
# is restarted or fails with EINTR once the handler ran.
_INTERNAL_ERRORS = {
    512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    513: ("ERESTARTNOINTR", "To be restarted"),
    514: ("ERESTARTNOHAND", "To be restarted if no handler"),
    515: ("ENOIOCTLCMD", "No ioctl command"),
    516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal"),
    517: ("EPROBE_DEFER", "Driver requests probe retry"),
    518: ("EOPENSTALE", "Open found a stale dentry"),
    521: ("EBADHANDLE", "Illegal NFS file handle"),
    522: ("ENOTSYNC", "Update synchronization mismatch"),
    523: ("EBADCOOKIE", "Cookie is stale"),
    524: ("ENOTSUPP", "Operation is not supported"),
    525: ("ETOOSMALL", "Buffer or request is too small"),
    526: ("ESERVERFAULT", "An untranslatable error occurred"),
    527: ("EBADTYPE", "Type not supported by server"),
    528: ("EJUKEBOX", "Request initiated, but will not complete before timeout"),
    529: ("EIOCBQUEUED", "iocb queued, will get completion event"),
    530: ("ERECALLCONFLICT", "Conflict with recalled state"),
}


# Where two names share a number, the one strace prints.
_PREFERRED = {_errno.EDEADLK: "EDEADLK", _errno.EOPNOTSUPP: "EOPNOTSUPP"}


def errno_name(code: int) -> str:
    if code in _INTERNAL_ERRORS:
        return _INTERNAL_ERRORS[code][0]
    if code in _PREFERRED:
        return _PREFERRED[code]
    return _errno.errorcode.get(code, f"errno{code}")


def errno_text(code: int) -> str:
    if code in _INTERNAL_ERRORS:
        return _INTERNAL_ERRORS[code][1]
    return os.strerror(code)


def _first_out(sig: Signature) -> int:
    for i, arg in enumerate(sig.args):
        if arg.out:
            return i
    return len(sig.args)


# name -> (decoders printed at entry, decoders printed at exit, index of the
# first exit one), worked out once: this is looked up at every call.
_HALVES: dict[str, tuple[tuple[ArgFn, ...], tuple[ArgFn, ...], int]] = {
    name: (
        tuple(a.fn for a in sig.args[: _first_out(sig)]),
        tuple(a.fn for a in sig.args[_first_out(sig) :]),
        _first_out(sig),
    )
    for name, sig in SIGNATURES.items()
}


def entry_args(
    ctx: Ctx, call: Call, arch: int = syscalls.AUDIT_ARCH_X86_64
) -> list[str]:
    """The arguments printed when the call enters (all of them for a call
    without a signature, in hex)."""
    halves = _HALVES.get(call.name)
    if halves is None:
        n = 6 if call.name.startswith("syscall_") else syscalls.nargs(call.nr, arch)
        return [render.hexnum(a) for a in call.args[:n]]
    out = []
    for i, fn in enumerate(halves[0]):
        text = fn(ctx, call, i)
        if text is not None:
            out.append(text)
    return out


def exit_args(ctx: Ctx, call: Call) -> list[str]:
    """The arguments printed once the call returned."""
    halves = _HALVES.get(call.name)
    if halves is None or not halves[1]:
        return []
    first = halves[2]
    out = []
    for i, fn in enumerate(halves[1]):
        text = fn(ctx, call, first + i)
        if text is not None:
            out.append(text)
    return out


def has_exit_args(call: Call) -> bool:
    halves = _HALVES.get(call.name)
    return halves is not None and bool(halves[1])


def entry_text(ctx: Ctx, call: Call, arch: int = syscalls.AUDIT_ARCH_X86_64) -> str:
    """``name(in, args, `` : what strace prints when the call enters."""
    parts = entry_args(ctx, call, arch)
    text = call.name + "(" + ", ".join(parts)
    if parts and has_exit_args(call):
        text += ", "
    return text


def exit_text(ctx: Ctx, call: Call) -> str:
    """``out, args)`` : the rest of the line once the call returned,
    without the return value."""
    return ", ".join(exit_args(ctx, call)) + ")"


def return_text(ctx: Ctx, call: Call) -> str:
    """``0x7f00``, ``-1 ENOENT (No such file or directory)``, ``?``..."""
    sig = SIGNATURES.get(call.name)
    if call.error:
        if call.error in _INTERNAL_ERRORS:
            return f"? {errno_name(call.error)} ({errno_text(call.error)})"
        return f"-1 {errno_name(call.error)} ({errno_text(call.error)})"
    ret = sig.ret if sig is not None else r_dec
    return ret(ctx, call)


__all__ = [
    "Arg",
    "Call",
    "Ctx",
    "SIGNATURES",
    "Signature",
    "entry_args",
    "entry_text",
    "errno_name",
    "errno_text",
    "exit_args",
    "exit_text",
    "has_exit_args",
    "return_text",
]
