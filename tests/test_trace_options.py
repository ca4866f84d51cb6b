"""The ``ptpoll trace`` parser: every command line either parses or fails
with a `UsageError` whose one-line message names what was wrong."""

from __future__ import annotations

import signal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptpoll.tools.trace import syscalls
from ptpoll.tools.trace.options import TraceOptions, UsageError, parse

OPTIONS = [
    "-f", "-ff", "-c", "-C", "-T", "-t", "-tt", "-ttt", "-r", "-v", "-y", "-yy",
    "-q", "-qq", "--seccomp-bpf", "--json", "-e", "-s", "-o", "-p", "-X", "-S",
    "--trace", "--signal", "--waiter", "--", "-fT", "-qqf",
]  # fmt: skip
VALUES = [
    "trace=open,close", "trace=!%file", "trace=%nope", "trace=/^get", "trace=/[",
    "signal=!SIGCHLD", "signal=USR1,9", "signal=SIGBOGUS", "trace=?nosuch",
    "all", "none", "0", "-1", "32", "99999999999", "abc", "raw", "abbrev",
    "verbose", "calls", "1,2", "portable", "io_uring", "uring", "true", "/bin/ls",
    "", " ", "=", "%", "!", "trace=", "x=y",
]  # fmt: skip
words = st.lists(
    st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), st.text(max_size=8)),
    max_size=8,
)


@settings(max_examples=600, deadline=None)
@given(words)
def test_any_command_line_parses_or_fails_with_one_clear_line(argv):
    try:
        opts = parse(argv)
    except UsageError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return
    assert isinstance(opts, TraceOptions)
    assert opts.command or opts.pids
    assert not (opts.command and opts.pids)
    assert opts.strsize >= 0
    if opts.trace is not None:
        assert all(isinstance(n, int) and n >= 0 for n in opts.trace)


def nr(name: str) -> int:
    number = syscalls.number(name)
    assert number is not None, name
    return number


def test_trace_sets_negate_add_and_take_away():
    opts = parse(["-e", "trace=openat,close", "--", "true"])
    assert opts.trace == frozenset({nr("openat"), nr("close")})
    opts = parse(["-e", "trace=!openat", "--", "true"])
    assert opts.trace is not None
    assert nr("openat") not in opts.trace and nr("read") in opts.trace
    opts = parse(["-e", "trace=%memory", "-e", "trace=!munmap", "--", "true"])
    assert opts.trace is not None
    assert nr("mmap") in opts.trace and nr("munmap") not in opts.trace
    opts = parse(["-e", "openat", "--trace=close", "--", "true"])
    assert opts.trace == frozenset({nr("openat"), nr("close")})
    opts = parse(["-e", "trace=?nosuchcall,read", "--", "true"])
    assert opts.trace == frozenset({nr("read")})


def test_signal_sets_take_names_numbers_and_negation():
    opts = parse(["-e", "signal=USR1,SIGTERM,9", "--", "true"])
    assert opts.signals == frozenset({signal.SIGUSR1, signal.SIGTERM, 9})
    opts = parse(["-e", "signal=!SIGCHLD", "--", "true"])
    assert opts.signals is not None
    assert signal.SIGCHLD not in opts.signals and signal.SIGINT in opts.signals


def test_short_options_combine_as_in_strace():
    opts = parse(["-fqqT", "-ttt", "-s64", "-p", "12,34", "-p", "56"])
    assert opts.follow and opts.quiet == 2 and opts.syscall_times
    assert opts.timestamps == 3 and opts.strsize == 64
    assert opts.pids == [12, 34, 56]


def test_every_class_names_only_real_system_calls():
    known = set(syscalls.all_names())
    for name, members in syscalls.CLASSES.items():
        # mseal (Linux 6.10) is newer than this machine's uapi header and
        # libseccomp; the class lists already name it.
        unknown = members - known - {"mseal"}
        assert not unknown, (name, sorted(unknown))


def test_syscall_names_come_from_the_table_and_libseccomp():
    assert syscalls.name(0) == "read"
    assert syscalls.name(257) == "openat"
    assert syscalls.number("execve") == 59
    assert syscalls.nargs(syscalls.number("openat") or 0) == 4
    # Past every table: printed as strace prints an unknown number.
    assert syscalls.name(0x1F4) == "syscall_0x1f4"


@pytest.mark.parametrize(
    "argv",
    [["-e", "trace=%bogus", "--", "true"], ["-S", "size", "--", "true"], ["-p", "-5"]],
)
def test_usage_errors_name_the_bad_value(argv):
    with pytest.raises(UsageError) as info:
        parse(argv)
    assert any(word.strip("-") in str(info.value) for word in argv[:2])
