"""Tracee memory: ``process_vm_readv``/``writev`` and ``/proc/PID/mem``.

``process_vm_readv`` is one system call with no file to keep, but it obeys
page protections. ``/proc/PID/mem`` is what a tracer may use to read and
write pages it could not otherwise (``FOLL_FORCE``), such as read-only
text when planting a breakpoint. An open ``/proc/PID/mem`` stays bound to
the address space it was opened on: after an exec it must be reopened.
"""

from __future__ import annotations

import ctypes
import os

from ._libc import NR, os_error, syscall

__all__ = ["ProcMem", "vm_read", "vm_write"]


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def vm_read(pid: int, addr: int, size: int) -> bytes:
    """Up to *size* bytes at *addr* of *pid*; shorter if a page is missing.

    Raises OSError (EFAULT) if not even the first byte can be read.
    """
    buf = ctypes.create_string_buffer(size)
    local = _IoVec(ctypes.addressof(buf), size)
    remote = _IoVec(addr, size)
    n = syscall(
        NR["process_vm_readv"], pid, ctypes.addressof(local), 1,
        ctypes.addressof(remote), 1, 0,
    )  # fmt: skip
    if n < 0:
        raise os_error(-n, f"process_vm_readv at {addr:#x}", pid)
    return buf.raw[:n]


def vm_write(pid: int, addr: int, data: bytes) -> int:
    """Write *data* at *addr* of *pid*; returns how many bytes were written."""
    buf = ctypes.create_string_buffer(data, len(data))
    local = _IoVec(ctypes.addressof(buf), len(data))
    remote = _IoVec(addr, len(data))
    n = syscall(
        NR["process_vm_writev"], pid, ctypes.addressof(local), 1,
        ctypes.addressof(remote), 1, 0,
    )  # fmt: skip
    if n < 0:
        raise os_error(-n, f"process_vm_writev at {addr:#x}", pid)
    return n


class ProcMem:
    """An open ``/proc/PID/mem``: reads and writes that ignore protections."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self.fd = os.open(f"/proc/{pid}/mem", os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise os_error(exc.errno or 0, "open /proc/PID/mem", pid) from None

    def read(self, addr: int, size: int) -> bytes:
        try:
            return os.pread(self.fd, size, addr)
        except OSError as exc:
            raise os_error(
                exc.errno or 0, f"read of /proc/PID/mem at {addr:#x}", self.pid
            ) from None

    def write(self, addr: int, data: bytes) -> int:
        try:
            return os.pwrite(self.fd, data, addr)
        except OSError as exc:
            raise os_error(
                exc.errno or 0, f"write of /proc/PID/mem at {addr:#x}", self.pid
            ) from None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
