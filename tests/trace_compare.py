"""Run a program under strace and under ``ptpoll trace`` and compare.

Both run with ``-f -o FILE``, so every line starts with the pid. Lines cut
by ``<unfinished ...>`` are joined with their ``<... name resumed>`` half,
pids are mapped between the two runs through the process tree (the k-th
child that a process creates in one run is its k-th child in the other),
and addresses are normalised, since they differ between any two runs.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
STRACE = shutil.which("strace")

needs_strace = pytest.mark.skipif(STRACE is None, reason="strace is not installed")


@functools.cache
def _bindir() -> Path:
    return Path(tempfile.mkdtemp(prefix="ptpoll-trace-bin-"))


@functools.cache
def build(name: str) -> str:
    """Compile tests/programs/NAME.c once per test run; return its path."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("a C compiler (cc or gcc) is needed to build the test programs")
    out = _bindir() / name
    subprocess.run(
        [cc, "-O1", "-Wall", "-pthread", "-o", str(out), str(PROGRAMS / f"{name}.c")],
        check=True,
    )
    return str(out)


@dataclass
class Line:
    pid: int
    text: str

    @property
    def syscall(self) -> str | None:
        m = re.match(r"([a-z_0-9]+)\(", self.text)
        return m.group(1) if m else None

    @property
    def ret(self) -> str | None:
        """What follows the last `` = `` of a syscall line."""
        m = re.search(r"\)\s+= (.*?)(?: <\d+\.\d+>)?$", self.text)
        return m.group(1) if m else None


_PREFIX = re.compile(r"^(\d+)\s+(.*)$")
_RESUMED = re.compile(r"^<\.\.\. ([a-z_0-9]+) resumed>(.*)$")


def parse(text: str) -> list[Line]:
    """The lines of a ``-f -o`` trace, resumed halves joined to their start
    (the joined line sits where the call started)."""
    lines: list[Line] = []
    open_calls: dict[int, Line] = {}
    for raw in text.splitlines():
        m = _PREFIX.match(raw)
        if not m:
            continue
        pid, body = int(m.group(1)), m.group(2)
        resumed = _RESUMED.match(body)
        if resumed and pid in open_calls:
            start = open_calls.pop(pid)
            start.text += resumed.group(2)
            start.text = re.sub(r"\s+= ", " = ", start.text, count=1)
            continue
        if body.endswith(" <unfinished ...>"):
            line = Line(pid, body[: -len(" <unfinished ...>")])
            open_calls[pid] = line
            lines.append(line)
            continue
        lines.append(Line(pid, re.sub(r"\)\s+= ", ") = ", body, count=1)))
    return lines


_CHILD_CALLS = {"clone", "clone3", "fork", "vfork"}


def _children(lines: list[Line]) -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for line in lines:
        if line.syscall in _CHILD_CALLS and line.ret and line.ret.isdigit():
            kids.setdefault(line.pid, []).append(int(line.ret))
    return kids


def pid_map(ours: list[Line], theirs: list[Line]) -> dict[int, int]:
    """Our pids -> strace's, by position in the process tree."""
    if not ours or not theirs:
        return {}
    mapping = {ours[0].pid: theirs[0].pid}
    kids_ours, kids_theirs = _children(ours), _children(theirs)
    todo = [ours[0].pid]
    while todo:
        pid = todo.pop()
        kids = kids_theirs.get(mapping[pid], [])
        for a, b in zip(kids_ours.get(pid, []), kids, strict=False):
            mapping[a] = b
            todo.append(a)
    # Processes whose creation was not traced (-e trace=...) pair up in the
    # order in which they first appear.
    rest_ours = _first_seen(ours, set(mapping))
    rest_theirs = _first_seen(theirs, set(mapping.values()))
    mapping.update(zip(rest_ours, rest_theirs, strict=False))
    return mapping


def _first_seen(lines: list[Line], skip: set[int]) -> list[int]:
    seen: list[int] = []
    for line in lines:
        if line.pid not in skip and line.pid not in seen:
            seen.append(line.pid)
    return seen


_ADDR = re.compile(r"0x[0-9a-f]{5,}")


def normalize(text: str, pids: dict[int, int] | None = None) -> str:
    """Addresses become ``0xADDR``; with *pids*, our pids become strace's."""
    text = _ADDR.sub("0xADDR", text)
    if pids:
        text = re.sub(
            r"\b(\d{2,7})\b", lambda m: str(pids.get(int(m.group(1)), m.group(1))), text
        )
    return text


@dataclass
class Runs:
    strace: list[Line]
    ours: list[Line]
    pids: dict[int, int]
    strace_status: int
    our_status: int

    def by_pid(self, which: str) -> dict[int, list[Line]]:
        out: dict[int, list[Line]] = {}
        for line in getattr(self, which):
            pid = line.pid if which == "strace" else self.pids.get(line.pid, -line.pid)
            out.setdefault(pid, []).append(line)
        return out


def ptpoll_command(options: list[str], argv: list[str], output: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ptpoll",
        "trace",
        "-o",
        output,
        *options,
        "--",
        *argv,
    ]


def run_both(
    argv: list[str],
    options: list[str] = ["-f"],  # noqa: B006 - never mutated
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Runs:
    """Trace *argv* with strace and with ptpoll, same *options*."""
    assert STRACE is not None
    with tempfile.TemporaryDirectory() as tmp:
        theirs_path, ours_path = os.path.join(tmp, "strace"), os.path.join(tmp, "ours")
        run_env = dict(os.environ if env is None else env)
        theirs = subprocess.run(
            [STRACE, "-o", theirs_path, *options, "--", *argv],
            env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            timeout=timeout, check=False,
        )  # fmt: skip
        ours = subprocess.run(
            ptpoll_command(options, argv, ours_path),
            env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            timeout=timeout, check=False,
        )  # fmt: skip
        assert b"Traceback" not in ours.stderr, ours.stderr.decode()
        theirs_lines = parse(Path(theirs_path).read_text())
        our_lines = parse(Path(ours_path).read_text())
    return Runs(
        theirs_lines,
        our_lines,
        pid_map(our_lines, theirs_lines),
        theirs.returncode,
        ours.returncode,
    )


def decoded(runs: Runs, names: set[str]) -> tuple[list[str], list[str]]:
    """The normalised lines of the syscalls *names*, ours and strace's, in
    order per pid (pids in strace's numbering)."""
    mine: list[str] = []
    theirs: list[str] = []
    for which, dest in (("ours", mine), ("strace", theirs)):
        groups = runs.by_pid(which)
        for pid in sorted(groups):
            for line in groups[pid]:
                if line.syscall in names:
                    pids = runs.pids if which == "ours" else None
                    dest.append(f"{pid} {normalize(line.text, pids)}")
    return mine, theirs
