"""The file and descriptor decoders against strace 6.1, line for line.

tests/programs/trace_files.c makes each call once as it succeeds and once
as it fails, in an empty directory that it leaves empty, so that strace's
run and ours see the same files. Addresses and pids are normalised by the
harness; everything else must be equal.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ptpoll.tools.trace import decoders
from ptpoll.tools.trace.decoders import files
from ptpoll.tools.trace.decoders.base import READ_LIMIT, Call, Ctx
from tests.trace_compare import Runs, build, decoded, needs_strace, run_both

NAMES = set(files.SIGNATURES)

# Inode numbers of pipes differ from one run to the next.
_PIPE_INODE = re.compile(r"pipe:\[\d+\]")


def _run(tmp_path: Path, options: list[str]) -> Runs:
    workdir = tmp_path / "work"
    workdir.mkdir()
    runs = run_both([build("trace_files"), str(workdir)], ["-f", *options])
    assert (runs.strace_status, runs.our_status) == (0, 0)
    assert not list(workdir.iterdir()), "the workload left files behind"
    return runs


@pytest.fixture(scope="module")
def default_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return _run(tmp_path_factory.mktemp("files"), [])


@needs_strace
@pytest.mark.parametrize("name", sorted(NAMES))
def test_each_call_prints_as_strace_does(default_runs: Runs, name: str) -> None:
    ours, theirs = decoded(default_runs, {name})
    assert theirs, f"the workload never makes {name}"
    assert ours == theirs


@needs_strace
def test_failures_print_the_errno_and_output_addresses(default_runs: Runs) -> None:
    ours, theirs = decoded(default_runs, NAMES)
    failed = [line for line in theirs if " = -1 E" in line]
    for errname in ("ENOENT", "EBADF", "EFAULT", "EINVAL", "ENOTTY"):
        assert any(f"-1 {errname} " in line for line in failed), errname
    assert [line for line in ours if " = -1 E" in line] == failed


@needs_strace
@pytest.mark.parametrize(
    "options",
    [["-s", "8"], ["-s", "3"], ["-X", "raw"], ["-X", "verbose"]],
    ids=["s8", "s3", "Xraw", "Xverbose"],
)
def test_options_shape_lines_as_in_strace(tmp_path: Path, options: list[str]) -> None:
    ours, theirs = decoded(_run(tmp_path, options), NAMES)
    assert ours == theirs


@needs_strace
def test_fd_paths_with_y(tmp_path: Path) -> None:
    ours, theirs = decoded(_run(tmp_path, ["-y"]), NAMES)
    # A deleted file's path is compared in its own test below.
    ours = [_PIPE_INODE.sub("pipe:[N]", line) for line in ours if "deleted" not in line]
    theirs = [
        _PIPE_INODE.sub("pipe:[N]", line) for line in theirs if "deleted" not in line
    ]
    assert any("AT_FDCWD</" in line for line in theirs)
    assert ours == theirs


@needs_strace
def test_deleted_file_paths_with_y(tmp_path: Path) -> None:
    ours, theirs = decoded(_run(tmp_path, ["-y"]), NAMES)
    ours = [re.sub(r"#\d+", "#N", line) for line in ours if "deleted" in line]
    theirs = [re.sub(r"#\d+", "#N", line) for line in theirs if "deleted" in line]
    assert theirs
    assert ours == theirs


# --- without a tracee --------------------------------------------------------


class _Unreadable:
    """A tracee whose every address faults."""

    tid = pid = 2**22 + 1  # above the default pid_max: no such process

    def read_memory(self, addr: int, size: int) -> bytes:
        raise OSError(14, "Bad address")

    def read_string(self, addr: int, limit: int = 4096) -> bytes:
        raise OSError(14, "Bad address")


class _Zeros:
    """A tracee whose memory reads as zeros."""

    tid = pid = 2**22 + 1

    def read_memory(self, addr: int, size: int) -> bytes:
        # Decoders never ask for more than READ_LIMIT (a garbage count
        # would make a real tracer allocate it).
        assert size <= READ_LIMIT, size
        return bytes(size)

    def read_string(self, addr: int, limit: int = 4096) -> bytes:
        return b""


_ARG_SETS = [
    (0,) * 6,
    (0x1000,) * 6,
    (2**64 - 1,) * 6,
    (3, 0x7FFF0000, 0x5401, 0x7FFF0000, 8, 0x7FFF0000),
]


@pytest.mark.parametrize("memory", [_Unreadable(), _Zeros()], ids=["fault", "zeros"])
@pytest.mark.parametrize("style", ["abbrev", "raw", "verbose"])
def test_decoders_never_raise(memory: object, style: str) -> None:
    ctx = Ctx(xstyle=style, decode_fds=True)
    # Every module's decoders, not only this file's.
    for name, signature in decoders.SIGNATURES.items():
        for args in _ARG_SETS:
            for rval, error in ((None, 0), (-1, 14), (0, 0), (8, 0), (2**31, 0)):
                call = Call(memory, 0, name, args)  # type: ignore[arg-type]
                call.rval, call.error = rval, error
                for i, arg in enumerate(signature.args):
                    text = arg.fn(ctx, call, i)
                    assert text is None or isinstance(text, str), name
                if rval is not None and not error:
                    assert isinstance(signature.ret(ctx, call), str), name


def test_open_flags_follow_strace_order() -> None:
    ctx = Ctx()
    flags = os.O_RDWR | os.O_CREAT | os.O_TMPFILE
    assert files.open_flags(ctx, flags) == "O_RDWR|O_CREAT|O_TMPFILE"
    flags = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
    assert files.open_flags(ctx, flags) == "O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY"
    assert files.open_flags(ctx, 0o100000) == "O_RDONLY|O_LARGEFILE"
