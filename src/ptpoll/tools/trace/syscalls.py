"""System call names, argument counts and strace's classes.

Names and argument counts come from ``_table_x86_64`` (generated from the
kernel's own tables by ``scripts/gen_syscall_table.py``); numbers past the
table are named by libseccomp when it is installed (it is maintained with
the kernel), and otherwise print as ``syscall_0x1c7``, as strace does.

The classes (``%file``, ``%process``...) group calls by what they take
or do, with strace's meaning; they are lists of names, checked against the
table by the tests so that a misspelt name cannot hide.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

from ._table_x86_64 import TABLE

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
AUDIT_ARCH_AARCH64 = 0xC00000B7

_BY_NAME = {name: nr for nr, (name, _) in TABLE.items()}


@functools.lru_cache(maxsize=1)
def _libseccomp() -> ctypes.CDLL | None:
    path = ctypes.util.find_library("seccomp")
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    lib.seccomp_syscall_resolve_name_arch.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    return lib


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None


@functools.lru_cache(maxsize=1024)
def name(nr: int, arch: int = AUDIT_ARCH_X86_64) -> str:
    """The name of system call *nr* on *arch*; ``syscall_0x...`` if unknown."""
    if arch == AUDIT_ARCH_X86_64 and nr in TABLE:
        return TABLE[nr][0]
    lib = _libseccomp()
    if lib is not None and 0 <= nr < 1 << 31:
        ptr = lib.seccomp_syscall_resolve_num_arch(arch, nr)
        if ptr:
            try:
                return ctypes.string_at(ptr).decode()
            finally:
                _libc.free(ptr)
    return f"syscall_{nr:#x}"


def number(syscall: str, arch: int = AUDIT_ARCH_X86_64) -> int | None:
    """The number of the system call named *syscall*, None if unknown."""
    if arch == AUDIT_ARCH_X86_64 and syscall in _BY_NAME:
        return _BY_NAME[syscall]
    lib = _libseccomp()
    if lib is not None:
        nr = lib.seccomp_syscall_resolve_name_arch(arch, syscall.encode())
        if nr >= 0:
            return int(nr)
    return None


def nargs(nr: int, arch: int = AUDIT_ARCH_X86_64) -> int:
    """How many arguments system call *nr* takes (6 when unknown)."""
    if arch == AUDIT_ARCH_X86_64 and nr in TABLE:
        return TABLE[nr][1]
    return 6


def all_names(arch: int = AUDIT_ARCH_X86_64) -> dict[str, int]:
    """Every known name, with its number."""
    names = dict(_BY_NAME) if arch == AUDIT_ARCH_X86_64 else {}
    lib = _libseccomp()
    if lib is not None:
        for nr in range(max(TABLE) + 1, max(TABLE) + 64):
            found = name(nr, arch)
            if not found.startswith("syscall_"):
                names.setdefault(found, nr)
    return names


# strace's classes. A name that this architecture lacks is ignored when a
# class is expanded (the lists cover the generic and the x86-64 calls).
_FILE = """
open openat openat2 creat stat lstat newfstatat statx access faccessat
faccessat2 execve execveat truncate chdir chroot link linkat unlink unlinkat
symlink symlinkat readlink readlinkat rename renameat renameat2 mkdir mkdirat
rmdir mknod mknodat chmod fchmodat fchmodat2 chown lchown fchownat utime
utimes futimesat utimensat mount umount2 swapon swapoff pivot_root statfs
acct getxattr lgetxattr setxattr lsetxattr listxattr llistxattr removexattr
lremovexattr inotify_add_watch fanotify_mark name_to_handle_at quotactl
uselib
"""
_DESC = """
read write open close fstat poll lseek mmap ioctl pread64 pwrite64 readv
writev pipe select dup dup2 sendfile fcntl flock fsync fdatasync ftruncate
getdents fchdir creat fchmod fchown fstatfs readahead fsetxattr fgetxattr
flistxattr fremovexattr epoll_create getdents64 fadvise64 epoll_wait
epoll_ctl inotify_init inotify_add_watch inotify_rm_watch openat mkdirat
mknodat fchownat futimesat newfstatat unlinkat renameat linkat symlinkat
readlinkat fchmodat faccessat pselect6 ppoll splice sync_file_range tee
vmsplice utimensat epoll_pwait signalfd timerfd_create eventfd fallocate
timerfd_settime timerfd_gettime signalfd4 eventfd2 epoll_create1 dup3 pipe2
inotify_init1 preadv pwritev perf_event_open fanotify_init fanotify_mark
name_to_handle_at open_by_handle_at syncfs setns finit_module renameat2
memfd_create kexec_file_load bpf execveat userfaultfd copy_file_range
preadv2 pwritev2 statx io_uring_setup io_uring_enter io_uring_register
open_tree move_mount fsopen fsconfig fsmount fspick pidfd_open
pidfd_send_signal pidfd_getfd openat2 faccessat2 process_madvise
epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset
landlock_add_rule landlock_restrict_self memfd_secret process_mrelease
fchmodat2 cachestat socket connect accept accept4 sendto recvfrom sendmsg
recvmsg sendmmsg recvmmsg bind listen getsockname getpeername socketpair
setsockopt getsockopt shutdown close_range
"""
_PROCESS = """
clone clone3 fork vfork execve execveat exit exit_group wait4 waitid kill
tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open pidfd_send_signal
unshare
"""
_NETWORK = """
socket socketpair bind listen accept accept4 connect getsockname getpeername
sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown setsockopt
getsockopt
"""
_SIGNAL = """
rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait
rt_sigqueueinfo rt_sigsuspend sigaltstack kill tkill tgkill signalfd
signalfd4 pause rt_tgsigqueueinfo pidfd_send_signal
"""
_MEMORY = """
mmap mprotect munmap brk mremap msync mincore madvise shmat shmdt mlock
munlock mlockall munlockall remap_file_pages mbind set_mempolicy
get_mempolicy migrate_pages move_pages mlock2 pkey_mprotect
process_madvise memfd_secret map_shadow_stack mseal
"""
_IPC = """
shmget shmat shmctl shmdt semget semop semctl semtimedop msgget msgsnd
msgrcv msgctl mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify
mq_getsetattr
"""
_CREDS = """
getuid getgid setuid setgid geteuid getegid setreuid setregid getgroups
setgroups setresuid getresuid setresgid getresgid setfsuid setfsgid capget
capset prctl
"""
_CLOCK = """
gettimeofday settimeofday adjtimex clock_settime clock_gettime clock_getres
clock_adjtime time
"""
_STAT = "stat newfstatat statx"
_STATFS = "statfs fstatfs"

CLASSES: dict[str, frozenset[str]] = {
    name: frozenset(text.split())
    for name, text in {
        "file": _FILE,
        "desc": _DESC,
        "process": _PROCESS,
        "network": _NETWORK,
        "net": _NETWORK,
        "signal": _SIGNAL,
        "memory": _MEMORY,
        "ipc": _IPC,
        "creds": _CREDS,
        "clock": _CLOCK,
        "stat": _STAT,
        "statfs": _STATFS,
        "lstat": "lstat",
        "fstat": "fstat newfstatat",
    }.items()
}
