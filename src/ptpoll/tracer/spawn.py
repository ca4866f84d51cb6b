"""Preparing a child for `Tracer.spawn`: arguments, descriptors, errors.

The child is created by the C helper ``ptpoll.linux._spawn``: it sets up
its descriptors and directory, then blocks on a pipe until the tracer has
seized it, then execs. Exec failures come back through a second pipe as
``(stage, errno)`` and are raised in the caller as ``subprocess`` does.
"""

from __future__ import annotations

import errno as _errno
import os
import struct
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Union

from ..linux import _spawn

__all__ = ["PIPE", "DEVNULL", "Child", "StdArg", "start_child", "child_error"]

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL

StdArg = Union[None, int, IO[Any]]  # noqa: UP007 - a runtime alias on 3.10
StrOrBytesPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


@dataclass
class Child:
    """A child waiting at its pipe for the go-ahead."""

    pid: int
    go_fd: int
    err_fd: int
    stdin: IO[bytes] | None = None
    stdout: IO[bytes] | None = None
    stderr: IO[bytes] | None = None

    def release(self) -> None:
        """Let the child exec. A child that failed earlier (chdir, say) has
        closed its end: its exit status and error pipe tell the rest."""
        try:
            os.write(self.go_fd, b"\0")
        except BrokenPipeError:
            pass
        os.close(self.go_fd)
        self.go_fd = -1

    def abort(self) -> None:
        """Make the child exit without exec (it reads EOF on its pipe)."""
        if self.go_fd >= 0:
            os.close(self.go_fd)
            self.go_fd = -1

    def read_error(self) -> tuple[int, int] | None:
        """``(stage, errno)`` if the child reported a failure, else None.

        Precondition: the child has terminated. Closes the error pipe.
        """
        if self.err_fd < 0:
            return None
        try:
            # Non-blocking: a child forked meanwhile by another thread of the
            # program may hold the write end too, so EOF may never come; a
            # child that failed wrote its report before it exited.
            data = os.read(self.err_fd, 8)
        except BlockingIOError:
            data = b""
        self.close_error_pipe()
        if len(data) < 8:
            return None
        stage, err = struct.unpack("=ii", data)
        return stage, err

    def close_error_pipe(self) -> None:
        if self.err_fd >= 0:
            os.close(self.err_fd)
            self.err_fd = -1

    def close(self) -> None:
        """Close every descriptor this side holds (after a failed start)."""
        self.abort()
        self.close_error_pipe()
        for end in (self.stdin, self.stdout, self.stderr):
            if end is not None:
                end.close()


def _fsencode_list(items: Sequence[StrOrBytesPath], what: str) -> list[bytes]:
    out = []
    for item in items:
        if not isinstance(item, (str, bytes, os.PathLike)):
            raise TypeError(
                f"{what} must hold str, bytes or path-like items, not {item!r}"
            )
        out.append(os.fsencode(item))
    return out


def _exec_paths(program: bytes, env: Mapping[str, str] | None) -> list[bytes]:
    if b"/" in program:
        return [program]
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    return [
        os.path.join(os.fsencode(d) or b".", program) for d in path.split(os.pathsep)
    ]


def _std_fd(arg: StdArg, name: str, close: list[int]) -> int:
    """The descriptor the child gets for one standard stream (-1: inherit)."""
    if arg is None:
        return -1
    if arg == DEVNULL:
        fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        close.append(fd)
        return fd
    if isinstance(arg, int):
        if arg < 0:
            raise ValueError(
                f"{name} must be a descriptor >= 0, PIPE or DEVNULL, not {arg!r}"
            )
        return arg
    if hasattr(arg, "fileno"):
        return int(arg.fileno())
    raise TypeError(
        f"{name} must be None, a descriptor, a file object, PIPE or DEVNULL,"
        f" not {arg!r}"
    )


def start_child(
    argv: Sequence[StrOrBytesPath],
    *,
    executable: StrOrBytesPath | None,
    env: Mapping[str, str] | None,
    cwd: StrOrBytesPath | None,
    stdin: StdArg,
    stdout: StdArg,
    stderr: StdArg,
    seccomp_filter: bytes | None = None,
) -> Child:
    """Create the waiting child. Raises TypeError/ValueError for bad
    arguments and OSError if no child could be created. The child installs
    *seccomp_filter* (a BPF program) after the go byte, before exec."""
    if seccomp_filter is not None and not isinstance(seccomp_filter, bytes):
        raise TypeError(f"seccomp_filter must be bytes or None, not {seccomp_filter!r}")
    if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
        raise TypeError(f"argv must be a sequence of arguments, not {argv!r}")
    if not argv:
        raise ValueError("argv must name a program: it is empty")
    args = _fsencode_list(argv, "argv")
    program = os.fsencode(executable) if executable is not None else args[0]
    paths = _exec_paths(program, env)
    if env is None:
        envp = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in os.environ.items()]
    else:
        envp = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()]
    cwd_b = os.fsencode(cwd) if cwd is not None else None

    close: list[int] = []
    parent_ends: list[IO[bytes] | None] = [None, None, None]
    std = []
    try:
        for index, (arg, name) in enumerate(
            ((stdin, "stdin"), (stdout, "stdout"), (stderr, "stderr"))
        ):
            if arg == PIPE:
                r, w = os.pipe2(os.O_CLOEXEC)
                child_end, parent_end = (r, w) if index == 0 else (w, r)
                close.append(child_end)
                parent_ends[index] = os.fdopen(parent_end, "wb" if index == 0 else "rb")
                std.append(child_end)
            else:
                std.append(_std_fd(arg, name, close))
        go_r, go_w = os.pipe2(os.O_CLOEXEC)
        close.append(go_r)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        close.append(err_w)
        os.set_blocking(err_r, False)
        try:
            pid = _spawn.fork_exec(
                paths,
                args,
                envp,
                cwd_b,
                std[0],
                std[1],
                std[2],
                go_r,
                err_w,
                seccomp_filter,
            )
        except BaseException:
            os.close(go_w)
            os.close(err_r)
            raise
    except BaseException:
        for end in parent_ends:
            if end is not None:
                end.close()
        raise
    finally:
        for fd in close:
            os.close(fd)
    return Child(pid, go_w, err_r, parent_ends[0], parent_ends[1], parent_ends[2])


_STAGES = {
    _spawn.STAGE_EXEC: "exec",
    _spawn.STAGE_CHDIR: "chdir",
    _spawn.STAGE_FDS: "set up descriptors for",
    _spawn.STAGE_GO: "wait for the tracer in",
    _spawn.STAGE_SECCOMP: "install the seccomp filter in",
}


def child_error(
    stage: int, err: int, program: StrOrBytesPath, cwd: StrOrBytesPath | None
) -> OSError:
    """The exception that a failed spawn raises in the caller."""
    if stage == _spawn.STAGE_CHDIR:
        exc = OSError(err, os.strerror(err), cwd)
    elif stage == _spawn.STAGE_EXEC:
        exc = OSError(err, os.strerror(err), program)
    else:
        what = _STAGES.get(stage, f"stage {stage} of")
        exc = OSError(
            err or _errno.EIO, f"could not {what} the child: {os.strerror(err)}"
        )
    return exc
