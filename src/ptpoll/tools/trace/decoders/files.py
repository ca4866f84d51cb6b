"""Files and descriptors: open/read/write/stat and their families, the
directory calls, fcntl, terminal ioctls, poll/select and epoll.

What strace 6.1 prints, as learnt by running it (the tests compare each
line with it):

- An output buffer of a call that failed is printed as its address, an
  input one is printed whatever the outcome.
- Arrays (iovecs, pollfds, epoll events) stop after ``-s`` elements with
  ``...``; data is cut at ``-s`` bytes, paths never.
- Flag sets print the names in strace's table order, which is not always
  the order of the values (``O_TMPFILE`` comes before ``O_DIRECTORY``, the
  half of it that it contains; ``ST_VALID`` comes first); a value with no
  known bit prints as ``0x40 /* O_??? */``.
- Modes print as C's ``%#03o`` (``000``, ``0644``); in a stat structure
  the file type comes first by name (``S_IFREG|0644``).

Values come from the kernel's uapi headers; where Python's `os` module has
the same constant it is used, except where the C library's value differs
from the kernel's (``O_LARGEFILE`` is 0 in glibc on 64-bit machines, the
kernel sees ``0o100000``).

fcntl and ioctl print their command and its argument as one output
argument, at exit: whether the argument is read or written, and whether
there is one at all (``fcntl(3, F_GETFD)``), depends on the command, and
a `Signature` splits entry from exit at a fixed place. A blocked
``F_SETLKW`` or ``TCSETSW`` therefore shows its argument only once it
resumes, where strace shows it before ``<unfinished ...>``.

Structure layouts are those of x86-64. The abbreviated form only: ``-v``
prints the same as without it.
"""

from __future__ import annotations

import os
import signal
import struct
from collections.abc import Sequence

from .. import render
from .base import (
    Call,
    Ctx,
    Signature,
    a_int,
    a_long,
    a_path,
    a_uint,
    a_ulong,
    out,
    r_dec,
    sig,
)

Names = Sequence[tuple[int, str]]

# --- small printers -------------------------------------------------------


def _styled(ctx: Ctx, value: int, text: str) -> str:
    """*text* for *value* under ``-X``."""
    if ctx.xstyle == "raw":
        return render.hexnum(value)
    if ctx.xstyle == "verbose" and text != render.hexnum(value):
        return f"{render.hexnum(value)} /* {text} */"
    return text


def _flags(ctx: Ctx, value: int, names: Names, unknown: str) -> str:
    """A flag set; a value with none of *names* gets ``/* X_??? */``."""
    text = ctx.flags(value, names)
    if value and ctx.xstyle != "raw" and text == f"{value:#x}":
        return f"{text} /* {unknown} */"
    return text


def _xlat(ctx: Ctx, value: int, names: dict[int, str], unknown: str) -> str:
    if ctx.xstyle == "raw":
        return render.hexnum(value)
    return ctx.xlat(value, names, "{:#x} /* " + unknown + " */")


def _mode(value: int) -> str:
    """A permission mode, as C's ``%#03o`` (modes are 16 bits wide)."""
    return f"0{value & 0xFFFF:02o}"


def _id(value: int) -> str:
    """A uid or gid: ``-1`` (leave unchanged) or unsigned."""
    value &= 0xFFFFFFFF
    return "-1" if value == 0xFFFFFFFF else str(value)


def _u32(value: int) -> int:
    return value & 0xFFFFFFFF


def _array(items: list[str], total: int) -> str:
    return render.array(items, more=total > len(items))


def _unpack(fmt: str, data: bytes, offset: int = 0) -> tuple[int, ...]:
    values: tuple[int, ...] = struct.unpack_from(fmt, data, offset)
    return values


# --- tables ---------------------------------------------------------------

_O_LARGEFILE = 0o100000  # the kernel's; glibc's os.O_LARGEFILE is 0

_ACCMODE = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR", 3: "O_ACCMODE"}

# strace's order: O_SYNC before O_DSYNC (it contains it), O_TMPFILE before
# O_DIRECTORY (the same), FASYNC last.
OPEN_FLAGS: Names = (
    (os.O_CREAT, "O_CREAT"),
    (os.O_EXCL, "O_EXCL"),
    (os.O_NOCTTY, "O_NOCTTY"),
    (os.O_TRUNC, "O_TRUNC"),
    (os.O_APPEND, "O_APPEND"),
    (os.O_NONBLOCK, "O_NONBLOCK"),
    (os.O_SYNC, "O_SYNC"),
    (os.O_DSYNC, "O_DSYNC"),
    (os.O_DIRECT, "O_DIRECT"),
    (_O_LARGEFILE, "O_LARGEFILE"),
    (os.O_NOFOLLOW, "O_NOFOLLOW"),
    (os.O_NOATIME, "O_NOATIME"),
    (os.O_CLOEXEC, "O_CLOEXEC"),
    (os.O_PATH, "O_PATH"),
    (os.O_TMPFILE, "O_TMPFILE"),
    (os.O_DIRECTORY, "O_DIRECTORY"),
    (os.O_ASYNC, "FASYNC"),
)

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_REMOVEDIR = 0x200
AT_EACCESS = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_NO_AUTOMOUNT = 0x800
AT_EMPTY_PATH = 0x1000
AT_STATX_FORCE_SYNC = 0x2000
AT_STATX_DONT_SYNC = 0x4000
AT_RECURSIVE = 0x8000

AT_FLAGS: Names = (
    (AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"),
    (AT_REMOVEDIR, "AT_REMOVEDIR"),
    (AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"),
    (AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"),
    (AT_EMPTY_PATH, "AT_EMPTY_PATH"),
    (AT_RECURSIVE, "AT_RECURSIVE"),
)
FACCESSAT_FLAGS: Names = (
    (AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"),
    (AT_EACCESS, "AT_EACCESS"),
    (AT_EMPTY_PATH, "AT_EMPTY_PATH"),
)
STATX_SYNC_TYPES: Names = (
    (AT_STATX_FORCE_SYNC, "AT_STATX_FORCE_SYNC"),
    (AT_STATX_DONT_SYNC, "AT_STATX_DONT_SYNC"),
)

ACCESS_MODES: Names = ((os.R_OK, "R_OK"), (os.W_OK, "W_OK"), (os.X_OK, "X_OK"))

SEEK_WHENCE = {
    os.SEEK_SET: "SEEK_SET",
    os.SEEK_CUR: "SEEK_CUR",
    os.SEEK_END: "SEEK_END",
    os.SEEK_DATA: "SEEK_DATA",
    os.SEEK_HOLE: "SEEK_HOLE",
}

RENAME_FLAGS: Names = (
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
)

RESOLVE_FLAGS: Names = (
    (0x01, "RESOLVE_NO_XDEV"),
    (0x02, "RESOLVE_NO_MAGICLINKS"),
    (0x04, "RESOLVE_NO_SYMLINKS"),
    (0x08, "RESOLVE_BENEATH"),
    (0x10, "RESOLVE_IN_ROOT"),
    (0x20, "RESOLVE_CACHED"),
)

CLOSE_RANGE_FLAGS: Names = (
    (1 << 1, "CLOSE_RANGE_UNSHARE"),
    (1 << 2, "CLOSE_RANGE_CLOEXEC"),
)

S_IFMT = 0o170000
FILE_TYPES = {
    0o140000: "S_IFSOCK",
    0o120000: "S_IFLNK",
    0o100000: "S_IFREG",
    0o060000: "S_IFBLK",
    0o040000: "S_IFDIR",
    0o020000: "S_IFCHR",
    0o010000: "S_IFIFO",
}

STATX_MASK: Names = (
    (0xFFF, "STATX_ALL"),
    (0x7FF, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
)
STATX_ATTRS: Names = (
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
)

# linux/magic.h; where several names share a value, the first one.
FS_MAGIC = {
    0xADF5: "ADFS_SUPER_MAGIC",
    0xADFF: "AFFS_SUPER_MAGIC",
    0x5346414F: "AFS_SUPER_MAGIC",
    0x0187: "AUTOFS_SUPER_MAGIC",
    0x00C36400: "CEPH_SUPER_MAGIC",
    0x73757245: "CODA_SUPER_MAGIC",
    0x28CD3D45: "CRAMFS_MAGIC",
    0x64626720: "DEBUGFS_MAGIC",
    0x73636673: "SECURITYFS_MAGIC",
    0xF97CFF8C: "SELINUX_MAGIC",
    0x43415D53: "SMACK_MAGIC",
    0x858458F6: "RAMFS_MAGIC",
    0x01021994: "TMPFS_MAGIC",
    0x958458F6: "HUGETLBFS_MAGIC",
    0x73717368: "SQUASHFS_MAGIC",
    0xF15F: "ECRYPTFS_SUPER_MAGIC",
    0x414A53: "EFS_SUPER_MAGIC",
    0xE0F5E1E2: "EROFS_SUPER_MAGIC_V1",
    0xEF53: "EXT2_SUPER_MAGIC",
    0xABBA1974: "XENFS_SUPER_MAGIC",
    0x9123683E: "BTRFS_SUPER_MAGIC",
    0x3434: "NILFS_SUPER_MAGIC",
    0xF2F52010: "F2FS_SUPER_MAGIC",
    0xF995E849: "HPFS_SUPER_MAGIC",
    0x9660: "ISOFS_SUPER_MAGIC",
    0x72B6: "JFFS2_SUPER_MAGIC",
    0x58465342: "XFS_SUPER_MAGIC",
    0x6165676C: "PSTOREFS_MAGIC",
    0xDE5E81E4: "EFIVARFS_MAGIC",
    0x00C0FFEE: "HOSTFS_SUPER_MAGIC",
    0x794C7630: "OVERLAYFS_SUPER_MAGIC",
    0x65735546: "FUSE_SUPER_MAGIC",
    0x137F: "MINIX_SUPER_MAGIC",
    0x138F: "MINIX_SUPER_MAGIC2",
    0x2468: "MINIX2_SUPER_MAGIC",
    0x2478: "MINIX2_SUPER_MAGIC2",
    0x4D5A: "MINIX3_SUPER_MAGIC",
    0x4D44: "MSDOS_SUPER_MAGIC",
    0x2011BAB0: "EXFAT_SUPER_MAGIC",
    0x564C: "NCP_SUPER_MAGIC",
    0x6969: "NFS_SUPER_MAGIC",
    0x7461636F: "OCFS2_SUPER_MAGIC",
    0x9FA1: "OPENPROM_SUPER_MAGIC",
    0x002F: "QNX4_SUPER_MAGIC",
    0x68191122: "QNX6_SUPER_MAGIC",
    0x6B414653: "AFS_FS_MAGIC",
    0x52654973: "REISERFS_SUPER_MAGIC",
    0x517B: "SMB_SUPER_MAGIC",
    0xFF534D42: "CIFS_SUPER_MAGIC",
    0xFE534D42: "SMB2_SUPER_MAGIC",
    0x27E0EB: "CGROUP_SUPER_MAGIC",
    0x63677270: "CGROUP2_SUPER_MAGIC",
    0x7655821: "RDTGROUP_SUPER_MAGIC",
    0x74726163: "TRACEFS_MAGIC",
    0x01021997: "V9FS_MAGIC",
    0x62646576: "BDEVFS_MAGIC",
    0x64646178: "DAXFS_MAGIC",
    0x42494E4D: "BINFMTFS_MAGIC",
    0x1CD1: "DEVPTS_SUPER_MAGIC",
    0x6C6F6F70: "BINDERFS_SUPER_MAGIC",
    0xBAD1DEA: "FUTEXFS_SUPER_MAGIC",
    0x50495045: "PIPEFS_MAGIC",
    0x9FA0: "PROC_SUPER_MAGIC",
    0x534F434B: "SOCKFS_MAGIC",
    0x62656572: "SYSFS_MAGIC",
    0x9FA2: "USBDEVICE_SUPER_MAGIC",
    0x11307854: "MTD_INODE_FS_MAGIC",
    0x09041934: "ANON_INODE_FS_MAGIC",
    0x73727279: "BTRFS_TEST_MAGIC",
    0x6E736673: "NSFS_MAGIC",
    0xCAFE4A11: "BPF_FS_MAGIC",
    0x5A3C69F0: "AAFS_MAGIC",
    0x5A4F4653: "ZONEFS_MAGIC",
    0x15013346: "UDF_SUPER_MAGIC",
    0x444D4142: "DMA_BUF_MAGIC",
    0x454D444D: "DEVMEM_MAGIC",
    0x5345434D: "SECRETMEM_MAGIC",
}

# The flags the kernel reports in statfs (linux/statfs.h, ST_VALID first as
# strace lists it).
STATFS_FLAGS: Names = (
    (0x0020, "ST_VALID"),
    (0x0001, "ST_RDONLY"),
    (0x0002, "ST_NOSUID"),
    (0x0004, "ST_NODEV"),
    (0x0008, "ST_NOEXEC"),
    (0x0010, "ST_SYNCHRONOUS"),
    (0x0040, "ST_MANDLOCK"),
    (0x0400, "ST_NOATIME"),
    (0x0800, "ST_NODIRATIME"),
    (0x1000, "ST_RELATIME"),
    (0x2000, "ST_NOSYMFOLLOW"),
)

EFD_FLAGS: Names = (
    (1, "EFD_SEMAPHORE"),
    (os.O_CLOEXEC, "EFD_CLOEXEC"),
    (os.O_NONBLOCK, "EFD_NONBLOCK"),
)

EPOLL_CTL = {1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}

# linux/eventpoll.h
EPOLL_EVENTS: Names = (
    (0x001, "EPOLLIN"),
    (0x002, "EPOLLPRI"),
    (0x004, "EPOLLOUT"),
    (0x008, "EPOLLERR"),
    (0x010, "EPOLLHUP"),
    (0x020, "EPOLLNVAL"),
    (0x040, "EPOLLRDNORM"),
    (0x080, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
)

# asm-generic/poll.h
POLL_EVENTS: Names = (
    (0x001, "POLLIN"),
    (0x002, "POLLPRI"),
    (0x004, "POLLOUT"),
    (0x008, "POLLERR"),
    (0x010, "POLLHUP"),
    (0x020, "POLLNVAL"),
    (0x040, "POLLRDNORM"),
    (0x080, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
    (0x8000, "POLL_BUSY_LOOP"),
)

# --- signals (for F_SETSIG and signal masks) --------------------------------

_SIGNALS = {s.value: s.name for s in signal.Signals if 0 < s.value < 32}
_SIGRTMIN_KERNEL = 32  # the kernel's; glibc keeps two for itself


def _signame(num: int) -> str | None:
    """``SIGUSR1``, ``SIGRTMIN``, ``SIGRT_3``; None outside 1..64."""
    if num in _SIGNALS:
        return _SIGNALS[num]
    if num == _SIGRTMIN_KERNEL:
        return "SIGRTMIN"
    if _SIGRTMIN_KERNEL < num <= 64:
        return f"SIGRT_{num - _SIGRTMIN_KERNEL}"
    return None


def _sigset(ctx: Ctx, call: Call, addr: int, size: int) -> str:
    """A ``sigset_t`` of *size* bytes: ``[USR1 TERM]``, or ``~[...]`` for
    the signals left out when most are in."""
    if addr == 0:
        return "NULL"
    if not 0 < size <= 128:
        return render.pointer(addr)
    data = ctx.read(call, addr, min(size, 8))
    if data is None:
        return render.pointer(addr)
    bits = int.from_bytes(data, "little")
    nsig = len(data) * 8
    prefix = ""
    if bin(bits).count("1") > nsig // 2:
        prefix = "~"
        bits = ~bits & ((1 << nsig) - 1)
    names = []
    for num in range(1, nsig + 1):
        if bits >> (num - 1) & 1:
            name = _signame(num)
            if name is None or ctx.xstyle == "raw":
                names.append(str(num))
            elif ctx.xstyle == "verbose":
                names.append(f"{num} /* {name[3:]} */")
            else:
                names.append(name[3:])
    return prefix + "[" + " ".join(names) + "]"


# --- shared pieces ----------------------------------------------------------


def a_dirfd(ctx: Ctx, call: Call, i: int) -> str:
    """A directory descriptor of an ``*at`` call: with ``-y``,
    ``AT_FDCWD`` shows the working directory, as strace does."""
    value = render.signed(call.args[i], 32)
    if value != AT_FDCWD:
        return _fd(ctx, call, value)
    if ctx.xstyle == "raw":
        return str(value)
    text = "AT_FDCWD"
    if ctx.decode_fds:
        try:
            text += f"<{os.readlink(f'/proc/{call.tracee.tid}/cwd')}>"
        except OSError:
            pass
    return f"{value} /* {text} */" if ctx.xstyle == "verbose" else text


def _fd(ctx: Ctx, call: Call, value: int) -> str:
    """A descriptor that is never ``AT_FDCWD`` (`Ctx.fd` names -100 so)."""
    if render.signed(value, 32) == AT_FDCWD:
        return str(AT_FDCWD)
    return ctx.fd(call, value)


def a_fd(ctx: Ctx, call: Call, i: int) -> str:
    return _fd(ctx, call, call.args[i])


def r_fd(ctx: Ctx, call: Call) -> str:
    return _fd(ctx, call, call.rval or 0)


def a_mode(ctx: Ctx, call: Call, i: int) -> str:
    return _mode(call.args[i])


def a_uid(ctx: Ctx, call: Call, i: int) -> str:
    return _id(call.args[i])


def open_flags(ctx: Ctx | None, value: int) -> str:
    """``O_RDWR|O_CREAT``: the access mode by name, then the flags; styled
    by ``-X`` unless *ctx* is None."""
    value = _u32(value)
    text = _ACCMODE[value & 3]
    rest = render.flags(value & ~3, OPEN_FLAGS, zero="")
    if rest:
        text = f"{text}|{rest}"
    return text if ctx is None else _styled(ctx, value, text)


def _wants_mode(flags: int) -> bool:
    return bool(flags & os.O_CREAT) or flags & os.O_TMPFILE == os.O_TMPFILE


def a_open_how(ctx: Ctx, call: Call, i: int) -> str:
    """Flags, and the mode when the call may create a file."""
    flags = _u32(call.args[i])
    text = open_flags(ctx, flags)
    if _wants_mode(flags):
        text += ", " + _mode(call.args[i + 1])
    return text


def a_at_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), AT_FLAGS, "AT_???")


def a_data(ctx: Ctx, call: Call, i: int) -> str:
    """Bytes written: as many as the next argument says."""
    return ctx.buffer(call, call.args[i], call.args[i + 1])


def a_data_out(ctx: Ctx, call: Call, i: int) -> str:
    """Bytes read: as many as the call returned."""
    if call.failed or call.rval is None:
        return render.pointer(call.args[i])
    return ctx.buffer(call, call.args[i], call.rval)


def _timespec(ctx: Ctx, call: Call, addr: int, usec: bool = False) -> str:
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 16)
    if data is None:
        return render.pointer(addr)
    sec, frac = _unpack("<qq", data)
    return f"{{tv_sec={sec}, {'tv_usec' if usec else 'tv_nsec'}={frac}}}"


def _int_in(ctx: Ctx, call: Call, addr: int) -> str:
    """An ``int *`` read by the kernel: ``[5]``."""
    data = ctx.read(call, addr, 4)
    if data is None:
        return render.pointer(addr)
    return f"[{_unpack('<i', data)[0]}]"


def _int_out(ctx: Ctx, call: Call, addr: int) -> str:
    """An ``int *`` written by the kernel: its address if the call failed."""
    if call.failed:
        return render.pointer(addr)
    return _int_in(ctx, call, addr)


# --- read/write -------------------------------------------------------------


def _iovec(ctx: Ctx, call: Call, i: int, limit: int | None) -> str:
    """An iovec array; *limit* bytes of data in all (the return value of a
    read), or each buffer whole (a write)."""
    addr, count = call.args[i], call.args[i + 1]
    if addr == 0:
        return "NULL"
    shown = min(count, ctx.strsize)
    data = ctx.read(call, addr, 16 * shown) if shown else b""
    if data is None:
        return render.pointer(addr)
    items = []
    for k in range(shown):
        base, length = _unpack("<QQ", data, 16 * k)
        if limit is None:
            text = ctx.buffer(call, base, length)
        elif call.failed:
            text = render.pointer(base)
        else:
            size = min(length, limit)
            limit -= size
            text = ctx.buffer(call, base, size)
        items.append(f"{{iov_base={text}, iov_len={length}}}")
    return _array(items, count)


def a_iov_in(ctx: Ctx, call: Call, i: int) -> str:
    return _iovec(ctx, call, i, None)


def a_iov_out(ctx: Ctx, call: Call, i: int) -> str:
    if call.failed and ctx.read(call, call.args[i], 16) is None:
        return render.pointer(call.args[i])
    return _iovec(ctx, call, i, call.rval or 0)


def a_whence(ctx: Ctx, call: Call, i: int) -> str:
    return _xlat(ctx, _u32(call.args[i]), SEEK_WHENCE, "SEEK_???")


def a_sendfile_in(ctx: Ctx, call: Call, i: int) -> str:
    """The input descriptor; also notes the offset as it was at entry."""
    addr = call.args[i + 1]
    if addr:
        data = ctx.read(call, addr, 8)
        call.stash["offset"] = None if data is None else _unpack("<q", data)[0]
    return ctx.fd(call, call.args[i])


def a_sendfile_offset(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    before = call.stash.get("offset")
    if before is None:
        return render.pointer(addr)
    text = f"[{before}]"
    if not call.failed and call.rval:
        data = ctx.read(call, addr, 8)
        if data is not None:
            text += f" => [{_unpack('<q', data)[0]}]"
    return text


# --- stat family -------------------------------------------------------------


def _symbolic_mode(ctx: Ctx, mode: int) -> str:
    kind = FILE_TYPES.get(mode & S_IFMT)
    if kind is None or ctx.xstyle == "raw":
        return _mode(mode)
    text = f"{kind}|{_mode(mode & ~S_IFMT)}"
    return f"{_mode(mode)} /* {text} */" if ctx.xstyle == "verbose" else text


def _makedev(ctx: Ctx, dev: int) -> str:
    if ctx.xstyle == "raw":
        return render.hexnum(dev)
    text = f"makedev({render.hexnum(os.major(dev))}, {render.hexnum(os.minor(dev))})"
    return f"{render.hexnum(dev)} /* {text} */" if ctx.xstyle == "verbose" else text


def a_stat(ctx: Ctx, call: Call, i: int) -> str:
    """``struct stat`` (x86-64), abbreviated: the mode, then the device
    for a device file or the size for the rest."""
    addr = call.args[i]
    data = None if call.failed else ctx.read(call, addr, 56)
    if data is None:
        return render.pointer(addr)
    (mode,) = _unpack("<I", data, 24)
    (rdev, size) = _unpack("<Qq", data, 40)
    fields = [("st_mode", _symbolic_mode(ctx, mode))]
    if mode & S_IFMT in (0o020000, 0o060000):
        fields.append(("st_rdev", _makedev(ctx, rdev)))
    else:
        fields.append(("st_size", str(size)))
    return render.struct(fields)[:-1] + ", ...}"


def a_statx_flags(ctx: Ctx, call: Call, i: int) -> str:
    """The synchronisation type, then the other flags: two parts that
    ``-X`` styles each on its own (raw prints nothing for type 0)."""
    value = _u32(call.args[i])
    sync = value & (AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC)
    rest = value & ~sync
    if ctx.xstyle == "raw":
        text = render.hexnum(sync) if sync else ""
    else:
        name = render.flags(sync, STATX_SYNC_TYPES, zero="AT_STATX_SYNC_AS_STAT")
        text = _styled(ctx, sync, name)
    if rest:
        text += "|" + _flags(ctx, rest, AT_FLAGS, "AT_???")
    return text


def a_statx_mask(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), STATX_MASK, "STATX_???")


def a_statx(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    data = None if call.failed else ctx.read(call, addr, 48)
    if data is None:
        return render.pointer(addr)
    (mask,) = _unpack("<I", data, 0)
    (attributes,) = _unpack("<Q", data, 8)
    (mode,) = _unpack("<H", data, 28)
    (size,) = _unpack("<Q", data, 40)
    fields = [
        ("stx_mask", _flags(ctx, mask, STATX_MASK, "STATX_???")),
        ("stx_attributes", _flags(ctx, attributes, STATX_ATTRS, "STATX_ATTR_???")),
        ("stx_mode", _symbolic_mode(ctx, mode)),
        ("stx_size", str(size)),
    ]
    return render.struct(fields)[:-1] + ", ...}"


def a_statfs(ctx: Ctx, call: Call, i: int) -> str:
    """``struct statfs`` (x86-64), whole: strace abbreviates none of it."""
    addr = call.args[i]
    data = None if call.failed else ctx.read(call, addr, 88)
    if data is None:
        return render.pointer(addr)
    ftype, bsize, blocks, bfree, bavail, files, ffree = _unpack("<7Q", data)
    fsid = _unpack("<II", data, 56)
    namelen, frsize, fsflags = _unpack("<3Q", data, 64)
    fields = [
        ("f_type", ctx.xlat(ftype, FS_MAGIC, "{:#x}")),
        ("f_bsize", str(bsize)),
        ("f_blocks", str(blocks)),
        ("f_bfree", str(bfree)),
        ("f_bavail", str(bavail)),
        ("f_files", str(files)),
        ("f_ffree", str(ffree)),
        ("f_fsid", "{val=[" + ", ".join(render.hexnum(v) for v in fsid) + "]}"),
        ("f_namelen", str(namelen)),
        ("f_frsize", str(frsize)),
        ("f_flags", _flags(ctx, fsflags, STATFS_FLAGS, "ST_???")),
    ]
    return render.struct(fields)


def a_access_mode(ctx: Ctx, call: Call, i: int) -> str:
    value = _u32(call.args[i])
    if value == 0:
        return ctx.flags(0, ACCESS_MODES, zero="F_OK")
    return _flags(ctx, value, ACCESS_MODES, "?_OK")


def a_faccessat_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), FACCESSAT_FLAGS, "AT_???")


# --- names and directories ----------------------------------------------------


def a_link_out(ctx: Ctx, call: Call, i: int) -> str:
    """readlink's buffer: the returned bytes, cut at ``-s``."""
    return a_data_out(ctx, call, i)


def a_cwd(ctx: Ctx, call: Call, i: int) -> str:
    if call.failed:
        return render.pointer(call.args[i])
    return ctx.path(call, call.args[i])


def a_renameat2_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), RENAME_FLAGS, "RENAME_???")


def r_umask(ctx: Ctx, call: Call) -> str:
    return _mode(call.rval or 0)


def a_dirents(ctx: Ctx, call: Call, i: int) -> str:
    """getdents/getdents64, abbreviated: the address and how many entries
    came back. Both layouts keep ``d_reclen`` at offset 16."""
    addr = call.args[i]
    if call.failed or call.rval is None:
        return render.pointer(addr)
    size = call.rval
    data = ctx.read(call, addr, size) if size else b""
    if data is None:
        return render.pointer(addr)
    count = pos = 0
    while pos + 18 <= size:
        (reclen,) = _unpack("<H", data, pos + 16)
        if reclen == 0:
            break
        count += 1
        pos += reclen
    return f"{render.pointer(addr)} /* {count} entries */"


# --- descriptors ------------------------------------------------------------------


def a_pipefds(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    data = None if call.failed else ctx.read(call, addr, 8)
    if data is None:
        return render.pointer(addr)
    return "[" + ", ".join(ctx.fd(call, fd) for fd in _unpack("<ii", data)) + "]"


def a_fd_flags(ctx: Ctx, call: Call, i: int) -> str:
    """pipe2 and dup3: open flags without the access mode."""
    return _flags(ctx, _u32(call.args[i]), OPEN_FLAGS, "O_???")


def a_close_range_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), CLOSE_RANGE_FLAGS, "CLOSE_RANGE_???")


# --- fcntl --------------------------------------------------------------------------

F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL = 0, 1, 2, 3, 4
F_GETLK, F_SETLK, F_SETLKW, F_SETOWN, F_GETOWN = 5, 6, 7, 8, 9
F_SETSIG, F_GETSIG = 10, 11
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETLEASE, F_GETLEASE, F_NOTIFY = 1024, 1025, 1026
F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ = 1030, 1031, 1032
F_ADD_SEALS, F_GET_SEALS = 1033, 1034

FCNTL_CMDS = {
    F_DUPFD: "F_DUPFD",
    F_GETFD: "F_GETFD",
    F_SETFD: "F_SETFD",
    F_GETFL: "F_GETFL",
    F_SETFL: "F_SETFL",
    F_GETLK: "F_GETLK",
    F_SETLK: "F_SETLK",
    F_SETLKW: "F_SETLKW",
    F_SETOWN: "F_SETOWN",
    F_GETOWN: "F_GETOWN",
    F_SETSIG: "F_SETSIG",
    F_GETSIG: "F_GETSIG",
    12: "F_GETLK64",
    13: "F_SETLK64",
    14: "F_SETLKW64",
    15: "F_SETOWN_EX",
    16: "F_GETOWN_EX",
    17: "F_GETOWNER_UIDS",
    F_OFD_GETLK: "F_OFD_GETLK",
    F_OFD_SETLK: "F_OFD_SETLK",
    F_OFD_SETLKW: "F_OFD_SETLKW",
    F_SETLEASE: "F_SETLEASE",
    F_GETLEASE: "F_GETLEASE",
    F_NOTIFY: "F_NOTIFY",
    F_DUPFD_CLOEXEC: "F_DUPFD_CLOEXEC",
    F_SETPIPE_SZ: "F_SETPIPE_SZ",
    F_GETPIPE_SZ: "F_GETPIPE_SZ",
    F_ADD_SEALS: "F_ADD_SEALS",
    F_GET_SEALS: "F_GET_SEALS",
}
_FCNTL_NO_ARG = {
    F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS
}  # fmt: skip

FD_FLAGS: Names = ((1, "FD_CLOEXEC"),)
LOCK_TYPES = {0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK"}
DN_FLAGS: Names = (
    (0x01, "DN_ACCESS"),
    (0x02, "DN_MODIFY"),
    (0x04, "DN_CREATE"),
    (0x08, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x80000000, "DN_MULTISHOT"),
)
SEALS: Names = (
    (0x01, "F_SEAL_SEAL"),
    (0x02, "F_SEAL_SHRINK"),
    (0x04, "F_SEAL_GROW"),
    (0x08, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
)


def _flock(ctx: Ctx, call: Call, addr: int, with_pid: bool) -> str:
    data = ctx.read(call, addr, 32)
    if data is None:
        return render.pointer(addr)
    ltype, whence = _unpack("<hh", data)
    start, length = _unpack("<qq", data, 8)
    (pid,) = _unpack("<i", data, 24)
    fields = [
        ("l_type", _xlat(ctx, ltype & 0xFFFF, LOCK_TYPES, "F_???")),
        ("l_whence", _xlat(ctx, whence & 0xFFFF, SEEK_WHENCE, "SEEK_???")),
        ("l_start", str(start)),
        ("l_len", str(length)),
    ]
    if with_pid:
        fields.append(("l_pid", str(pid)))
    return render.struct(fields)


def _fcntl_arg(ctx: Ctx, call: Call, cmd: int, arg: int) -> str:
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC, F_SETPIPE_SZ):
        return str(render.signed(arg))
    if cmd == F_SETFD:
        return _flags(ctx, _u32(arg), FD_FLAGS, "FD_???")
    if cmd == F_SETFL:
        return open_flags(ctx, arg)
    if cmd == F_SETOWN:
        return render.int_arg(arg)
    if cmd == F_SETSIG:
        num = render.signed(arg, 32)
        name = _signame(num) if num else None
        if name is None or ctx.xstyle == "raw":
            return str(num)
        return f"{num} /* {name} */" if ctx.xstyle == "verbose" else name
    if cmd == F_SETLEASE:
        return _xlat(ctx, _u32(arg), LOCK_TYPES, "F_???")
    if cmd == F_NOTIFY:
        return _flags(ctx, _u32(arg), DN_FLAGS, "DN_???")
    if cmd == F_ADD_SEALS:
        return _flags(ctx, _u32(arg), SEALS, "F_SEAL_???")
    if cmd in (F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW):
        return _flock(ctx, call, arg, with_pid=False)
    if cmd in (F_GETLK, F_OFD_GETLK):
        if call.failed:
            return render.pointer(arg)
        return _flock(ctx, call, arg, with_pid=True)
    return render.hexnum(arg)


def a_fcntl(ctx: Ctx, call: Call, i: int) -> str:
    """The command, and its argument if it takes one. Printed at exit,
    since some commands write their argument; see the module notes."""
    cmd = _u32(call.args[i])
    text = _xlat(ctx, cmd, FCNTL_CMDS, "F_???")
    if cmd in _FCNTL_NO_ARG:
        return text
    return f"{text}, {_fcntl_arg(ctx, call, cmd, call.args[i + 1])}"


def r_fcntl(ctx: Ctx, call: Call) -> str:
    cmd = _u32(call.args[1])
    rval = call.rval or 0
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        return ctx.fd(call, rval)
    if cmd == F_GETFL:
        return f"{render.hexnum(rval)} (flags {open_flags(None, rval)})"
    if cmd == F_GETFD and rval:
        return f"{render.hexnum(rval)} (flags {ctx.flags(rval, FD_FLAGS)})"
    if cmd == F_GET_SEALS and rval:
        return f"{render.hexnum(rval)} (seals {ctx.flags(rval, SEALS)})"
    if cmd == F_GETLEASE and rval in LOCK_TYPES:
        return f"{render.hexnum(rval)} ({LOCK_TYPES[rval]})"
    if cmd == F_GETSIG and rval:
        name = _signame(rval)
        return f"{rval} ({name})" if name else str(rval)
    return str(rval)


# --- ioctl (terminals) -----------------------------------------------------------

# asm-generic/ioctls.h; the three terminal requests that share their number
# with OSS sequencer ones (linux/soundcard.h) print both names, as strace
# does.
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TCXONC, TCFLSH = 0x540A, 0x540B
TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ = 0x540E, 0x540F, 0x5410, 0x5411
TIOCGWINSZ, TIOCSWINSZ = 0x5413, 0x5414
FIONREAD, FIONBIO, TIOCNOTTY = 0x541B, 0x5421, 0x5422
TCSBRK, TCSBRKP, TIOCGSID = 0x5409, 0x5425, 0x5429
FIONCLEX, FIOCLEX = 0x5450, 0x5451
TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER = 0x80045430, 0x40045431, 0x5441

IOCTLS = {
    TCGETS: "TCGETS",
    TCSETS: "SNDCTL_TMR_START or TCSETS",
    TCSETSW: "SNDCTL_TMR_STOP or TCSETSW",
    TCSETSF: "SNDCTL_TMR_CONTINUE or TCSETSF",
    0x5405: "TCGETA",
    0x5406: "TCSETA",
    0x5407: "TCSETAW",
    0x5408: "TCSETAF",
    TCSBRK: "TCSBRK",
    TCXONC: "TCXONC",
    TCFLSH: "TCFLSH",
    0x540C: "TIOCEXCL",
    0x540D: "TIOCNXCL",
    TIOCSCTTY: "TIOCSCTTY",
    TIOCGPGRP: "TIOCGPGRP",
    TIOCSPGRP: "TIOCSPGRP",
    TIOCOUTQ: "TIOCOUTQ",
    0x5412: "TIOCSTI",
    TIOCGWINSZ: "TIOCGWINSZ",
    TIOCSWINSZ: "TIOCSWINSZ",
    0x5415: "TIOCMGET",
    0x5416: "TIOCMBIS",
    0x5417: "TIOCMBIC",
    0x5418: "TIOCMSET",
    0x5419: "TIOCGSOFTCAR",
    0x541A: "TIOCSSOFTCAR",
    FIONREAD: "FIONREAD",
    0x541C: "TIOCLINUX",
    0x541D: "TIOCCONS",
    0x541E: "TIOCGSERIAL",
    0x541F: "TIOCSSERIAL",
    0x5420: "TIOCPKT",
    FIONBIO: "FIONBIO",
    TIOCNOTTY: "TIOCNOTTY",
    0x5423: "TIOCSETD",
    0x5424: "TIOCGETD",
    TCSBRKP: "TCSBRKP",
    0x5427: "TIOCSBRK",
    0x5428: "TIOCCBRK",
    TIOCGSID: "TIOCGSID",
    0x542E: "TIOCGRS485",
    0x542F: "TIOCSRS485",
    0x5432: "TCGETX",
    0x5433: "TCSETX",
    0x5434: "TCSETXF",
    0x5435: "TCSETXW",
    0x5437: "TIOCVHANGUP",
    TIOCGPTPEER: "TIOCGPTPEER",
    FIONCLEX: "FIONCLEX",
    FIOCLEX: "FIOCLEX",
    0x5452: "FIOASYNC",
    0x5453: "TIOCSERCONFIG",
    0x5454: "TIOCSERGWILD",
    0x5455: "TIOCSERSWILD",
    0x5456: "TIOCGLCKTRMIOS",
    0x5457: "TIOCSLCKTRMIOS",
    0x5458: "TIOCSERGSTRUCT",
    0x5459: "TIOCSERGETLSR",
    0x545A: "TIOCSERGETMULTI",
    0x545B: "TIOCSERSETMULTI",
    0x545C: "TIOCMIWAIT",
    0x545D: "TIOCGICOUNT",
    0x5460: "FIOQSIZE",
    TIOCGPTN: "TIOCGPTN",
    TIOCSPTLCK: "TIOCSPTLCK",
}
_IOCTL_NO_ARG = {
    0x540C, 0x540D, TIOCNOTTY, 0x541D, 0x541F, 0x5427, 0x5428, 0x5437, FIONCLEX, FIOCLEX
}  # fmt: skip
# Requests whose argument is an address that this module does not decode.
_IOCTL_POINTERS = {
    0x5405, 0x5406, 0x5407, 0x5408, 0x5412, 0x5415, 0x5416, 0x5417, 0x5418,
    0x5419, 0x541A, 0x5420, 0x5423, 0x5424, TIOCGSID, 0x5452, 0x5456, 0x5457,
}  # fmt: skip
_IOCTL_INT_OUT = {TIOCGPGRP, FIONREAD, TIOCOUTQ, TIOCGPTN}
_IOCTL_INT_IN = {TIOCSPGRP, FIONBIO, TIOCSPTLCK}

FLUSH_QUEUES = {0: "TCIFLUSH", 1: "TCOFLUSH", 2: "TCIOFLUSH"}
FLOW_ACTIONS = {0: "TCOOFF", 1: "TCOON", 2: "TCIOFF", 3: "TCION"}

_IOC_DIRS = {0: "_IOC_NONE", 1: "_IOC_WRITE", 2: "_IOC_READ", 3: "_IOC_READ|_IOC_WRITE"}


def _ioc(code: int) -> str:
    """A request strace does not know, taken apart as ``_IOC(...)``."""
    hexnum = render.hexnum
    return (
        f"_IOC({_IOC_DIRS[code >> 30]}, {hexnum(code >> 8 & 0xFF)}, "
        f"{hexnum(code & 0xFF)}, {hexnum(code >> 16 & 0x3FFF)})"
    )


# termios, asm-generic/termbits.h. The delay fields of c_oflag and the
# speed and character size of c_cflag print by value, then the flags.
IFLAGS: Names = tuple(
    (1 << n, name)
    for n, name in enumerate(
        (
            "IGNBRK",
            "BRKINT",
            "IGNPAR",
            "PARMRK",
            "INPCK",
            "ISTRIP",
            "INLCR",
            "IGNCR",
            "ICRNL",
            "IUCLC",
            "IXON",
            "IXANY",
            "IXOFF",
            "IMAXBEL",
            "IUTF8",
        )
    )
)
OFLAGS: Names = tuple(
    (1 << n, name)
    for n, name in enumerate(
        (
            "OPOST",
            "OLCUC",
            "ONLCR",
            "OCRNL",
            "ONOCR",
            "ONLRET",
            "OFILL",
            "OFDEL",
        )
    )
)
_ODELAYS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0x100, 8, ("NL0", "NL1")),
    (0x600, 9, ("CR0", "CR1", "CR2", "CR3")),
    (0x1800, 11, ("TAB0", "TAB1", "TAB2", "XTABS")),
    (0x2000, 13, ("BS0", "BS1")),
    (0x4000, 14, ("VT0", "VT1")),
    (0x8000, 15, ("FF0", "FF1")),
)
CFLAGS: Names = (
    (0o100, "CSTOPB"),
    (0o200, "CREAD"),
    (0o400, "PARENB"),
    (0o1000, "PARODD"),
    (0o2000, "HUPCL"),
    (0o4000, "CLOCAL"),
    (0o10000000000, "CMSPAR"),
    (0o20000000000, "CRTSCTS"),
)
_CBAUD, _CSIZE, _CIBAUD, _IBSHIFT = 0o10017, 0o60, 0o2003600000, 16
BAUDS = {
    0: "B0", 1: "B50", 2: "B75", 3: "B110", 4: "B134", 5: "B150", 6: "B200",
    7: "B300", 8: "B600", 9: "B1200", 10: "B1800", 11: "B2400", 12: "B4800",
    13: "B9600", 14: "B19200", 15: "B38400", 0o10001: "B57600",
    0o10002: "B115200", 0o10003: "B230400", 0o10004: "B460800",
    0o10005: "B500000", 0o10006: "B576000", 0o10007: "B921600",
    0o10010: "B1000000", 0o10011: "B1152000", 0o10012: "B1500000",
    0o10013: "B2000000", 0o10014: "B2500000", 0o10015: "B3000000",
    0o10016: "B3500000", 0o10017: "B4000000",
}  # fmt: skip
# strace's order, which is not the order of the values.
LFLAGS: Names = (
    (0o1, "ISIG"),
    (0o2, "ICANON"),
    (0o4, "XCASE"),
    (0o10, "ECHO"),
    (0o20, "ECHOE"),
    (0o40, "ECHOK"),
    (0o100, "ECHONL"),
    (0o200, "NOFLSH"),
    (0o100000, "IEXTEN"),
    (0o1000, "ECHOCTL"),
    (0o2000, "ECHOPRT"),
    (0o4000, "ECHOKE"),
    (0o10000, "FLUSHO"),
    (0o40000, "PENDIN"),
    (0o400, "TOSTOP"),
    (0o200000, "EXTPROC"),
)


def _termios(ctx: Ctx, call: Call, addr: int) -> str:
    data = ctx.read(call, addr, 16)
    if data is None:
        return render.pointer(addr)
    iflag, oflag, cflag, lflag = _unpack("<4I", data)

    # Each field is a list of (value, name) parts: -X raw prints the
    # values, -X verbose both, each part on its own.
    oparts = [
        (oflag & mask, names[(oflag & mask) >> shift])
        for mask, shift, names in _ODELAYS
    ]
    oparts.append(_flag_part(oflag & ~0xFF00, OFLAGS))
    baud = cflag & _CBAUD
    cparts = [(baud, BAUDS.get(baud, f"{baud:#o}"))]
    if cflag & _CIBAUD:
        ibaud = (cflag & _CIBAUD) >> _IBSHIFT
        cparts.append((cflag & _CIBAUD, f"{BAUDS.get(ibaud, f'{ibaud:#o}')}<<IBSHIFT"))
    cparts.append((cflag & _CSIZE, f"CS{5 + ((cflag & _CSIZE) >> 4)}"))
    cparts.append(_flag_part(cflag & ~(_CBAUD | _CSIZE | _CIBAUD), CFLAGS))

    fields = [
        ("c_iflag", _parts(ctx, [_flag_part(iflag, IFLAGS)])),
        ("c_oflag", _parts(ctx, oparts)),
        ("c_cflag", _parts(ctx, cparts)),
        ("c_lflag", _parts(ctx, [_flag_part(lflag, LFLAGS)])),
    ]
    return render.struct(fields)[:-1] + ", ...}"


def _flag_part(value: int, names: Names) -> tuple[int, str]:
    return value, render.flags(value, names, zero="")


def _parts(ctx: Ctx, parts: list[tuple[int, str]]) -> str:
    return "|".join(_styled(ctx, value, text) for value, text in parts)


def _winsize(ctx: Ctx, call: Call, addr: int) -> str:
    data = ctx.read(call, addr, 8)
    if data is None:
        return render.pointer(addr)
    row, col, xpixel, ypixel = _unpack("<4H", data)
    return f"{{ws_row={row}, ws_col={col}, ws_xpixel={xpixel}, ws_ypixel={ypixel}}}"


def _ioctl_arg(ctx: Ctx, call: Call, code: int, arg: int) -> str:
    if code in (TCGETS, TIOCGWINSZ):
        if call.failed:
            return render.pointer(arg)
        return _termios(ctx, call, arg) if code == TCGETS else _winsize(ctx, call, arg)
    if code in (TCSETS, TCSETSW, TCSETSF):
        return _termios(ctx, call, arg) if arg else "NULL"
    if code == TIOCSWINSZ:
        return _winsize(ctx, call, arg) if arg else "NULL"
    if code in _IOCTL_INT_OUT:
        return _int_out(ctx, call, arg) if arg else "NULL"
    if code in _IOCTL_INT_IN:
        return _int_in(ctx, call, arg) if arg else "NULL"
    if code == TCFLSH:
        return _xlat(ctx, _u32(arg), FLUSH_QUEUES, "TC???")
    if code == TCXONC:
        return _xlat(ctx, _u32(arg), FLOW_ACTIONS, "TC???")
    if code in (TIOCSCTTY, TCSBRK, TCSBRKP):
        return render.int_arg(arg)
    if code in _IOCTL_POINTERS:
        return render.pointer(arg)
    return render.hexnum(arg)


def a_ioctl(ctx: Ctx, call: Call, i: int) -> str:
    """The request and, if it takes one, its argument. Printed at exit,
    since some requests write their argument; see the module notes."""
    code = _u32(call.args[i])
    name = IOCTLS.get(code)
    text = _styled(ctx, code, _ioc(code) if name is None else name)
    if code in _IOCTL_NO_ARG:
        return text
    return f"{text}, {_ioctl_arg(ctx, call, code, call.args[i + 1])}"


# --- poll and select ----------------------------------------------------------


def _pollfds_in(ctx: Ctx, call: Call, addr: int, count: int) -> str:
    """The pollfd array as the call entered: fds and events."""
    if addr == 0:
        return "NULL"
    shown = min(count, ctx.strsize)
    data = ctx.read(call, addr, 8 * shown) if shown else b""
    if data is None:
        return render.pointer(addr)
    items = []
    for k in range(shown):
        fd, events = _unpack("<ih", data, 8 * k)
        if fd < 0:
            items.append(f"{{fd={fd}}}")
        else:
            text = ctx.flags(events & 0xFFFF, POLL_EVENTS)
            items.append(f"{{fd={ctx.fd(call, fd)}, events={text}}}")
    return _array(items, count)


# strace builds the list of returned events in a buffer of 1 KiB and
# stops, with "...", at the entry that would end within 27 bytes of its
# end (observed with long -X verbose entries).
_POLL_OUT_LIMIT = 1024 - 27


def _pollfds_out(ctx: Ctx, call: Call, addr: int, count: int) -> str:
    """The fds with events back, for the return value: no ``-y`` paths."""
    data = ctx.read(call, addr, 8 * min(count, _MAX_POLLFDS))
    if data is None:
        return render.pointer(addr)
    items: list[str] = []
    used = 1  # "["
    for k in range(len(data) // 8):
        fd, revents = _unpack("<i2xh", data, 8 * k)
        if not revents:
            continue
        text = f"{{fd={fd}, revents={ctx.flags(revents & 0xFFFF, POLL_EVENTS)}}}"
        if len(items) >= ctx.strsize or used + len(text) >= _POLL_OUT_LIMIT:
            return render.array(items, more=True)
        items.append(text)
        used += len(text) + 2
    return render.array(items)


_MAX_POLLFDS = 1 << 20


def a_pollfds(ctx: Ctx, call: Call, i: int) -> str:
    return _pollfds_in(ctx, call, call.args[i], _u32(call.args[i + 1]))


def _poll_result(ctx: Ctx, call: Call, left: str | None) -> str:
    rval = call.rval or 0
    if rval == 0:
        return "0 (Timeout)"
    parts = [_pollfds_out(ctx, call, call.args[0], _u32(call.args[1]))]
    if left is not None:
        parts.append(f"left {left}")
    return f"{rval} ({', '.join(parts)})"


def r_poll(ctx: Ctx, call: Call) -> str:
    return _poll_result(ctx, call, None)


def r_ppoll(ctx: Ctx, call: Call) -> str:
    tsp = call.args[2]
    return _poll_result(ctx, call, _timespec(ctx, call, tsp) if tsp else None)


def a_timespec(ctx: Ctx, call: Call, i: int) -> str:
    return _timespec(ctx, call, call.args[i])


def a_timeval(ctx: Ctx, call: Call, i: int) -> str:
    return _timespec(ctx, call, call.args[i], usec=True)


def a_sigmask(ctx: Ctx, call: Call, i: int) -> str:
    """A signal mask; its size is the next argument."""
    return _sigset(ctx, call, call.args[i], call.args[i + 1])


_MAX_FDSET_BITS = 1 << 20


def _fdset_bits(ctx: Ctx, call: Call, addr: int, nfds: int) -> list[int] | None:
    if not 0 <= nfds <= _MAX_FDSET_BITS:
        return None
    data = ctx.read(call, addr, (nfds + 63) // 64 * 8) if nfds else b""
    if data is None:
        return None
    bits = int.from_bytes(data, "little")
    return [fd for fd in range(nfds) if bits >> fd & 1]


def a_fdset(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    fds = _fdset_bits(ctx, call, addr, render.signed(call.args[0], 32))
    if fds is None:
        return render.pointer(addr)
    return "[" + " ".join(ctx.fd(call, fd) for fd in fds) + "]"


def _select_result(ctx: Ctx, call: Call, usec: bool) -> str:
    rval = call.rval or 0
    if rval == 0:
        return "0 (Timeout)"
    nfds = render.signed(call.args[0], 32)
    parts = []
    for label, addr in zip(("in", "out", "except"), call.args[1:4], strict=True):
        fds = _fdset_bits(ctx, call, addr, nfds) if addr else None
        if fds:
            parts.append(f"{label} [{' '.join(map(str, fds))}]")
    if call.args[4]:
        parts.append("left " + _timespec(ctx, call, call.args[4], usec=usec))
    return f"{rval} ({', '.join(parts)})" if parts else str(rval)


def r_select(ctx: Ctx, call: Call) -> str:
    return _select_result(ctx, call, usec=True)


def r_pselect6(ctx: Ctx, call: Call) -> str:
    return _select_result(ctx, call, usec=False)


def a_pselect6_mask(ctx: Ctx, call: Call, i: int) -> str:
    """pselect6's last argument: the address of {mask address, size}."""
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 16)
    if data is None:
        return render.pointer(addr)
    mask, size = _unpack("<QQ", data)
    return f"{{sigmask={_sigset(ctx, call, mask, size)}, sigsetsize={size}}}"


# --- eventfd and epoll ---------------------------------------------------------


def a_efd_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), EFD_FLAGS, "EFD_???")


EPOLL_CREATE_FLAGS: Names = ((os.O_CLOEXEC, "EPOLL_CLOEXEC"),)


def a_epoll_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, _u32(call.args[i]), EPOLL_CREATE_FLAGS, "EPOLL_???")


def a_epoll_op(ctx: Ctx, call: Call, i: int) -> str:
    return _xlat(ctx, _u32(call.args[i]), EPOLL_CTL, "EPOLL_CTL_???")


def _epoll_event(ctx: Ctx, data: bytes, offset: int) -> str:
    events, value = _unpack("<IQ", data, offset)
    text = ctx.flags(events, EPOLL_EVENTS)
    return f"{{events={text}, data={{u32={value & 0xFFFFFFFF}, u64={value}}}}}"


def a_epoll_event(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 12)
    if data is None:
        return render.pointer(addr)
    return _epoll_event(ctx, data, 0)


def a_epoll_events_out(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed or call.rval is None:
        return render.pointer(addr)
    shown = min(call.rval, ctx.strsize)
    data = ctx.read(call, addr, 12 * shown) if shown else b""
    if data is None:
        return render.pointer(addr)
    items = [_epoll_event(ctx, data, 12 * k) for k in range(shown)]
    return _array(items, call.rval)


# --- the table -----------------------------------------------------------------


def _openat2_how(ctx: Ctx, call: Call, i: int) -> str:
    addr, size = call.args[i], call.args[i + 1]
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, 24) if size >= 24 else None
    if data is None:
        return render.pointer(addr)
    flags, mode, resolve = _unpack("<QQQ", data)
    fields = [("flags", open_flags(ctx, flags))]
    if mode or _wants_mode(flags):
        fields.append(("mode", _mode(mode)))
    fields.append(("resolve", _flags(ctx, resolve, RESOLVE_FLAGS, "RESOLVE_???")))
    return render.struct(fields)


SIGNATURES: dict[str, Signature] = {
    "open": sig(a_path, a_open_how, ret=r_fd),
    "openat": sig(a_dirfd, a_path, a_open_how, ret=r_fd),
    "openat2": sig(a_dirfd, a_path, _openat2_how, a_ulong, ret=r_fd),
    "creat": sig(a_path, a_mode, ret=r_fd),
    "close": sig(a_fd),
    "close_range": sig(a_uint, a_uint, a_close_range_flags),
    "read": sig(a_fd, out(a_data_out), a_ulong),
    "write": sig(a_fd, a_data, a_ulong),
    "pread64": sig(a_fd, out(a_data_out), a_ulong, a_long),
    "pwrite64": sig(a_fd, a_data, a_ulong, a_long),
    "readv": sig(a_fd, out(a_iov_out), a_ulong),
    "writev": sig(a_fd, a_iov_in, a_ulong),
    "lseek": sig(a_fd, a_long, a_whence),
    "sendfile": sig(a_fd, a_sendfile_in, out(a_sendfile_offset), a_ulong),
    "stat": sig(a_path, out(a_stat)),
    "lstat": sig(a_path, out(a_stat)),
    "fstat": sig(a_fd, out(a_stat)),
    "newfstatat": sig(a_dirfd, a_path, out(a_stat), a_at_flags),
    "statx": sig(a_dirfd, a_path, a_statx_flags, a_statx_mask, out(a_statx)),
    "statfs": sig(a_path, out(a_statfs)),
    "fstatfs": sig(a_fd, out(a_statfs)),
    "access": sig(a_path, a_access_mode),
    "faccessat": sig(a_dirfd, a_path, a_access_mode),
    "faccessat2": sig(a_dirfd, a_path, a_access_mode, a_faccessat_flags),
    "readlink": sig(a_path, out(a_link_out), a_ulong),
    "readlinkat": sig(a_dirfd, a_path, out(a_link_out), a_ulong),
    "chdir": sig(a_path),
    "fchdir": sig(a_fd),
    "getcwd": sig(out(a_cwd), a_ulong),
    "mkdir": sig(a_path, a_mode),
    "mkdirat": sig(a_dirfd, a_path, a_mode),
    "unlink": sig(a_path),
    "unlinkat": sig(a_dirfd, a_path, a_at_flags),
    "rmdir": sig(a_path),
    "rename": sig(a_path, a_path),
    "renameat": sig(a_dirfd, a_path, a_dirfd, a_path),
    "renameat2": sig(a_dirfd, a_path, a_dirfd, a_path, a_renameat2_flags),
    "link": sig(a_path, a_path),
    "linkat": sig(a_dirfd, a_path, a_dirfd, a_path, a_at_flags),
    "symlink": sig(a_path, a_path),
    "symlinkat": sig(a_path, a_dirfd, a_path),
    "chmod": sig(a_path, a_mode),
    "fchmod": sig(a_fd, a_mode),
    "fchmodat": sig(a_dirfd, a_path, a_mode),
    "chown": sig(a_path, a_uid, a_uid),
    "lchown": sig(a_path, a_uid, a_uid),
    "fchown": sig(a_fd, a_uid, a_uid),
    "fchownat": sig(a_dirfd, a_path, a_uid, a_uid, a_at_flags),
    "truncate": sig(a_path, a_ulong),
    "ftruncate": sig(a_fd, a_ulong),
    "fsync": sig(a_fd),
    "fdatasync": sig(a_fd),
    "umask": sig(a_mode, ret=r_umask),
    "getdents": sig(a_fd, out(a_dirents), a_uint),
    "getdents64": sig(a_fd, out(a_dirents), a_uint),
    "dup": sig(a_fd, ret=r_fd),
    "dup2": sig(a_fd, a_fd, ret=r_fd),
    "dup3": sig(a_fd, a_fd, a_fd_flags, ret=r_fd),
    "pipe": sig(out(a_pipefds)),
    "pipe2": sig(out(a_pipefds), a_fd_flags),
    "fcntl": sig(a_fd, out(a_fcntl), ret=r_fcntl),
    "ioctl": sig(a_fd, out(a_ioctl), ret=r_dec),
    "poll": sig(a_pollfds, a_uint, a_int, ret=r_poll),
    "ppoll": sig(a_pollfds, a_uint, a_timespec, a_sigmask, a_ulong, ret=r_ppoll),
    "select": sig(a_int, a_fdset, a_fdset, a_fdset, a_timeval, ret=r_select),
    "pselect6": sig(
        a_int, a_fdset, a_fdset, a_fdset, a_timespec, a_pselect6_mask, ret=r_pselect6
    ),
    "eventfd2": sig(a_uint, a_efd_flags, ret=r_fd),
    "epoll_create1": sig(a_epoll_flags, ret=r_fd),
    "epoll_ctl": sig(a_fd, a_epoll_op, a_fd, a_epoll_event),
    "epoll_wait": sig(a_fd, out(a_epoll_events_out), a_int, a_int),
    "epoll_pwait": sig(a_fd, out(a_epoll_events_out), a_int, a_int, a_sigmask, a_ulong),
}
