"""The ``ptpoll trace`` command line: strace's options, parsed and checked.

Every mistake becomes a `UsageError` with one line that says what was
wrong; `cli.main` prints it and exits with status 1, as strace does.
"""

from __future__ import annotations

import argparse
import re
import signal as _signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import syscalls


class UsageError(Exception):
    """A command line that cannot be run; the message is the whole story."""


@dataclass
class TraceOptions:
    command: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    follow: bool = False
    output: str | None = None
    summary: bool = False  # -c
    summary_and_trace: bool = False  # -C
    sort_by: str = "time"  # -S
    syscall_times: bool = False  # -T
    timestamps: int = 0  # -t, -tt, -ttt
    relative: bool = False  # -r
    strsize: int = 32  # -s
    verbose: bool = False  # -v
    xstyle: str = "abbrev"  # -X
    decode_fds: bool = False  # -y
    quiet: int = 0  # -q, -qq
    seccomp_bpf: bool = False
    json: bool = False
    waiter: str | None = None
    # The system calls to show (None: all) and the signals to show.
    trace: frozenset[int] | None = None
    signals: frozenset[int] | None = None

    @property
    def printing(self) -> bool:
        """Whether trace lines are written (``-c`` alone writes none)."""
        return not self.summary or self.summary_and_trace

    @property
    def counting(self) -> bool:
        return self.summary or self.summary_and_trace


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _parser() -> _Parser:
    p = _Parser(
        prog="ptpoll trace",
        description="Trace the system calls and signals of a command or of "
        "running processes, as strace does.",
        epilog="Run a command: ptpoll trace [options] -- COMMAND [ARGS...]; "
        "attach: ptpoll trace [options] -p PID [-p PID...]",
        add_help=True,
    )
    add = p.add_argument
    add(
        "-f",
        dest="follow",
        action="count",
        default=0,
        help="follow the threads and children that clone, fork and vfork make",
    )
    add(
        "-p",
        dest="pids",
        action="append",
        default=[],
        metavar="PID",
        help="attach to the running process PID (all of its threads); "
        "may be repeated or a comma list. Ctrl-C detaches",
    )
    add(
        "-e",
        dest="exprs",
        action="append",
        default=[],
        metavar="EXPR",
        help="trace=SET (names, %%file %%process %%network %%signal %%memory "
        "%%desc %%ipc %%creds %%clock..., /regex, !negation) or signal=SET",
    )
    add("--trace", dest="trace_sets", action="append", default=[], metavar="SET")
    add("--signal", dest="signal_sets", action="append", default=[], metavar="SET")
    add("-o", dest="output", metavar="FILE", help="write the trace to FILE")
    add(
        "-c",
        dest="summary",
        action="store_true",
        help="count time, calls and errors per system call; print a table",
    )
    add(
        "-C",
        dest="summary_and_trace",
        action="store_true",
        help="like -c, and print the trace too",
    )
    add(
        "-S",
        dest="sort_by",
        default="time",
        choices=["time", "calls", "errors", "name", "nothing"],
        help="sort the -c table by this column (default: time)",
    )
    add(
        "-T",
        dest="syscall_times",
        action="store_true",
        help="show the time spent in each system call",
    )
    add(
        "-t",
        dest="timestamps",
        action="count",
        default=0,
        help="prefix the time of day; -tt with microseconds; -ttt as epoch",
    )
    add(
        "-r",
        dest="relative",
        action="store_true",
        help="prefix the time since the previous line",
    )
    add(
        "-s",
        dest="strsize",
        default="32",
        metavar="N",
        help="show at most N bytes of each string (default 32)",
    )
    add(
        "-v",
        dest="verbose",
        action="store_true",
        help="print structures and environments in full",
    )
    add(
        "-X",
        dest="xstyle",
        default="abbrev",
        choices=["abbrev", "raw", "verbose"],
        help="constants as names (abbrev), numbers (raw) or both (verbose)",
    )
    add(
        "-y",
        dest="decode_fds",
        action="count",
        default=0,
        help="print the path behind every file descriptor",
    )
    add(
        "-q",
        dest="quiet",
        action="count",
        default=0,
        help="no attach/detach messages; -qq: no exit messages either",
    )
    add(
        "--seccomp-bpf",
        dest="seccomp_bpf",
        action="store_true",
        help="stop only at the traced system calls, with a seccomp filter "
        "installed before the command's exec (needs -e trace=, no -p)",
    )
    add(
        "--json",
        dest="json",
        action="store_true",
        help="one JSON object per event instead of strace lines "
        "(schema: docs/trace.md)",
    )
    add(
        "--waiter",
        dest="waiter",
        default=None,
        choices=["io_uring", "portable"],
        help="how tracee statuses are made pollable (default: the best available)",
    )
    add("command", nargs=argparse.REMAINDER, metavar="COMMAND [ARGS...]")
    return p


def parse(argv: Sequence[str]) -> TraceOptions:
    """Options from the words after ``ptpoll trace``. Raises UsageError."""
    ns = _parser().parse_args(list(argv))
    opts = TraceOptions()
    command = list(ns.command)
    if command and command[0] == "--":
        command = command[1:]
    opts.command = command
    opts.pids = _pids(ns.pids)
    if not opts.command and not opts.pids:
        raise UsageError("must have a command to run or -p PID")
    if opts.command and opts.pids:
        raise UsageError("give either a command or -p PID, not both")
    opts.follow = ns.follow > 0
    opts.output = ns.output
    opts.summary = ns.summary
    opts.summary_and_trace = ns.summary_and_trace
    opts.sort_by = ns.sort_by
    opts.syscall_times = ns.syscall_times
    opts.timestamps = min(ns.timestamps, 3)
    opts.relative = ns.relative
    opts.strsize = _non_negative(ns.strsize, "-s")
    opts.verbose = ns.verbose
    opts.xstyle = ns.xstyle
    opts.decode_fds = ns.decode_fds > 0
    opts.quiet = ns.quiet
    opts.seccomp_bpf = ns.seccomp_bpf
    opts.json = ns.json
    opts.waiter = ns.waiter
    if opts.json and opts.counting:
        raise UsageError("--json and -c/-C do not go together")

    trace_sets = list(ns.trace_sets)
    signal_sets = list(ns.signal_sets)
    for expr in ns.exprs:
        qualifier, sep, value = expr.partition("=")
        if not sep:
            qualifier, value = "trace", expr
        if qualifier in ("trace", "t"):
            trace_sets.append(value)
        elif qualifier in ("signal", "signals", "s"):
            signal_sets.append(value)
        else:
            raise UsageError(f"invalid -e qualifier {qualifier!r} in {expr!r}")
    if trace_sets:
        opts.trace = _syscall_set(trace_sets)
    if signal_sets:
        opts.signals = _signal_set(signal_sets)
    if opts.seccomp_bpf and opts.pids:
        raise UsageError("--seccomp-bpf works only for a command that ptpoll starts")
    return opts


def _non_negative(text: str, option: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(
            f"invalid {option} argument: {text!r} is not a number"
        ) from None
    if value < 0 or value > 1 << 30:
        raise UsageError(f"invalid {option} argument: {text!r} is out of range")
    return value


def _pids(words: list[str]) -> list[int]:
    pids: list[int] = []
    for word in words:
        for part in re.split(r"[,\s]+", word.strip()):
            if not part:
                continue
            try:
                pid = int(part)
            except ValueError:
                raise UsageError(f"invalid process id: {part!r}") from None
            if pid <= 0 or pid >= 1 << 22:
                raise UsageError(f"invalid process id: {part!r}")
            if pid not in pids:
                pids.append(pid)
    return pids


def _combine(
    sets: list[str], everything: set[int], expand: Callable[[str], set[int]]
) -> frozenset[int]:
    """Apply ``-e`` sets in order: the first chooses, each later positive
    set adds, each negated (``!``) one takes away."""
    chosen: set[int] | None = None
    for text in sets:
        negate = text.startswith("!")
        members = expand(text[1:] if negate else text)
        if chosen is None:
            chosen = everything - members if negate else members
        elif negate:
            chosen -= members
        else:
            chosen |= members
    return frozenset(chosen or ())


def _syscall_set(sets: list[str]) -> frozenset[int]:
    names = syscalls.all_names()
    return _combine(
        sets, set(names.values()), lambda text: _expand_syscalls(text, names)
    )


def _expand_syscalls(text: str, names: dict[str, int]) -> set[int]:
    out: set[int] = set()
    for item in text.split(","):
        item = item.strip()
        optional = item.startswith("?")
        if optional:
            item = item[1:]
        if item in ("all", ""):
            if item == "all":
                out |= set(names.values())
            continue
        if item == "none":
            continue
        if item.startswith("%"):
            group = syscalls.CLASSES.get(item[1:])
            if group is None:
                if optional:
                    continue
                raise UsageError(f"invalid system call class {item!r}")
            out |= {names[n] for n in group if n in names}
        elif item.startswith("/"):
            try:
                pattern = re.compile(item[1:])
            except re.error as exc:
                raise UsageError(
                    f"invalid regular expression {item[1:]!r}: {exc}"
                ) from None
            out |= {nr for n, nr in names.items() if pattern.search(n)}
        elif item in names:
            out.add(names[item])
        elif item.isdigit() and int(item) < 1024:
            out.add(int(item))
        elif not optional:
            raise UsageError(f"invalid system call {item!r}")
    return out


def signal_number(word: str) -> int | None:
    word = word.strip().upper()
    if word.isdigit():
        n = int(word)
        return n if 0 < n < _signal.NSIG else None
    if not word.startswith("SIG"):
        word = "SIG" + word
    try:
        return int(_signal.Signals[word])
    except KeyError:
        m = re.fullmatch(r"SIGRTMIN\+(\d+)", word)
        if m and _signal.SIGRTMIN + int(m.group(1)) <= _signal.SIGRTMAX:
            return int(_signal.SIGRTMIN) + int(m.group(1))
        return None


def _signal_set(sets: list[str]) -> frozenset[int]:
    everything = set(range(1, _signal.NSIG))

    def expand(text: str) -> set[int]:
        members: set[int] = set()
        for item in text.split(","):
            item = item.strip()
            if item == "all":
                members |= everything
            elif item not in ("none", ""):
                n = signal_number(item)
                if n is None:
                    raise UsageError(f"invalid signal {item!r}")
                members.add(n)
        return members

    return _combine(sets, everything, expand)
