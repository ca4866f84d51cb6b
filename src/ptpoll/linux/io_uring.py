"""A minimal io_uring: setup, the two mapped queues and ``io_uring_enter``.

Only what ptpoll needs: ``IORING_OP_WAITID`` (Linux 6.7), ``ASYNC_CANCEL``
and ``NOP``. The queues are read and written in place through ``mmap``;
the kernel publishes a completion by storing the CQ tail after the entry
(``smp_store_release``), and on x86-64 a plain load of the tail orders the
later loads of the entry. TODO(aarch64): a weakly ordered CPU needs a
load-acquire of the CQ tail, which pure Python cannot issue; until ptpoll
has one (a tiny C helper), the io_uring waiter declares itself unavailable
elsewhere and the portable waiter is chosen.
"""

from __future__ import annotations

import ctypes
import mmap
import struct

from ._libc import NR, os_error, syscall

IORING_OP_NOP = 0
IORING_OP_ASYNC_CANCEL = 14
IORING_OP_WAITID = 50

IORING_SETUP_CLAMP = 1 << 4
IORING_SETUP_COOP_TASKRUN = 1 << 8
IORING_SETUP_SUBMIT_ALL = 1 << 7

IORING_FEAT_SINGLE_MMAP = 1 << 0
IORING_FEAT_EXT_ARG = 1 << 8

IORING_ENTER_GETEVENTS = 1 << 0
IORING_ENTER_EXT_ARG = 1 << 3

IORING_ASYNC_CANCEL_ALL = 1 << 0
IORING_ASYNC_CANCEL_ANY = 1 << 2

IORING_OFF_SQ_RING = 0
IORING_OFF_CQ_RING = 0x8000000
IORING_OFF_SQES = 0x10000000

_ENTER = NR["io_uring_enter"]

SQE_SIZE = 64
CQE_SIZE = 16

ETIME = 62
EINTR = 4
EBUSY = 16


class _SqOffsets(ctypes.Structure):
    _fields_ = [
        ("head", ctypes.c_uint32),
        ("tail", ctypes.c_uint32),
        ("ring_mask", ctypes.c_uint32),
        ("ring_entries", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("dropped", ctypes.c_uint32),
        ("array", ctypes.c_uint32),
        ("resv1", ctypes.c_uint32),
        ("user_addr", ctypes.c_uint64),
    ]


class _CqOffsets(ctypes.Structure):
    _fields_ = [
        ("head", ctypes.c_uint32),
        ("tail", ctypes.c_uint32),
        ("ring_mask", ctypes.c_uint32),
        ("ring_entries", ctypes.c_uint32),
        ("overflow", ctypes.c_uint32),
        ("cqes", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("resv1", ctypes.c_uint32),
        ("user_addr", ctypes.c_uint64),
    ]


class _Params(ctypes.Structure):
    _fields_ = [
        ("sq_entries", ctypes.c_uint32),
        ("cq_entries", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("sq_thread_cpu", ctypes.c_uint32),
        ("sq_thread_idle", ctypes.c_uint32),
        ("features", ctypes.c_uint32),
        ("wq_fd", ctypes.c_uint32),
        ("resv", ctypes.c_uint32 * 3),
        ("sq_off", _SqOffsets),
        ("cq_off", _CqOffsets),
    ]


class _GeteventsArg(ctypes.Structure):
    _fields_ = [
        ("sigmask", ctypes.c_uint64),
        ("sigmask_sz", ctypes.c_uint32),
        ("min_wait_usec", ctypes.c_uint32),
        ("ts", ctypes.c_uint64),
    ]


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_int64)]


# struct io_uring_sqe for WAITID (io_uring/waitid.c, io_waitid_prep):
# opcode, flags, ioprio, fd=id, addr2=infop, addr=0, len=idtype,
# waitid_flags=0, user_data, buf_index=0, personality=0, file_index=options.
_SQE = struct.Struct("<BBHiQQIIQHHIQQ")
_CQE = struct.Struct("<QiI")


def waitid_sqe(
    idtype: int, ident: int, options: int, infop: int, user_data: int
) -> bytes:
    """A packed ``IORING_OP_WAITID`` SQE, for `Ring.push`.

    On completion the kernel has consumed the status (unless *options* has
    ``WNOWAIT``) and written a short ``siginfo_t`` at *infop*; the CQE's
    result is 0, or ``-errno``. The bytes can be kept and pushed again.
    """
    return _SQE.pack(
        IORING_OP_WAITID, 0, 0, ident, infop, 0, idtype, 0,
        user_data, 0, 0, options, 0, 0,
    )  # fmt: skip


class Ring:
    """One io_uring instance with its queues mapped.

    Not thread-safe: one thread submits and reaps (for WAITID, the thread
    whose children and tracees are waited for).
    """

    def __init__(self, entries: int = 4, flags: int = 0) -> None:
        params = _Params()
        params.flags = flags
        fd = syscall(NR["io_uring_setup"], entries, ctypes.addressof(params))
        if fd < 0:
            raise os_error(-fd, "io_uring_setup")
        self.fd = fd
        self.features = params.features
        self._maps: list[mmap.mmap] = []
        try:
            self._map(params)
        except BaseException:
            self.close()
            raise

    def _map(self, p: _Params) -> None:
        prot = mmap.PROT_READ | mmap.PROT_WRITE
        share = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        sq_size = p.sq_off.array + p.sq_entries * 4
        cq_size = p.cq_off.cqes + p.cq_entries * CQE_SIZE
        if p.features & IORING_FEAT_SINGLE_MMAP:
            sq_size = cq_size = max(sq_size, cq_size)
        sq = mmap.mmap(self.fd, sq_size, share, prot, offset=IORING_OFF_SQ_RING)
        self._maps.append(sq)
        if p.features & IORING_FEAT_SINGLE_MMAP:
            cq = sq
        else:
            cq = mmap.mmap(self.fd, cq_size, share, prot, offset=IORING_OFF_CQ_RING)
            self._maps.append(cq)
        sqes = mmap.mmap(
            self.fd, p.sq_entries * SQE_SIZE, share, prot, offset=IORING_OFF_SQES
        )
        self._maps.append(sqes)
        self._sqes = sqes
        self._cq = cq

        u32 = ctypes.c_uint32
        self._sq_tail = u32.from_buffer(sq, p.sq_off.tail)
        self._sq_head = u32.from_buffer(sq, p.sq_off.head)
        self._sq_mask = (
            p.sq_off.ring_mask and u32.from_buffer(sq, p.sq_off.ring_mask).value
        )
        self.sq_entries = p.sq_entries
        self._cq_head = u32.from_buffer(cq, p.cq_off.head)
        self._cq_tail = u32.from_buffer(cq, p.cq_off.tail)
        self._cq_mask = u32.from_buffer(cq, p.cq_off.ring_mask).value
        self._cqes_off = p.cq_off.cqes
        # The SQ array indirects ring slots to SQE indexes; keep it the
        # identity so that slot i always uses SQE i.
        array = (u32 * p.sq_entries).from_buffer(sq, p.sq_off.array)
        for i in range(p.sq_entries):
            array[i] = i
        self._views = [
            self._sq_tail,
            self._sq_head,
            self._cq_head,
            self._cq_tail,
            array,
        ]
        self._local_tail = self._sq_tail.value
        self._unsubmitted = 0

    # -- submission ---------------------------------------------------

    def push(self, sqe: bytes) -> None:
        """Queue (without submitting) one packed SQE (see `waitid_sqe`)."""
        tail = self._local_tail
        if (tail - self._sq_head.value) & 0xFFFFFFFF >= self.sq_entries:
            raise BlockingIOError(EBUSY, "io_uring submission queue is full")
        offset = (tail & self._sq_mask) * SQE_SIZE
        self._sqes[offset : offset + SQE_SIZE] = sqe
        self._local_tail = tail = (tail + 1) & 0xFFFFFFFF
        self._sq_tail.value = tail
        self._unsubmitted += 1

    def discard_unsubmitted(self) -> None:
        """Take back what was queued and not yet submitted (the kernel reads
        the SQ only inside ``io_uring_enter``)."""
        self._local_tail = (self._local_tail - self._unsubmitted) & 0xFFFFFFFF
        self._sq_tail.value = self._local_tail
        self._unsubmitted = 0

    def _push(self, *fields: int) -> None:
        self.push(_SQE.pack(*fields))

    def prep_waitid(
        self, idtype: int, ident: int, options: int, infop: int, user_data: int
    ) -> None:
        """Queue (without submitting) an ``IORING_OP_WAITID``; see `waitid_sqe`."""
        self.push(waitid_sqe(idtype, ident, options, infop, user_data))

    def prep_cancel_all(self, user_data: int) -> None:
        """Queue a cancel of every request in flight on this ring."""
        self._push(
            IORING_OP_ASYNC_CANCEL, 0, 0, 0, 0, 0, 0,
            IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY,
            user_data, 0, 0, 0, 0, 0,
        )  # fmt: skip

    @property
    def unsubmitted(self) -> int:
        return self._unsubmitted

    def enter(self, min_complete: int = 0, timeout: float | None = None) -> int:
        """Submit what is queued and, if *min_complete*, wait for completions.

        Returns how many entries were submitted. A *timeout* that expires is
        not an error. ``EINTR`` returns early (the caller loops).
        """
        flags = 0
        arg = 0
        argsz = 0
        if min_complete:
            flags |= IORING_ENTER_GETEVENTS
            if timeout is not None:
                ts = _Timespec(int(timeout), int((timeout % 1) * 1e9))
                ext = _GeteventsArg(0, 0, 0, ctypes.addressof(ts))
                arg = ctypes.addressof(ext)
                argsz = ctypes.sizeof(ext)
                flags |= IORING_ENTER_EXT_ARG
        todo = self._unsubmitted
        ret = syscall(_ENTER, self.fd, todo, min_complete, flags, arg, argsz)
        if ret < 0:
            if ret in (-ETIME, -EINTR):
                return 0
            raise os_error(-ret, "io_uring_enter")
        self._unsubmitted -= ret
        return ret

    # -- completion ---------------------------------------------------

    def ready(self) -> int:
        """How many completions wait in the CQ."""
        return (self._cq_tail.value - self._cq_head.value) & 0xFFFFFFFF

    def pop(self) -> tuple[int, int] | None:
        """The oldest completion as ``(user_data, res)``, or None."""
        head = self._cq_head.value
        if head == self._cq_tail.value:
            return None
        user_data, res, _ = _CQE.unpack_from(
            self._cq, self._cqes_off + (head & self._cq_mask) * CQE_SIZE
        )
        self._cq_head.value = (head + 1) & 0xFFFFFFFF
        return user_data, res

    def close(self) -> None:
        """Unmap and close; requests still in flight are cancelled by the
        kernel."""
        views = getattr(self, "_views", [])
        self._views = []
        del views
        for name in ("_sq_tail", "_sq_head", "_cq_head", "_cq_tail", "_sqes", "_cq"):
            self.__dict__.pop(name, None)
        for m in self._maps:
            m.close()
        self._maps = []
        if self.fd >= 0:
            import os

            os.close(self.fd)
            self.fd = -1


def probe_waitid() -> str | None:
    """None if ``IORING_OP_WAITID`` works here, else why it does not.

    Submits a WAITID for a pid that cannot be our child: a kernel that knows
    the opcode answers ``ECHILD``; one that does not answers ``EINVAL``.
    """
    try:
        ring = Ring(2)
    except OSError as exc:
        return f"io_uring_setup failed: {exc.strerror}"
    try:
        buf = ctypes.create_string_buffer(128)
        # WEXITED | __WALL; pid 1 is never our child.
        ring.prep_waitid(1, 1, 0x4 | 0x40000000, ctypes.addressof(buf), 1)
        ring.enter(1)
        done = ring.pop()
        if done is None:
            return "io_uring did not complete a WAITID probe"
        if done[1] == -10:  # ECHILD: the opcode exists and ran
            return None
        import os

        return f"IORING_OP_WAITID answered {os.strerror(-done[1])}"
    finally:
        ring.close()
