"""``waitid(2)`` and the ``siginfo_t`` it fills.

``waitid`` is used rather than ``waitpid`` because it can peek
(``WNOWAIT``), it takes ``P_PIDFD``, and its ``siginfo_t`` carries the
whole 16-bit ptrace stop code in ``si_status`` (``SIGTRAP | event << 8``),
so no bit-twiddling of a packed status is needed.
"""

from __future__ import annotations

import ctypes

from ._libc import libc, os_error

__all__ = [
    "CLD_CONTINUED",
    "CLD_DUMPED",
    "CLD_EXITED",
    "CLD_KILLED",
    "CLD_STOPPED",
    "CLD_TRAPPED",
    "P_ALL",
    "P_PID",
    "P_PIDFD",
    "WALL",
    "WNOTHREAD",
    "SigInfoBuffer",
    "waitid",
]

P_ALL = 0
P_PID = 1
P_PGID = 2
P_PIDFD = 3

WNOHANG = 0x1
WSTOPPED = 0x2
WEXITED = 0x4
WCONTINUED = 0x8
WNOWAIT = 0x01000000
WNOTHREAD = 0x20000000  # __WNOTHREAD
WALL = 0x40000000  # __WALL
WCLONE = 0x80000000  # __WCLONE

CLD_EXITED = 1
CLD_KILLED = 2
CLD_DUMPED = 3
CLD_TRAPPED = 4
CLD_STOPPED = 5
CLD_CONTINUED = 6

SIGINFO_SIZE = 128

# Offsets in the 64-bit siginfo_t (include/uapi/asm-generic/siginfo.h):
# three ints, then the union aligned to 8 bytes.
OFF_SIGNO = 0
OFF_ERRNO = 4
OFF_CODE = 8
OFF_PID = 16
OFF_UID = 20
OFF_STATUS = 24

SigInfoBuffer = ctypes.c_char * SIGINFO_SIZE

_waitid = libc.waitid
_waitid.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_waitid.restype = ctypes.c_int

_i32 = ctypes.c_int32


def read_child_info(buf: ctypes.Array[ctypes.c_char]) -> tuple[int, int, int]:
    """``(si_code, si_pid, si_status)`` of a buffer filled by ``waitid``.

    ``si_pid`` is 0 when ``WNOHANG`` found nothing.
    """
    base = ctypes.addressof(buf)
    return (
        _i32.from_address(base + OFF_CODE).value,
        _i32.from_address(base + OFF_PID).value,
        _i32.from_address(base + OFF_STATUS).value,
    )


def waitid(
    idtype: int,
    ident: int,
    options: int,
    buf: ctypes.Array[ctypes.c_char] | None = None,
) -> tuple[int, int, int] | None:
    """Call ``waitid`` and return ``(si_code, si_pid, si_status)``.

    Returns None when ``WNOHANG`` is in *options* and nothing is pending.
    Raises ``ChildProcessError`` (``ECHILD``) when there is nothing to wait
    for, and ``OSError`` for the rest. ``EINTR`` is retried, as in the
    standard library (PEP 475). The call releases the GIL while it blocks.
    """
    if buf is None:
        buf = SigInfoBuffer()
    ctypes.memset(buf, 0, SIGINFO_SIZE)
    while True:
        ret = _waitid(idtype, ident, buf, options)
        if ret == 0:
            break
        err = ctypes.get_errno()
        if err != 4:  # EINTR
            who = ident if idtype in (P_PID, P_PIDFD) else None
            raise os_error(err, "waitid", who)
    info = read_child_info(buf)
    if info[1] == 0:
        return None
    return info
